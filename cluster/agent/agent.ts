/**
 * The agent daemon: serves /health, /state and /files, registers with the leading master and keeps
 * doing so, runs the tasks the master sends, and delivers every state change through the status
 * update manager until the master acknowledges it. Started again on the same work dir, it first
 * recovers what the previous agent process left running (recovery.ts) and re-registers as the same
 * agent, with its current resources and attributes even if they changed.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as os from 'node:os';
import type { MasterDetector } from '../election';
import { createDetector, isZooKeeperUrl, leaderBaseUrl, parseZooKeeperUrl, StandaloneMasterDetector } from '../election';
import type { AgentCall, AgentEvent } from '../protocol/agent-channel';
import { parseAttributes } from '../protocol/attributes';
import { newContainerId, newStatusUuid } from '../protocol/ids';
import { Resources } from '../protocol/resources';
import { taskGroupToRunProblem, taskToRunProblem } from '../protocol/task-validation';
import type { AgentInfo, Attribute, ExecutorInfo, FrameworkInfo, Task, TaskInfo, TaskState, TaskStatus, TaskStatusReason } from '../protocol/types';
import { close as closeServer, createServer, listen, Router } from '../http/server';
import type { Logger } from '../util/log';
import { createLogger } from '../util/log';
import type { Isolator } from './cgroups';
import { createIsolator } from './cgroups';
import { checkpointedIdentity, writeAgentCheckpoint } from './checkpoint';
import { registerFilesRoutes } from './files-routes';
import type { MasterConnectionOptions } from './master-connection';
import { MasterConnection, parseMasterUrl } from './master-connection';
import type { AgentOptions } from './options';
import { AGENT_DEFAULTS } from './options';
import type { RecoveredRun } from './recovery';
import { lastKnownState, readRecoveredState, RECOVER_MODES, runFate } from './recovery';
import { agentResources, probeHost } from './resources-probe';
import type { RunKey } from './sandbox-paths';
import { nestedTaskSandbox, runMetaDir, sandboxDir, sandboxesRoot, taskMetaDir, taskUpdatesFile } from './sandbox-paths';
import { agentStateJson } from './state-json';
import { appendUpdateLog } from './status-update-log';
import type { StatusUpdate } from './status-updates';
import { realClock, StatusUpdateManager } from './status-updates';
import { TaskGroup } from './task-group';
import type { FrameworkEntry, TaskEntry } from './task-registry';
import { TaskRegistry } from './task-registry';
import type { TaskTransition } from './task-runner';
import { TaskRunner } from './task-runner';

export const AGENT_VERSION = '1.11.0-mesoscloud';

export interface Agent {
  /** Listens and begins registering; resolves once listening. */
  start(): Promise<void>;
  /** Stops the agent. Tasks keep running unless `killTasks` (then they are killed and the agent unregisters). */
  close(opts?: { killTasks?: boolean }): Promise<void>;
  readonly port: number;
  readonly url: string;
  readonly agentId: string | undefined;
  /** Resolves with the agent id once the master has accepted the registration. */
  whenRegistered(): Promise<string>;
}

/** The first non-loopback IPv4 address, for agents listening on 0.0.0.0 without --advertise_ip. */
function guessAdvertiseIp(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function checkPositive(flag: string, value: number, allowZero = false): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
  }
}

export class AgentDaemon implements Agent {
  private readonly opts: AgentOptions;
  private readonly log: Logger;
  /** The fixed --master URL; undefined for zk://, where the detector says who leads. */
  private readonly masterUrl?: URL;
  private detector?: MasterDetector;
  /** What the agent last registered with, as checkpointed. */
  private checkpointedInfo?: AgentInfo;
  private readonly givenResources: string | undefined;
  private readonly attributes: Attribute[];
  private readonly router = new Router();
  private server?: http.Server;
  private listeningPort = 0;
  private resources: Resources = Resources.empty();
  private isolator?: Isolator;
  private connection?: MasterConnection;
  private readonly updates: StatusUpdateManager;
  private id?: string;
  private masterHostname?: string;
  private readonly tasks = new TaskRegistry();
  private registeredWaiters: ((id: string) => void)[] = [];
  private registeredOnce = false;
  private closed = false;
  private readonly startTime = Date.now() / 1000;

