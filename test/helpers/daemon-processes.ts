/**
 * The master and agent daemons as real processes started through the built CLI (`npm run build`
 * first; ensureBuilt checks), for tests that kill, restart and cut them off: `kill -9` of an agent,
 * its restart on the same work dir, an agent inside a network namespace. Every process is tracked
 * and stopped by pid in stopAll().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OperatorClient } from '../../cluster/client/operator';
import { freePort } from '../../infra/machine/ports';
import { findTaskProcesses, killGroupOrProcess } from '../../infra/machine/processes';
import { ROOT } from './run-cli';
import type { Offer } from '../../cluster/protocol/types';
import { eventually, getJson, request } from './http';
import { commandTask, type RawScheduler } from './scheduler';

export const BIN = path.join(ROOT, 'bin', 'run.js');
/** Generous bounds for things that take well under a second, so a loaded CI machine does not flake. */
export const START_MS = 30_000;
const EXIT_MS = 30_000;

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

export class Daemon {
  readonly child: ChildProcess;
  private output = '';
  readonly exit: Promise<Exit>;

  /** `prefix` runs the CLI through another program, e.g. ['ip', 'netns', 'exec', name] (which execs it, keeping the pid). */
  constructor(readonly args: string[], env: NodeJS.ProcessEnv, prefix: string[] = []) {
    const argv = [...prefix, process.execPath, BIN, ...args];
    this.child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env: { ...process.env, MESOSCLOUD_MASTER: '', MESOSCLOUD_CLUSTER: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (c: Buffer) => { this.output += c.toString() };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exit = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number { return this.child.pid! }
  get running(): boolean { return this.child.exitCode === null && this.child.signalCode === null }
  get log(): string { return this.output }

  /** Sends `signal` and waits for the exit; SIGKILL after EXIT_MS. */
  async stop(signal: NodeJS.Signals): Promise<Exit> {
    if (!this.running) return this.exit;
    this.child.kill('SIGCONT');
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_MS);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with how it ended (signal deaths included); SIGKILLs it after timeoutMs. */
  async ended(timeoutMs = EXIT_MS): Promise<Exit> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with the exit code; fails if it died of a signal. */
  async exited(): Promise<number | null> {
    const { code, signal } = await this.ended();
    if (signal) throw new Error(`mesoscloud ${this.args.join(' ')} died of ${signal}\n${this.output}`);
    return code;
  }

  /** Polls `check` while the process lives; a process that dies first fails with its output. */
  async until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = START_MS): Promise<T> {
    try {
      return await eventually(async () => {
        if (!this.running) throw new Error(`mesoscloud ${this.args[0]} exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}`);
        return check();
      }, what, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- output of mesoscloud ${this.args.join(' ')} ---\n${this.output}`);
    }
  }
}

export async function answers(url: string): Promise<boolean> {
  try {
    return (await request(url)).status === 200;
  } catch {
    return false;
  }
}

export interface MasterProcess { daemon: Daemon; url: string; port: number; operator: OperatorClient }
export interface AgentProcess { daemon: Daemon; id: string; port: number; url: string; workDir: string }

export interface AgentStart {
  /** Reuse a work dir (a restart); default: a new one under the scratch dir. */
  workDir?: string;
  /** Default: a free port on 127.0.0.1. */
  port?: number;
  ip?: string;
  /** Address of the master as the agent reaches it; default the master's URL. */
  master?: string;
  /** Runs the agent through this, e.g. inside a network namespace. */
  prefix?: string[];
}

/** Starts and tracks daemons for one suite; stopAll() in afterEach/afterAll. */
export class DaemonSet {
  readonly daemons: Daemon[] = [];

  constructor(readonly scratch: string) {}

  /** Any `mesoscloud` daemon command line, tracked for stopAll(). */
  start(args: string[], prefix?: string[]): Daemon {
    const daemon = new Daemon(args, { XDG_DATA_HOME: path.join(this.scratch, 'data') }, prefix);
    this.daemons.push(daemon);
    return daemon;
  }

  /** `mesoscloud master` once /health answers; a port someone took meanwhile is retried (unless `port` was given); `workDir` reuses one (a restart). */
  async startMaster(flags: string[] = [], opts: { ip?: string; port?: number; workDir?: string } = {}): Promise<MasterProcess> {
    const ip = opts.ip ?? '127.0.0.1';
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort(ip));
      const workDir = opts.workDir ?? fs.mkdtempSync(path.join(this.scratch, 'master-'));
      const daemon = this.start(['master', '--ip', ip, '--port', String(port), '--work_dir', workDir, ...flags]);
      const url = `http://${ip}:${port}`;
      try {
        await daemon.until(() => answers(`${url}/health`), 'the master answering /health');
        return { daemon, url, port, operator: new OperatorClient(url) };
      } catch (err) {
        if (opts.port !== undefined || attempt >= 3 || daemon.running || !/EADDRINUSE|in use/i.test(daemon.log)) throw err;
      }
    }
  }

  /** `mesoscloud agent` (unisolated unless flags say otherwise) once the master lists it as active. */
  async startAgent(master: MasterProcess, flags: string[] = [], opts: AgentStart = {}): Promise<AgentProcess> {
    const ip = opts.ip ?? '127.0.0.1';
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort(ip));
      const workDir = opts.workDir ?? fs.mkdtempSync(path.join(this.scratch, 'agent-'));
      const daemon = this.start(
        ['agent', '--master', opts.master ?? master.url, '--ip', ip, '--port', String(port), '--work_dir', workDir, ...(flags.includes('--isolation') ? [] : ['--isolation', 'none']), ...rootTasks(flags), ...flags],
        opts.prefix,
      );
      const url = `http://${ip}:${port}`;
      try {
        const id = await daemon.until(async () => {
          const state = await getJson<{ id: string }>(`${url}/state`).catch(() => undefined);
          return state?.id ? state.id : undefined;
        }, 'the agent registering');
        await daemon.until(async () => (await activeAgentIds(master)).has(id), `agent ${id} active on the master`);
        return { daemon, id, port, url, workDir };
      } catch (err) {
        if (opts.port !== undefined || attempt >= 3 || daemon.running || !/EADDRINUSE|in use/i.test(daemon.log)) throw err;
      }
    }
  }

