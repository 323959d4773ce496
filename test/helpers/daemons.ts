/**
 * `mesoscloud master|agent ...` as real processes started through the built CLI, each with its
 * output kept for failure messages, and a pool that stops them all (agents with SIGUSR1 so they
 * kill their tasks, then masters) and kills stragglers and left-behind tasks by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { findTaskProcesses, killGroupOrProcess } from '../../infra/providers/processes';
import { ROOT } from '../e2e/run-cli';
import { eventually, request } from './http';

export const BIN = path.join(ROOT, 'bin', 'run.js');
/** Generous bounds for things that happen in well under a second, so a loaded CI machine does not flake. */
export const START_MS = 30_000;
export const EXIT_MS = 30_000;

export class Daemon {
  readonly child: ChildProcess;
  private output = '';
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly args: string[], env: NodeJS.ProcessEnv, spawnArgs: { command?: string; prefix?: string[] } = {}) {
    const command = spawnArgs.command ?? process.execPath;
    this.child = spawn(command, [...(spawnArgs.prefix ?? []), ...(spawnArgs.command ? [process.execPath] : []), BIN, ...args], {
      cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (c: Buffer) => { this.output += c.toString() };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exit = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number { return this.child.pid! }
  get running(): boolean { return this.child.exitCode === null && this.child.signalCode === null }
  get log(): string { return this.output }

  /** Resolves with how it ended (signal deaths included); SIGKILLs it after timeoutMs. */
  async ended(timeoutMs = EXIT_MS): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`mesoscloud ${this.args.join(' ')} did not exit\n${this.output}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with the exit code; fails if it died of a signal or is still there after EXIT_MS. */
  async exited(): Promise<number | null> {
    const { code, signal } = await this.ended();
    if (signal) throw new Error(`mesoscloud ${this.args.join(' ')} died of ${signal}\n${this.output}`);
    return code;
  }

  /** Polls `check` while the process lives; a process that dies first fails with its output. */
  async until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = START_MS): Promise<T> {
    try {
      return await eventually(async () => {
        if (!this.running) throw new Error(`mesoscloud ${this.args[0]} exited (${this.child.exitCode}) before ${what}`);
        return check();
      }, what, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- output of mesoscloud ${this.args.join(' ')} ---\n${this.output}`);
    }
  }
}

/** The daemons of one test file, with a scratch dir whose sandboxes it cleans. */
export class DaemonPool {
  readonly daemons: Daemon[] = [];

  constructor(readonly scratch: string) {}

  start(args: string[], spawnArgs?: { command?: string; prefix?: string[] }): Daemon {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: path.join(this.scratch, 'data'), MESOSCLOUD_MASTER: '', MESOSCLOUD_CLUSTER: '' };
    const daemon = new Daemon(args, env, spawnArgs);
    this.daemons.push(daemon);
    return daemon;
  }

  /** Agents first, with SIGUSR1 so they kill their tasks; then the masters. */
  async stopAll(): Promise<void> {
    const running = this.daemons.filter((d) => d.running);
    const stop = async (list: Daemon[], signal: NodeJS.Signals) => {
      await Promise.all(list.map(async (d) => {
        d.child.kill('SIGCONT');
        d.child.kill(signal);
        await d.exited().catch(() => undefined);
      }));
    };
    await stop(running.filter((d) => d.args[0] === 'agent'), 'SIGUSR1');
    await stop(running.filter((d) => d.args[0] !== 'agent'), 'SIGTERM');
    this.killLeftoverTasks();
  }

  /** Safety net: whatever a failed test left behind goes, by PID. */
  killAll(): void {
    for (const daemon of this.daemons) if (daemon.running) daemon.child.kill('SIGKILL');
    this.killLeftoverTasks();
  }

  /** Task processes still running in a sandbox under scratch (found by their cwd or MESOS_SANDBOX, so never a reused pid). */
  killLeftoverTasks(): void {
    for (const pid of findTaskProcesses(this.scratch)) killGroupOrProcess(pid, 'SIGKILL');
  }
}

export async function answers(url: string): Promise<boolean> {
  try {
    return (await request(url)).status === 200;
  } catch {
    return false;
  }
}
