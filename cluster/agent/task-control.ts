/**
 * Running what the master sends: RUN_TASK and RUN_TASK_GROUP become task runners (after the launch
 * checks shared with the master, protocol/task-validation.ts), KILL_TASK and SHUTDOWN_FRAMEWORK kill
 * them. Recovery registers the runs it takes back through the same `add`, so a task is set up one
 * way whether it was just launched or adopted from the previous agent process. Kept apart from the
 * daemon so that launching depends only on what it uses, listed in TaskLaunchDeps.
 */
import type { AgentEvent } from '../protocol/agent-channel';
import { newContainerId } from '../protocol/ids';
import { taskGroupToRunProblem, taskToRunProblem } from '../protocol/task-validation';
import type { ExecutorInfo, TaskInfo } from '../protocol/types';
import type { Logger } from '../util/log';
import type { Isolator } from './cgroups';
import type { Executors } from './executors';
import type { RunAsPolicy } from './task-user';
import type { AgentFetcher } from './fetcher/fetcher';
import type { RunKey } from './sandbox-paths';
import { nestedTaskSandbox, runMetaDir, sandboxDir, taskMetaDir, taskUpdatesFile } from './sandbox-paths';
import type { StatusUpdateManager } from './status-updates';
import { TaskGroup } from './task-group';
import type { FrameworkEntry, TaskEntry, TaskTable } from './task-table';

/** A task the agent runs itself (a command task or a task of a group). */
export type RunnerEntry = TaskEntry & { runner: TaskRunner };
import { TaskRunner } from './task-runner';
import type { TaskUpdates } from './task-updates';
import type { Volumes } from './volumes';
import { holdsVolume } from './volume-spec';

export interface TaskLaunchDeps {
  log: Logger;
  workDir: string;
  /** --executor_shutdown_grace_period, for tasks without a kill policy. */
  killGracePeriodMs: number;
  tasks: TaskTable;
  updates: Pick<StatusUpdateManager, 'hasStream' | 'drop'>;
  taskUpdates: Pick<TaskUpdates, 'onTransition' | 'refuse'>;
  /** The agent's id; set whenever the master can send a task. */
  agentId(): string | undefined;
  /** The isolator made at start-up. */
  isolator(): Isolator;
  /** Which user each task runs as (task-user.ts). */
  runAs: RunAsPolicy;
  /** Fetches each task's CommandInfo.uris (fetcher/fetcher.ts). */
  fetcher?: AgentFetcher;
  /** The custom executors, which run the tasks that bring one. */
  executors: Pick<Executors, 'launch'>;
  /** The agent's persistent volumes, which tasks' resources may name (volumes.ts). */
  volumes?: Pick<Volumes, 'launchProblem' | 'attach' | 'adopt' | 'detach'>;
}

/** Where a run lives and under which isolator it runs. */
export interface RunPlacement {
  sandbox: string;
  taskSandbox: string;
  metaDir: string;
  isolator: Isolator;
  executor?: ExecutorInfo;
  launchedAt?: number;
}

export class TaskControl {
  constructor(private readonly deps: TaskLaunchDeps) {}

  runTask(run: Extract<AgentEvent, { type: 'RUN_TASK' }>['run_task']): void {
    const frameworkId = run.framework_id.value;
    const task = run.task;
    const taskId = task.task_id.value;
    if (!this.acceptsLaunch(frameworkId, [taskId])) return;
    // Command tasks run under an executor named after the task, as with Mesos's command executor;
    // a task with an executor of its own goes to that executor (executors.ts).
    const executorId = task.executor?.executor_id?.value || taskId;
    const problem = taskToRunProblem(task) ?? this.deps.volumes?.launchProblem([...task.resources, ...(task.executor?.resources ?? [])], 'task.resources');
    if (problem) {
      this.deps.taskUpdates.refuse(frameworkId, taskId, executorId, 'TASK_ERROR', problem, 'REASON_TASK_INVALID');
      return;
    }
    const framework = this.deps.tasks.framework(frameworkId, run.framework_info);
    if (task.executor && !task.command) {
      this.deps.executors.launch(framework, task, task.executor);
      return;
    }
    const key = this.newRunKey(frameworkId, executorId);
    const sandbox = sandboxDir(this.deps.workDir, key);
    const entry = this.add(framework, task, key, { sandbox, taskSandbox: sandbox, metaDir: runMetaDir(this.deps.workDir, key), isolator: this.deps.isolator() });
    this.start(entry);
  }

