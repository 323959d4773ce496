/**
 * One custom executor (TaskInfo.executor with a command), run as Mesos runs one: the agent starts
 * the executor's command in its sandbox and container, as the task's user, with Mesos's environment
 * (task-command.ts, executorEnvironment), and the executor subscribes to /api/v1/executor
 * (executor-api.ts). Tasks for it wait until it has subscribed, then go out as LAUNCH events; its
 * UPDATEs go through the agent's status update path and are answered ACKNOWLEDGED once the agent
 * holds them (logged, retried until the master acknowledges); its MESSAGEs go to the scheduler.
 *
 * How it ends: it does not subscribe within --executor_registration_timeout (killed, its tasks
 * TASK_FAILED with REASON_EXECUTOR_REGISTRATION_TIMEOUT); after an agent restart it does not
 * subscribe again within --executor_reregistration_timeout (the same, with
 * REASON_EXECUTOR_REREGISTRATION_TIMEOUT); it is shut down (SHUTDOWN event, then SIGTERM after the
 * grace period, SIGKILL after another); or it exits. Whatever tasks it leaves unfinished end
 * TASK_FAILED (TASK_GONE for a partition-aware framework) with REASON_EXECUTOR_TERMINATED.
 */
import { fetchFailure, fetchUris, type AgentFetcher } from './fetcher/fetcher';
import type { ExecutorEvent, ExecutorUpdate } from '../protocol/executor';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Resource, TaskStatusReason } from '../protocol/types';
import type { Logger } from '../util/log';
import type { ContainerCgroups, Isolator } from './cgroups';
import { writeExecutorCheckpoint, type ExecutorCheckpoint } from './executor-checkpoint';
import { ExecutorTask, type ExecutorTaskHost } from './executor-task';
import type { ProcessIdentity } from './process-identity';
import { prepareSandbox } from './sandbox-paths';
import type { TaskEntry } from './task-table';
import type { TaskTransition } from './task-runner';
import { limitsOf } from './task-runner';
import { commandArgv, executorEnvironment } from './task-command';
import type { LaunchedProcess, ProcessExit } from './task-process';
import { adoptProcess, launchProcess, signalGroup, signalPids } from './task-process';
import type { RunAsPolicy } from './task-user';
import { requestedUser, taskRunAs } from './task-user';
import type { Volumes } from './volumes';

/** Where the executor's events go: its SUBSCRIBE response, whatever the encoding. */
export interface EventSink {
  send(event: ExecutorEvent): boolean;
  end(): void;
  onClose(fn: () => void): void;
}

export interface ExecutorSettings {
  registrationTimeoutMs: number;
  reregistrationTimeoutMs: number;
  recoveryTimeoutMs: number;
  shutdownGracePeriodMs: number;
  /** host:port of the agent, for MESOS_AGENT_ENDPOINT. */
  agentEndpoint(): string;
  agentInfo(): AgentInfo;
  /** The executor's token, when the agent authenticates executors (MESOS_EXECUTOR_AUTHENTICATION_TOKEN). */
  token?(scope: { fid: string; eid: string; cid: string }): string;
  /** Fetches the executor's CommandInfo.uris into its sandbox before it starts (fetcher/fetcher.ts). */
  fetcher?: AgentFetcher;
  /** The agent's CA when it serves HTTPS: the executor is told to dial MESOS_AGENT_ENDPOINT over TLS. */
  tlsCaFile?: string;
}

export interface CustomExecutorDeps {
  log: Logger;
  isolator: Isolator;
  runAs: RunAsPolicy;
  settings: ExecutorSettings;
  /** An executor's status into the status update path; false when it was not taken. */
  forward(entry: TaskEntry, status: ExecutorUpdate['status']): boolean;
  /** A transition the agent decides for a task of the executor. */
  transition(entry: TaskEntry, t: TaskTransition): void;
  /** An executor's MESSAGE, for its scheduler. */
  toScheduler(data: string): void;
  /** The executor is gone; its tasks have all ended. */
  onTerminated(executor: CustomExecutor): void;
  /** Puts the persistent volumes of the executor and its tasks into its sandbox (volumes.ts); absent: none. */
  volumes?: Pick<Volumes, 'attach' | 'adopt' | 'detach'>;
}

