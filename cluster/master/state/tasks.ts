/**
 * Task bookkeeping: launches, status updates from agents, acknowledgements, kills, and the transitions
 * the master makes itself when agents or frameworks go away. A task holds its resources in the
 * allocator until its latest state is terminal (as Mesos does), and leaves the framework's live tasks
 * for the completed list once its terminal update is acknowledged (or needed no acknowledgement).
 */
import { Resources } from '../../protocol/resources';
import type {
  ExecutorInfo, FrameworkID, KillPolicy, Task, TaskInfo, TaskState, TaskStatus, TaskStatusReason,
} from '../../protocol/types';
import { isTerminalState } from '../../protocol/types';
import { sendToAgent, sendToFramework } from './channels';
import type { MasterContext } from '../context';
import {
  MAX_STATUSES_PER_TASK, findTask, retireTask, taskKey, type AgentRecord, type FrameworkRecord, type TaskRecord,
} from './records';
import { knownName, masterStatus, statusForFramework, statusToKeep } from './task-status';

/** Updates that report a new health or check result, with the task's state unchanged. */
const CHECK_REASONS: ReadonlySet<string | undefined> = new Set(['REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', 'REASON_TASK_CHECK_STATUS_UPDATED']);

export interface LaunchSpec {
  framework: FrameworkRecord;
  agent: AgentRecord;
  role: string;
  task: TaskInfo;
  resources: Resources;
  executorId?: string;
}

export class TaskManager {
  constructor(private readonly ctx: MasterContext) {}

  /** Records a task the master is about to send to its agent (state TASK_STAGING), or one an agent reported (`adopted`). */
  add(spec: LaunchSpec, adopted?: Pick<TaskRecord, 'state' | 'resourcesRecovered' | 'statuses'>): TaskRecord {
    const { framework, agent, task } = spec;
    const record: TaskRecord = {
      frameworkId: framework.id,
      taskId: task.task_id.value,
      agentId: agent.id,
      name: task.name,
      executorId: spec.executorId ?? task.executor?.executor_id?.value,
      role: spec.role,
      resources: spec.resources,
      info: task,
      state: 'TASK_STAGING',
      statuses: [],
      masterSpokeLast: false,
      resourcesRecovered: false,
      killRequested: false,
      ...adopted,
    };
    framework.tasks.set(record.taskId, record);
    agent.tasks.set(taskKey(framework.id, record.taskId), record);
    this.ctx.records.touch();
    this.ctx.events.emit({ type: 'TASK_ADDED', task: record });
    return record;
  }

  /** Registers the executor of a task group so its resources go back with its last task. */
  addExecutor(framework: FrameworkRecord, agent: AgentRecord, role: string, info: ExecutorInfo, resources: Resources, taskIds: string[]): void {
    const executorId = info.executor_id.value;
    const key = taskKey(framework.id, executorId);
    const existing = agent.executors.get(key);
    if (existing) {
      for (const id of taskIds) existing.liveTasks.add(id);
      return;
    }
    agent.executors.set(key, {
      frameworkId: framework.id,
      executorId,
      agentId: agent.id,
      role,
      info: { ...info, framework_id: { value: framework.id } },
      resources,
      liveTasks: new Set(taskIds),
    });
  }