  /**
   * LAUNCH_GROUP, with Mesos's default executor semantics: one executor sandbox, a nested sandbox
   * and a process group per task, one container for the lot, and a failed or killed task taking
   * the others with it (task-group.ts).
   */
  runTaskGroup(run: Extract<AgentEvent, { type: 'RUN_TASK_GROUP' }>['run_task_group']): void {
    const frameworkId = run.framework_id.value;
    const executor = run.executor;
    const executorId = executor?.executor_id?.value;
    const tasks = run.task_group.tasks;
    const taskIds = tasks.map((t) => t.task_id.value);
    if (!this.acceptsLaunch(frameworkId, taskIds)) return;
    const problem = taskGroupToRunProblem(executor, tasks) ?? this.volumesProblem(executor, tasks);
    if (problem) {
      // A group is launched whole or not at all.
      for (const taskId of taskIds) this.deps.taskUpdates.refuse(frameworkId, taskId, executorId || taskId, 'TASK_ERROR', problem, 'REASON_TASK_GROUP_INVALID');
      return;
    }
    const framework = this.deps.tasks.framework(frameworkId, run.framework_info);
    const key = this.newRunKey(frameworkId, executorId);
    const sandbox = sandboxDir(this.deps.workDir, key);
    const group = new TaskGroup(
      key.containerId,
      [...(executor.resources ?? []), ...tasks.flatMap((t) => t.resources)],
      this.deps.isolator(),
      this.deps.log.child('task_group', { executor_id: executorId, container_id: key.containerId }),
    );
    const entries = tasks.map((task) =>
      this.add(framework, task, key, {
        sandbox,
        taskSandbox: nestedTaskSandbox(sandbox, task.task_id.value),
        metaDir: taskMetaDir(this.deps.workDir, key, task.task_id.value),
        isolator: group.isolator,
        executor,
      }),
    );
    for (const entry of entries) group.add(entry.runner);
    for (const entry of entries) this.start(entry);
  }

  kill(kill: Extract<AgentEvent, { type: 'KILL_TASK' }>['kill_task']): void {
    const frameworkId = kill.framework_id.value;
    const taskId = kill.task_id.value;
    const entry = this.deps.tasks.task(frameworkId, taskId);
    if (entry) {
      this.deps.log.info('killing task', { framework_id: frameworkId, task_id: taskId });
      void entry.runner.kill(kill.kill_policy?.grace_period?.nanoseconds);
      return;
    }
    if (this.deps.tasks.hasCompleted(frameworkId, taskId) || this.deps.updates.hasStream(frameworkId, taskId)) {
      this.deps.log.info('kill of a task that already ended', { framework_id: frameworkId, task_id: taskId });
      return;
    }
    this.deps.taskUpdates.refuse(frameworkId, taskId, taskId, 'TASK_DROPPED', 'Attempted to kill a task unknown to the agent', 'REASON_TASK_UNKNOWN');
  }

  shutdownFramework(frameworkId: string): void {
    const framework = this.deps.tasks.activeFramework(frameworkId);
    if (!framework) {
      this.deps.log.debug('ignoring SHUTDOWN_FRAMEWORK for a framework with no task here', { framework_id: frameworkId });
      return;
    }
    this.deps.log.info('shutting down framework', { framework_id: framework.id, tasks: framework.tasks.size });
    framework.shuttingDown = true;
    for (const entry of [...framework.tasks.values()]) {
      if (entry.runner.isTerminal) this.forget(framework.id, entry.task.task_id.value);
      else void entry.runner.kill();
    }
  }

  /** Kills every task; resolves once each has ended. */
  async killAll(): Promise<void> {
    const runners = this.deps.tasks.activeTasks().map((e) => e.runner);
    this.deps.log.info('killing every task', { tasks: runners.length });
    await Promise.all(runners.map((r) => r.kill()));
  }

