/** Figures derived from the store in one pass each, for the overview and the agents list. */
import { addScalars, NO_SCALARS, scalars, type Scalars } from './format';
import type { Agent, Task } from './model';
import type { Store } from './store';

export interface ClusterTotals {
  total: Scalars;
  allocated: Scalars;
  offered: Scalars;
  /** `unreachable` comes from the metrics: unreachable agents leave the agent list. */
  agents: { active: number; disconnected: number; deactivated: number; draining: number; unreachable?: number };
  tasksByState: Map<string, number>;
}

/** Allocation follows tasks live; offers are not in the event stream and come from the last refresh. */
export function clusterTotals(store: Store): ClusterTotals {
  const total = { ...NO_SCALARS };
  const offered = { ...NO_SCALARS };
  const agents = { active: 0, disconnected: 0, deactivated: 0, draining: 0, unreachable: store.unreachableAgents };
  for (const agent of store.agents.values()) {
    addScalars(total, scalars(agent.total_resources));
    addScalars(offered, scalars(agent.offered_resources));
    if (agent.drain_info) agents.draining++;
    else if (agent.deactivated) agents.deactivated++;
    else if (agent.active) agents.active++;
    else agents.disconnected++;
  }
  const allocated = { ...NO_SCALARS };
  const tasksByState = new Map<string, number>();
  for (const task of store.tasks.values()) {
    addScalars(allocated, scalars(task.resources));
    tasksByState.set(task.state, (tasksByState.get(task.state) ?? 0) + 1);
  }
  for (const task of store.completedTasks.values()) tasksByState.set(task.state, (tasksByState.get(task.state) ?? 0) + 1);
  return { total, allocated, offered, agents, tasksByState };
}

export interface Usage { allocated: Scalars; tasks: number }

/** Allocation and task count per key (agent, framework) over live tasks, in one pass. */
export function usageBy(tasks: Iterable<Task>, keyOf: (task: Task) => string): Map<string, Usage> {
  const out = new Map<string, Usage>();
  for (const task of tasks) {
    const key = keyOf(task);
    let usage = out.get(key);
    if (!usage) out.set(key, (usage = { allocated: { ...NO_SCALARS }, tasks: 0 }));
    addScalars(usage.allocated, scalars(task.resources));
    usage.tasks++;
  }
  return out;
}

export function usageByAgent(tasks: Iterable<Task>): Map<string, Usage> {
  return usageBy(tasks, (task) => task.agent_id.value);
}

export function agentName(store: Store, agentId: string): string {
  const agent = store.agents.get(agentId);
  return agent ? agentHost(agent) : agentId;
}

export function agentHost(agent: Agent): string {
  const info = agent.agent_info;
  return info.port ? `${info.hostname}:${info.port}` : info.hostname;
}

export function agentStatus(agent: Agent): { text: string; tone: 'ok' | 'warn' | 'bad' | 'muted' } {
  if (agent.drain_info) return { text: agent.drain_info.state, tone: 'warn' };
  if (agent.deactivated) return { text: 'DEACTIVATED', tone: 'muted' };
  return agent.active ? { text: 'ACTIVE', tone: 'ok' } : { text: 'DISCONNECTED', tone: 'bad' };
}
