/** The wire types the UI reads: the master's own definitions in protocol/, imported as types only. */
import type { OperatorAgent } from '../protocol/operator';
import { isTerminalState, TASK_STATES, type TaskState } from '../protocol/types';

export type { GetState, OperatorEvent, OperatorFileInfo, OperatorFramework, OperatorRole, QuotaConfig, ScalarMap } from '../protocol/operator';
export type { FrameworkInfo, MasterInfo, Offer, Resource, Task, TaskState, TaskStatus } from '../protocol/types';
export { TASK_STATES };

export type Agent = OperatorAgent;

export function isTerminal(state: string): boolean {
  return isTerminalState(state as TaskState);
}

/** Tasks are unique per framework only. */
export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}
