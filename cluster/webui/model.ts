/** The wire types the UI reads (shared with the master), and the few event shapes of SUBSCRIBE. */
import type { GetState, OperatorAgent, OperatorFramework } from '../protocol/operator';
import type { FrameworkInfo, Id, MasterInfo, Offer, Resource, Task, TaskState, TaskStatus } from '../protocol/types';
import { isTerminalState, TASK_STATES } from '../protocol/types';

export { TASK_STATES };

export type { GetState, OperatorAgent, OperatorFramework, FrameworkInfo, MasterInfo, Offer, Resource, Task, TaskState, TaskStatus };

/** Agent as GET_AGENTS reports it, with the maintenance fields of master.proto. */
export type Agent = OperatorAgent & { drain_info?: { state: 'DRAINING' | 'DRAINED' } };

/** master.proto Event, the operator stream's records. */
export interface OperatorEvent {
  type: string;
  subscribed?: { get_state?: GetState; heartbeat_interval_seconds?: number };
  task_added?: { task: Task };
  task_updated?: { framework_id: Id; status: TaskStatus; state: TaskState };
  agent_added?: { agent: Agent };
  agent_removed?: { agent_id: Id };
  framework_added?: { framework: OperatorFramework };
  framework_updated?: { framework: OperatorFramework };
  framework_removed?: { framework_info: FrameworkInfo };
}

export function isTerminal(state: string): boolean {
  return isTerminalState(state as TaskState);
}

/** Tasks are unique per framework only. */
export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}
