/**
 * The agent's v1 operator API answers (include/mesos/v1/agent/agent.proto Response.GetTasks,
 * GetExecutors, GetFrameworks, GetState), built from the task table's snapshot. Pure.
 */
import { executorInfoToV1, frameworkInfoToV1, withUnreservedRole } from '../protocol/v1-resources';
import type { ExecutorInfo, FrameworkInfo, Task } from '../protocol/types';
import { isTerminalState } from '../protocol/types';
import { executorNaming, type FrameworkSnapshot, type TaskSnapshot } from './state-json';

export interface AgentTasksSnapshot {
  agentId?: string;
  frameworks: FrameworkSnapshot[];
  completedFrameworks: FrameworkSnapshot[];
}

/** A task as mesos.proto Task; a command task has no executor id, as in Mesos. */
export function agentTaskToV1(t: TaskSnapshot, agentId: string | undefined): Task {
  const out: Task = {
    name: t.task.name,
    task_id: t.task.task_id,
    framework_id: { value: t.frameworkId },
    agent_id: { value: agentId ?? '' },
    state: t.state,
    resources: withUnreservedRole(t.task.resources),
    statuses: t.statuses,
  };
  if (t.executor) out.executor_id = { value: t.executorId };
  const latest = t.statuses[t.statuses.length - 1];
  if (latest) {
    out.status_update_state = latest.state;
    if (latest.uuid) out.status_update_uuid = latest.uuid;
  }
  if (t.task.labels) out.labels = t.task.labels;
  if (t.task.command) out.command = t.task.command;
  if (t.task.kill_policy) out.kill_policy = t.task.kill_policy;
  return out;
}

/**
 * Response.GetTasks: running tasks are launched, ended ones whose update is not yet acknowledged
 * terminated, acknowledged ones completed. Tasks never wait in a queue here.
 */
export function agentGetTasks(s: AgentTasksSnapshot) {
  const launched: Task[] = [];
  const terminated: Task[] = [];
  const completed: Task[] = [];
  for (const f of [...s.frameworks, ...s.completedFrameworks]) {
    for (const t of f.tasks) (isTerminalState(t.state) ? terminated : launched).push(agentTaskToV1(t, s.agentId));
    for (const t of f.completedTasks) completed.push(agentTaskToV1(t, s.agentId));
  }
  return { pending_tasks: [] as Task[], queued_tasks: [] as Task[], launched_tasks: launched, terminated_tasks: terminated, completed_tasks: completed };
}

/** A run's ExecutorInfo: a group's default executor, or the command executor Mesos makes for a command task. */
function executorInfo(t: TaskSnapshot, all: readonly TaskSnapshot[]): ExecutorInfo {
  if (t.executor) return executorInfoToV1({ ...t.executor, framework_id: { value: t.frameworkId } });
  const { name, source } = executorNaming(t.task, undefined);
  const info: ExecutorInfo & { source: string } = {
    executor_id: { value: t.executorId },
    framework_id: { value: t.frameworkId },
    name,
    // mesos.proto's deprecated ExecutorInfo.source, which Mesos still sets to the task id for its command executor.
    source,
    ...(t.task.command ? { command: t.task.command } : {}),
    resources: all.flatMap((x) => x.task.resources),
  };
  return executorInfoToV1(info);
}

/** Response.GetExecutors: a run with a task not yet over is an executor, one whose tasks all ended a completed one. */
export function agentGetExecutors(s: AgentTasksSnapshot) {
  const executors: { executor_info: ExecutorInfo }[] = [];
  const completed: { executor_info: ExecutorInfo }[] = [];
  for (const f of [...s.frameworks, ...s.completedFrameworks]) {
    const runs = new Map<string, TaskSnapshot[]>();
    for (const t of [...f.tasks, ...f.completedTasks]) {
      const run = runs.get(t.containerId);
      if (run) run.push(t);
      else runs.set(t.containerId, [t]);
    }
    for (const run of runs.values()) {
      const entry = { executor_info: executorInfo(run[0], run) };
      (run.some((t) => !isTerminalState(t.state)) ? executors : completed).push(entry);
    }
  }
  return { executors, completed_executors: completed };
}

export function agentGetFrameworks(s: AgentTasksSnapshot) {
  const view = (f: FrameworkSnapshot): { framework_info: FrameworkInfo } => ({ framework_info: frameworkInfoToV1({ ...f.info, id: { value: f.id } }) });
  return { frameworks: s.frameworks.map(view), completed_frameworks: s.completedFrameworks.map(view) };
}

export function agentGetState(s: AgentTasksSnapshot) {
  return { get_tasks: agentGetTasks(s), get_executors: agentGetExecutors(s), get_frameworks: agentGetFrameworks(s) };
}
