/** v1 operator API shapes (include/mesos/v1/master/master.proto Response.*) built from the master's records. */
import type { ExecutorInfo, FrameworkInfo, Task, TimeInfo } from '../../protocol/types';
import type { MasterCore } from '../core';
import type { Resources } from '../../protocol/resources';
import type { AgentSettings } from '../state/cluster-settings';
import type { AgentRecord, ExecutorRecord, FrameworkRecord, TaskRecord } from '../state/records';
import { agentViews } from './agent-views';
import { amount, computeUsage, type Usage } from './usage';
import { executorInfoToV1, frameworkInfoToV1, v1Resources } from '../../protocol/v1-resources';
import { buildInfo } from '../../util/build-info';
import { MASTER_VERSION } from '../version';
import type { OperatorAgent, OperatorFramework } from '../../protocol/operator';

export function timeInfo(ms: number): TimeInfo {
  return { nanoseconds: Math.round(ms * 1e6) };
}

export function taskToV1(task: TaskRecord): Task {
  const out: Task = {
    name: task.name,
    task_id: { value: task.taskId },
    framework_id: { value: task.frameworkId },
    agent_id: { value: task.agentId },
    state: task.state,
    resources: v1Resources(task.resources, { allocationRole: task.role }),
    statuses: task.statuses,
    role: task.role,
  };
  if (task.executorId) out.executor_id = { value: task.executorId };
  if (task.latestUpdate) {
    out.status_update_state = task.latestUpdate.state;
    out.status_update_uuid = task.latestUpdate.uuid;
  }
  if (task.info.labels) out.labels = task.info.labels;
  if (task.info.command) out.command = task.info.command;
  if (task.info.kill_policy) out.kill_policy = task.info.kill_policy;
  if (task.info.health_check) out.health_check = task.info.health_check;
  return out;
}

/**
 * `active` is false while the agent is disconnected; `deactivated` is Mesos's operator-initiated
 * deactivation (DEACTIVATE_AGENT, DRAIN_AGENT), with `drain_info` while draining or drained.
 */
export function agentToV1(agent: AgentRecord, usage: Usage): OperatorAgent {
  return agentToV1With(agent, amount(usage.usedByAgent, agent.id), amount(usage.offeredByAgent, agent.id), usage.maintenance?.(agent.id));
}

export function agentToV1With(agent: AgentRecord, used: Resources, offered: Resources, maintenance: AgentSettings | undefined): OperatorAgent {
  const views = agentViews(agent);
  const out: OperatorAgent = {
    agent_info: views.agentInfoV1,
    active: agent.connection === 'connected',
    deactivated: false,
    version: agent.version,
    pid: agentPid(agent),
    registered_time: timeInfo(agent.registeredTime),
    total_resources: views.totalV1,
    allocated_resources: v1Resources(used),
    offered_resources: v1Resources(offered),
    capabilities: [],
  };
  if (agent.reregisteredTime !== undefined) out.reregistered_time = timeInfo(agent.reregisteredTime);
  if (maintenance?.deactivated) out.deactivated = true;
  if (maintenance?.drain) out.drain_info = { state: maintenance.drain.state, config: maintenance.drain.config };
  return out;
}

/** Mesos's libprocess pid of an agent: "slave(1)@host:port". */
export function agentPid(agent: AgentRecord): string {
  return `slave(1)@${agent.pid}`;
}

export function frameworkToV1(core: MasterCore, framework: FrameworkRecord, usage: Usage): OperatorFramework {
  return frameworkToV1With(core, framework, amount(usage.usedByFramework, framework.id), amount(usage.offeredByFramework, framework.id));
}

function frameworkToV1With(core: MasterCore, framework: FrameworkRecord, used: Resources, offered: Resources): OperatorFramework {
  const out: OperatorFramework = {
    framework_info: frameworkInfoToV1(framework.info),
    active: framework.active,
    connected: framework.connected,
    recovered: framework.recovered,
    registered_time: timeInfo(framework.registeredTime),
    // Mesos starts a framework's re-registration time at its registration time.
    reregistered_time: timeInfo(framework.reregisteredTime ?? framework.registeredTime),
    offers: core.offers.forFramework(framework).map((o) => o.offer),
    inverse_offers: [],
    allocated_resources: v1Resources(used),
    offered_resources: v1Resources(offered),
  };
  if (framework.unregisteredTime !== undefined) out.unregistered_time = timeInfo(framework.unregisteredTime);
  return out;
}

export function getAgents(core: MasterCore, usage = computeUsage(core)) {
  const agents: OperatorAgent[] = [];
  const recovered: AgentRecord['info'][] = [];
  for (const agent of core.records.reachableAgents()) {
    if (agent.recovered) recovered.push(agent.info);
    else agents.push(agentToV1(agent, usage));
  }
  return { agents, recovered_agents: recovered };
}

/** A framework as GET_FRAMEWORKS lists it: with its offer constraints, which master.proto keeps out of the events. */
export function listedFramework(core: MasterCore, framework: FrameworkRecord, used: Resources, offered: Resources): OperatorFramework {
  return { ...frameworkToV1With(core, framework, used, offered), offer_constraints: framework.offerConstraints?.sent ?? {} };
}

export function getFrameworks(core: MasterCore, usage = computeUsage(core)) {
  const listed = (f: FrameworkRecord) => listedFramework(core, f, amount(usage.usedByFramework, f.id), amount(usage.offeredByFramework, f.id));
  return {
    frameworks: [...core.records.frameworks.values()].map(listed),
    completed_frameworks: core.records.completedFrameworks.toArray().map(listed),
    recovered_frameworks: [] as FrameworkInfo[],
  };
}

export function getTasks(core: MasterCore) {
  const tasks: Task[] = [];
  const unreachable: Task[] = [];
  const completed: Task[] = [];
  const all = [...core.records.frameworks.values(), ...core.records.completedFrameworks.toArray()];
  for (const framework of all) {
    for (const task of framework.tasks.values()) (task.state === 'TASK_UNREACHABLE' ? unreachable : tasks).push(taskToV1(task));
    for (const task of framework.completedTasks.toArray()) completed.push(taskToV1(task));
  }
  return { pending_tasks: [] as Task[], tasks, unreachable_tasks: unreachable, completed_tasks: completed, orphan_tasks: [] as Task[] };
}

/** Response.GetState: every view from one usage pass (GET_STATE, and the SUBSCRIBED event's snapshot). */
export function getState(core: MasterCore) {
  const usage = computeUsage(core);
  return {
    get_tasks: getTasks(core),
    get_executors: getExecutors(core),
    get_frameworks: getFrameworks(core, usage),
    get_agents: getAgents(core, usage),
  };
}

export function getExecutors(core: MasterCore) {
  const executors: { executor_info: ExecutorInfo; agent_id: { value: string } }[] = [];
  for (const agent of core.records.agents.values()) {
    for (const executor of agent.executors.values()) executors.push(listedExecutor(executor));
  }
  return { executors, orphan_executors: [] as never[] };
}

/** An executor as GET_EXECUTORS lists it. */
export function listedExecutor(executor: ExecutorRecord): { executor_info: ExecutorInfo; agent_id: { value: string } } {
  return { executor_info: executorInfoToV1(executor.info), agent_id: { value: executor.agentId } };
}

export function getVersion() {
  return { version_info: { version: MASTER_VERSION, ...buildInfo() } };
}
