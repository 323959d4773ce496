/**
 * `status` as data: the operator API's GET_STATE reduced to what an operator looks at, and its
 * rendering as tables. Pure, so it is tested without a master.
 */
import type { GetState, OperatorAgent } from '../cluster/protocol/operator';
import { Resources } from '../cluster/protocol/resources';
import { latestHealth, type TaskHealth } from '../cluster/protocol/task-health';
import { isTerminalState, type Resource, type Task } from '../cluster/protocol/types';
import { renderTable } from './render/table';

export type ResourceJson = Record<string, number | string>;

export interface AgentView {
  id: string;
  hostname: string;
  address: string;
  active: boolean;
  total: ResourceJson;
  used: ResourceJson;
  offered: ResourceJson;
}

export interface TaskView {
  id: string;
  name: string;
  state: string;
  framework_id: string;
  agent_id: string;
  resources: string;
  /** ISO 8601 time of the latest status update, when known. */
  updated?: string;
  /** What the task's health check last said; absent without one (or before its first result). */
  health?: TaskHealth;
}

export interface StatusJson {
  cluster: string;
  master: { url: string; healthy: boolean; version?: string };
  agents: AgentView[];
  frameworks: { id: string; name: string; active: boolean; connected: boolean }[];
  tasks: { running: TaskView[]; completed: TaskView[] };
  /** SSH clusters: each host and its roles. */
  hosts?: { host: string; address: string; roles: string[] }[];
}

export const RECENT_COMPLETED = 10;

export function buildStatus(input: { cluster: string; masterUrl: string; healthy: boolean; version?: string; state: GetState }): StatusJson {
  const { state } = input;
  const agents = (state.get_agents?.agents ?? []).map(agentView);
  const frameworks = (state.get_frameworks?.frameworks ?? []).map((f) => ({
    id: f.framework_info.id?.value ?? '',
    name: f.framework_info.name,
    active: f.active,
    connected: f.connected,
  }));
  const tasks = state.get_tasks ?? {};
  const all = [...(tasks.pending_tasks ?? []), ...(tasks.tasks ?? []), ...(tasks.completed_tasks ?? [])];
  const running: TaskView[] = [];
  const completed: TaskView[] = [];
  for (const task of all) (isTerminalState(task.state) ? completed : running).push(taskView(task));
  completed.sort((a, b) => (b.updated ?? '').localeCompare(a.updated ?? ''));
  return {
    cluster: input.cluster,
    master: { url: input.masterUrl, healthy: input.healthy, ...(input.version ? { version: input.version } : {}) },
    agents,
    frameworks,
    tasks: { running, completed: completed.slice(0, RECENT_COMPLETED) },
  };
}

export function agentView(agent: OperatorAgent): AgentView {
  const info = agent.agent_info;
  const pidAddress = agent.pid?.includes('@') ? agent.pid.slice(agent.pid.lastIndexOf('@') + 1) : agent.pid;
  return {
    id: info.id?.value ?? '',
    hostname: info.hostname,
    address: pidAddress ?? `${info.hostname}:${info.port ?? 5051}`,
    active: agent.active,
    total: legacy(agent.total_resources ?? info.resources),
    used: legacy(agent.allocated_resources),
    offered: legacy(agent.offered_resources),
  };
}

export function legacy(list: Resource[] | undefined): ResourceJson {
  try {
    return Resources.fromV1(list ?? []).toLegacyJson();
  } catch {
    return {};
  }
}

export function taskView(task: Task): TaskView {
  const health = latestHealth(task.statuses);
  const latest = (task.statuses ?? []).reduce<number | undefined>((t, s) => (s.timestamp !== undefined && (t === undefined || s.timestamp > t) ? s.timestamp : t), undefined);
  let resources = '';
  try {
    resources = Resources.fromV1(task.resources ?? []).toString();
  } catch {
    // Shown empty rather than failing the whole status.
  }
  return {
    id: task.task_id.value,
    name: task.name,
    state: task.state,
    framework_id: task.framework_id.value,
    agent_id: task.agent_id.value,
    resources,
    ...(latest !== undefined ? { updated: new Date(latest * 1000).toISOString() } : {}),
    ...(health ? { health } : {}),
  };
}

export function amount(r: ResourceJson, name: string): string {
  const v = r[name];
  if (typeof v !== 'number') return '0';
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

export function renderStatus(s: StatusJson, extra: string[] = []): string[] {
  const lines = [
    `Cluster '${s.cluster}': master ${s.master.url} ${s.master.healthy ? 'healthy' : 'NOT healthy'}${s.master.version ? ` (version ${s.master.version})` : ''}`,
    ...extra,
    '',
    `Agents (${s.agents.length}):`,
  ];
  if (s.agents.length === 0) lines.push('  none registered');
  else {
    lines.push(...renderTable(
      ['ID', 'ADDRESS', 'ACTIVE', 'CPUS (USED/TOTAL)', 'MEM MB (USED/TOTAL)', 'DISK MB (USED/TOTAL)'],
      s.agents.map((a) => [
        a.id, a.address, a.active ? 'yes' : 'no',
        `${amount(a.used, 'cpus')}/${amount(a.total, 'cpus')}`,
        `${amount(a.used, 'mem')}/${amount(a.total, 'mem')}`,
        `${amount(a.used, 'disk')}/${amount(a.total, 'disk')}`,
      ]),
      '  ',
    ));
  }
  const taskRows = (tasks: TaskView[]) => tasks.map((t) => [t.name, t.state, t.agent_id, t.resources, t.updated ?? '']);
  const taskHeaders = ['NAME', 'STATE', 'AGENT', 'RESOURCES', 'UPDATED'];
  lines.push('', `Running tasks (${s.tasks.running.length}):`);
  if (s.tasks.running.length === 0) lines.push('  none');
  else lines.push(...renderTable(taskHeaders, taskRows(s.tasks.running), '  '));
  lines.push('', `Recently completed tasks (${s.tasks.completed.length}, newest first):`);
  if (s.tasks.completed.length === 0) lines.push('  none');
  else lines.push(...renderTable(taskHeaders, taskRows(s.tasks.completed), '  '));
  return lines;
}
