/**
 * Validation of the calls the master accepts: scheduler calls (POST /api/v1/scheduler), the
 * internal agent channel (POST /api/v1/agent) and operator calls (POST /api/v1); and of the events
 * the agent accepts on that channel. One zod schema per call or event is the single source; the validators run it and turn the first issues into a message that
 * names the field path, as Mesos's 400 answers do:
 *   Expecting 'accept' to be present
 *   'subscribe.framework_info.name': required string, got undefined
 */
import { z } from 'zod';
import type { AgentCall, AgentEvent } from './agent-channel';
import type { SchedulerCall, SchedulerCallType } from './types';
import { SCHEDULER_CALL_TYPES } from './types';
import {
  MISSING, addMissing, agentInfo, bytes, executorInfo, filters, frameworkInfo, id, killPolicy, nonEmptyString,
  resources, statusUuid, task, taskInfo, taskStatus,
} from './schemas';
import { describeValue } from './values';

export type Validated<T> = { ok: true; call: T } | { ok: false; message: string };

// ---- scheduler calls ----

const SUPPORTED_OPERATIONS = ['LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY'] as const;
/** The sub-message of each resource operation and its list (mesos.proto Offer.Operation). */
const RESOURCE_OPERATIONS = { RESERVE: ['reserve', 'resources'], UNRESERVE: ['unreserve', 'resources'], CREATE: ['create', 'volumes'], DESTROY: ['destroy', 'volumes'] } as const;

export const offerOperationSchema = z.looseObject({
  type: z.string(),
  launch: z.looseObject({ task_infos: z.array(taskInfo).default([]) }).optional(),
  launch_group: z.looseObject({
    executor: executorInfo,
    task_group: z.looseObject({ tasks: z.array(taskInfo).default([]) }),
  }).optional(),
  reserve: z.looseObject({ resources: resources.default([]) }).optional(),
  unreserve: z.looseObject({ resources: resources.default([]) }).optional(),
  create: z.looseObject({ volumes: resources.default([]) }).optional(),
  destroy: z.looseObject({ volumes: resources.default([]) }).optional(),
}).superRefine((op, ctx) => {
  if (op.type === 'LAUNCH') {
    if (op.launch === undefined) addMissing(ctx, ['launch']);
  } else if (op.type === 'LAUNCH_GROUP') {
    if (op.launch_group === undefined) addMissing(ctx, ['launch_group']);
  } else if (Object.hasOwn(RESOURCE_OPERATIONS, op.type)) {
    const [message] = RESOURCE_OPERATIONS[op.type as keyof typeof RESOURCE_OPERATIONS];
    if (op[message] === undefined) addMissing(ctx, [message]);
  } else {
    ctx.addIssue({
      code: 'custom',
      path: ['type'],
      message: `operation ${describeValue(op.type)} is not supported; supported operations: ${SUPPORTED_OPERATIONS.join(', ')}`,
    });
  }
});

const offerIds = z.array(id).default([]);
const rolesList = z.array(z.string()).optional();

/**
 * OfferConstraints' shape. What makes constraints meaningful (a group list per role that is not
 * empty, exactly one selector and one predicate, a regex that compiles) is checked where they are
 * compiled (allocator/offer-constraints.ts), with the same kind of message.
 */
const offerConstraints = z.looseObject({
  role_constraints: z.record(z.string(), z.looseObject({
    groups: z.array(z.looseObject({
      attribute_constraints: z.array(z.looseObject({
        selector: z.looseObject({ pseudoattribute_type: z.string().optional(), attribute_name: z.string().optional() }),
        predicate: z.looseObject({
          exists: z.looseObject({}).optional(),
          not_exists: z.looseObject({}).optional(),
          text_equals: z.looseObject({ value: z.string() }).optional(),
          text_not_equals: z.looseObject({ value: z.string() }).optional(),
          text_matches: z.looseObject({ regex: z.string() }).optional(),
          text_not_matches: z.looseObject({ regex: z.string() }).optional(),
        }),
      })).default([]),
    })).default([]),
  })).optional(),
});

const frameworkSettings = { framework_info: frameworkInfo, suppressed_roles: rolesList, offer_constraints: offerConstraints.optional() };

/** The sub-message each call type carries (Mesos rejects the call if it is missing). */
const SUB_MESSAGE: Record<SchedulerCallType, keyof SchedulerCall | undefined> = {
  SUBSCRIBE: 'subscribe',
  TEARDOWN: undefined,
  ACCEPT: 'accept',
  DECLINE: 'decline',
  REVIVE: undefined,
  SUPPRESS: undefined,
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  RECONCILE: 'reconcile',
  MESSAGE: 'message',
  REQUEST: 'request',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  UPDATE_FRAMEWORK: 'update_framework',
};

