/**
 * Task reconciliation (Mesos docs/reconciliation.md): the master answers from what it knows, with
 * reason REASON_RECONCILIATION and no uuid. An explicit request for a task the master does not know is
 * answered from what it knows of the agent; a task on an agent that is disconnected but not yet
 * unreachable gets no answer, since the agent may still report it.
 */
import type { TaskState, TaskStatus } from '../../protocol/types';
import type { AgentRecord, FrameworkRecord, TaskRecord } from './records';
import { masterStatus, stateForFramework } from './task-status';

export interface ReconcileRequest { taskId: string; agentId?: string }

export function reconcileTasks(
  framework: FrameworkRecord,
  requests: ReconcileRequest[],
  agentById: (id: string) => AgentRecord | undefined,
  now: number,
): TaskStatus[] {
  if (requests.length === 0) return [...framework.tasks.values()].map((task) => latestState(framework, task, now));
  const out: TaskStatus[] = [];
  for (const request of requests) {
    const task = framework.tasks.get(request.taskId);
    if (task) {
      out.push(latestState(framework, task, now));
      continue;
    }
    const state = unknownTaskState(request.agentId === undefined ? undefined : agentById(request.agentId), request.agentId !== undefined);
    if (!state) continue;
    out.push(masterStatus({
      taskId: request.taskId,
      agentId: request.agentId,
      state: stateForFramework(state, framework),
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: Task is unknown',
      now,
    }));
  }
  return out;
}

function unknownTaskState(agent: AgentRecord | undefined, agentNamed: boolean): TaskState | undefined {
  if (!agentNamed || !agent) return 'TASK_UNKNOWN';
  if (agent.connection === 'unreachable') return 'TASK_UNREACHABLE';
  if (agent.connection === 'disconnected') return undefined;
  return 'TASK_GONE';
}

function latestState(framework: FrameworkRecord, task: TaskRecord, now: number): TaskStatus {
  const latest = task.statuses[task.statuses.length - 1];
  const status: TaskStatus = {
    ...(latest ?? {}),
    ...masterStatus({
      taskId: task.taskId,
      agentId: task.agentId,
      executorId: task.executorId,
      state: stateForFramework(task.state, framework),
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: Latest task state',
      now,
    }),
  };
  delete status.uuid;
  return status;
}
