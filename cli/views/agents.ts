/** `mesoscloud agents`: each agent with its state, resources and number of live tasks. */
import type { GetAgents, GetTasks, OperatorAgent } from '../../cluster/protocol/operator';
import { isTerminalState } from '../../cluster/protocol/types';
import { renderTable } from '../render/table';
import { agentView, amount, type AgentView } from '../status-view';

/** What an operator asks about an agent: may it get offers, and why not. */
export type AgentState = 'active' | 'deactivated' | 'draining' | 'drained' | 'disconnected';

export interface AgentRow extends AgentView {
  state: AgentState;
  deactivated: boolean;
  /** Tasks on the agent that have not ended. */
  tasks: number;
}

export function agentState(agent: OperatorAgent): AgentState {
  const drain = agent.drain_info?.state;
  if (!agent.active) return 'disconnected';
  if (drain === 'DRAINED') return 'drained';
  if (drain === 'DRAINING') return 'draining';
  return agent.deactivated ? 'deactivated' : 'active';
}

/** Live tasks per agent id, counted once over all tasks (not once per agent). */
export function liveTasksByAgent(tasks: GetTasks): Map<string, number> {
  const counts = new Map<string, number>();
  for (const task of [...(tasks.pending_tasks ?? []), ...(tasks.tasks ?? []), ...(tasks.unreachable_tasks ?? [])]) {
    if (isTerminalState(task.state)) continue;
    counts.set(task.agent_id.value, (counts.get(task.agent_id.value) ?? 0) + 1);
  }
  return counts;
}

export function buildAgentRows(agents: GetAgents, tasks: GetTasks): AgentRow[] {
  const live = liveTasksByAgent(tasks);
  return agents.agents.map((agent) => {
    const view = agentView(agent);
    return { ...view, state: agentState(agent), deactivated: agent.deactivated === true, tasks: live.get(view.id) ?? 0 };
  });
}

export function usedOfTotal(row: { used: AgentView['used']; total: AgentView['total'] }, name: string): string {
  return `${amount(row.used, name)}/${amount(row.total, name)}`;
}

export function renderAgents(rows: AgentRow[]): string[] {
  if (rows.length === 0) return ['No agents registered.'];
  return renderTable(
    ['ID', 'ADDRESS', 'STATE', 'TASKS', 'CPUS (USED/TOTAL)', 'MEM MB (USED/TOTAL)', 'DISK MB (USED/TOTAL)'],
    rows.map((r) => [r.id, r.address, r.state, String(r.tasks), usedOfTotal(r, 'cpus'), usedOfTotal(r, 'mem'), usedOfTotal(r, 'disk')]),
  );
}
