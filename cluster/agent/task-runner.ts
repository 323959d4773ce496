/**
 * The life of one command task, in the role Mesos gives its command executor: set up the sandbox
 * and the cgroups, start the process, watch it, kill it on request, and turn what happened into
 * task states. It knows nothing about masters or acknowledgements; it reports each transition to a
 * callback, in order, exactly once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ExecutorInfo, FrameworkInfo, Resource, TaskInfo, TaskState, TaskStatusReason, TaskStatusSource } from '../protocol/types';
import { isTerminalState } from '../protocol/types';
import type { Logger } from '../util/log';
import type { ContainerCgroups, ContainerLimits, Isolator } from './cgroups';
import { memoryLimitMessage } from './cgroups';
import { writeRunCheckpoint } from './checkpoint';
import type { LaunchedProcess, ProcessExit } from './launcher';
import { JOIN_FAILED_EXIT, launchProcess, readLaunchError, signalGroup, signalPids } from './launcher';
import { commandArgv, taskEnvironment } from './task-command';

export interface TaskRunSpec {
  task: TaskInfo;
  frameworkId: string;
  frameworkInfo: FrameworkInfo;
  agentId: string;
  executorId: string;
  /** The default executor of a task group; absent for a command task, which is its own executor. */
  executor?: ExecutorInfo;
  containerId: string;
  /** The task's working directory, with its stdout and stderr. */
  sandbox: string;
  /** Private run directory: checkpoint, exit status. */
  metaDir: string;
  /** Used when neither the kill request nor the task carries a kill policy. */
  defaultGracePeriodMs: number;
}

export interface TaskTransition {
  state: TaskState;
  source: TaskStatusSource;
  message?: string;
  reason?: TaskStatusReason;
}

export interface TaskRunnerDeps {
  isolator: Isolator;
  logger: Logger;
  /** Every state change, in order; the last one is terminal. */
  onTransition(transition: TaskTransition, runner: TaskRunner): void;
}

/** Sum of a scalar resource over every role. */
export function scalarOf(resources: Resource[], name: string): number | undefined {
  let total: number | undefined;
  for (const r of resources) if (r.name === name && r.type === 'SCALAR' && typeof r.scalar?.value === 'number') total = (total ?? 0) + r.scalar.value;
  return total;
}

