/**
 * GET /metrics/snapshot (and GET_METRICS, /metrics): Mesos's master and allocator metrics under
 * Mesos's names (docs/monitoring.md), so dashboards and checks written for Mesos read them unchanged.
 * Gauges are counted when asked for; on the event path only the timers and the terminal-task
 * counters (which Mesos keeps as counters: tasks_finished counts every task that ever finished) pay.
 */
import type { TaskState } from '../../protocol/types';
import type { MasterCore } from '../core';
import { computeUsage } from './usage';

/** Terminal states are counters; these are gauges of the tasks in them now. */
const LIVE_STATES: TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE'];
const TERMINAL_STATES: TaskState[] = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR'];
const RESOURCES = ['cpus', 'mem', 'disk', 'gpus'];

/** TASK_RUNNING -> master/tasks_running */
function taskMetric(state: TaskState): string {
  return `master/tasks_${state.slice('TASK_'.length).toLowerCase()}`;
}

/** `operatorSubscribers`: operator event streams now open (the HTTP side holds them). */
export function metricsSnapshot(core: MasterCore, operatorSubscribers: number): Record<string, number> {
  const { records } = core;
  const agents = { connected: 0, disconnected: 0, unreachable: 0, active: 0 };
  const total: Record<string, number> = {};
  for (const name of RESOURCES) total[name] = 0;
  for (const agent of records.agents.values()) {
    agents[agent.connection]++;
    if (agent.connection === 'unreachable') continue;
    if (agent.connection === 'connected' && !core.settings.isDeactivated(agent.id)) agents.active++;
    for (const name of RESOURCES) total[name] += agent.total.scalar(name);
  }
  const registered = records.agents.size - agents.unreachable;
  let frameworksConnected = 0;
  let frameworksActive = 0;
  const tasks = new Map<TaskState, number>();
  for (const framework of records.frameworks.values()) {
    if (framework.connected) frameworksConnected++;
    if (framework.active) frameworksActive++;
    for (const task of framework.tasks.values()) tasks.set(task.state, (tasks.get(task.state) ?? 0) + 1);
  }
  const usage = computeUsage(core);
  const used: Record<string, number> = {};
  const offered: Record<string, number> = {};
  for (const name of RESOURCES) {
    used[name] = 0;
    offered[name] = 0;
  }
  for (const resources of usage.usedByAgent.values()) for (const name of RESOURCES) used[name] += resources.scalar(name);
  for (const resources of usage.offeredByAgent.values()) for (const name of RESOURCES) offered[name] += resources.scalar(name);

  const frameworks = records.frameworks.size;
  const out: Record<string, number> = {
    'master/uptime_secs': (core.now() - core.startTime) / 1000,
    'master/elected': core.electedTime === undefined ? 0 : 1,
    'master/slaves_connected': agents.connected,
    'master/slaves_disconnected': agents.disconnected,
    'master/slaves_active': agents.active,
    'master/slaves_inactive': registered - agents.active,
    'master/slaves_unreachable': agents.unreachable,
    'master/frameworks_connected': frameworksConnected,
    'master/frameworks_disconnected': frameworks - frameworksConnected,
    'master/frameworks_active': frameworksActive,
    'master/frameworks_inactive': frameworks - frameworksActive,
    'master/outstanding_offers': core.offers.size,
    'master/operator_event_stream_subscribers': operatorSubscribers,
  };
  for (const state of LIVE_STATES) out[taskMetric(state)] = tasks.get(state) ?? 0;
  for (const state of TERMINAL_STATES) out[taskMetric(state)] = 0;
  for (const [state, count] of core.terminalTasks.entries()) out[taskMetric(state)] = count;
  for (const name of RESOURCES) {
    out[`master/${name}_total`] = total[name];
    out[`master/${name}_used`] = used[name];
    out[`master/${name}_percent`] = total[name] > 0 ? used[name] / total[name] : 0;
    out[`allocator/mesos/resources/${name}/total`] = total[name];
    out[`allocator/mesos/resources/${name}/offered_or_allocated`] = used[name] + offered[name];
  }
  Object.assign(out,
    { 'allocator/mesos/allocation_runs': core.allocationTimer.count },
    core.allocationTimer.snapshot('allocator/mesos/allocation_run_ms'),
    core.offerTimer.snapshot('master/offer_publish_ms'));
  return out;
}

/** Counters only grow (terminal task counts, run counts); everything else is a gauge. */
export function metricKind(name: string): 'counter' | 'gauge' {
  if (name.endsWith('/count') || name === 'allocator/mesos/allocation_runs') return 'counter';
  return TERMINAL_STATES.some((state) => taskMetric(state) === name) ? 'counter' : 'gauge';
}