  constructor(options: AgentOptions) {
    this.opts = { ...AGENT_DEFAULTS, ...options };
    this.log = (this.opts.logger ?? createLogger('agent')).child('agent');
    if (!this.opts.workDir) throw new Error('--work_dir is required');
    if (isZooKeeperUrl(this.opts.master ?? '')) {
      // Parsed now so that a malformed zk:// URL fails at start-up, naming the flag.
      try {
        parseZooKeeperUrl(this.opts.master);
      } catch (err) {
        throw new Error(`--master: ${(err as Error).message}`);
      }
    } else {
      this.masterUrl = parseMasterUrl(this.opts.master ?? '');
    }
    this.opts.recover ??= 'reconnect';
    if (!RECOVER_MODES.includes(this.opts.recover)) throw new Error(`--recover must be ${RECOVER_MODES.join(' or ')}, got '${this.opts.recover}'`);
    checkPositive('--port', this.opts.port, true);
    checkPositive('--executor_shutdown_grace_period', this.opts.killGracePeriodSeconds, true);
    checkPositive('--status_update_retry_interval', this.opts.statusUpdateRetrySeconds);
    checkPositive('--master_ping_timeout', this.opts.masterPingTimeoutSeconds);
    if (!['auto', 'v1', 'v2', 'none'].includes(this.opts.cgroups)) throw new Error(`--isolation must be auto, cgroups/v1, cgroups/v2 or none, got '${this.opts.cgroups}'`);
    // Parse early so a typo fails at start-up with the flag named, not at the first registration.
    this.givenResources = this.opts.resources;
    agentResources(this.givenResources, { cpus: 1, memTotalMb: 1024, diskFreeMb: 1024 });
    try {
      this.attributes = this.opts.attributes ? parseAttributes(this.opts.attributes) : [];
    } catch (err) {
      throw new Error(`--attributes: ${(err as Error).message}`);
    }
    this.updates = new StatusUpdateManager({
      clock: realClock,
      initialRetryMs: this.opts.statusUpdateRetrySeconds * 1000,
      send: (update) => this.sendUpdate(update),
      onStreamClosed: (update) => this.forgetTask(update.framework_id.value, update.status.task_id.value),
    });
    this.routes();
  }

  get port(): number { return this.listeningPort }
  get agentId(): string | undefined { return this.id }
  get url(): string { return `http://${this.advertiseIp()}:${this.listeningPort}` }

  whenRegistered(): Promise<string> {
    if (this.registeredOnce && this.id) return Promise.resolve(this.id);
    return new Promise((resolve) => this.registeredWaiters.push(resolve));
  }

  async start(): Promise<void> {
    const workDir = this.opts.workDir;
    fs.mkdirSync(sandboxesRoot(workDir), { recursive: true });
    this.resources = agentResources(this.givenResources, probeHost(workDir));
    this.isolator = await createIsolator(this.opts.cgroups, { logger: this.log, rootName: this.opts.cgroupsRoot });
    await this.recover();
    this.server = createServer(this.router, (err) => this.log.error('request failed', { error: (err as Error).message }));
    this.listeningPort = await listen(this.server, this.opts.port, this.opts.ip);
    this.log.info('agent listening', { url: this.url, resources: this.resources.toString(), isolation: this.isolator.kind, work_dir: workDir });
    const fixed = this.masterUrl;
    this.detector = fixed ? new StandaloneMasterDetector(this.opts.master) : createDetector(this.opts.master, { logger: this.log.child('detector') });
    this.connection = new MasterConnection({
      detector: this.detector,
      leaderUrl: (leader) => fixed ?? new URL(leaderBaseUrl(leader)),
      logger: this.log.child('master'),
      pingTimeoutMs: this.opts.masterPingTimeoutSeconds * 1000,
      registerCall: () => this.registerCall(),
      agentId: () => this.id,
      onRegistered: (event) => this.onRegistered(event.registered),
      onEvent: (event) => this.onEvent(event),
    });
    this.connection.start();
  }

