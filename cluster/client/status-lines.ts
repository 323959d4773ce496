/** The lines mesos-execute prints, so scripts written against it keep working. */
import { Resources } from '../protocol/resources';
import type { Resource, TaskState, TaskStatus } from '../protocol/types';

export function subscribedLine(frameworkId: string): string {
  return `Subscribed with ID ${frameworkId}`;
}

export function submittedLine(taskId: string, agentId: string): string {
  return `Submitted task '${taskId}' to agent '${agentId}'`;
}

/** mesos-execute prints the ids as a vector: [ a, b ]. */
export function submittedGroupLine(taskIds: string[], agentId: string): string {
  return `Submitted task group with tasks [ ${taskIds.join(', ')} ] to agent '${agentId}'`;
}

export function killRequestedLine(taskId: string, agentId: string): string {
  return `Asked to kill task '${taskId}' on agent '${agentId}'`;
}

/** Fields a Mesos master may send that this implementation's agents do not (yet). */
type MesosStatus = TaskStatus & { limitation?: { resources?: Resource[] } };

export function statusUpdateLines(status: MesosStatus): string[] {
  const lines = [`Received status update ${status.state} for task '${status.task_id.value}'`];
  if (status.message !== undefined && status.message !== '') lines.push(`  message: '${status.message}'`);
  if (status.source) lines.push(`  source: ${status.source}`);
  if (status.reason) lines.push(`  reason: ${status.reason}`);
  if (status.healthy !== undefined) lines.push(`  healthy?: ${status.healthy ? 1 : 0}`);
  if (status.check_status !== undefined) lines.push(`  check status: ${JSON.stringify(status.check_status)}`);
  const limited = status.limitation?.resources;
  if (limited && limited.length > 0) lines.push(`  resource limit violation: ${resourceText(limited)}`);
  return lines;
}

function resourceText(list: Resource[]): string {
  try {
    return Resources.fromV1(list).toString();
  } catch {
    return JSON.stringify(list);
  }
}

/**
 * 0 only for TASK_FINISHED. mesos-execute exits 0 whatever the task's end; a script then cannot
 * tell success from failure, so here the exit code says it.
 */
export function exitCodeFor(state: TaskState | undefined): number {
  return state === 'TASK_FINISHED' ? 0 : 1;
}
