/** The lines mesos-execute prints, so scripts written against it keep working. */
import type { TaskState, TaskStatus } from '../protocol/types';

export function subscribedLine(frameworkId: string): string {
  return `Subscribed with ID ${frameworkId}`;
}

export function submittedLine(taskId: string, agentId: string): string {
  return `Submitted task '${taskId}' to agent '${agentId}'`;
}

export function killRequestedLine(taskId: string, agentId: string): string {
  return `Asked to kill task '${taskId}' on agent '${agentId}'`;
}

export function statusUpdateLines(status: TaskStatus): string[] {
  const lines = [`Received status update ${status.state} for task '${status.task_id.value}'`];
  if (status.message !== undefined && status.message !== '') lines.push(`  message: '${status.message}'`);
  if (status.source) lines.push(`  source: ${status.source}`);
  if (status.reason) lines.push(`  reason: ${status.reason}`);
  if (status.healthy !== undefined) lines.push(`  healthy?: ${status.healthy ? 1 : 0}`);
  return lines;
}

/** 0 only for TASK_FINISHED, as mesos-execute's callers expect. */
export function exitCodeFor(state: TaskState | undefined): number {
  return state === 'TASK_FINISHED' ? 0 : 1;
}