export function limitsOf(resources: Resource[]): ContainerLimits {
  return { cpus: scalarOf(resources, 'cpus'), memMb: scalarOf(resources, 'mem') };
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

/**
 * "Command exited with status 3" / "Command terminated with signal SIGKILL", as Mesos words it. The
 * wrapper shell reports a command killed by signal N as status 128+N, the shell convention.
 */
export function describeExit(exit: ProcessExit): string {
  if (exit.signal) return `Command terminated with signal ${exit.signal}`;
  const signal = exit.code !== null && exit.code > 128 ? SIGNAL_NAMES.get(exit.code - 128) : undefined;
  return signal ? `Command terminated with signal ${signal}` : `Command exited with status ${exit.code}`;
}

const NANOS_PER_MS = 1e6;

type KillCause = 'request' | 'max-completion-time';

export class TaskRunner {
  private currentState: TaskState = 'TASK_STAGING';
  private proc?: LaunchedProcess;
  private cgroups?: ContainerCgroups;
  private killCause?: KillCause;
  private pendingKillGraceMs?: number;
  private exited = false;
  private escalation?: NodeJS.Timeout;
  /** When SIGKILL follows the SIGTERM already sent (ms since the epoch). */
  private killDeadline?: number;
  private completionTimer?: NodeJS.Timeout;
  private settle!: () => void;
  /** Resolves after the terminal transition was reported. */
  readonly done: Promise<void> = new Promise((resolve) => (this.settle = resolve));
  readonly launchedAt = Date.now() / 1000;

  constructor(readonly spec: TaskRunSpec, private readonly deps: TaskRunnerDeps) {}

  get state(): TaskState { return this.currentState }
  get pid(): number | undefined { return this.proc?.pid }
  get taskId(): string { return this.spec.task.task_id.value }
  get isTerminal(): boolean { return isTerminalState(this.currentState) }

  /** Sets up and starts the task; failures end the task (TASK_FAILED), they do not throw. */
  async start(): Promise<void> {
    const { spec, deps } = this;
    try {
      const argv = commandArgv(spec.task.command);
      fs.mkdirSync(spec.sandbox, { recursive: true });
      this.cgroups = await deps.isolator.prepare(spec.containerId, limitsOf(spec.task.resources));
      if (this.killCause) {
        await this.cgroups.destroy();
        this.finish({ state: 'TASK_KILLED', source: 'SOURCE_AGENT', reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'Task killed before it started' });
        return;
      }
      this.transition({ state: 'TASK_STARTING', source: 'SOURCE_EXECUTOR' });
      this.proc = await launchProcess({
        argv,
        env: taskEnvironment({
          command: spec.task.command,
          resources: spec.task.resources,
          taskId: this.taskId,
          frameworkId: spec.frameworkId,
          agentId: spec.agentId,
          executorId: spec.executorId,
          containerId: spec.containerId,
          sandbox: spec.sandbox,
          path: process.env.PATH,
        }),
        sandbox: spec.sandbox,
        metaDir: spec.metaDir,
        procsFiles: this.cgroups.procsFiles,
      });
    } catch (err) {
      deps.logger.warn('task launch failed', { task_id: this.taskId, error: (err as Error).message });
      await this.cgroups?.destroy().catch(() => undefined);
      this.finish({ state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${(err as Error).message}` });
      return;
    }
    // Written once there is a pid to record: the pid is what finds the process once the agent is no
    // longer its parent, and a run that died before this point left no process behind.
    this.checkpoint();
    void this.proc.exited.then((exit) => this.onExit(exit)).catch((err) => {
      deps.logger.error('task exit handling failed', { task_id: this.taskId, error: (err as Error).message });
    });
    this.transition({ state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' });
    const maxNanos = spec.task.max_completion_time?.nanoseconds;
    if (typeof maxNanos === 'number' && maxNanos > 0) {
      this.completionTimer = setTimeout(() => this.beginKill('max-completion-time', 0), maxNanos / NANOS_PER_MS);
      this.completionTimer.unref();
    }
    // A kill that arrived while the process was being started.
    if (this.killCause) this.beginKill(this.killCause, this.pendingKillGraceMs ?? this.gracePeriodMs());
  }

  /**
   * SIGTERM to the task's process group (and anything else in its cgroups), SIGKILL after the grace
   * period. Resolves once the task is terminal.
   */
  kill(gracePeriodNanos?: number): Promise<void> {
    if (this.isTerminal) return this.done;
    const graceMs = typeof gracePeriodNanos === 'number' && gracePeriodNanos >= 0 ? gracePeriodNanos / NANOS_PER_MS : this.gracePeriodMs();
    if (!this.proc) {
      this.killCause ??= 'request';
      this.pendingKillGraceMs = Math.min(graceMs, this.pendingKillGraceMs ?? Infinity);
    } else {
      this.beginKill('request', graceMs);
    }
    return this.done;
  }

  /** Kill policy of the task, else the agent's default. */
  private gracePeriodMs(): number {
    const nanos = this.spec.task.kill_policy?.grace_period?.nanoseconds;
    return typeof nanos === 'number' && nanos >= 0 ? nanos / NANOS_PER_MS : this.spec.defaultGracePeriodMs;
  }

  private beginKill(cause: KillCause, graceMs: number): void {
    const proc = this.proc;
    if (!proc || this.exited || this.isTerminal) return;
    this.killCause ??= cause;
    const deadline = Date.now() + graceMs;
    if (this.killDeadline === undefined) {
      if (cause === 'request') this.transition({ state: 'TASK_KILLING', source: 'SOURCE_EXECUTOR' });
      this.signalAll(proc.pid, 'SIGTERM');
    } else if (deadline >= this.killDeadline) {
      // A second kill may shorten the grace period, never lengthen it past the first one's deadline.
      return;
    }
    clearTimeout(this.escalation);
    this.killDeadline = deadline;
    this.escalation = setTimeout(() => this.signalAll(proc.pid, 'SIGKILL'), graceMs);
    this.escalation.unref();
  }

  private signalAll(pgid: number, signal: NodeJS.Signals): void {
    signalGroup(pgid, signal);
    void this.cgroups?.pids().then((pids) => signalPids(pids, signal)).catch(() => undefined);
  }

  private async onExit(exit: ProcessExit): Promise<void> {
    this.exited = true;
    clearTimeout(this.escalation);
    clearTimeout(this.completionTimer);
    const pid = this.proc!.pid;
    const cgroups = this.cgroups!;
    const killedBySigkill = exit.signal === 'SIGKILL' || exit.code === 128 + 9;
    const memory = await cgroups.memoryLimitation(killedBySigkill).catch(() => undefined);
    // The container ends with its first process: whatever the task left behind goes too.
    signalGroup(pid, 'SIGKILL');
    signalPids(await cgroups.pids().catch(() => []), 'SIGKILL');
    await cgroups.destroy().catch((err) => this.deps.logger.warn('cgroup cleanup failed', { task_id: this.taskId, error: (err as Error).message }));
    this.finish(this.terminalFor(exit, memory ? memoryLimitMessage(memory) : undefined));
  }

  private terminalFor(exit: ProcessExit, memoryMessage: string | undefined): TaskTransition {
    const message = describeExit(exit);
    if (this.killCause === 'request') return { state: 'TASK_KILLED', source: 'SOURCE_EXECUTOR', message };
    if (memoryMessage) return { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: memoryMessage };
    if (this.killCause === 'max-completion-time') {
      return { state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', reason: 'REASON_MAX_COMPLETION_TIME_REACHED', message: 'Task max completion time reached' };
    }
    if (exit.code === JOIN_FAILED_EXIT) {
      const launchError = readLaunchError(this.spec.metaDir);
      if (launchError) return { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${launchError}` };
    }
    if (exit.code === 0) return { state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', message };
    return { state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message };
  }

  private transition(t: TaskTransition): void {
    this.currentState = t.state;
    this.deps.onTransition(t, this);
  }

  private finish(t: TaskTransition): void {
    if (this.isTerminal) return;
    this.transition(t);
    this.checkpoint();
    this.settle();
  }

  private checkpoint(): void {
    const { spec } = this;
    try {
      writeRunCheckpoint(spec.metaDir, {
        framework_id: { value: spec.frameworkId },
        framework_info: spec.frameworkInfo,
        task: spec.task,
        ...(spec.executor ? { executor: spec.executor } : {}),
        executor_id: spec.executorId,
        container_id: spec.containerId,
        sandbox: spec.sandbox,
        pid: this.proc?.pid,
        state: this.currentState,
        launched_at: this.launchedAt,
      });
    } catch (err) {
      this.deps.logger.warn('could not write checkpoint', { task_id: this.taskId, error: (err as Error).message });
    }
  }
}
