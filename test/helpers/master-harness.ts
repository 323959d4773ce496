/**
 * A master's core in process, without HTTP: agents and frameworks are records with streams that
 * keep what the master writes to them, and time is a clock the test advances. Offer timeouts, agent
 * pings and failover timeouts then run in milliseconds, the way the allocator's tests do.
 */
import { createAllocator } from '../../cluster/allocator';
import type { RecordIOStream } from '../../cluster/http/server';
import { MasterCore } from '../../cluster/master/core';
import { MASTER_DEFAULTS, type MasterOptions } from '../../cluster/master/options';
import { parseRegistration, type RegisterCall } from '../../cluster/master/state/agents';
import type { AgentRecord } from '../../cluster/master/state/records';
import { newMasterId } from '../../cluster/protocol/ids';
import type { FrameworkInfo, TaskState } from '../../cluster/protocol/types';
import type { Clock, TimerHandle } from '../../cluster/util/clock';
import { silentLogger } from '../../cluster/util/log';

interface PendingTimer { at: number; fn: () => void; every?: number; order: number }

/** A clock that moves only when told to; its timers fire in time order as it passes them. */
export class FakeClock implements Clock {
  private readonly timers = new Set<PendingTimer>();
  private scheduled = 0;

  constructor(private time = 1_700_000_000_000) {}

  now(): number { return this.time }

  setTimeout(fn: () => void, ms: number): TimerHandle { return this.schedule({ at: this.time + ms, fn, order: this.scheduled++ }) }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.schedule({ at: this.time + ms, fn, every: Math.max(1, ms), order: this.scheduled++ });
  }

  /** Timeouts and intervals still to fire. */
  get pending(): number { return this.timers.size }

  /** Moves time forward by `ms`, running every timer that falls due on the way, at its time. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let due = this.nextDue(end); due; due = this.nextDue(end)) {
      this.time = due.at;
      if (due.every === undefined) this.timers.delete(due);
      else due.at += due.every;
      due.fn();
    }
    this.time = end;
  }

  private schedule(timer: PendingTimer): TimerHandle {
    this.timers.add(timer);
    return { cancel: () => { this.timers.delete(timer) } };
  }

  private nextDue(end: number): PendingTimer | undefined {
    let first: PendingTimer | undefined;
    for (const timer of this.timers) {
      if (timer.at > end) continue;
      if (!first || timer.at < first.at || (timer.at === first.at && timer.order < first.order)) first = timer;
    }
    return first;
  }
}

/** A stream that keeps every event written to it; `close()` is the peer going away. */
export interface RecordingStream extends RecordIOStream {
  readonly events: { type: string; [field: string]: unknown }[];
  close(): void;
}

export function recordingStream(): RecordingStream {
  const events: RecordingStream['events'] = [];
  const onClose: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const fn of onClose) fn();
  };
  const stream = {
    events,
    get isClosed() { return closed },
    write: (event: RecordingStream['events'][number]) => {
      if (closed) return false;
      events.push(event);
      return true;
    },
    onClose: (fn: () => void) => { onClose.push(fn) },
    end: close,
    close,
  };
  return stream as unknown as RecordingStream;
}

/** The framework the agents of `registerCall` report their tasks under. */
export const ADOPTED_FRAMEWORK = 'fw-adopted';

/** The REGISTER of agent `index`, reporting `tasks` running tasks of one framework, as after a master failover. */
export function registerCall(index: number, tasks: number, cpus = 8): RegisterCall {
  const agentId = `agent-${index}`;
  return {
    agent_info: {
      id: { value: agentId },
      hostname: `host-${index}`,
      port: 5051,
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
      ],
    },
    version: 'test',
    pid: `127.0.0.1:${20000 + index}`,
    tasks: Array.from({ length: tasks }, (_, t) => ({
      name: `task ${index}/${t}`,
      task_id: { value: `task-${index}-${t}` },
      framework_id: { value: ADOPTED_FRAMEWORK },
      agent_id: { value: agentId },
      state: 'TASK_RUNNING' as TaskState,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
      statuses: [{ task_id: { value: `task-${index}-${t}` }, state: 'TASK_RUNNING' as TaskState, timestamp: 1000 + t }],
    })),
    frameworks: [{ id: { value: ADOPTED_FRAMEWORK }, user: 'u', name: 'adopted' }],
  } as unknown as RegisterCall;
}

export interface MasterHarness {
  readonly core: MasterCore;
  readonly clock: FakeClock;
  /** Registers an agent as REGISTER over the agent channel would, on a recording stream. */
  register(call: RegisterCall, stream?: RecordingStream): AgentRecord;
  /** Subscribes a framework as SUBSCRIBE would; returns its stream and the id the master gave it. */
  subscribe(info: Partial<FrameworkInfo>): { stream: RecordingStream; frameworkId: string };
  /** Lets the event loop turn, so allocation runs that changes asked for may happen (they run on it, not on the clock). */
  turn(): Promise<void>;
  /** Resolves once the next allocation run is done (one is always due within --allocation_interval). */
  allocated(): Promise<void>;
  stop(): void;
}

const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** A leading master's core with a fake clock; `opts` override the defaults. */
export function createMasterHarness(opts: Partial<MasterOptions> = {}, clock = new FakeClock()): MasterHarness {
  const options: MasterOptions = { ...MASTER_DEFAULTS, ip: '127.0.0.1', port: 5050, logger: silentLogger, ...opts };
  const core = new MasterCore(options, createAllocator(), silentLogger, newMasterId(), clock);
  core.start({ id: core.id, ip: 16777343, port: 5050, hostname: 'master', address: { ip: '127.0.0.1', hostname: 'master', port: 5050 } });
  let streams = 0;
  return {
    core,
    clock,
    register(call, stream = recordingStream()) {
      const parsed = parseRegistration(call);
      if (!parsed.ok) throw new Error(parsed.message);
      return core.agents.register(parsed.value, stream, `stream-${call.agent_info.id?.value}`);
    },
    subscribe(info) {
      const stream = recordingStream();
      core.frameworks.subscribe({ user: 'u', name: 'test', roles: ['*'], ...info }, [], stream, `framework-stream-${++streams}`);
      const subscribed = stream.events.find((e) => e.type === 'SUBSCRIBED') as { subscribed: { framework_id: { value: string } } } | undefined;
      if (!subscribed) throw new Error(`the master did not subscribe the framework: ${JSON.stringify(stream.events)}`);
      return { stream, frameworkId: subscribed.subscribed.framework_id.value };
    },
    turn,
    async allocated() {
      const runs = core.allocationTimer.count;
      const giveUp = Date.now() + 10 * options.allocationIntervalMs;
      while (core.allocationTimer.count === runs) {
        if (Date.now() > giveUp) throw new Error('no allocation run');
        await turn();
      }
    },
    stop: () => core.stop(),
  };
}