  /**
   * A status update an agent sent. Agents retry an update until its acknowledgement reaches them, so
   * the same uuid can come again, after a reconnection or late behind a newer update:
   *  - already acknowledged: the agent missed the acknowledgement and gets it again; the framework
   *    hears nothing twice;
   *  - still waiting for the scheduler: forwarded again while it is the task's latest update (the
   *    scheduler may have missed it), unless the master has told the framework a newer state since
   *    (say TASK_UNREACHABLE, then TASK_RUNNING when the agent came back): then a non-terminal retry
   *    is stale, and the master acknowledges it rather than take the framework back in time.
   * TASK_KILLING goes only to frameworks that declared TASK_KILLING_STATE, as in Mesos; for the others
   * the master acknowledges it itself so the agent's ordered queue moves on to the terminal update.
   */
  onAgentUpdate(agent: AgentRecord, frameworkId: string, status: TaskStatus): void {
    const framework = this.ctx.records.frameworks.get(frameworkId);
    const withAgent: TaskStatus = status.agent_id ? status : { ...status, agent_id: { value: agent.id } };
    const uuid = status.uuid;
    if (!framework) {
      if (this.ctx.records.isCompletedFramework(frameworkId) && uuid) {
        // Nobody will acknowledge this: the framework is gone. Acknowledge for it so the agent stops retrying.
        acknowledgeToAgent(agent, frameworkId, status.task_id.value, uuid);
      } else {
        this.ctx.log.warn('status update for unknown framework dropped', { framework_id: frameworkId, task_id: status.task_id.value });
      }
      return;
    }
    const task = findTask(framework, status.task_id.value);
    if (uuid && task?.acknowledged?.has(uuid)) {
      acknowledgeToAgent(agent, frameworkId, task.taskId, uuid);
      return;
    }
    if (uuid && task?.pendingAcks?.has(uuid)) {
      if (task.latestUpdate?.uuid !== uuid) return;
      if (task.masterSpokeLast && !isTerminalState(status.state)) {
        markAcknowledged(task, uuid);
        acknowledgeToAgent(agent, frameworkId, task.taskId, uuid);
      } else {
        this.forward(framework, withAgent);
      }
      return;
    }
    const live = task !== undefined && framework.tasks.get(task.taskId) === task;
    if (live) {
      this.record(task, withAgent);
      task.masterSpokeLast = false;
      if (uuid) task.latestUpdate = { uuid, state: status.state };
    }
    if (status.state === 'TASK_KILLING' && !framework.killingAware) {
      if (uuid) {
        if (task) markAcknowledged(task, uuid);
        acknowledgeToAgent(agent, frameworkId, status.task_id.value, uuid);
      }
      return;
    }
    if (uuid && task) (task.pendingAcks ??= new Map()).set(uuid, status.state);
    else if (live && isTerminalState(task.state)) this.complete(task);
    this.forward(framework, withAgent);
  }

  /** The scheduler acknowledged an update: tell the agent, and retire the task once its terminal update is acknowledged. */
  acknowledge(framework: FrameworkRecord, agentId: string, taskId: string, uuid: string): void {
    const task = findTask(framework, taskId);
    const acked = task?.pendingAcks?.get(uuid);
    if (task && acked !== undefined) {
      markAcknowledged(task, uuid);
      const live = framework.tasks.get(taskId) === task;
      if (live && isTerminalState(acked) && isTerminalState(task.state)) this.complete(task);
      this.ctx.records.touch();
    }
    const agent = this.ctx.records.agents.get(agentId);
    if (!agent || !acknowledgeToAgent(agent, framework.id, taskId, uuid)) {
      this.ctx.log.warn('acknowledgement not delivered: agent not connected', { agent_id: agentId, task_id: taskId });
    }
  }

  /** KILL from the scheduler. Returns false when the task is unknown (the caller reconciles it). */
  kill(framework: FrameworkRecord, taskId: string, killPolicy?: KillPolicy): boolean {
    const task = framework.tasks.get(taskId);
    if (!task) return false;
    const agent = this.ctx.records.agents.get(task.agentId);
    const sent = agent !== undefined && sendToAgent(agent, {
      type: 'KILL_TASK',
      kill_task: { framework_id: { value: framework.id }, task_id: { value: taskId }, ...(killPolicy ? { kill_policy: killPolicy } : {}) },
    });
    // An agent that is away gets the kill when it re-registers.
    task.killRequested = !sent;
    return true;
  }