  async close(opts: { killTasks?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (opts.killTasks) await this.killEverything();
    this.closed = true;
    this.updates.close();
    this.connection?.stop();
    await this.detector?.close().catch(() => undefined);
    if (this.server) await closeServer(this.server);
  }

  // ---- recovery ----

  /**
   * Takes back what the previous agent process left in the work dir: its id, its tasks (adopted,
   * or reported as they ended while it was away) and the updates it had not had acknowledged, which
   * are queued again before anything new can be. Problems with the files are logged, naming each
   * file, and the rest is recovered.
   */
  private async recover(): Promise<void> {
    const state = readRecoveredState(this.opts.workDir);
    for (const problem of state.problems) this.log.error('recovery: part of the checkpoint cannot be used', { problem });
    this.id = state.agentId;
    this.checkpointedInfo = state.agent?.agent_info;
    if (!state.agentId) return;
    this.logInfoChanges();
    // Launch order, so that the history of completed tasks is in order too.
    const runs = [...state.runs].sort((a, b) => a.checkpoint.launched_at - b.checkpoint.launched_at);
    const groups = this.recoveredGroups(runs);
    const recovering: Promise<void>[] = [];
    const counts = { adopted: 0, ended: 0, discarded: 0, killed: 0 };
    for (const run of runs) {
      const cp = run.checkpoint;
      const fate = runFate(run, this.opts.recover ?? 'reconnect');
      const framework = this.tasks.framework(cp.framework_id.value, cp.framework_info);
      const key: RunKey = { agentId: state.agentId, frameworkId: framework.id, executorId: cp.executor_id, containerId: cp.container_id };
      const group = run.inGroup ? groups.get(cp.container_id) : undefined;
      const entry = this.addTask(framework, cp.task, key, {
        sandbox: sandboxDir(this.opts.workDir, key),
        taskSandbox: cp.sandbox,
        metaDir: run.metaDir,
        isolator: group?.isolator ?? this.isolator!,
        ...(cp.executor ? { executor: cp.executor } : {}),
        launchedAt: cp.launched_at,
      });
      entry.statuses = run.updates.map((u) => u.status);
      group?.add(entry.runner);
      const taskId = cp.task.task_id.value;
      if (fate.kind === 'completed') {
        entry.runner.restoreEnded(lastKnownState(run));
        this.tasks.complete(framework.id, taskId);
        continue;
      }
      // Queued before the runner can add anything, so the framework sees the updates in order.
      for (const update of run.unacknowledged) this.updates.enqueue(update);
      if (fate.kind === 'ended') {
        entry.runner.restoreEnded(lastKnownState(run));
        counts.ended++;
        continue;
      }
      const spec = { state: lastKnownState(run), identity: checkpointedIdentity(cp), killDeadline: cp.kill_deadline };
      if (fate.kind === 'discard') counts.discarded++;
      else if (fate.killOnRecovery) counts.killed++;
      else counts.adopted++;
      recovering.push(
        entry.runner
          .recover(fate.kind === 'discard' ? { ...spec, discard: fate.transition } : { ...spec, killOnRecovery: fate.killOnRecovery })
          .catch((err) => this.log.error('task recovery failed', { task_id: taskId, error: (err as Error).message })),
      );
      this.watchDone(entry);
    }
    await Promise.all(recovering);
    this.log.info('recovered from the work dir', { agent_id: state.agentId, recover: this.opts.recover, runs: runs.length, ...counts });
  }

  /** The task groups of the recovered runs, by container, each limited to all its tasks' resources. */
  private recoveredGroups(runs: RecoveredRun[]): Map<string, TaskGroup> {
    const groups = new Map<string, TaskGroup>();
    const byContainer = new Map<string, RecoveredRun[]>();
    for (const run of runs) {
      if (!run.inGroup) continue;
      const list = byContainer.get(run.checkpoint.container_id) ?? [];
      list.push(run);
      byContainer.set(run.checkpoint.container_id, list);
    }
    for (const [containerId, members] of byContainer) {
      const executor = members[0].checkpoint.executor;
      const resources = [...(executor?.resources ?? []), ...members.flatMap((m) => m.checkpoint.task.resources)];
      groups.set(containerId, new TaskGroup(containerId, resources, this.isolator!, this.log.child('task_group', { executor_id: members[0].checkpoint.executor_id, container_id: containerId })));
    }
    return groups;
  }

  /** Mesos refuses to start when these changed ("Incompatible agent info"); we re-register with the new ones. */
  private logInfoChanges(): void {
    const before = this.checkpointedInfo;
    if (!before) return;
    const oldResources = (() => {
      try {
        return Resources.fromV1(before.resources ?? []).toString();
      } catch {
        return '(unreadable)';
      }
    })();
    const newResources = this.resources.toString();
    if (oldResources !== newResources) this.log.warn('resources changed since the last run; re-registering with the new ones', { before: oldResources, now: newResources });
    if (JSON.stringify(before.attributes ?? []) !== JSON.stringify(this.attributes)) {
      this.log.warn('attributes changed since the last run; re-registering with the new ones', { before: before.attributes ?? [], now: this.attributes });
    }
  }

  // ---- registration ----

  private advertiseIp(): string {
    if (this.opts.advertiseIp) return this.opts.advertiseIp;
    return this.opts.ip === '0.0.0.0' ? guessAdvertiseIp() : this.opts.ip;
  }

  private hostname(): string {
    return this.opts.hostname ?? this.advertiseIp();
  }

  private registerCall(): AgentCall {
    const tasks: Task[] = [];
    const frameworks: FrameworkInfo[] = [];
    // Tasks that ended but whose terminal update is not acknowledged yet are still ours to report: a
    // master that did not hear of them would otherwise declare them gone before their real end arrives.
    for (const framework of this.tasks.activeFrameworks()) {
      if (framework.tasks.size === 0) continue;
      for (const entry of framework.tasks.values()) tasks.push(this.taskJson(entry));
      frameworks.push({ ...framework.info, id: { value: framework.id } });
    }
    return {
      type: 'REGISTER',
      register: {
        agent_info: this.agentInfo(),
        tasks,
        frameworks,
        version: AGENT_VERSION,
        pid: `${this.advertiseIp()}:${this.listeningPort}`,
      },
    };
  }

  private agentInfo(): AgentInfo {
    return {
      hostname: this.hostname(),
      port: this.listeningPort,
      resources: this.resources.toV1(),
      attributes: this.attributes,
      ...(this.id ? { id: { value: this.id } } : {}),
    };
  }

  private taskJson(entry: TaskEntry): Task {
    const pending = this.updates.pending(entry.frameworkId, entry.task.task_id.value)[0];
    const latest = entry.statuses[entry.statuses.length - 1];
    return {
      name: entry.task.name,
      task_id: entry.task.task_id,
      framework_id: { value: entry.frameworkId },
      executor_id: { value: entry.executorId },
      agent_id: { value: this.id ?? '' },
      state: entry.runner.state,
      resources: entry.task.resources,
      statuses: latest ? [latest] : [],
      ...(pending ? { status_update_state: pending.status.state, status_update_uuid: pending.status.uuid } : {}),
      ...(entry.task.labels ? { labels: entry.task.labels } : {}),
      ...(entry.task.command ? { command: entry.task.command } : {}),
      ...(entry.task.kill_policy ? { kill_policy: entry.task.kill_policy } : {}),
    };
  }

  private onRegistered(registered: Extract<AgentEvent, { type: 'REGISTERED' }>['registered']): void {
    const id = registered.agent_id.value;
    if (this.id && this.id !== id) this.log.warn('the master gave this agent a new id', { previous: this.id, agent_id: id });
    this.id = id;
    const info = this.agentInfo();
    // Flushed to disk, so written only when something changed.
    if (this.checkpointedInfo === undefined || JSON.stringify(info) !== JSON.stringify(this.checkpointedInfo)) {
      try {
        writeAgentCheckpoint(this.opts.workDir, { agent_id: { value: id }, agent_info: info });
        this.checkpointedInfo = info;
      } catch (err) {
        this.log.error('could not persist the agent id', { error: (err as Error).message });
      }
    }
    this.masterHostname = registered.master_info?.hostname;
    this.log.info(this.registeredOnce ? 're-registered with the master' : 'registered with the master', { agent_id: id, master: this.connection?.masterUrl });
    this.registeredOnce = true;
    for (const resolve of this.registeredWaiters.splice(0)) resolve(id);
    // Whatever was waiting for an acknowledgement goes out now rather than at its next retry.
    this.updates.flush();
  }

  // ---- events from the master ----

  private onEvent(event: Parameters<MasterConnectionOptions['onEvent']>[0]): void {
    if (this.closed) return;
    try {
      switch (event.type) {
        case 'RUN_TASK':
          return this.runTask(event.run_task);
        case 'RUN_TASK_GROUP':
          return this.runTaskGroup(event.run_task_group);
        case 'KILL_TASK':
          return this.killTask(event.kill_task);
        case 'ACKNOWLEDGE':
          return this.acknowledge(event.acknowledge);
        case 'SHUTDOWN_FRAMEWORK':
          return this.shutdownFramework(event.shutdown_framework.framework_id.value);
        case 'FRAMEWORK_MESSAGE':
          // Command tasks have no executor to hand messages to, as with Mesos's command executor.
          this.log.debug('dropping a framework message: command tasks take no messages');
          return;
      }
    } catch (err) {
      this.log.error('failed to handle an event from the master', { type: event.type, error: (err as Error).message });
    }
  }

  private runTask(run: Extract<AgentEvent, { type: 'RUN_TASK' }>['run_task']): void {
    const frameworkId = run.framework_id.value;
    const task = run.task;
    const taskId = task.task_id.value;
    if (!this.acceptsLaunch(frameworkId, [taskId])) return;
    // Command tasks run under an executor named after the task, as with Mesos's command executor.
    const executorId = taskId;
    const problem = taskToRunProblem(task);
    if (problem) {
      this.sendAgentStatus(frameworkId, taskId, executorId, 'TASK_ERROR', problem, 'REASON_TASK_INVALID');
      return;
    }
    const framework = this.tasks.framework(frameworkId, run.framework_info);
    const key = this.newRunKey(frameworkId, executorId);
    const sandbox = sandboxDir(this.opts.workDir, key);
    const entry = this.addTask(framework, task, key, { sandbox, taskSandbox: sandbox, metaDir: runMetaDir(this.opts.workDir, key), isolator: this.isolator! });
    this.startTask(entry);
  }

  /**
   * LAUNCH_GROUP, with Mesos's default executor semantics: one executor sandbox, a nested sandbox
   * and a process group per task, one container for the lot, and a failed or killed task taking
   * the others with it (task-group.ts).
   */
  private runTaskGroup(run: Extract<AgentEvent, { type: 'RUN_TASK_GROUP' }>['run_task_group']): void {
    const frameworkId = run.framework_id.value;
    const executor = run.executor;
    const executorId = executor?.executor_id?.value;
    const tasks = run.task_group.tasks;
    const taskIds = tasks.map((t) => t.task_id.value);
    if (!this.acceptsLaunch(frameworkId, taskIds)) return;
    const problem = taskGroupToRunProblem(executor, tasks);
    if (problem) {
      // A group is launched whole or not at all.
      for (const taskId of taskIds) this.sendAgentStatus(frameworkId, taskId, executorId || taskId, 'TASK_ERROR', problem, 'REASON_TASK_GROUP_INVALID');
      return;
    }
    const framework = this.tasks.framework(frameworkId, run.framework_info);
    const key = this.newRunKey(frameworkId, executorId!);
    const sandbox = sandboxDir(this.opts.workDir, key);
    const group = new TaskGroup(
      key.containerId,
      [...(executor.resources ?? []), ...tasks.flatMap((t) => t.resources)],
      this.isolator!,
      this.log.child('task_group', { executor_id: executorId, container_id: key.containerId }),
    );
    const entries = tasks.map((task) =>
      this.addTask(framework, task, key, {
        sandbox,
        taskSandbox: nestedTaskSandbox(sandbox, task.task_id.value),
        metaDir: taskMetaDir(this.opts.workDir, key, task.task_id.value),
        isolator: group.isolator,
        executor,
      }),
    );
    for (const entry of entries) group.add(entry.runner);
    for (const entry of entries) this.startTask(entry);
  }

  /** False, after saying why, for a launch to ignore: one the master re-sent, or one for a framework being shut down. */
  private acceptsLaunch(frameworkId: string, taskIds: string[]): boolean {
    const existing = taskIds.find((id) => this.tasks.task(frameworkId, id));
    if (existing) {
      // The master re-sent a launch it already gave us (a retry across reconnection): launching is idempotent.
      this.log.warn('ignoring a launch of a task that is already here', { framework_id: frameworkId, task_id: existing, state: this.tasks.task(frameworkId, existing)!.runner.state });
      return false;
    }
    if (this.tasks.activeFramework(frameworkId)?.shuttingDown) {
      // The master has removed this framework: an update about the task would have nobody to go to.
      this.log.warn('ignoring a launch for a framework being shut down', { framework_id: frameworkId, task_ids: taskIds });
      return false;
    }
    return true;
  }

  private newRunKey(frameworkId: string, executorId: string): RunKey {
    return { agentId: this.id as string, frameworkId, executorId, containerId: newContainerId() };
  }

  /** Registers a task and its runner; nothing starts yet. */
  private addTask(
    framework: FrameworkEntry,
    task: TaskInfo,
    key: RunKey,
    run: { sandbox: string; taskSandbox: string; metaDir: string; isolator: Isolator; executor?: ExecutorInfo; launchedAt?: number },
  ): TaskEntry {
    const taskId = task.task_id.value;
    const entry: TaskEntry = {
      frameworkId: framework.id,
      task,
      executorId: key.executorId,
      ...(run.executor ? { executor: run.executor } : {}),
      containerId: key.containerId,
      sandbox: run.sandbox,
      updatesFile: taskUpdatesFile(this.opts.workDir, key, taskId),
      statuses: [],
      runner: undefined as unknown as TaskRunner,
    };
    entry.runner = new TaskRunner(
      {
        task,
        frameworkId: framework.id,
        frameworkInfo: framework.info,
        agentId: key.agentId,
        executorId: key.executorId,
        ...(run.executor ? { executor: run.executor } : {}),
        containerId: key.containerId,
        sandbox: run.taskSandbox,
        metaDir: run.metaDir,
        defaultGracePeriodMs: this.opts.killGracePeriodSeconds * 1000,
        ...(run.launchedAt !== undefined ? { launchedAt: run.launchedAt } : {}),
      },
      { isolator: run.isolator, logger: this.log.child('task', { task_id: taskId }), onTransition: (t) => this.onTransition(entry, t) },
    );
    this.tasks.add(entry);
    return entry;
  }

  private startTask(entry: TaskEntry): void {
    const { frameworkId, containerId } = entry;
    const taskId = entry.task.task_id.value;
    this.log.info('launching task', { framework_id: frameworkId, task_id: taskId, executor_id: entry.executorId, container_id: containerId, sandbox: entry.runner.spec.sandbox });
    entry.runner.start().catch((err) => this.log.error('task launch crashed', { task_id: taskId, error: (err as Error).message }));
    this.watchDone(entry);
  }

  private watchDone(entry: TaskEntry): void {
    const { frameworkId } = entry;
    const taskId = entry.task.task_id.value;
    void entry.runner.done.then(() => {
      if (this.tasks.activeFramework(frameworkId)?.shuttingDown) this.forgetTask(frameworkId, taskId, true);
    });
  }

  private killTask(kill: Extract<AgentEvent, { type: 'KILL_TASK' }>['kill_task']): void {
    const frameworkId = kill.framework_id.value;
    const taskId = kill.task_id.value;
    const entry = this.tasks.task(frameworkId, taskId);
    if (entry) {
      this.log.info('killing task', { framework_id: frameworkId, task_id: taskId });
      void entry.runner.kill(kill.kill_policy?.grace_period?.nanoseconds);
      return;
    }
    if (this.tasks.hasCompleted(frameworkId, taskId) || this.updates.hasStream(frameworkId, taskId)) {
      this.log.info('kill of a task that already ended', { framework_id: frameworkId, task_id: taskId });
      return;
    }
    this.sendAgentStatus(frameworkId, taskId, taskId, 'TASK_DROPPED', 'Attempted to kill a task unknown to the agent', 'REASON_TASK_UNKNOWN');
  }

  private acknowledge(ack: Extract<AgentEvent, { type: 'ACKNOWLEDGE' }>['acknowledge']): void {
    const frameworkId = ack.framework_id.value;
    const taskId = ack.task_id.value;
    const uuid = ack.uuid;
    const entry = this.tasks.task(frameworkId, taskId);
    const result = this.updates.acknowledge(frameworkId, taskId, uuid);
    if (result !== 'acknowledged') {
      this.log.debug('ignoring an acknowledgement', { framework_id: frameworkId, task_id: taskId, uuid, result });
      return;
    }
    if (entry) this.appendLog(entry.updatesFile, { type: 'ACK', uuid });
  }

  private shutdownFramework(frameworkId: string): void {
    const framework = this.tasks.activeFramework(frameworkId);
    if (!framework) {
      this.log.info('ignoring SHUTDOWN_FRAMEWORK for a framework with nothing here', { framework_id: frameworkId });
      return;
    }
    this.log.info('shutting down framework', { framework_id: framework.id, tasks: framework.tasks.size });
    framework.shuttingDown = true;
    for (const entry of [...framework.tasks.values()]) {
      if (entry.runner.isTerminal) this.forgetTask(framework.id, entry.task.task_id.value, true);
      else void entry.runner.kill();
    }
  }

  // ---- status updates ----

  private onTransition(entry: TaskEntry, t: TaskTransition): void {
    const taskId = entry.task.task_id.value;
    this.log.info('task state', { framework_id: entry.frameworkId, task_id: taskId, state: t.state, message: t.message });
    const status = this.status(taskId, t.state, t.message, t.reason, t.source);
    status.executor_id = { value: entry.executorId };
    status.container_status = { container_id: { value: entry.containerId }, ...(entry.runner.pid ? { executor_pid: entry.runner.pid } : {}) };
    entry.statuses.push(status);
    // A framework being shut down is gone from the master: nobody would acknowledge its updates.
    if (this.closed || this.tasks.activeFramework(entry.frameworkId)?.shuttingDown) return;
    const update: StatusUpdate = { framework_id: { value: entry.frameworkId }, status };
    this.appendLog(entry.updatesFile, { type: 'UPDATE', update });
    this.updates.enqueue(update);
  }

  private status(taskId: string, state: TaskState, message?: string, reason?: TaskStatusReason, source: TaskStatus['source'] = 'SOURCE_AGENT') {
    const status: TaskStatus & { uuid: string } = {
      task_id: { value: taskId },
      state,
      source,
      agent_id: { value: this.id ?? '' },
      timestamp: Date.now() / 1000,
      uuid: newStatusUuid(),
    };
    if (message !== undefined) status.message = message;
    if (reason !== undefined) status.reason = reason;
    return status;
  }

  /** An update about a task that never ran here (refused launch, unknown task). */
  private sendAgentStatus(frameworkId: string, taskId: string, executorId: string, state: TaskState, message: string, reason: TaskStatusReason): void {
    this.log.warn('task refused', { framework_id: frameworkId, task_id: taskId, state, message });
    const status = this.status(taskId, state, message, reason);
    status.executor_id = { value: executorId };
    if (!this.updates.enqueue({ framework_id: { value: frameworkId }, status })) {
      this.log.warn('not sending an update after the terminal one', { framework_id: frameworkId, task_id: taskId, state });
    }
  }

  private sendUpdate(update: StatusUpdate): void {
    const agentId = this.id;
    if (!agentId || !this.connection) return;
    // Statuses queued before a change of agent id must carry the id the master knows now.
    const status = update.status.agent_id?.value === agentId ? update.status : { ...update.status, agent_id: { value: agentId } };
    void this.connection.call({ type: 'UPDATE', agent_id: { value: agentId }, update: { framework_id: update.framework_id, status } });
  }

  private appendLog(file: string, record: Parameters<typeof appendUpdateLog>[1]): void {
    try {
      appendUpdateLog(file, record);
    } catch (err) {
      // A disk error must not hold updates back: delivering one unpersisted beats never delivering it.
      this.log.error('could not write the status update log', { file, error: (err as Error).message });
    }
  }

  /** The terminal update was acknowledged (or the framework is gone): the task's resources are free. */
  private forgetTask(frameworkId: string, taskId: string, dropStream = false): void {
    if (dropStream) this.updates.drop(frameworkId, taskId);
    this.tasks.complete(frameworkId, taskId);
  }

  /** SIGUSR1 / close({killTasks}): kill every task, give their terminal updates a moment to be acknowledged, unregister. */
  private async killEverything(): Promise<void> {
    const runners = this.tasks.activeTasks().map((e) => e.runner);
    this.log.info('killing every task', { tasks: runners.length });
    await Promise.all(runners.map((r) => r.kill()));
    const deadline = Date.now() + 2000;
    while (this.connection?.registered && Date.now() < deadline && !this.tasks.isEmpty) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (this.id && this.connection?.registered) await this.connection.call({ type: 'UNREGISTER', agent_id: { value: this.id } });
  }

  // ---- HTTP ----

  private routes(): void {
    const r = this.router;
    r.on('GET', '/health', () => ({ status: 200, text: '' }));
    const state = () => ({ json: this.stateJson() });
    for (const p of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) r.on('GET', p, state);
    const flags = () => ({ json: { flags: this.flags() } });
    for (const p of ['/flags', '/slave(1)/flags']) r.on('GET', p, flags);
    registerFilesRoutes(r, sandboxesRoot(this.opts.workDir));
  }

  private flags(): Record<string, string> {
    const o = this.opts;
    const flags: Record<string, string> = {
      ip: o.ip,
      port: String(o.port),
      master: o.master,
      work_dir: o.workDir,
      hostname: this.hostname(),
      isolation: o.cgroups,
      cgroups_root: o.cgroupsRoot ?? 'mesoscloud',
      executor_shutdown_grace_period: `${o.killGracePeriodSeconds}secs`,
      status_update_retry_interval: `${o.statusUpdateRetrySeconds}secs`,
      master_ping_timeout: `${o.masterPingTimeoutSeconds}secs`,
      recover: o.recover ?? 'reconnect',
    };
    if (o.advertiseIp) flags.advertise_ip = o.advertiseIp;
    if (o.resources) flags.resources = o.resources;
    if (o.attributes) flags.attributes = o.attributes;
    return flags;
  }

  private stateJson(): Record<string, unknown> {
    return agentStateJson({
      version: AGENT_VERSION,
      startTime: this.startTime,
      agentId: this.id,
      hostname: this.hostname(),
      pid: `slave(1)@${this.advertiseIp()}:${this.listeningPort}`,
      resources: this.resources,
      attributes: this.attributes,
      masterHostname: this.masterHostname,
      flags: this.flags(),
      ...this.tasks.snapshot(),
    });
  }
}