  /** Registers a task and its runner; nothing starts yet. */
  add(framework: FrameworkEntry, task: TaskInfo, key: RunKey, run: RunPlacement): RunnerEntry {
    const taskId = task.task_id.value;
    const entry: RunnerEntry = {
      frameworkId: framework.id,
      task,
      executorId: key.executorId,
      ...(run.executor ? { executor: run.executor } : {}),
      containerId: key.containerId,
      sandbox: run.sandbox,
      updatesFile: taskUpdatesFile(this.deps.workDir, key, taskId),
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
        defaultGracePeriodMs: this.deps.killGracePeriodMs,
        ...(run.launchedAt !== undefined ? { launchedAt: run.launchedAt } : {}),
      },
      { isolator: run.isolator, runAs: this.deps.runAs, ...(this.deps.fetcher ? { fetcher: this.deps.fetcher } : {}), ...(this.deps.volumes ? { volumes: this.deps.volumes } : {}), logger: this.deps.log.child('task', { task_id: taskId }), onTransition: (t) => this.deps.taskUpdates.onTransition(entry, t) },
    );
    this.deps.tasks.add(entry);
    return entry;
  }

  /** Once the task ends, a framework being shut down forgets it: nobody will acknowledge its update. */
  watchDone(entry: TaskEntry): void {
    const { frameworkId } = entry;
    const taskId = entry.task.task_id.value;
    void entry.runner.done.then(() => {
      if (this.deps.tasks.activeFramework(frameworkId)?.shuttingDown) this.forget(frameworkId, taskId);
    });
  }

  /** False, after saying why, for a launch to ignore: one the master re-sent, or one for a framework being shut down. */
  private acceptsLaunch(frameworkId: string, taskIds: string[]): boolean {
    const existing = taskIds.find((id) => this.deps.tasks.task(frameworkId, id));
    if (existing) {
      // The master re-sent a launch it already gave us (a retry across reconnection): launching is idempotent.
      this.deps.log.warn('ignoring a launch of a task that is already here', { framework_id: frameworkId, task_id: existing, state: this.deps.tasks.task(frameworkId, existing)!.runner.state });
      return false;
    }
    if (this.deps.tasks.activeFramework(frameworkId)?.shuttingDown) {
      // The master has removed this framework: an update about the task would have nobody to go to.
      this.deps.log.warn('ignoring a launch for a framework being shut down', { framework_id: frameworkId, task_ids: taskIds });
      return false;
    }
    return true;
  }

  /**
   * The first volume problem of a group: each task gets the volumes of its own resources in its own
   * sandbox; the default executor's sandbox takes none (not done yet), so a volume there is refused
   * rather than silently left out.
   */
  private volumesProblem(executor: ExecutorInfo, tasks: TaskInfo[]): string | undefined {
    const volumes = this.deps.volumes;
    if (!volumes) return undefined;
    if (holdsVolume(executor.resources ?? [])) {
      return 'executor.resources: persistent volumes in the default executor\'s resources are not supported yet; name them in the resources of the tasks that use them';
    }
    for (const [i, task] of tasks.entries()) {
      const problem = volumes.launchProblem(task.resources, `task_group.tasks[${i}].resources`);
      if (problem) return problem;
    }
    return undefined;
  }

  private newRunKey(frameworkId: string, executorId: string): RunKey {
    return { agentId: this.deps.agentId() as string, frameworkId, executorId, containerId: newContainerId() };
  }

  private start(entry: RunnerEntry): void {
    const { frameworkId, containerId } = entry;
    const taskId = entry.task.task_id.value;
    this.deps.log.info('launching task', { framework_id: frameworkId, task_id: taskId, executor_id: entry.executorId, container_id: containerId, sandbox: entry.runner.spec.sandbox });
    entry.runner.start().catch((err) => this.deps.log.error('task launch crashed', { task_id: taskId, error: (err as Error).message }));
    this.watchDone(entry);
  }

  /** A task of a framework that is gone: no update will be acknowledged, its resources are free. */
  private forget(frameworkId: string, taskId: string): void {
    this.deps.updates.drop(frameworkId, taskId);
    this.deps.tasks.complete(frameworkId, taskId);
  }
}