  /** Sends the kills that waited for an agent to come back. */
  sendPendingKills(agent: AgentRecord): void {
    for (const task of agent.tasks.values()) {
      if (!task.killRequested) continue;
      task.killRequested = false;
      sendToAgent(agent, { type: 'KILL_TASK', kill_task: { framework_id: { value: task.frameworkId }, task_id: { value: task.taskId } } });
    }
  }

  /** A status the master decides on (agent lost, framework removed, invalid launch...). */
  transitionByMaster(task: TaskRecord, state: TaskState, reason: TaskStatusReason, message: string): void {
    const status = masterStatus({
      taskId: task.taskId, agentId: task.agentId, executorId: task.executorId, state, reason, message, now: this.ctx.clock.now(),
    });
    this.record(task, status);
    task.masterSpokeLast = true;
    const framework = this.ctx.records.frameworks.get(task.frameworkId);
    if (framework) this.forward(framework, status);
    if (isTerminalState(state)) this.complete(task);
  }

  /** An update for a task that never got recorded (rejected launch): only the framework hears of it. */
  rejectLaunch(framework: FrameworkRecord, task: TaskInfo, state: TaskState, reason: TaskStatusReason, message: string): void {
    const status = masterStatus({
      taskId: task.task_id?.value ?? '', agentId: task.agent_id?.value, state, reason, message, now: this.ctx.clock.now(),
    });
    this.forward(framework, status);
  }

  /** The framework is being removed: every task ends as TASK_KILLED and leaves the agent's books. */
  removeAllOfFramework(framework: FrameworkRecord): void {
    for (const task of [...framework.tasks.values()]) {
      if (!isTerminalState(task.state)) {
        this.record(task, masterStatus({
          taskId: task.taskId, agentId: task.agentId, executorId: task.executorId, state: 'TASK_KILLED',
          reason: 'REASON_FRAMEWORK_REMOVED', message: 'Framework removed', now: this.ctx.clock.now(),
        }));
      }
      this.complete(task);
    }
  }

