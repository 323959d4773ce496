/**
 * The v1 executor HTTP API (Mesos's include/mesos/v1/executor/executor.proto and
 * docs/executor-http-api.md): the calls an executor POSTs to its agent's /api/v1/executor and the
 * events the agent streams back on the SUBSCRIBE response, with the zod schema that validates a call
 * once it is decoded. Both encodings (JSON, protobuf) decode into the same object (cluster/http/v1-media.ts),
 * so everything behind validateExecutorCall works on objects; events are encoded by the stream's format.
 */
import { z } from 'zod';
import { addMissing, bytes, id, taskInfo, taskStatus } from './schemas';
import type {
  AgentID, AgentInfo, ExecutorID, ExecutorInfo, FrameworkID, FrameworkInfo, KillPolicy, TaskGroupInfo, TaskID, TaskInfo, TaskStatus,
} from './types';
import { validateWith, type Validated } from './validate';

export const EXECUTOR_API_PATH = '/api/v1/executor';

export const EXECUTOR_CALL_TYPES = ['SUBSCRIBE', 'UPDATE', 'MESSAGE'] as const;
export type ExecutorCallType = typeof EXECUTOR_CALL_TYPES[number];

/** Call.Update: a status the executor reports, with the uuid it chose (the acknowledgement names it). */
export interface ExecutorUpdate { status: TaskStatus & { uuid: string } }

export interface ExecutorCall {
  type: ExecutorCallType;
  framework_id: FrameworkID;
  executor_id: ExecutorID;
  subscribe?: { unacknowledged_tasks?: TaskInfo[]; unacknowledged_updates?: (ExecutorUpdate & { framework_id?: FrameworkID })[] };
  update?: ExecutorUpdate;
  message?: { data: string };
}

export type ExecutorEvent =
  | {
      type: 'SUBSCRIBED';
      subscribed: { executor_info: ExecutorInfo; framework_info: FrameworkInfo; agent_info: AgentInfo; container_id: { value: string } };
    }
  | { type: 'LAUNCH'; launch: { task: TaskInfo } }
  | { type: 'LAUNCH_GROUP'; launch_group: { task_group: TaskGroupInfo } }
  | { type: 'KILL'; kill: { task_id: TaskID; kill_policy?: KillPolicy } }
  | { type: 'ACKNOWLEDGED'; acknowledged: { task_id: TaskID; uuid: string } }
  | { type: 'MESSAGE'; message: { data: string } }
  | { type: 'SHUTDOWN' }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'HEARTBEAT' };

/** What the agent adds to an executor's MESSAGE before the master hands it to the scheduler. */
export interface ExecutorMessage { agent_id: AgentID; executor_id: ExecutorID; data: string }

/** A status as an executor sends it: its uuid is required (the acknowledgement names it), the agent fills in the rest. */
const executorStatus = taskStatus.extend({ uuid: taskStatus.shape.uuid.unwrap() });
const update = z.looseObject({ status: executorStatus });

export const executorCallSchema = z.looseObject({
  type: z.enum(EXECUTOR_CALL_TYPES),
  framework_id: id,
  executor_id: id,
  subscribe: z.looseObject({
    unacknowledged_tasks: z.array(taskInfo).optional(),
    unacknowledged_updates: z.array(update.extend({ framework_id: id.optional() })).optional(),
  }).optional(),
  update: update.optional(),
  message: z.looseObject({ data: bytes }).optional(),
}).superRefine((call, ctx) => {
  if (call.type === 'UPDATE' && call.update === undefined) return addMissing(ctx, ['update']);
  if (call.type === 'MESSAGE' && call.message === undefined) return addMissing(ctx, ['message']);
  const status = call.update?.status;
  if (status?.executor_id !== undefined && status.executor_id.value !== call.executor_id.value) {
    ctx.addIssue({ code: 'custom', path: ['update', 'status', 'executor_id'], message: "differs from the call's 'executor_id'" });
  }
});

// Typed as a conversion so that the build breaks if the schema and ExecutorCall drift apart.
const asExecutorCall = (call: z.output<typeof executorCallSchema>): ExecutorCall => call as ExecutorCall;

export function validateExecutorCall(body: unknown): Validated<ExecutorCall> {
  const result = validateWith(executorCallSchema, body);
  return result.ok ? { ok: true, call: asExecutorCall(result.call) } : result;
}

