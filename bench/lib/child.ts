/**
 * Benchmark helpers that run in child processes (emulated agents, schedulers, load generators), so
 * their sockets and JSON work are not counted as the master's. Parent and child speak over the fork
 * IPC channel: the child says 'ready', waits for 'go', then reports progress.
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface ChildMessage {
  type: string;
  count?: number;
  message?: string;
  /** Anything else a child reports (e.g. measured latencies). */
  data?: unknown;
}

export function sendToParent(message: ChildMessage): void {
  process.send?.(message);
}

export function untilParentSays(word: string): Promise<void> {
  sendToParent({ type: 'ready' });
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (message !== word) return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
}

/** Runs a child's work, reporting a failure to the parent and exiting non-zero. */
export function runChild(work: Promise<void>): void {
  work.catch((err: Error) => {
    sendToParent({ type: 'failed', message: err.message });
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}

export class Child {
  private readonly process: ChildProcess;
  private listeners: ((message: ChildMessage) => void)[] = [];
  readonly ready: Promise<void>;

  /** Forks `modulePath` with `args`; the module decides its role from them. */
  constructor(modulePath: string, args: string[]) {
    // No inherited flags: a profiler attached to the master must not profile the children too.
    this.process = fork(modulePath, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.process.on('message', (message: ChildMessage) => {
      if (message.type === 'failed') throw new Error(`child failed: ${message.message}`);
      for (const listener of this.listeners) listener(message);
    });
    this.ready = this.next((m) => m.type === 'ready').then(() => undefined);
  }

  go(word = 'go'): void { this.process.send(word) }

  next(match: (message: ChildMessage) => boolean): Promise<ChildMessage> {
    return new Promise((resolve) => {
      const listener = (message: ChildMessage) => {
        if (!match(message)) return;
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(message);
      };
      this.listeners.push(listener);
    });
  }

  stop(): void { this.process.kill('SIGKILL') }
}