  /** The agent is unreachable: its live tasks become TASK_UNREACHABLE (TASK_LOST for frameworks that are not partition-aware). */
  markAgentUnreachable(agent: AgentRecord): void {
    for (const task of agent.tasks.values()) {
      if (isTerminalState(task.state)) continue;
      this.transitionByMaster(task, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', `Agent ${agent.id} is unreachable`);
    }
  }

  /** The agent left for good (it unregistered, or the operator marked it gone): its tasks are gone. */
  removeAllOnAgent(agent: AgentRecord, message: string, byOperator = false): void {
    const state: TaskState = byOperator ? 'TASK_GONE_BY_OPERATOR' : 'TASK_GONE';
    const reason: TaskStatusReason = byOperator ? 'REASON_AGENT_REMOVED_BY_OPERATOR' : 'REASON_AGENT_REMOVED';
    for (const task of [...agent.tasks.values()]) {
      if (isTerminalState(task.state)) this.complete(task);
      else this.transitionByMaster(task, state, reason, message);
    }
  }

  /**
   * An agent re-registered reporting the tasks it holds: those it runs, and those that ended but whose
   * terminal update is not acknowledged yet. Tasks the master had written off as unreachable are
   * running again (the framework hears so); a task reported ended takes that end at once, so its
   * resources are free, but the framework hears of it from the agent's terminal update, which follows
   * the registration and is the one to acknowledge; tasks the master never knew (it restarted) are
   * adopted; tasks the master expected there but the agent does not report are gone.
   * Returns the framework ids the agent must shut down because they were torn down meanwhile.
   */
  reconcileReregisteredAgent(agent: AgentRecord, reported: Task[], frameworkFor: (id: FrameworkID) => FrameworkRecord | undefined): string[] {
    const shutdown = new Set<string>();
    const seen = new Set<string>();
    for (const reportedTask of reported) {
      const frameworkId = reportedTask.framework_id?.value;
      const taskId = reportedTask.task_id?.value;
      if (!frameworkId || !taskId) continue;
      if (this.ctx.records.isCompletedFramework(frameworkId)) {
        shutdown.add(frameworkId);
        continue;
      }
      const framework = frameworkFor(reportedTask.framework_id);
      if (!framework) continue;
      seen.add(taskKey(frameworkId, taskId));
      const known = framework.tasks.get(taskId);
      const ended = isTerminalState(reportedTask.state);
      if (!known) {
        // An ended task the master already retired lost only its acknowledgement on the way to the
        // agent; the agent's retry of the update is acknowledged again (onAgentUpdate).
        if (!(ended && findTask(framework, taskId))) this.adopt(framework, agent, reportedTask);
      } else if (known.agentId !== agent.id) {
        this.ctx.log.warn('agent reports a task the master knows on another agent', { task_id: taskId, agent_id: agent.id, known_agent_id: known.agentId });
      } else if (ended) {
        if (!isTerminalState(known.state)) {
          this.takeReportedState(known, reportedTask);
          this.releaseResources(known);
        }
      } else if (known.state === 'TASK_UNREACHABLE') {
        this.transitionByMaster(known, reportedTask.state, 'REASON_AGENT_REREGISTERED', `Agent ${agent.id} re-registered`);
      } else if (!isTerminalState(known.state)) {
        this.takeReportedState(known, reportedTask);
      }
    }
    for (const [key, task] of [...agent.tasks]) {
      if (seen.has(key) || isTerminalState(task.state)) continue;
      this.transitionByMaster(task, 'TASK_GONE', 'REASON_RECONCILIATION', `Task is unknown to agent ${agent.id} after it re-registered`);
    }
    this.ctx.records.touch();
    return [...shutdown];
  }

  /** Resources each framework's live tasks and executors hold on the agent (for the allocator). */
  usedOnAgent(agent: AgentRecord): Map<string, Resources> {
    const used = new Map<string, Resources>();
    const add = (frameworkId: string, resources: Resources) => {
      used.set(frameworkId, (used.get(frameworkId) ?? Resources.empty()).plus(resources));
    };
    for (const task of agent.tasks.values()) if (!task.resourcesRecovered) add(task.frameworkId, task.resources);
    for (const executor of agent.executors.values()) add(executor.frameworkId, executor.resources);
    return used;
  }

  private adopt(framework: FrameworkRecord, agent: AgentRecord, reported: Task): void {
    let resources = Resources.empty();
    try {
      resources = Resources.fromV1(reported.resources ?? []);
    } catch (err) {
      this.ctx.log.warn('re-registered task has invalid resources', { task_id: reported.task_id.value, error: (err as Error).message });
    }
    const info: TaskInfo = {
      name: reported.name,
      task_id: reported.task_id,
      agent_id: { value: agent.id },
      resources: reported.resources ?? [],
      ...(reported.command ? { command: reported.command } : {}),
      ...(reported.labels ? { labels: reported.labels } : {}),
      ...(reported.kill_policy ? { kill_policy: reported.kill_policy } : {}),
    };
    this.add({ framework, agent, role: reported.role ?? framework.roles[0], task: info, resources, executorId: reported.executor_id?.value }, {
      state: knownName(reported.state),
      // An ended task is kept only until its terminal update is acknowledged; it holds nothing meanwhile.
      resourcesRecovered: isTerminalState(reported.state),
      statuses: (reported.statuses ?? []).slice(-MAX_STATUSES_PER_TASK).map(statusToKeep),
    });
  }

  /** A re-registering agent's word on a known task's state; its update, if any, follows the registration. */
  private takeReportedState(task: TaskRecord, reported: Task): void {
    if (task.state === reported.state) return;
    task.state = reported.state;
    const status = reported.statuses?.[reported.statuses.length - 1]
      ?? { task_id: reported.task_id, state: reported.state, agent_id: { value: task.agentId }, source: 'SOURCE_MASTER' as const };
    this.ctx.events.emit({ type: 'TASK_UPDATED', task, status });
  }

  private record(task: TaskRecord, status: TaskStatus): void {
    const duplicate = status.uuid !== undefined && task.statuses.some((s) => s.uuid === status.uuid);
    const last = task.statuses[task.statuses.length - 1];
    if (!duplicate) {
      task.statuses.push(statusToKeep(status));
      // The first status stays (when the task started, for /state and the UI); health and check
      // reports of a long-lived task would otherwise push it out.
      if (task.statuses.length > MAX_STATUSES_PER_TASK) task.statuses.splice(1, task.statuses.length - MAX_STATUSES_PER_TASK);
    }
    // A task the master already ended keeps that end; late agent updates are still forwarded.
    const previous = task.state;
    if (!isTerminalState(task.state) || task.state === status.state) task.state = status.state;
    if (isTerminalState(task.state)) this.releaseResources(task);
    this.ctx.records.touch();
    // Operators hear of state changes, not of retries; and, unlike Mesos's master (whose web UI
    // polls), of a change of health or check result, which a subscriber could not learn otherwise.
    // Executors repeat unhealthy reports at every failed probe, as Mesos's do: only a change is news.
    const news = !duplicate && CHECK_REASONS.has(status.reason) && (last?.healthy !== status.healthy || !sameCheckStatus(last?.check_status, status.check_status));
    if (task.state !== previous || news) this.ctx.events.emit({ type: 'TASK_UPDATED', task, status });
  }

  private releaseResources(task: TaskRecord): void {
    if (task.resourcesRecovered) return;
    task.resourcesRecovered = true;
    const agent = this.ctx.records.agents.get(task.agentId);
    // An unreachable or departed agent's resources already left the allocator with it.
    const inAllocator = agent?.inAllocator === true;
    const now = this.ctx.clock.now();
    if (inAllocator) this.ctx.allocator.recoverResources(task.frameworkId, task.agentId, task.resources, now, undefined, task.role);
    if (!agent || !task.executorId) return;
    const key = taskKey(task.frameworkId, task.executorId);
    const executor = agent.executors.get(key);
    if (!executor) return;
    executor.liveTasks.delete(task.taskId);
    if (executor.liveTasks.size > 0) return;
    agent.executors.delete(key);
    if (inAllocator) this.ctx.allocator.recoverResources(task.frameworkId, task.agentId, executor.resources, now, undefined, executor.role);
  }

  private forward(framework: FrameworkRecord, status: TaskStatus): void {
    sendToFramework(framework, { type: 'UPDATE', update: { status: statusForFramework(status, framework) } });
  }

  /** Moves a task to its framework's completed list. */
  private complete(task: TaskRecord): void {
    this.releaseResources(task);
    const framework = this.ctx.records.frameworks.get(task.frameworkId);
    if (framework && framework.tasks.get(task.taskId) === task) retireTask(framework, task);
    this.ctx.records.agents.get(task.agentId)?.tasks.delete(taskKey(task.frameworkId, task.taskId));
    this.ctx.requestAllocation();
    this.ctx.records.touch();
  }
}

/** Relays an acknowledgement to the agent; false when the agent has no stream to hear it. */
function acknowledgeToAgent(agent: AgentRecord, frameworkId: string, taskId: string, uuid: string): boolean {
  return sendToAgent(agent, {
    type: 'ACKNOWLEDGE',
    acknowledge: { framework_id: { value: frameworkId }, task_id: { value: taskId }, uuid },
  });
}

function sameCheckStatus(a: TaskStatus['check_status'], b: TaskStatus['check_status']): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The update is acknowledged: no longer waited for, and remembered so that the agent's retry of it is answered, not forwarded. */
function markAcknowledged(task: TaskRecord, uuid: string): void {
  task.pendingAcks?.delete(uuid);
  // Most running tasks wait for nothing most of the time: no empty Map kept for each.
  if (task.pendingAcks?.size === 0) task.pendingAcks = undefined;
  (task.acknowledged ??= new Set()).add(uuid);
}