export const schedulerCallSchema = z.looseObject({
  type: z.enum(SCHEDULER_CALL_TYPES),
  framework_id: id.optional(),
  subscribe: z.looseObject(frameworkSettings).optional(),
  update_framework: z.looseObject(frameworkSettings).optional(),
  accept: z.looseObject({ offer_ids: offerIds, operations: z.array(offerOperationSchema).optional(), filters: filters.optional() }).optional(),
  decline: z.looseObject({ offer_ids: offerIds, filters: filters.optional() }).optional(),
  revive: z.looseObject({ roles: rolesList }).optional(),
  suppress: z.looseObject({ roles: rolesList }).optional(),
  kill: z.looseObject({ task_id: id, agent_id: id.optional(), kill_policy: killPolicy.optional() }).optional(),
  shutdown: z.looseObject({ executor_id: id, agent_id: id }).optional(),
  acknowledge: z.looseObject({ agent_id: id, task_id: id, uuid: statusUuid }).optional(),
  reconcile: z.looseObject({ tasks: z.array(z.looseObject({ task_id: id, agent_id: id.optional() })).optional() }).optional(),
  message: z.looseObject({ agent_id: id, executor_id: id, data: bytes }).optional(),
  request: z.looseObject({ requests: z.array(z.unknown()).default([]) }).optional(),
  accept_inverse_offers: z.looseObject({ inverse_offer_ids: offerIds, filters: filters.optional() }).optional(),
  decline_inverse_offers: z.looseObject({ inverse_offer_ids: offerIds, filters: filters.optional() }).optional(),
}).superRefine((call, ctx) => {
  if (call.type === 'SUBSCRIBE') {
    if (call.subscribe === undefined) return addMissing(ctx, ['subscribe']);
    const infoId = call.subscribe.framework_info.id;
    if (call.framework_id && infoId && call.framework_id.value !== infoId.value) {
      ctx.addIssue({ code: 'custom', path: [], message: "'framework_id' differs from 'subscribe.framework_info.id'" });
    }
    return;
  }
  if (call.framework_id === undefined) return addMissing(ctx, ['framework_id']);
  const field = SUB_MESSAGE[call.type];
  if (field !== undefined && call[field] === undefined) return addMissing(ctx, [field]);
  if (call.type === 'UPDATE_FRAMEWORK' && call.framework_id.value !== call.update_framework!.framework_info.id?.value) {
    ctx.addIssue({ code: 'custom', path: [], message: "'framework_id' differs from 'update_framework.framework_info.id'" });
  }
});

// ---- internal agent channel ----

const AGENT_CALL_TYPES = ['REGISTER', 'UPDATE', 'MESSAGE', 'PONG', 'UNREGISTER'] as const satisfies readonly AgentCall['type'][];

export const agentCallSchema = z.looseObject({
  type: z.enum(AGENT_CALL_TYPES),
  agent_id: id.optional(),
  register: z.looseObject({
    agent_info: agentInfo,
    tasks: z.array(task).optional(),
    frameworks: z.array(frameworkInfo).optional(),
    version: z.string(),
    pid: nonEmptyString,
    checkpointed_resources: resources.optional(),
  }).optional(),
  update: z.looseObject({ framework_id: id, status: taskStatus }).optional(),
  message: z.looseObject({ framework_id: id, executor_id: id, data: bytes }).optional(),
}).superRefine((call, ctx) => {
  if (call.type === 'REGISTER') {
    if (call.register === undefined) addMissing(ctx, ['register']);
    return;
  }
  if (call.agent_id === undefined) return addMissing(ctx, ['agent_id']);
  if (call.type === 'UPDATE' && call.update === undefined) addMissing(ctx, ['update']);
  if (call.type === 'MESSAGE' && call.message === undefined) addMissing(ctx, ['message']);
});

const AGENT_EVENT_TYPES = [
  'REGISTERED', 'RUN_TASK', 'RUN_TASK_GROUP', 'KILL_TASK', 'ACKNOWLEDGE', 'SHUTDOWN_FRAMEWORK', 'SHUTDOWN_EXECUTOR', 'FRAMEWORK_MESSAGE', 'CHECKPOINT_RESOURCES', 'PING',
] as const satisfies readonly AgentEvent['type'][];

/**
 * The master's events on the agent channel, as far as the agent relies on them to act: the ids it
 * routes by. A task's own fields are left to the launch checks (task-validation.ts), so that a task
 * the agent cannot run is answered with TASK_ERROR rather than dropped; the informational fields of
 * REGISTERED and a kill's grace period fall back to defaults when unusable, as they always have.
 */
