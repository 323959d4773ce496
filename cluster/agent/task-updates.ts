/**
 * The agent's side of its tasks' status updates: a runner's transitions, and the agent's own
 * answers about tasks that never ran, become TaskStatus updates that are written to the task's
 * update log before the status update manager delivers them; the master's acknowledgements are
 * recorded there too. Launching, recovery and the master's events all report through this one
 * path, so none of them needs the daemon to do it.
 */
import type { AgentEvent } from '../protocol/agent-channel';
import { isTerminalState } from '../protocol/types';
import { newStatusUuid } from '../protocol/ids';
import type { TaskState, TaskStatus, TaskStatusReason } from '../protocol/types';
import type { Logger } from '../util/log';
import { appendUpdateLog } from './status-update-log';
import type { AgentCounters } from './metrics';
import type { StatusUpdate, StatusUpdateManager } from './status-updates';
import type { TaskEntry, TaskTable } from './task-table';
import type { TaskTransition } from './task-runner';

export interface TaskUpdatesDeps {
  log: Logger;
  tasks: Pick<TaskTable, 'task' | 'activeFramework'>;
  updates: Pick<StatusUpdateManager, 'enqueue' | 'acknowledge'>;
  /** The id the agent registered with, if any. */
  agentId(): string | undefined;
  /** True once the agent is closing: transitions are still recorded, but no longer sent. */
  closed(): boolean;
  /** Mesos's slave/* counters (metrics.ts), counted here where every update passes. */
  counters: AgentCounters;
}

export class TaskUpdates {
  /** Per task, the sending of its last update, which waits for its flush and for the task's earlier updates. */
  private readonly sending = new Map<TaskEntry, Promise<void>>();

  constructor(private readonly deps: TaskUpdatesDeps) {}

  /** A runner's transition: recorded on the task, logged to its update log and queued for the master. */
  onTransition(entry: TaskEntry, t: TaskTransition): void {
    const taskId = entry.task.task_id.value;
    this.deps.log.info('task state', { framework_id: entry.frameworkId, task_id: taskId, state: t.state, message: t.message });
    const status = this.status(taskId, t.state, t.message, t.reason, t.source);
    status.executor_id = { value: entry.executorId };
    status.container_status = { container_id: { value: entry.containerId }, ...(entry.runner.pid ? { executor_pid: entry.runner.pid } : {}) };
    if (t.healthy !== undefined) status.healthy = t.healthy;
    if (t.check_status !== undefined) status.check_status = t.check_status;
    entry.statuses.push(status);
    this.count(entry, t);
    // A framework being shut down is gone from the master: nobody would acknowledge its updates.
    if (this.deps.closed() || this.deps.tasks.activeFramework(entry.frameworkId)?.shuttingDown) return;
    const update: StatusUpdate = { framework_id: { value: entry.frameworkId }, status };
    const flushed = this.appendLog(entry.updatesFile, { type: 'UPDATE', update });
    // Sent once on disk, and after the task's earlier updates: a later flush may finish first.
    const previous = this.sending.get(entry) ?? Promise.resolve();
    const sent = previous.then(() => flushed).then(() => {
      if (this.sending.get(entry) === sent) this.sending.delete(entry);
      if (this.deps.closed() || this.deps.tasks.activeFramework(entry.frameworkId)?.shuttingDown) return;
      this.deps.updates.enqueue(update);
    });
    this.sending.set(entry, sent);
  }

