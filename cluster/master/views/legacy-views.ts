/**
 * Mesos's legacy JSON besides /state: /state-summary, /slaves, /frameworks and /tasks, from the same
 * per-record views /state uses (state-json.ts). Each builds only what it answers: /state-summary
 * counts tasks instead of listing them, /tasks sorts task references and renders one page.
 */
import type { TaskState } from '../../protocol/types';
import type { MasterCore } from '../core';
import { legacyAgent, legacyExecutor, legacyFramework, legacyTask } from './state-json';
import type { FrameworkRecord, TaskRecord } from '../state/records';
import { amount } from './usage';
import type { UsageCache } from './usage-cache';

type Json = Record<string, unknown>;

/** The states Mesos's TaskStateSummary counts, as /state-summary names them. */
const SUMMARY_STATES: TaskState[] = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_KILLED',
  'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_UNREACHABLE',
];

type Counts = Map<TaskState, number>;

function countsJson(counts: Counts | undefined): Json {
  const out: Json = {};
  for (const state of SUMMARY_STATES) out[state] = counts?.get(state) ?? 0;
  return out;
}

function bump(map: Map<string, Counts>, id: string, state: TaskState): void {
  let counts = map.get(id);
  if (!counts) map.set(id, counts = new Map());
  counts.set(state, (counts.get(state) ?? 0) + 1);
}

function link(map: Map<string, Set<string>>, from: string, to: string): void {
  let set = map.get(from);
  if (!set) map.set(from, set = new Set());
  set.add(to);
}

export function stateSummary(core: MasterCore, cache: UsageCache): Json {
  const usage = cache.compute(core);
  const byAgent = new Map<string, Counts>();
  const byFramework = new Map<string, Counts>();
  const frameworksOfAgent = new Map<string, Set<string>>();
  const agentsOfFramework = new Map<string, Set<string>>();
  const frameworks = [...core.records.frameworks.values()];
  for (const framework of frameworks) {
    const count = (task: TaskRecord) => {
      bump(byAgent, task.agentId, task.state);
      bump(byFramework, framework.id, task.state);
      link(frameworksOfAgent, task.agentId, framework.id);
      link(agentsOfFramework, framework.id, task.agentId);
    };
    for (const task of framework.tasks.values()) count(task);
    for (const task of framework.completedTasks.toArray()) count(task);
  }
  const slaves: Json[] = [];
  for (const agent of core.records.reachableAgents()) {
    slaves.push({
      ...legacyAgent(agent, usage),
      ...countsJson(byAgent.get(agent.id)),
      framework_ids: [...(frameworksOfAgent.get(agent.id) ?? [])],
    });
  }
  const summaryOf = (framework: FrameworkRecord): Json => {
    const { info } = framework;
    return {
      id: framework.id,
      name: info.name,
      pid: '',
      used_resources: amount(usage.usedByFramework, framework.id).toLegacyJson(),
      offered_resources: amount(usage.offeredByFramework, framework.id).toLegacyJson(),
      capabilities: (info.capabilities ?? []).map((c) => c.type),
      hostname: info.hostname ?? '',
      webui_url: info.webui_url ?? '',
      active: framework.active,
      connected: framework.connected,
      recovered: framework.recovered,
      ...countsJson(byFramework.get(framework.id)),
      slave_ids: [...(agentsOfFramework.get(framework.id) ?? [])],
    };
  };
  const { masterInfo } = core;
  const out: Json = {
    hostname: masterInfo.hostname,
    slaves,
    frameworks: frameworks.map(summaryOf),
  };
  if (core.opts.cluster !== undefined) out.cluster = core.opts.cluster;
  return out;
}

/** /slaves: the registered agents (unreachable ones are not), optionally one of them. */
export function legacySlaves(core: MasterCore, cache: UsageCache, agentId?: string): Json {
  const usage = cache.compute(core);
  const slaves: Json[] = [];
  for (const agent of core.records.reachableAgents()) {
    if (agentId === undefined || agent.id === agentId) slaves.push(legacyAgent(agent, usage));
  }
  return { slaves, recovered_slaves: [] };
}

/** /frameworks: active and completed frameworks, optionally one of them. */
export function legacyFrameworks(core: MasterCore, cache: UsageCache, frameworkId?: string): Json {
  const usage = cache.compute(core);
  const wanted = (f: FrameworkRecord) => frameworkId === undefined || f.id === frameworkId;
  const executors = new Map<string, Json[]>();
  for (const agent of core.records.reachableAgents()) {
    for (const executor of agent.executors.values()) {
      if (frameworkId !== undefined && executor.frameworkId !== frameworkId) continue;
      const list = executors.get(executor.frameworkId);
      if (list) list.push(legacyExecutor(executor));
      else executors.set(executor.frameworkId, [legacyExecutor(executor)]);
    }
  }
  return {
    frameworks: [...core.records.frameworks.values()].filter(wanted).map((f) => legacyFramework(core, f, usage, executors.get(f.id) ?? [])),
    completed_frameworks: core.records.completedFrameworks.toArray().filter(wanted).map((f) => legacyFramework(core, f, usage, [])),
    unregistered_frameworks: [],
  };
}

export interface TasksQuery {
  limit: number;
  offset: number;
  order: 'asc' | 'des';
  frameworkId?: string;
  taskId?: string;
}

export const DEFAULT_TASKS_LIMIT = 100;

/** When a task started, as Mesos's TaskComparator orders /tasks: its first status, else now (pending). */
function startTime(task: TaskRecord): number {
  return task.statuses[0]?.timestamp ?? Number.POSITIVE_INFINITY;
}

/**
 * /tasks: live, unreachable and completed tasks of every framework, ordered by start time ('des':
 * newest first, Mesos's default), then `offset` and `limit` applied.
 */
/** `visible`: the tasks a principal may see (--acls), chosen before the page is cut. */
export function legacyTasks(core: MasterCore, query: TasksQuery, visible?: (framework: FrameworkRecord, task: TaskRecord) => boolean): Json {
  const tasks: TaskRecord[] = [];
  const frameworks = [...core.records.frameworks.values(), ...core.records.completedFrameworks.toArray()];
  for (const framework of frameworks) {
    if (query.frameworkId !== undefined && framework.id !== query.frameworkId) continue;
    const take = (task: TaskRecord) => {
      if ((query.taskId === undefined || task.taskId === query.taskId) && (!visible || visible(framework, task))) tasks.push(task);
    };
    for (const task of framework.tasks.values()) take(task);
    for (const task of framework.completedTasks.toArray()) take(task);
  }
  const sign = query.order === 'asc' ? 1 : -1;
  // Ties (tasks that started in the same instant) keep a stable order by id, so pages do not overlap.
  tasks.sort((a, b) => sign * (startTime(a) - startTime(b)) || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
  return { tasks: tasks.slice(query.offset, query.offset + query.limit).map(legacyTask) };
}

