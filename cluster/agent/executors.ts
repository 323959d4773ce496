/**
 * The agent's custom executors, by framework and executor id: a task for an executor that runs (or
 * is starting) joins it, one for an unknown executor starts a new one in a new container; the
 * master's kills, framework messages and shutdowns, and the executor API's calls, find their
 * executor here. After an agent restart, the executors the previous agent process started are taken
 * back from their checkpoints (executor-checkpoint.ts) with their tasks and unacknowledged updates.
 */
import { newContainerId } from '../protocol/ids';
import type { ExecutorInfo, TaskInfo, TaskState } from '../protocol/types';
import { isTerminalState } from '../protocol/types';
import type { Logger } from '../util/log';
import type { Isolator } from './cgroups';
import { checkpointedIdentity } from './checkpoint';
import { CustomExecutor, type CustomExecutorDeps, type ExecutorSettings } from './custom-executor';
import type { RecoveredExecutorRun } from './executor-checkpoint';

import { ExecutorTask } from './executor-task';
import { frameworkCheckpoints, type RecoverMode } from './recovery';
import type { RunKey } from './sandbox-paths';
import { runMetaDir, sandboxDir, taskUpdatesFile } from './sandbox-paths';
import type { StatusUpdateManager } from './status-updates';
import type { FrameworkEntry, TaskEntry, TaskTable } from './task-table';
import type { TaskUpdates } from './task-updates';
import type { RunAsPolicy } from './task-user';

export interface ExecutorsDeps {
  log: Logger;
  workDir: string;
  isolator(): Isolator;
  runAs: RunAsPolicy;
  settings: ExecutorSettings;
  tasks: Pick<TaskTable, 'add' | 'framework' | 'complete'>;
  taskUpdates: Pick<TaskUpdates, 'onTransition' | 'forward'>;
  updates: Pick<StatusUpdateManager, 'enqueue'>;
  /** Forgets a task of a framework being shut down once it has ended (task-control.ts). */
  watchDone(entry: TaskEntry): void;
  agentId(): string | undefined;
  /** An executor's MESSAGE, for the master to hand to the scheduler. */
  toScheduler(frameworkId: string, executorId: string, data: string): void;
  /** The agent's persistent volumes, attached in executors' sandboxes (volumes.ts). */
  volumes?: CustomExecutorDeps['volumes'];
}

const key = (frameworkId: string, executorId: string) => `${frameworkId}\u0000${executorId}`;

export class Executors {
  private readonly running = new Map<string, CustomExecutor>();

  constructor(private readonly deps: ExecutorsDeps) {}

  find(frameworkId: string, executorId: string): CustomExecutor | undefined {
    return this.running.get(key(frameworkId, executorId));
  }

  /** A task for `executor`: handed to it if it runs, else it is started for the task. */
  launch(framework: FrameworkEntry, task: TaskInfo, executor: ExecutorInfo): void {
    const existing = this.find(framework.id, executor.executor_id.value);
    if (existing && !existing.isEnding) {
      this.deps.log.info('launching task on its running executor', { framework_id: framework.id, task_id: task.task_id.value, executor_id: existing.executorId });
      this.addTask(existing, task, 'TASK_STAGING');
      return;
    }
    const executorId = executor.executor_id.value;
    const runKey: RunKey = { agentId: this.deps.agentId() as string, frameworkId: framework.id, executorId, containerId: newContainerId() };
    const started = this.create(framework, executor, runKey);
    this.addTask(started, task, 'TASK_STAGING');
    this.deps.log.info('starting executor', { framework_id: framework.id, executor_id: executorId, container_id: runKey.containerId, task_id: task.task_id.value });
    started.start().catch((err) => this.deps.log.error('executor launch crashed', { executor_id: executorId, error: (err as Error).message }));
  }


  /** A scheduler's MESSAGE; false when it could not be delivered. */
  message(frameworkId: string, executorId: string, data: string): boolean {
    return this.find(frameworkId, executorId)?.messageToExecutor(data) ?? false;
  }

  /** The framework is gone (teardown, removal): each of its executors is shut down. */
  shutdownFramework(frameworkId: string): void {
    for (const executor of this.running.values()) if (executor.frameworkId === frameworkId) void executor.shutdown();
  }

  /** A scheduler's SHUTDOWN call; nothing to do for an executor that is not running here (a command task's). */
  shutdownExecutor(frameworkId: string, executorId: string): void {
    void this.find(frameworkId, executorId)?.shutdown();
  }