  /**
   * A status a custom executor reported (UPDATE): sent on with the executor's uuid, which the
   * acknowledgement names, and with what only the agent knows filled in. False when it was not
   * taken: the task's terminal update went out already, or the framework is gone.
   */
  forward(entry: TaskEntry, reported: TaskStatus & { uuid: string }): boolean {
    const taskId = entry.task.task_id.value;
    this.deps.log.info('task state', { framework_id: entry.frameworkId, task_id: taskId, state: reported.state, message: reported.message, source: 'executor' });
    const status: TaskStatus & { uuid: string } = {
      ...reported,
      source: 'SOURCE_EXECUTOR',
      agent_id: { value: this.deps.agentId() ?? '' },
      executor_id: { value: entry.executorId },
      timestamp: reported.timestamp ?? Date.now() / 1000,
      container_status: { container_id: { value: entry.containerId }, ...(entry.runner.pid ? { executor_pid: entry.runner.pid } : {}) },
    };
    if (this.deps.closed() || this.deps.tasks.activeFramework(entry.frameworkId)?.shuttingDown) return false;
    const update: StatusUpdate = { framework_id: { value: entry.frameworkId }, status };
    if (!this.deps.updates.enqueue(update)) return false;
    entry.statuses.push(status);
    void this.appendLog(entry.updatesFile, { type: 'UPDATE', update });
    return true;
  }

  /** An update about a task that never ran here (refused launch, unknown task). */
  refuse(frameworkId: string, taskId: string, executorId: string, state: TaskState, message: string, reason: TaskStatusReason): void {
    this.deps.log.warn('task refused', { framework_id: frameworkId, task_id: taskId, state, message });
    const status = this.status(taskId, state, message, reason);
    status.executor_id = { value: executorId };
    if (this.deps.updates.enqueue({ framework_id: { value: frameworkId }, status })) {
      this.deps.counters.statusUpdate(state);
    } else {
      this.deps.counters.invalidStatusUpdates++;
      this.deps.log.warn('not sending an update after the terminal one', { framework_id: frameworkId, task_id: taskId, state });
    }
  }

  acknowledge(ack: Extract<AgentEvent, { type: 'ACKNOWLEDGE' }>['acknowledge']): void {
    const frameworkId = ack.framework_id.value;
    const taskId = ack.task_id.value;
    const uuid = ack.uuid;
    const entry = this.deps.tasks.task(frameworkId, taskId);
    const result = this.deps.updates.acknowledge(frameworkId, taskId, uuid);
    if (result !== 'acknowledged') {
      this.deps.log.debug('ignoring an acknowledgement', { framework_id: frameworkId, task_id: taskId, uuid, result });
      return;
    }
    if (entry) void this.appendLog(entry.updatesFile, { type: 'ACK', uuid });
  }

  /** A run (executor) ends with the last of its tasks; a container that failed to launch counts as an error too. */
  private count(entry: TaskEntry, t: TaskTransition): void {
    const { counters } = this.deps;
    counters.statusUpdate(t.state);
    if (t.reason === 'REASON_CONTAINER_LAUNCH_FAILED') counters.containerLaunchErrors++;
    if (!isTerminalState(t.state)) return;
    const framework = this.deps.tasks.activeFramework(entry.frameworkId);
    const siblings = framework ? [...framework.tasks.values()].filter((o) => o !== entry && o.containerId === entry.containerId) : [];
    if (siblings.every((o) => isTerminalState(o.runner.state))) counters.executorsTerminated++;
  }

  private status(taskId: string, state: TaskState, message?: string, reason?: TaskStatusReason, source: TaskStatus['source'] = 'SOURCE_AGENT') {
    const status: TaskStatus & { uuid: string } = {
      task_id: { value: taskId },
      state,
      source,
      agent_id: { value: this.deps.agentId() ?? '' },
      timestamp: Date.now() / 1000,
      uuid: newStatusUuid(),
    };
    if (message !== undefined) status.message = message;
    if (reason !== undefined) status.reason = reason;
    return status;
  }

  /** Resolves once the record is on disk, or could not be put there (said in the log): it never rejects. */
  private appendLog(file: string, record: Parameters<typeof appendUpdateLog>[1]): Promise<void> {
    // A disk error must not hold updates back: delivering one unpersisted beats never delivering it.
    const failed = (err: Error) => this.deps.log.error('could not write the status update log', { file, error: err.message });
    try {
      return appendUpdateLog(file, record).catch(failed);
    } catch (err) {
      failed(err as Error);
      return Promise.resolve();
    }
  }
}
