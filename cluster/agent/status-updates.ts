/**
 * Status update manager: the agent's promise that every task state change reaches the framework.
 *
 * Each task has one stream. An update is sent only when every earlier update of the same task has
 * been acknowledged (frameworks see states in order), and it is re-sent until the master relays an
 * acknowledgement carrying its uuid: first after `initialRetryMs`, then doubling up to `maxRetryMs`.
 * The acknowledgement of a terminal update closes the stream.
 *
 * This module is pure: time comes from an injected clock, sending through an injected function and
 * persistence is the caller's business (see status-update-log.ts), so tests drive it step by step.
 */
import type { FrameworkID, TaskStatus } from '../protocol/types';
import { isTerminalState } from '../protocol/types';

export interface StatusUpdate {
  framework_id: FrameworkID;
  /** `uuid` is required: it is what the acknowledgement names. */
  status: TaskStatus & { uuid: string };
}

export interface Timer { cancel(): void }
export interface Clock { setTimeout(fn: () => void, ms: number): Timer }

export const realClock: Clock = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

export const MAX_RETRY_MS = 10 * 60 * 1000;

export interface StatusUpdateManagerOptions {
  clock: Clock;
  /** Fire and forget: a lost send is covered by the retry. */
  send: (update: StatusUpdate) => void;
  initialRetryMs: number;
  maxRetryMs?: number;
  /** Called once the terminal update of a task has been acknowledged. */
  onStreamClosed?: (update: StatusUpdate) => void;
}

interface Stream {
  queue: StatusUpdate[];
  retryMs: number;
  timer?: Timer;
  /** A terminal update has been enqueued: nothing may follow it. */
  sealed: boolean;
}

export type AckResult = 'acknowledged' | 'unknown-task' | 'wrong-uuid';

function streamKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

export class StatusUpdateManager {
  private readonly streams = new Map<string, Stream>();
  private readonly maxRetryMs: number;

  constructor(private readonly opts: StatusUpdateManagerOptions) {
    if (!(opts.initialRetryMs > 0)) throw new Error(`status update retry interval must be positive, got ${opts.initialRetryMs}`);
    this.maxRetryMs = Math.max(opts.initialRetryMs, opts.maxRetryMs ?? MAX_RETRY_MS);
  }

  /**
   * Queues an update; it is sent at once when nothing of its task is waiting for an acknowledgement.
   * Returns false (and drops it) when the task's terminal update was already queued.
   */
  enqueue(update: StatusUpdate): boolean {
    if (!update.status.uuid) throw new Error('a status update needs a uuid to be acknowledged');
    const key = streamKey(update.framework_id.value, update.status.task_id.value);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { queue: [], retryMs: this.opts.initialRetryMs, sealed: false };
      this.streams.set(key, stream);
    }
    if (stream.sealed) return false;
    if (isTerminalState(update.status.state)) stream.sealed = true;
    stream.queue.push(update);
    if (stream.queue.length === 1) this.sendHead(stream);
    return true;
  }

  /** Applies an acknowledgement; only the uuid of the update in flight counts. */
  acknowledge(frameworkId: string, taskId: string, uuid: string): AckResult {
    const key = streamKey(frameworkId, taskId);
    const stream = this.streams.get(key);
    if (!stream || stream.queue.length === 0) return 'unknown-task';
    const head = stream.queue[0];
    if (head.status.uuid !== uuid) return 'wrong-uuid';
    stream.timer?.cancel();
    stream.timer = undefined;
    stream.queue.shift();
    stream.retryMs = this.opts.initialRetryMs;
    if (stream.queue.length > 0) {
      this.sendHead(stream);
    } else if (stream.sealed) {
      this.streams.delete(key);
      this.opts.onStreamClosed?.(head);
    }
    return 'acknowledged';
  }

  /** Re-sends every unacknowledged head now, e.g. right after (re-)registering with a master. */
  flush(): void {
    for (const stream of this.streams.values()) {
      if (stream.queue.length === 0) continue;
      stream.timer?.cancel();
      stream.retryMs = this.opts.initialRetryMs;
      this.sendHead(stream);
    }
  }

  /** Updates of a task not yet acknowledged, oldest first. */
  pending(frameworkId: string, taskId: string): StatusUpdate[] {
    return [...(this.streams.get(streamKey(frameworkId, taskId))?.queue ?? [])];
  }

  /** True while the task has a stream: updates in flight or not yet terminal. */
  hasStream(frameworkId: string, taskId: string): boolean {
    return this.streams.has(streamKey(frameworkId, taskId));
  }

  /** Forgets a task's stream without sending anything more (its framework is gone). */
  drop(frameworkId: string, taskId: string): void {
    const key = streamKey(frameworkId, taskId);
    this.streams.get(key)?.timer?.cancel();
    this.streams.delete(key);
  }

  /** Stops every retry timer; queued updates stay queued. */
  close(): void {
    for (const stream of this.streams.values()) {
      stream.timer?.cancel();
      stream.timer = undefined;
    }
  }

  private sendHead(stream: Stream): void {
    const head = stream.queue[0];
    this.opts.send(head);
    const delay = stream.retryMs;
    stream.timer = this.opts.clock.setTimeout(() => {
      stream.timer = undefined;
      if (stream.queue[0] !== head) return;
      stream.retryMs = Math.min(stream.retryMs * 2, this.maxRetryMs);
      this.sendHead(stream);
    }, delay);
  }
}

/** One line of a task's on-disk update log. */
export type UpdateLogRecord = { type: 'UPDATE'; update: StatusUpdate } | { type: 'ACK'; uuid: string };

/**
 * What a task's log says is still owed to the framework: the updates not yet acknowledged, in order.
 * Acknowledgements are applied in log order, so a stray uuid cannot skip an update.
 */
export function unacknowledgedUpdates(records: UpdateLogRecord[]): StatusUpdate[] {
  const pending: StatusUpdate[] = [];
  for (const record of records) {
    if (record.type === 'UPDATE') pending.push(record.update);
    else if (pending.length > 0 && pending[0].status.uuid === record.uuid) pending.shift();
  }
  return pending;
}
