/**
 * The agent's GET /metrics/snapshot (and GET_METRICS) under Mesos's names (src/slave/metrics.cpp,
 * docs/monitoring.md), so dashboards and checks written for Mesos agents read them unchanged. Gauges
 * are counted from the task table when asked for; counters (terminal tasks, status updates, ended
 * executors, errors) are kept by AgentCounters where the events happen.
 */
import * as os from 'node:os';
import { Resources } from '../protocol/resources';
import type { TaskState } from '../protocol/types';
import { isTerminalState } from '../protocol/types';
import type { TaskEntry } from './task-table';

const RESOURCES = ['cpus', 'mem', 'disk', 'gpus'];
/** Gauges: tasks in these states now. */
const LIVE_STATES: TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'];
/** Counters: tasks that ever ended in these states here. */
const TERMINAL_STATES: TaskState[] = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_GONE'];

/** TASK_RUNNING -> slave/tasks_running */
function taskMetric(state: TaskState): string {
  return `slave/tasks_${state.slice('TASK_'.length).toLowerCase()}`;
}

/** The agent's counters, bumped where the events happen (task-updates.ts, the daemon). */
export class AgentCounters {
  private readonly terminal = new Map<TaskState, number>();
  validStatusUpdates = 0;
  invalidStatusUpdates = 0;
  validFrameworkMessages = 0;
  invalidFrameworkMessages = 0;
  executorsTerminated = 0;
  containerLaunchErrors = 0;
  recoveryErrors = 0;

  /** A status update the agent accepted and forwards; a terminal one counts its state. */
  statusUpdate(state: TaskState): void {
    this.validStatusUpdates++;
    if (isTerminalState(state)) this.terminal.set(state, (this.terminal.get(state) ?? 0) + 1);
  }

  terminalTasks(state: TaskState): number {
    return this.terminal.get(state) ?? 0;
  }
}

export interface AgentMetricsInput {
  /** Seconds since the epoch. */
  now: number;
  startTime: number;
  registered: boolean;
  total: Resources;
  /** Tasks running or with an unacknowledged terminal update (TaskTable.activeTasks). */
  tasks: readonly Pick<TaskEntry, 'containerId' | 'frameworkId' | 'task' | 'executor' | 'runner'>[];
  counters: AgentCounters;
}

/**
 * An executor run (a container) is registering while its tasks are all staging, terminating while
 * they are being killed and none runs, running otherwise; one whose tasks all ended is terminated.
 */
function executorGauges(tasks: AgentMetricsInput['tasks']): { registering: number; running: number; terminating: number } {
  const byContainer = new Map<string, TaskState[]>();
  for (const t of tasks) {
    if (isTerminalState(t.runner.state)) continue;
    let states = byContainer.get(t.containerId);
    if (!states) byContainer.set(t.containerId, (states = []));
    states.push(t.runner.state);
  }
  const out = { registering: 0, running: 0, terminating: 0 };
  for (const states of byContainer.values()) {
    if (states.every((s) => s === 'TASK_STAGING')) out.registering++;
    else if (states.every((s) => s === 'TASK_KILLING')) out.terminating++;
    else out.running++;
  }
  return out;
}

/** What the agent's live tasks hold (their resources and their executors'), as Mesos's *_used. */
export function usedResources(tasks: AgentMetricsInput['tasks']): Resources {
  let used = Resources.empty();
  const executors = new Set<string>();
  for (const t of tasks) {
    if (isTerminalState(t.runner.state)) continue;
    used = used.plus(Resources.fromV1(t.task.resources));
    if (t.executor && !executors.has(t.containerId)) {
      executors.add(t.containerId);
      used = used.plus(Resources.fromV1(t.executor.resources ?? []));
    }
  }
  return used;
}

export function agentMetricsSnapshot(input: AgentMetricsInput): Record<string, number> {
  const { counters, tasks } = input;
  const live = new Map<TaskState, number>();
  const frameworks = new Set<string>();
  for (const t of tasks) {
    live.set(t.runner.state, (live.get(t.runner.state) ?? 0) + 1);
    if (!isTerminalState(t.runner.state)) frameworks.add(t.frameworkId);
  }
  const executors = executorGauges(tasks);
  const used = usedResources(tasks);
  const out: Record<string, number> = {
    'slave/uptime_secs': Math.max(0, input.now - input.startTime),
    'slave/registered': input.registered ? 1 : 0,
    'slave/frameworks_active': frameworks.size,
    'slave/executors_registering': executors.registering,
    'slave/executors_running': executors.running,
    'slave/executors_terminating': executors.terminating,
    'slave/executors_terminated': counters.executorsTerminated,
    // No QoS controller preempts executors here.
    'slave/executors_preempted': 0,
    'slave/valid_status_updates': counters.validStatusUpdates,
    'slave/invalid_status_updates': counters.invalidStatusUpdates,
    'slave/valid_framework_messages': counters.validFrameworkMessages,
    'slave/invalid_framework_messages': counters.invalidFrameworkMessages,
    'slave/container_launch_errors': counters.containerLaunchErrors,
    'slave/recovery_errors': counters.recoveryErrors,
  };
  for (const state of LIVE_STATES) out[taskMetric(state)] = live.get(state) ?? 0;
  for (const state of TERMINAL_STATES) out[taskMetric(state)] = counters.terminalTasks(state);
  for (const name of RESOURCES) {
    const total = input.total.scalar(name);
    const inUse = used.scalar(name);
    out[`slave/${name}_total`] = total;
    out[`slave/${name}_used`] = inUse;
    out[`slave/${name}_percent`] = total > 0 ? inUse / total : 0;
  }
  return { ...out, ...systemMetrics() };
}

/** Mesos's system/* metrics: the host's cpus, load averages and memory. */
export function systemMetrics(): Record<string, number> {
  const [load1, load5, load15] = os.loadavg();
  return {
    'system/cpus_total': os.cpus().length,
    'system/load_1min': load1,
    'system/load_5min': load5,
    'system/load_15min': load15,
    'system/mem_total_bytes': os.totalmem(),
    // MemAvailable on Linux: what can be had without swapping.
    'system/mem_free_bytes': os.freemem(),
  };
}