  /** Agents first (SIGKILL leaves their tasks), then masters; then the tasks left in the scratch dir, by pid. */
  async stopAll(): Promise<void> {
    const running = this.daemons.splice(0).filter((d) => d.running);
    await Promise.all(running.filter((d) => d.args[0] === 'agent').map((d) => d.stop('SIGKILL')));
    await Promise.all(running.filter((d) => d.args[0] !== 'agent').map((d) => d.stop('SIGTERM')));
    this.killLeftoverTasks();
  }

  /** Safety net for afterAll: whatever a failed test left behind goes, by pid. */
  killAll(): void {
    for (const daemon of this.daemons) if (daemon.running) daemon.child.kill('SIGKILL');
    this.killLeftoverTasks();
  }

  /** Task processes still running in a sandbox under the scratch dir (found by cwd or MESOS_SANDBOX, so never a reused pid). */
  killLeftoverTasks(): void {
    for (const pid of findTaskProcesses(this.scratch)) killGroupOrProcess(pid, 'SIGKILL');
  }
}

/** One test's scratch directory, its gates directory (files gated tasks wait for) and its daemons. */
export interface DaemonScratch {
  scratch: string;
  gates: string;
  daemons: DaemonSet;
}

export function newDaemonScratch(prefix: string): DaemonScratch {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const gates = path.join(scratch, 'gates');
  fs.mkdirSync(gates);
  return { scratch, gates, daemons: new DaemonSet(scratch) };
}

/**
 * Ends a test: its schedulers, its daemons, and the tasks it left running (they outlive their agent by
 * design, so they are found by their sandboxes); `beforeRemove` runs just before the directory goes.
 */
export async function cleanDaemonScratch(s: DaemonScratch, schedulers: { close(): void }[], beforeRemove?: () => void): Promise<void> {
  for (const scheduler of schedulers.splice(0)) scheduler.close();
  await s.daemons.stopAll();
  for (const pid of findTaskProcesses(s.scratch)) killGroupOrProcess(pid, 'SIGKILL');
  beforeRemove?.();
  fs.rmSync(s.scratch, { recursive: true, force: true });
}

export async function activeAgentIds(master: MasterProcess): Promise<Set<string>> {
  const { agents } = await master.operator.getAgents();
  return new Set(agents.filter((a) => a.active).map((a) => a.agent_info.id!.value));
}

/**
 * Launches `tasks` (task id -> shell command) on the first offer of `agentId`, refusing the rest of
 * the agent for an hour; returns each task's pid (its process group) once it runs.
 */
export async function launchTasks(scheduler: RawScheduler, agentId: string, tasks: Record<string, string>, resources = 'cpus:0.1;mem:32'): Promise<Record<string, number>> {
  let offer: Offer | undefined;
  for (let from = 0; !offer; ) {
    const offers = await scheduler.nextOffers({ from, timeoutMs: START_MS });
    offer = offers.find((o) => o.agent_id.value === agentId);
    from = scheduler.events.length;
  }
  await scheduler.launch([offer], Object.entries(tasks).map(([id, command]) => commandTask(offer!, id, command, resources)), { refuse_seconds: 3600 });
  const pids: Record<string, number> = {};
  for (const id of Object.keys(tasks)) {
    const running = await scheduler.update(id, 'TASK_RUNNING', { timeoutMs: START_MS });
    const pid = running.container_status?.executor_pid;
    if (!pid || pid <= 1) throw new Error(`TASK_RUNNING of ${id} carries no container_status.executor_pid: ${JSON.stringify(running)}`);
    pids[id] = pid;
  }
  return pids;
}

/** The suites' frameworks name the invoking user (root here), so agents allow root tasks unless a suite says (see task-users.ts). */
function rootTasks(flags: string[]): string[] {
  return flags.some((f) => f.startsWith('--allow_root_tasks') || f.startsWith('--no-allow_root_tasks')) ? [] : ['--allow_root_tasks'];
}