  /** Shuts every executor down; resolves once all are gone. */
  async shutdownAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((e) => e.shutdown()));
  }

  /**
   * Takes back what a previous agent process left: each executor's tasks with their last state, their
   * unacknowledged updates queued again; a live executor of a checkpointing framework is given
   * --executor_reregistration_timeout to subscribe again (--recover=reconnect), else it is killed.
   */
  async recover(runs: RecoveredExecutorRun[], mode: RecoverMode): Promise<void> {
    const recovering: Promise<void>[] = [];
    for (const run of runs) {
      const cp = run.checkpoint;
      const framework = this.deps.tasks.framework(cp.framework_id.value, cp.framework_info);
      const executorId = cp.executor_info.executor_id.value;
      const runKey: RunKey = { agentId: this.deps.agentId() as string, frameworkId: framework.id, executorId, containerId: cp.container_id };
      const executor = this.create(framework, cp.executor_info, runKey);
      for (const task of cp.tasks) {
        const logged = run.updates.get(task.task_id.value) ?? { updates: [], unacknowledged: [] };
        const last = logged.updates[logged.updates.length - 1]?.status.state ?? 'TASK_STAGING';
        const entry = this.addTask(executor, task, last);
        entry.statuses = logged.updates.map((u) => u.status);
        entry.runner.launched = logged.updates.length > 0;
        for (const update of logged.unacknowledged) this.deps.updates.enqueue(update);
        if (isTerminalState(last) && logged.unacknowledged.length === 0) this.deps.tasks.complete(framework.id, task.task_id.value);
      }
      if (executor.tasks.every((t) => t.isTerminal)) {
        this.running.delete(key(framework.id, executorId));
        continue;
      }
      // An executor that ended with tasks it had not reported on (its framework was being shut down)
      // is taken back as gone: its tasks end as when it exits.
      recovering.push(executor.recover(cp.terminated ? undefined : checkpointedIdentity(cp)).then(() => {
        if (mode === 'cleanup') return executor.kill({ reason: 'REASON_AGENT_RESTARTED', message: 'Killed by an agent restarted with --recover=cleanup' });
        if (!frameworkCheckpoints(cp.framework_info)) {
          return executor.kill({ reason: 'REASON_AGENT_RESTARTED', message: 'The agent restarted and the framework does not checkpoint (FrameworkInfo.checkpoint is false): the executor was killed' });
        }
        return undefined;
      }));
    }
    await Promise.all(recovering);
    if (runs.length > 0) this.deps.log.info('recovered executors', { executors: runs.length, waiting_for: [...this.running.values()].map((e) => e.executorId) });
  }

  private create(framework: FrameworkEntry, info: ExecutorInfo, runKey: RunKey): CustomExecutor {
    const { deps } = this;
    const executorId = info.executor_id.value;
    const executor: CustomExecutor = new CustomExecutor(
      {
        frameworkId: framework.id,
        framework: framework.info,
        agentId: runKey.agentId,
        info,
        containerId: runKey.containerId,
        sandbox: sandboxDir(deps.workDir, runKey),
        metaDir: runMetaDir(deps.workDir, runKey),
      },
      {
        log: deps.log.child('executor', { executor_id: executorId, container_id: runKey.containerId }),
        isolator: deps.isolator(),
        runAs: deps.runAs,
        settings: deps.settings,
        forward: (entry, status) => deps.taskUpdates.forward(entry, status),
        transition: (entry, t) => deps.taskUpdates.onTransition(entry, t),
        toScheduler: (data) => deps.toScheduler(framework.id, executorId, data),
        ...(deps.volumes ? { volumes: deps.volumes } : {}),
        onTerminated: (gone) => {
          if (this.running.get(key(framework.id, executorId)) === gone) this.running.delete(key(framework.id, executorId));
        },
      },
    );
    this.running.set(key(framework.id, executorId), executor);
    return executor;
  }

  private addTask(executor: CustomExecutor, task: TaskInfo, state: TaskState): TaskEntry & { runner: ExecutorTask } {
    const { place } = executor;
    const runKey: RunKey = { agentId: place.agentId, frameworkId: place.frameworkId, executorId: executor.executorId, containerId: place.containerId };
    const runner = new ExecutorTask(task, executor, state);
    const entry: TaskEntry & { runner: ExecutorTask } = {
      frameworkId: place.frameworkId,
      task,
      executorId: executor.executorId,
      executor: place.info,
      containerId: place.containerId,
      sandbox: place.sandbox,
      updatesFile: taskUpdatesFile(this.deps.workDir, runKey, task.task_id.value),
      statuses: [],
      runner,
    };
    this.deps.tasks.add(entry);
    executor.adopt(entry);
    this.deps.watchDone(entry);
    return entry;
  }
}