export interface ExecutorPlace {
  frameworkId: string;
  framework: FrameworkInfo;
  agentId: string;
  info: ExecutorInfo;
  containerId: string;
  sandbox: string;
  metaDir: string;
}

type Phase = 'launching' | 'registering' | 'subscribed' | 'disconnected' | 'terminating' | 'terminated';

/** Why the agent ended the executor, for its unfinished tasks. */
export interface Termination { reason: TaskStatusReason; message: string }

export class CustomExecutor implements ExecutorTaskHost {
  private phase: Phase = 'launching';
  private readonly entries = new Map<string, TaskEntry & { runner: ExecutorTask }>();
  private sink?: EventSink;
  private proc?: LaunchedProcess;
  private cgroups?: ContainerCgroups;
  private timers: NodeJS.Timeout[] = [];
  private termination?: Termination;
  /** Started by a previous agent process: its pid, once it is gone, may be another process's. */
  private adopted = false;
  /** Kills asked for while the executor could not be told: sent when it subscribes. */
  private readonly pendingKills = new Map<string, number | undefined>();
  private readonly launchedAt = Date.now() / 1000;
  private settle!: () => void;
  readonly terminated: Promise<void> = new Promise((resolve) => (this.settle = resolve));

  constructor(readonly place: ExecutorPlace, private readonly deps: CustomExecutorDeps) {}

  get executorId(): string { return this.place.info.executor_id.value }
  get frameworkId(): string { return this.place.frameworkId }
  get pid(): number | undefined { return this.proc?.pid }
  get isSubscribed(): boolean { return this.phase === 'subscribed' }
  /** Terminating or gone: it takes no new task. */
  get isEnding(): boolean { return this.phase === 'terminating' || this.phase === 'terminated' }
  get tasks(): ExecutorTask[] { return [...this.entries.values()].map((e) => e.runner) }

  /** Takes a task (whose runner this executor hosts); it goes to the executor once it has subscribed. */
  adopt(entry: TaskEntry & { runner: ExecutorTask }): void {
    this.entries.set(entry.runner.taskId, entry);
    if (this.proc && !this.attachTaskVolumes(entry)) return;
    if (this.phase === 'subscribed') this.launch(entry.runner);
    if (this.proc) this.checkpoint();
  }

