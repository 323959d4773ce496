/**
 * The life of one command task, in the role Mesos gives its command executor: set up the sandbox
 * and the cgroups, start the process, watch it, kill it on request, and turn what happened into
 * task states. It knows nothing about masters or acknowledgements; it reports each transition to a
 * callback, in order, exactly once.
 *
 * A runner either starts its task (start) or, after an agent restart, takes over one a previous
 * agent process started (recover): the process is then not the agent's child, so its end is learnt
 * by watching its pid and reading the exit status the task's wrapper recorded (task-process.ts).
 */
import * as os from 'node:os';
import type { CheckStatusInfo, ExecutorInfo, FrameworkInfo, Resource, TaskInfo, TaskState, TaskStatusReason, TaskStatusSource } from '../protocol/types';
import { isTerminalState } from '../protocol/types';
import type { Logger } from '../util/log';
import type { ContainerCgroups, ContainerLimits, Isolator } from './cgroups';
import { memoryLimitMessage } from './cgroups';
import { writeRunCheckpoint } from './checkpoint';
import type { LaunchedProcess, ProcessExit } from './task-process';
import { adoptProcess, findWrapper, JOIN_FAILED_EXIT, launchProcess, readExitStatus, readLaunchError, signalGroup, signalPids } from './task-process';
import type { ProcessIdentity } from './process-identity';
import { isRunning } from './process-identity';
import { commandArgv, taskEnvironment } from './task-command';
import { prepareSandbox } from './sandbox-paths';
import type { AgentFetcher } from './fetcher/fetcher';
import { fetchFailure, fetchUris } from './fetcher/fetcher';
import type { RunAsPolicy, UserIdentity } from './task-user';
import { requestedUser, taskRunAs } from './task-user';
import type { Volumes } from './volumes';
import { TaskChecker } from './checks/task-checker';
import type { HealthVerdict } from './checks/verdicts';
import { emptyCheckStatus } from './checks/verdicts';

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
  /** When the task was launched (seconds since the epoch), for a recovered task; else now. */
  launchedAt?: number;
}

/** What a restarted agent knows of a task it takes over (recovery.ts). */
export interface RecoverSpec {
  /** The last state reported, never terminal. */
  state: TaskState;
  /** The task's process as checkpointed; undefined when no pid was recorded with its start time. */
  identity?: ProcessIdentity;
  /** While killing: when SIGKILL was due. */
  killDeadline?: number;
  /** --recover=cleanup: kill it once adopted. */
  killOnRecovery?: boolean;
  /** Not to be recovered (its framework does not checkpoint): killed and ended with this. */
  discard?: TaskTransition;
}

export interface TaskTransition {
  state: TaskState;
  source: TaskStatusSource;
  message?: string;
  reason?: TaskStatusReason;
  /** Set on health updates, and on the end of a task its health check killed. */
  healthy?: boolean;
  /** Set on every update of a task with a general check (empty until the first result). */
  check_status?: CheckStatusInfo;
}

export interface TaskRunnerDeps {
  isolator: Isolator;
  /** Whose the task's process is (task-user.ts). */
  runAs: RunAsPolicy;
  logger: Logger;
  /** How CommandInfo.uris are fetched (the agent's cache and settings); absent: without a cache. */
  fetcher?: AgentFetcher;
  /** Puts the task's persistent volumes into its sandbox and takes them out (volumes.ts); absent: none. */
  volumes?: Pick<Volumes, 'attach' | 'adopt' | 'detach'>;
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
  if (exit.code === null && exit.signal === null) return 'Command ended while the agent was restarting and recorded no exit status';
  if (exit.signal) return `Command terminated with signal ${exit.signal}`;
  const signal = exit.code !== null && exit.code > 128 ? SIGNAL_NAMES.get(exit.code - 128) : undefined;
  return signal ? `Command terminated with signal ${signal}` : `Command exited with status ${exit.code}`;
}

const NANOS_PER_MS = 1e6;

const KILLED_DURING_LAUNCH: TaskTransition = { state: 'TASK_KILLED', source: 'SOURCE_AGENT', reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'Task killed before it started' };