export const agentEventSchema = z.looseObject({
  type: z.enum(AGENT_EVENT_TYPES),
  registered: z.looseObject({
    agent_id: id,
    master_info: z.looseObject({ hostname: z.string().optional().catch(undefined) }).optional().catch(undefined),
    ping_interval_seconds: z.number().positive().optional().catch(undefined),
  }).optional(),
  run_task: z.looseObject({ framework_id: id, task: z.looseObject({ task_id: id }) }).optional(),
  run_task_group: z.looseObject({
    framework_id: id,
    task_group: z.looseObject({ tasks: z.array(z.looseObject({ task_id: id })).min(1, 'must list at least one task') }),
  }).optional(),
  kill_task: z.looseObject({ framework_id: id, task_id: id }).optional(),
  acknowledge: z.looseObject({ framework_id: id, task_id: id, uuid: z.string() }).optional(),
  shutdown_framework: z.looseObject({ framework_id: id }).optional(),
  shutdown_executor: z.looseObject({ framework_id: id, executor_id: id }).optional(),
  framework_message: z.looseObject({ framework_id: id, executor_id: id, data: bytes }).optional(),
  checkpoint_resources: z.looseObject({ resources: resources.default([]) }).optional(),
}).superRefine((event, ctx) => {
  const field = event.type.toLowerCase() as Lowercase<AgentEvent['type']>;
  if (field !== 'ping' && event[field] === undefined) addMissing(ctx, [field]);
});

// ---- operator API ----

/** Any call type passes here; the master answers 400 for the types it does not implement. */
export const operatorCallSchema = z.looseObject({ type: nonEmptyString });
export type OperatorCall = z.infer<typeof operatorCallSchema>;

// ---- validators ----

// Typed as a conversion so that the build breaks if the schema and SchedulerCall drift apart.
const asSchedulerCall = (call: z.output<typeof schedulerCallSchema>): SchedulerCall => call;

export function validateSchedulerCall(body: unknown): Validated<SchedulerCall> {
  const result = run(schedulerCallSchema, body);
  return result.ok ? { ok: true, call: asSchedulerCall(result.call) } : result;
}

/** The schema is one flat object with presence rules rather than a union, so the narrowing is a cast. */
export function validateAgentCall(body: unknown): Validated<AgentCall> {
  return run(agentCallSchema, body) as Validated<AgentCall>;
}

/** As with agent calls, the narrowing is a cast; `type` is the event's type when it names one, valid or not. */
export function validateAgentEvent(body: unknown): { ok: true; event: AgentEvent } | { ok: false; message: string; type?: AgentEvent['type'] } {
  const result = run(agentEventSchema, body);
  if (result.ok) return { ok: true, event: result.call as AgentEvent };
  const type = agentEventType.safeParse(body);
  return type.success ? { ...result, type: type.data.type } : result;
}

const agentEventType = z.looseObject({ type: z.enum(AGENT_EVENT_TYPES) });

export function validateOperatorCall(body: unknown): Validated<OperatorCall> {
  return run(operatorCallSchema, body);
}

/** Runs any call schema with the same wording as the calls above (for the operator calls' sub-messages). */
export function validateWith<T>(schema: z.ZodType<T>, body: unknown): Validated<T> {
  return run(schema, body);
}

const MAX_REPORTED_ISSUES = 3;

function run<T>(schema: z.ZodType<T>, body: unknown): Validated<T> {
  const result = schema.safeParse(body, { error: issueMessage, reportInput: true });
  if (result.success) return { ok: true, call: result.data };
  const issues = result.error.issues;
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).map(formatIssue);
  const more = issues.length > MAX_REPORTED_ISSUES ? ` (and ${issues.length - MAX_REPORTED_ISSUES} more)` : '';
  return { ok: false, message: shown.join('; ') + more };
}

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer', number: 'a number', string: 'a string', boolean: 'a boolean', object: 'an object', array: 'an array',
};

/** Wording for zod's built-in issues; schema-level messages take precedence over this. */
function issueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      const expected = iss.expected === 'int' ? 'integer' : iss.expected;
      if (iss.input === undefined) return `required ${expected}, got undefined`;
      return `must be ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    }
    case 'invalid_value':
      return `${iss.input === undefined ? 'required, ' : ''}must be one of ${iss.values.map(String).join(', ')}, got ${describeValue(iss.input)}`;
    case 'too_small':
      return iss.origin === 'number' || iss.origin === 'int' ? `must be at least ${iss.minimum}, got ${describeValue(iss.input)}` : undefined;
    case 'too_big':
      return iss.origin === 'number' || iss.origin === 'int' ? `must be at most ${iss.maximum}, got ${describeValue(iss.input)}` : undefined;
    default:
      return undefined;
  }
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = pathText(issue.path);
  if (issue.message === MISSING) return `Expecting '${path}' to be present`;
  if (path === '') return issue.code === 'invalid_type' ? `Expecting a JSON object, got ${describeValue(issue.input)}` : issue.message;
  return `'${path}': ${issue.message}`;
}
