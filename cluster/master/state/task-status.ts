/** Status updates the master writes itself (source SOURCE_MASTER): they carry no uuid and need no acknowledgement. */
import { TASK_STATES, type TaskState, type TaskStatus, type TaskStatusReason } from '../../protocol/types';

export interface MasterStatusArgs {
  taskId: string;
  state: TaskState;
  message: string;
  reason?: TaskStatusReason;
  agentId?: string;
  executorId?: string;
  now: number;
}

export function masterStatus(args: MasterStatusArgs): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: args.taskId },
    state: args.state,
    message: args.message,
    source: 'SOURCE_MASTER',
    timestamp: args.now / 1000,
  };
  if (args.reason) status.reason = args.reason;
  if (args.agentId) status.agent_id = { value: args.agentId };
  if (args.executorId) status.executor_id = { value: args.executorId };
  return status;
}

const NEWER_THAN_LOST: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN', 'TASK_DROPPED',
]);

/** The capabilities that decide which states a framework may be told. */
export interface StateAudience {
  partitionAware: boolean;
  killingAware: boolean;
}

/**
 * Frameworks without PARTITION_AWARE predate the finer "lost" states and are told TASK_LOST; those
 * without TASK_KILLING_STATE see a task being killed as still running. Both as Mesos does.
 */
export function stateForFramework(state: TaskState, audience: StateAudience): TaskState {
  if (!audience.partitionAware && NEWER_THAN_LOST.has(state)) return 'TASK_LOST';
  if (!audience.killingAware && state === 'TASK_KILLING') return 'TASK_RUNNING';
  return state;
}

export function statusForFramework(status: TaskStatus, audience: StateAudience): TaskStatus {
  const state = stateForFramework(status.state, audience);
  return state === status.state ? status : { ...status, state };
}

/**
 * What the master remembers of a status: everything but the payload, its state and source as the one
 * copy of their names. A status parsed from JSON brings its own copy of "TASK_RUNNING" and
 * "SOURCE_EXECUTOR": at 100,000 tasks about 10 MB of copies.
 */
export function statusToKeep(status: TaskStatus): TaskStatus {
  const kept = status.data === undefined ? status : withoutData(status);
  kept.state = knownName(kept.state);
  if (kept.source !== undefined) kept.source = knownName(kept.source);
  return kept;
}

/** The one copy of a state or source name (any other string as it is). */
export function knownName<T extends string>(name: T): T {
  return (KNOWN_NAMES.get(name) as T | undefined) ?? name;
}

function withoutData(status: TaskStatus): TaskStatus {
  const { data: _data, ...rest } = status;
  return rest;
}

/** Each known state and source name, by itself: a fixed set, so nobody can grow it. */
const KNOWN_NAMES = new Map<string, string>([...TASK_STATES, 'SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR'].map((name) => [name, name]));