/** Resolves once the process has ended (SIGKILL was sent: that takes moments), or after `limitMs` at most. */
async function gone(identity: ProcessIdentity, limitMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + limitMs; isRunning(identity) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** A kill the framework asked for, the task's max_completion_time, --recover=cleanup, or a failing health check. */
type KillCause = 'request' | 'max-completion-time' | 'agent-restart' | 'health-check';

export class TaskRunner {
  private currentState: TaskState = 'TASK_STAGING';
  private proc?: LaunchedProcess;
  private cgroups?: ContainerCgroups;
  private killCause?: KillCause;
  private pendingKillGraceMs?: number;
  private exited = false;
  /** The process was started by a previous agent process (recover). */
  private adopted = false;
  private escalation?: NodeJS.Timeout;
  /** When SIGKILL follows the SIGTERM already sent (ms since the epoch). */
  private killDeadline?: number;
  private completionTimer?: NodeJS.Timeout;
  /** The task's health check and general check, while it runs and is not being killed. */
  private checker?: TaskChecker;
  /** What the last health and check updates said: each update repeats the other's, as Mesos's executors do. */
  private lastHealthy?: boolean;
  private lastCheckStatus?: CheckStatusInfo;
  /** Consecutive failures of the health check that had the task killed. */
  private healthFailures = 0;
  /** Aborts the fetch of the task's URIs when it is killed meanwhile. */
  private fetching?: AbortController;
  private settle!: () => void;
  /** Resolves after the terminal transition was reported. */
  readonly done: Promise<void> = new Promise((resolve) => (this.settle = resolve));
  readonly launchedAt: number;

  constructor(readonly spec: TaskRunSpec, private readonly deps: TaskRunnerDeps) {
    this.launchedAt = spec.launchedAt ?? Date.now() / 1000;
  }

  get state(): TaskState { return this.currentState }
  get pid(): number | undefined { return this.proc?.pid }
  get taskId(): string { return this.spec.task.task_id.value }
  get isTerminal(): boolean { return isTerminalState(this.currentState) }

  /** Sets up and starts the task; failures end the task (TASK_FAILED), they do not throw. */
  async start(): Promise<void> {
    const { spec, deps } = this;
    const runAs = await taskRunAs(deps.runAs, requestedUser(spec.task, spec.frameworkInfo, spec.executor));
    if (!runAs.ok) {
      this.finish(runAs.refusal);
      return;
    }
    try {
      const argv = commandArgv(spec.task.command);
      prepareSandbox(spec.sandbox, runAs.user);
      deps.volumes?.attach(spec.containerId, spec.sandbox, spec.task.resources, runAs.user);
      this.cgroups = await deps.isolator.prepare(spec.containerId, limitsOf(spec.task.resources));
      if (this.killCause) {
        await this.cgroups.destroy();
        this.finish(KILLED_DURING_LAUNCH);
        return;
      }
      const fetchProblem = await this.fetchUris(runAs.user);
      if (fetchProblem) {
        await this.cgroups.destroy();
        this.finish(fetchProblem);
        return;
      }
      this.transition({ state: 'TASK_STARTING', source: 'SOURCE_EXECUTOR' });
      // Before the process exists, so that a restarted agent knows of the task whatever happens
      // next; its wrapper writes its own pid file in case the next checkpoint is not reached. A
      // task no restarted agent could know of (the disk is full) is not started.
      this.checkpoint({ required: true });
      this.proc = await launchProcess({
        argv,
        env: this.environment(),
        sandbox: spec.sandbox,
        metaDir: spec.metaDir,
        procsFiles: this.cgroups.procsFiles,
        ...(runAs.user ? { user: runAs.user } : {}),
      });
    } catch (err) {
      deps.logger.warn('task launch failed', { task_id: this.taskId, error: (err as Error).message });
      await this.cgroups?.destroy().catch(() => undefined);
      this.finish({ state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${(err as Error).message}` });
      return;
    }
    this.watchExit();
    this.transition({ state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' });
    // The pid, with its start time, is what finds the process once the agent is no longer its parent.
    this.checkpoint();
    this.armCompletionTimer();
    // A kill that arrived while the process was being started.
    if (this.killCause) this.beginKill(this.killCause, this.pendingKillGraceMs ?? this.gracePeriodMs());
    else this.startChecks(runAs.user);
  }

  /** The environment of the task's command, and of its COMMAND checks. */
  private environment(): Record<string, string> {
    const { spec } = this;
    return taskEnvironment({
      command: spec.task.command,
      resources: spec.task.resources,
      taskId: this.taskId,
      frameworkId: spec.frameworkId,
      agentId: spec.agentId,
      executorId: spec.executorId,
      containerId: spec.containerId,
      sandbox: spec.sandbox,
      path: process.env.PATH,
    });
  }

  /**
   * Health and general checks from now until the task is killed or ends (checks/task-checker.ts).
   * For a task taken over after an agent restart they start afresh: delay, grace period and all.
   */
  private startChecks(user: UserIdentity | undefined): void {
    const { task } = this.spec;
    if (!TaskChecker.wanted(task) || this.exited || this.isTerminal) return;
    this.checker = new TaskChecker(task, { cwd: this.spec.sandbox, env: this.environment(), ...(user ? { user } : {}) }, {
      logger: this.deps.logger,
      onHealth: (verdict) => this.onHealth(verdict),
      onCheck: (status) => this.onCheck(status),
    });
    this.checker.start();
  }

  private stopChecks(): void {
    this.checker?.stop();
    this.checker = undefined;
  }

  /** A health update, then, after `consecutive_failures` failures, the kill (with the kill policy's grace period). */
  private onHealth(verdict: HealthVerdict & { why?: string }): void {
    if (this.killCause || this.exited || this.isTerminal || verdict.healthy === undefined) return;
    this.deps.logger.info('task health', { task_id: this.taskId, healthy: verdict.healthy, consecutive_failures: verdict.failures, why: verdict.why });
    this.lastHealthy = verdict.healthy;
    this.transition({
      state: this.currentState,
      source: 'SOURCE_EXECUTOR',
      reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
      healthy: verdict.healthy,
      ...(this.lastCheckStatus ? { check_status: this.lastCheckStatus } : {}),
    });
    if (!verdict.kill) return;
    this.healthFailures = verdict.failures;
    this.beginKill('health-check', this.gracePeriodMs());
  }

  /** A general check's new result: reported, never acted upon. */
  private onCheck(status: CheckStatusInfo): void {
    if (this.killCause || this.exited || this.isTerminal) return;
    this.lastCheckStatus = status;
    this.transition({
      state: this.currentState,
      source: 'SOURCE_EXECUTOR',
      reason: 'REASON_TASK_CHECK_STATUS_UPDATED',
      check_status: status,
      ...(this.lastHealthy !== undefined ? { healthy: this.lastHealthy } : {}),
    });
  }

  /**
   * Fetches CommandInfo.uris into the sandbox, as Mesos's containerizer does before its executor
   * starts: the task is still TASK_STAGING meanwhile, and a kill aborts the fetch. Returns how the
   * task ends when the fetch did not succeed.
   */
  private async fetchUris(user: UserIdentity | undefined): Promise<TaskTransition | undefined> {
    const uris = this.spec.task.command?.uris ?? [];
    if (uris.length === 0) return undefined;
    // A restarted agent then knows of the task, and fails it: its command never started.
    this.checkpoint({ required: true });
    this.fetching = new AbortController();
    try {
      await fetchUris(uris, this.spec.sandbox, user, { ...(this.deps.fetcher ?? {}), signal: this.fetching.signal }, this.deps.logger);
      return this.killCause ? KILLED_DURING_LAUNCH : undefined;
    } catch (err) {
      return this.killCause ? KILLED_DURING_LAUNCH : fetchFailure(err as Error);
    } finally {
      this.fetching = undefined;
    }
  }

  /**
   * Takes over a task a previous agent process started. Its state is the last one reported (no
   * transition is repeated); what happens from now on is reported as for a task started here.
   */
  async recover(r: RecoverSpec): Promise<void> {
    const { spec, deps } = this;
    this.currentState = r.state;
    deps.volumes?.adopt(spec.containerId, spec.sandbox, spec.task.resources);
    try {
      this.cgroups = await deps.isolator.recover(spec.containerId, limitsOf(spec.task.resources));
    } catch (err) {
      deps.logger.warn('cannot recover the cgroups of a task', { task_id: this.taskId, error: (err as Error).message });
      this.cgroups = { procsFiles: [], pids: async () => [], memoryLimitation: async () => undefined, destroy: async () => undefined };
    }
    const identity = r.identity ?? findWrapper(spec.metaDir);
    const proc = adoptProcess(identity, spec.metaDir);
    this.proc = proc;
    this.adopted = true;
    if (r.discard) {
      proc.stopWatching();
      this.signalAll(proc.pid, 'SIGKILL');
      // Reported only once it is gone: a task is never said to be over while its process runs.
      if (identity) await gone(identity);
      await this.cgroups.destroy().catch(() => undefined);
      this.finish(r.discard);
      return;
    }
    if (!identity && readExitStatus(spec.metaDir) === undefined && (r.state === 'TASK_STAGING' || r.state === 'TASK_STARTING')) {
      await this.cgroups.destroy().catch(() => undefined);
      this.finish({ state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_AGENT_RESTARTED', message: 'The agent restarted while launching the task, before its command started' });
      return;
    }
    this.checkpoint();
    this.watchExit();
    this.armCompletionTimer();
    if (r.state === 'TASK_RUNNING' && !r.killOnRecovery) await this.resumeChecks();
    if (r.state === 'TASK_KILLING') {
      // The kill goes on where the previous agent process left it.
      this.killCause = 'request';
      this.killDeadline = r.killDeadline ?? Date.now();
      this.scheduleEscalation(proc.pid, Math.max(0, this.killDeadline - Date.now()));
    }
    if (r.killOnRecovery) this.beginKill('agent-restart', this.gracePeriodMs());
    // A kill that arrived while the process was being recovered (e.g. from its task group).
    else if (this.killCause) this.beginKill(this.killCause, this.pendingKillGraceMs ?? this.gracePeriodMs());
  }

  /** Checks of a task taken over from a previous agent process, run as the task's user again. */
  private async resumeChecks(): Promise<void> {
    if (!TaskChecker.wanted(this.spec.task)) return;
    const runAs = await taskRunAs(this.deps.runAs, requestedUser(this.spec.task, this.spec.frameworkInfo, this.spec.executor)).catch(() => undefined);
    if (runAs?.ok && !this.killCause) this.startChecks(runAs.user);
  }

  /** A recovered task that had ended before the restart: nothing to watch, nothing to report again. */
  restoreEnded(state: TaskState): void {
    // A mount the previous agent process left behind goes now.
    this.deps.volumes?.detach(this.spec.sandbox, this.spec.task.resources);
    this.currentState = state;
    this.exited = true;
    this.settle();
  }

  private watchExit(): void {
    void this.proc!.exited.then((exit) => this.onExit(exit)).catch((err) => {
      this.deps.logger.error('task exit handling failed', { task_id: this.taskId, error: (err as Error).message });
    });
  }

  /** max_completion_time counts from the launch, across agent restarts. */
  private armCompletionTimer(): void {
    const maxNanos = this.spec.task.max_completion_time?.nanoseconds;
    if (typeof maxNanos !== 'number' || maxNanos <= 0) return;
    const remainingMs = Math.max(0, this.launchedAt * 1000 + maxNanos / NANOS_PER_MS - Date.now());
    this.completionTimer = setTimeout(() => this.beginKill('max-completion-time', 0), remainingMs);
    this.completionTimer.unref();
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
      this.fetching?.abort();
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
    if (this.killDeadline !== undefined && deadline >= this.killDeadline) {
      // A second kill may shorten the grace period, never lengthen it past the first one's deadline.
      return;
    }
    const first = this.killDeadline === undefined;
    this.killDeadline = deadline;
    // As Mesos's executors: no check reports on a task being killed.
    this.stopChecks();
    if (first) {
      if (cause !== 'max-completion-time') this.transition({ state: 'TASK_KILLING', source: 'SOURCE_EXECUTOR' });
      this.signalAll(proc.pid, 'SIGTERM');
    }
    // The deadline outlives an agent restart: the next agent process finishes the kill on time.
    this.checkpoint();
    this.scheduleEscalation(proc.pid, graceMs);
  }

  private scheduleEscalation(pgid: number, delayMs: number): void {
    clearTimeout(this.escalation);
    this.escalation = setTimeout(() => this.signalAll(pgid, 'SIGKILL'), delayMs);
    this.escalation.unref();
  }

  private signalAll(pgid: number, signal: NodeJS.Signals): void {
    if (this.groupIsOurs()) signalGroup(pgid, signal);
    void this.cgroups?.pids().then((pids) => signalPids(pids, signal)).catch(() => undefined);
  }

  /**
   * Whether the process group named after the wrapper's pid is still the task's. Always for a child
   * (its pid is ours until reaped). For an adopted process, while it runs; once it is gone, only if
   * no other process took its pid: the kernel hands out no pid still in use as a group id, so while
   * the task's stragglers live the number stays theirs.
   */
  private groupIsOurs(): boolean {
    if (!this.adopted) return true;
    const identity = this.proc?.identity;
    if (!identity) return false;
    if (isRunning(identity)) return true;
    try {
      process.kill(identity.pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  private async onExit(exit: ProcessExit): Promise<void> {
    this.exited = true;
    this.stopChecks();
    clearTimeout(this.escalation);
    clearTimeout(this.completionTimer);
    const pid = this.proc!.pid;
    const cgroups = this.cgroups!;
    // A wrapper that recorded nothing was killed outright, possibly by the OOM killer.
    const unknownExit = exit.code === null && exit.signal === null;
    const killedBySigkill = exit.signal === 'SIGKILL' || exit.code === 128 + 9 || unknownExit;
    const memory = await cgroups.memoryLimitation(killedBySigkill).catch(() => undefined);
    // The container ends with its first process: whatever the task left behind goes too.
    if (this.groupIsOurs()) signalGroup(pid, 'SIGKILL');
    signalPids(await cgroups.pids().catch(() => []), 'SIGKILL');
    await cgroups.destroy().catch((err) => this.deps.logger.warn('cgroup cleanup failed', { task_id: this.taskId, error: (err as Error).message }));
    this.finish(this.terminalFor(exit, memory ? memoryLimitMessage(memory) : undefined));
  }

  private terminalFor(exit: ProcessExit, memoryMessage: string | undefined): TaskTransition {
    const message = describeExit(exit);
    if (this.killCause === 'request') return { state: 'TASK_KILLED', source: 'SOURCE_EXECUTOR', message };
    if (this.killCause === 'health-check') {
      // Mesos's command executor sends TASK_KILLED with `healthy` false and leaves a TODO to say why in
      // a reason; this does, with the one reason about health Mesos has. The state is terminal, so no
      // scheduler takes it for a mere health report.
      const checks = this.healthFailures === 1 ? 'health check' : `${this.healthFailures} consecutive health checks`;
      return {
        state: 'TASK_KILLED', source: 'SOURCE_EXECUTOR', reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false,
        message: `Task killed after ${checks} failed: ${message}`,
      };
    }
    if (this.killCause === 'agent-restart') {
      return { state: 'TASK_KILLED', source: 'SOURCE_AGENT', reason: 'REASON_AGENT_RESTARTED', message: `Killed by an agent restarted with --recover=cleanup: ${message}` };
    }
    if (memoryMessage) return { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: memoryMessage };
    if (this.killCause === 'max-completion-time') {
      return { state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', reason: 'REASON_MAX_COMPLETION_TIME_REACHED', message: 'Task max completion time reached' };
    }
    if (exit.code === JOIN_FAILED_EXIT) {
      const launchError = readLaunchError(this.spec.metaDir);
      if (launchError) return { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${launchError}` };
    }
    if (exit.code === 0) return { state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', message };
    if (exit.code === null && exit.signal === null) return { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED', message };
    return { state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message };
  }

  private transition(t: TaskTransition): void {
    // Mesos's executors set `check_status` on every update of a task with a check, empty before a result.
    const check = this.spec.task.check;
    if (check?.type && t.check_status === undefined) t = { ...t, check_status: emptyCheckStatus(check.type) };
    this.currentState = t.state;
    this.deps.onTransition(t, this);
  }

  private finish(t: TaskTransition): void {
    if (this.isTerminal) return;
    this.stopChecks();
    // Before the end is reported: a task launched on hearing of it finds the volume free.
    this.deps.volumes?.detach(this.spec.sandbox, this.spec.task.resources);
    this.transition(t);
    this.checkpoint();
    this.settle();
  }

  /** Writes the run's checkpoint; a failure is logged, or thrown when `required`. */
  private checkpoint(opts: { required?: boolean } = {}): void {
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
        ...(this.proc?.pid ? { pid: this.proc.pid } : {}),
        ...(this.proc?.identity ? { pid_start_time: this.proc.identity.startTime, ...(this.proc.identity.bootId ? { boot_id: this.proc.identity.bootId } : {}) } : {}),
        state: this.currentState,
        launched_at: this.launchedAt,
        ...(this.killDeadline !== undefined && !this.isTerminal ? { kill_deadline: this.killDeadline } : {}),
      });
    } catch (err) {
      if (opts.required) throw new Error(`could not write the task's checkpoint: ${(err as Error).message}`);
      this.deps.logger.warn('could not write checkpoint', { task_id: this.taskId, error: (err as Error).message });
    }
  }
}