  /** A task given to the running executor gets its volumes too; false (the task failed) when they cannot be attached. */
  private attachTaskVolumes(entry: TaskEntry & { runner: ExecutorTask }): boolean {
    try {
      this.deps.volumes?.attach(this.place.containerId, this.place.sandbox, entry.task.resources);
      return true;
    } catch (err) {
      this.endTask(entry, { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to attach persistent volumes: ${(err as Error).message}` });
      return false;
    }
  }

  /** The container's resources: the executor's own and its tasks'. */
  private resources(): Resource[] {
    return [...(this.place.info.resources ?? []), ...[...this.entries.values()].flatMap((e) => e.task.resources)];
  }

  /** Starts the executor's process; failures end its tasks (TASK_FAILED), they do not throw. */
  async start(): Promise<void> {
    const { place, deps } = this;
    const { settings } = deps;
    const first = [...this.entries.values()][0];
    if (!first) return this.failLaunch('Executor has no task to run', 'REASON_EXECUTOR_TERMINATED', 'TASK_FAILED');
    const runAs = await taskRunAs(deps.runAs, requestedUser(first.task, place.framework, place.info));
    if (!runAs.ok) return this.failLaunch(runAs.refusal.message, runAs.refusal.reason, runAs.refusal.state);
    try {
      const argv = commandArgv(place.info.command);
      prepareSandbox(place.sandbox, runAs.user);
      deps.volumes?.attach(place.containerId, place.sandbox, this.resources(), runAs.user);
      // The executor's artifacts, as its user, before it starts (as Mesos's containerizer fetches them).
      try {
        await fetchUris(place.info.command?.uris ?? [], place.sandbox, runAs.user, { ...(settings.fetcher ?? {}) }, deps.log);
      } catch (err) {
        const failure = fetchFailure(err as Error);
        return this.failLaunch(failure.message, failure.reason, failure.state);
      }
      this.cgroups = await deps.isolator.prepare(place.containerId, limitsOf(this.resources()));
      if (this.isEnding) {
        await this.cgroups.destroy();
        return this.failLaunch('Executor shut down before it started', 'REASON_EXECUTOR_TERMINATED', 'TASK_KILLED');
      }
      const token = settings.token?.({ fid: place.frameworkId, eid: this.executorId, cid: place.containerId });
      this.proc = await launchProcess({
        argv,
        // The token travels in the environment only (on an inherited descriptor, see task-process.ts): never in argv or a log.
        env: executorEnvironment({
          command: place.info.command!,
          frameworkId: place.frameworkId,
          agentId: place.agentId,
          executorId: this.executorId,
          containerId: place.containerId,
          sandbox: place.sandbox,
          agentEndpoint: settings.agentEndpoint(),
          checkpoint: place.framework.checkpoint !== false,
          recoveryTimeoutMs: settings.recoveryTimeoutMs,
          subscriptionBackoffMaxMs: settings.reregistrationTimeoutMs / 2,
          shutdownGracePeriodMs: settings.shutdownGracePeriodMs,
          ...(token !== undefined ? { authenticationToken: token } : {}),
          ...(settings.tlsCaFile !== undefined ? { tlsCaFile: settings.tlsCaFile } : {}),
          path: process.env.PATH,
        }),
        sandbox: place.sandbox,
        metaDir: place.metaDir,
        procsFiles: this.cgroups.procsFiles,
        ...(runAs.user ? { user: runAs.user } : {}),
      });
    } catch (err) {
      deps.log.warn('executor launch failed', { executor_id: this.executorId, error: (err as Error).message });
      await this.cgroups?.destroy().catch(() => undefined);
      return this.failLaunch(`Failed to launch container: ${(err as Error).message}`, 'REASON_CONTAINER_LAUNCH_FAILED', 'TASK_FAILED');
    }
    this.checkpoint();
    this.watch();
    if (this.isEnding) {
      // Shut down or killed while its process was being started: it goes at once.
      this.signal('SIGKILL');
      return;
    }
    this.phase = 'registering';
    this.after(settings.registrationTimeoutMs, () => {
      if (this.phase !== 'registering') return;
      deps.log.warn('executor did not subscribe in time: killing it', { executor_id: this.executorId, timeout_ms: settings.registrationTimeoutMs });
      this.kill({ reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', message: 'Executor did not register within the registration timeout' });
    });
    deps.log.info('executor started', { executor_id: this.executorId, pid: this.proc.pid, container_id: this.place.containerId });
  }

  /**
   * Takes over an executor a previous agent process started (recovery): it has
   * --executor_reregistration_timeout to subscribe again, else it is taken for gone.
   */
  async recover(identity: ProcessIdentity | undefined): Promise<void> {
    const { place, deps } = this;
    // The same limits as at launch (the recovered tasks are adopted before this), so a memory limit still reads as one.
    this.cgroups = await deps.isolator.recover(place.containerId, limitsOf(this.resources())).catch(() => undefined);
    deps.volumes?.adopt(place.containerId, place.sandbox, this.resources());
    this.proc = adoptProcess(identity, place.metaDir);
    this.adopted = true;
    this.phase = 'disconnected';
    this.watch();
    this.after(deps.settings.reregistrationTimeoutMs, () => {
      if (this.phase !== 'disconnected') return;
      deps.log.warn('executor did not subscribe again after the agent restarted: killing it', { executor_id: this.executorId });
      this.kill({ reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', message: 'Executor did not re-register within the re-registration timeout after the agent restarted' });
    });
  }

  /** SUBSCRIBE: the executor's event stream. Returns why it is refused, if it is. */
  subscribe(sink: EventSink, unacknowledged: { tasks: string[]; updates: ExecutorUpdate[] }): string | undefined {
    if (this.isEnding) return `executor '${this.executorId}' is ${this.phase}`;
    if (this.phase === 'launching') return `executor '${this.executorId}' is still being launched`;
    const previous = this.sink;
    this.sink = sink;
    previous?.end();
    this.phase = 'subscribed';
    sink.onClose(() => {
      if (this.sink !== sink) return;
      this.sink = undefined;
      if (this.phase !== 'subscribed') return;
      this.phase = 'disconnected';
      // Only a checkpointing framework's executor may come back (docs/executor-http-api.md, "Disconnections").
      if (this.place.framework.checkpoint === false) {
        this.deps.log.info('executor of a framework that does not checkpoint disconnected: shutting it down', { executor_id: this.executorId });
        void this.shutdown();
      }
    });
    const { place } = this;
    sink.send({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: { ...place.info, framework_id: { value: place.frameworkId } },
        framework_info: { ...place.framework, id: { value: place.frameworkId } },
        agent_info: this.deps.settings.agentInfo(),
        container_id: { value: place.containerId },
      },
    });
    this.deps.log.info('executor subscribed', { executor_id: this.executorId, resubscribed: unacknowledged.tasks.length + unacknowledged.updates.length > 0 });
    // What the executor holds and the agent may not (an agent restart between the two) is taken first.
    for (const taskId of unacknowledged.tasks) {
      const entry = this.entries.get(taskId);
      if (entry) entry.runner.launched = true;
    }
    for (const u of unacknowledged.updates) this.update(u.status);
    for (const entry of this.entries.values()) if (!entry.runner.launched && !entry.runner.isTerminal) this.launch(entry.runner);
    for (const [taskId, grace] of this.pendingKills) this.sendKill(taskId, grace);
    this.pendingKills.clear();
    return undefined;
  }

  /** UPDATE. Returns why it is refused, if it is. */
  update(status: ExecutorUpdate['status']): string | undefined {
    const taskId = status.task_id.value;
    const entry = this.entries.get(taskId);
    if (!entry) return `task '${taskId}' is not a task of executor '${this.executorId}'`;
    const known = entry.statuses.some((s) => s.uuid === status.uuid);
    entry.runner.launched = true;
    if (!known && !entry.runner.isTerminal) {
      entry.runner.moveTo(status.state);
      if (!this.deps.forward(entry, status)) return undefined;
    } else if (!known) {
      this.deps.log.info('ignoring an update after the terminal one', { executor_id: this.executorId, task_id: taskId, state: status.state });
    }
    // The agent holds it now (logged, retried until the master acknowledges): the executor may forget it.
    this.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid } });
    return undefined;
  }

  /** MESSAGE from the executor, for its scheduler. */
  messageFromExecutor(data: string): void {
    this.deps.toScheduler(data);
  }

  /** A scheduler's MESSAGE; dropped, as in Mesos, when the executor is not subscribed. */
  messageToExecutor(data: string): boolean {
    return this.phase === 'subscribed' && this.send({ type: 'MESSAGE', message: { data } });
  }

  killTask(task: ExecutorTask, gracePeriodNanos: number | undefined): void {
    const entry = this.entries.get(task.taskId);
    if (!entry || task.isTerminal) return;
    if (!task.launched) {
      this.endTask(entry, { state: 'TASK_KILLED', source: 'SOURCE_AGENT', reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'Task killed before it was sent to its executor' });
      return;
    }
    if (this.phase === 'subscribed') this.sendKill(task.taskId, gracePeriodNanos);
    else this.pendingKills.set(task.taskId, gracePeriodNanos);
  }

  /** SHUTDOWN, then SIGTERM after the grace period, then SIGKILL after another. Resolves once it is gone. */
  shutdown(): Promise<void> {
    if (this.isEnding) return this.terminated;
    const grace = this.deps.settings.shutdownGracePeriodMs;
    const subscribed = this.phase === 'subscribed';
    this.phase = 'terminating';
    this.deps.log.info('shutting down executor', { executor_id: this.executorId, subscribed });
    if (!this.proc) return this.terminated.then(() => undefined);
    if (subscribed) this.send({ type: 'SHUTDOWN' });
    this.after(subscribed ? grace : 0, () => {
      this.signal('SIGTERM');
      this.after(grace, () => this.signal('SIGKILL'));
    });
    return this.terminated;
  }

  private launch(task: ExecutorTask): void {
    task.launched = true;
    this.send({ type: 'LAUNCH', launch: { task: task.task } });
  }

  private sendKill(taskId: string, gracePeriodNanos: number | undefined): void {
    const entry = this.entries.get(taskId);
    if (!entry || entry.runner.isTerminal) return;
    const policy = gracePeriodNanos !== undefined ? { kill_policy: { grace_period: { nanoseconds: gracePeriodNanos } } } : entry.task.kill_policy ? { kill_policy: entry.task.kill_policy } : {};
    this.send({ type: 'KILL', kill: { task_id: entry.task.task_id, ...policy } });
  }

  private send(event: ExecutorEvent): boolean {
    return this.sink?.send(event) ?? false;
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.proc?.pid;
    if (pid !== undefined && this.phase !== 'terminated') signalGroup(pid, signal);
    void this.cgroups?.pids().then((pids) => signalPids(pids, signal)).catch(() => undefined);
  }

  /** The agent ends the executor: SIGKILL now, its tasks end with `termination` once it is gone. */
  kill(termination: Termination): void {
    this.termination ??= termination;
    this.phase = 'terminating';
    this.signal('SIGKILL');
  }

  private watch(): void {
    void this.proc!.exited.then((exit) => this.onExit(exit)).catch((err) => {
      this.deps.log.error('executor exit handling failed', { executor_id: this.executorId, error: (err as Error).message });
    });
  }

  private async onExit(exit: ProcessExit): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.phase = 'terminated';
    // What the executor left behind goes with it; an adopted one's group only while its leader was ours to watch.
    if (!this.adopted) signalGroup(this.proc!.pid, 'SIGKILL');
    signalPids(await this.cgroups?.pids().catch(() => []) ?? [], 'SIGKILL');
    await this.cgroups?.destroy().catch((err) => this.deps.log.warn('cgroup cleanup failed', { executor_id: this.executorId, error: (err as Error).message }));
    this.sink?.end();
    this.sink = undefined;
    // Before its tasks are reported over: a task launched on hearing of it finds the volumes free.
    this.deps.volumes?.detach(this.place.sandbox, this.resources());
    const how = exit.signal ? `terminated with signal ${exit.signal}` : exit.code === null ? 'ended while the agent was away' : `exited with status ${exit.code}`;
    this.deps.log.info('executor terminated', { executor_id: this.executorId, exit: how });
    const termination = this.termination ?? { reason: 'REASON_EXECUTOR_TERMINATED', message: `Executor ${how}` };
    const partitionAware = (this.place.framework.capabilities ?? []).some((c) => c?.type === 'PARTITION_AWARE');
    // The agent ended it on purpose (a timeout): the task failed. Gone by itself: the task is lost with it.
    const state = this.termination || !partitionAware ? 'TASK_FAILED' : 'TASK_GONE';
    for (const entry of this.entries.values()) {
      if (!entry.runner.isTerminal) this.endTask(entry, { state, source: 'SOURCE_AGENT', reason: termination.reason, message: termination.message });
    }
    this.checkpoint();
    this.settle();
    this.deps.onTerminated(this);
  }

  private endTask(entry: TaskEntry & { runner: ExecutorTask }, t: TaskTransition): void {
    entry.runner.moveTo(t.state);
    this.deps.transition(entry, t);
  }

  private failLaunch(message: string, reason: TaskStatusReason, state: TaskTransition['state']): void {
    this.phase = 'terminated';
    this.deps.volumes?.detach(this.place.sandbox, this.resources());
    for (const entry of this.entries.values()) this.endTask(entry, { state, source: 'SOURCE_AGENT', reason, message });
    this.settle();
    this.deps.onTerminated(this);
  }

  /** What a restarted agent needs to take the executor back (executor-checkpoint.ts). */
  private checkpoint(): void {
    const { place } = this;
    const checkpoint: ExecutorCheckpoint = {
      framework_id: { value: place.frameworkId },
      framework_info: place.framework,
      executor_info: place.info,
      container_id: place.containerId,
      sandbox: place.sandbox,
      launched_at: this.launchedAt,
      tasks: [...this.entries.values()].map((e) => e.task),
      ...(this.proc?.pid ? { pid: this.proc.pid } : {}),
      ...(this.proc?.identity ? { pid_start_time: this.proc.identity.startTime, ...(this.proc.identity.bootId ? { boot_id: this.proc.identity.bootId } : {}) } : {}),
      terminated: this.phase === 'terminated',
    };
    try {
      writeExecutorCheckpoint(place.metaDir, checkpoint);
    } catch (err) {
      this.deps.log.warn('could not write the executor checkpoint', { executor_id: this.executorId, error: (err as Error).message });
    }
  }
}
