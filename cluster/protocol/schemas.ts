/**
 * zod schemas for the v1 messages that calls carry (mesos.proto). They check structure only —
 * types, required fields, non-empty ids, valid resources — which is what Mesos rejects with 400
 * when it turns JSON into protobuf. Whether a task makes sense (command or executor, resources
 * offered) is the master's business and ends in TASK_ERROR, as in Mesos; see checkTaskInfo.
 *
 * Objects are loose: unknown fields pass through untouched, since Mesos ignores fields it does not
 * know and the master forwards task and executor infos to agents as given.
 */
import { z } from 'zod';
import { InvalidResourceError, resourcesFromV1Checked, roleProblem } from './resources';
import { TASK_STATES } from './types';
import type { Resource } from './types';
import { isStatusUuid } from './ids';

/** Message of an issue the formatter renders as "Expecting '<path>' to be present". */
export const MISSING = '\u0000missing';

export function addMissing(ctx: z.RefinementCtx, path: (string | number)[]): void {
  ctx.addIssue({ code: 'custom', message: MISSING, path });
}

export const nonEmptyString = z.string().min(1, 'must be a non-empty string');

/** int64 fields: JSON numbers, or decimal strings as the protobuf JSON mapping writes 64-bit integers. */
export const int64 = z.preprocess(
  (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v),
  z.number().int(),
);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
/** protobuf `bytes`: base64 text. */
export const bytes = z.string().regex(BASE64, 'must be base64-encoded bytes');

export const statusUuid = z.string().refine(isStatusUuid, 'must be a base64-encoded 16-byte UUID, as sent in TaskStatus.uuid');

export const role = z.string().superRefine((value, ctx) => {
  const problem = roleProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const id = z.looseObject({ value: nonEmptyString });

export const durationInfo = z.looseObject({ nanoseconds: int64 });

export const labels = z.looseObject({
  labels: z.array(z.looseObject({ key: z.string(), value: z.string().optional() })).default([]),
});

/** A v1 Resource list, validated entry by entry with the same rules as Resources.fromV1. */
export const resources = z.custom<Resource[]>(() => true).superRefine((list, ctx) => {
  try {
    resourcesFromV1Checked(list, '');
  } catch (err) {
    if (!(err instanceof InvalidResourceError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.reason, path: err.path });
  }
});

const valueScalar = z.looseObject({ value: z.number() });
const valueRanges = z.looseObject({ range: z.array(z.looseObject({ begin: int64, end: int64 })).default([]) });
const valueSet = z.looseObject({ item: z.array(z.string()).default([]) });

export const attribute = z.looseObject({
  name: nonEmptyString,
  type: z.enum(['SCALAR', 'RANGES', 'SET', 'TEXT']),
  scalar: valueScalar.optional(),
  ranges: valueRanges.optional(),
  set: valueSet.optional(),
  text: z.looseObject({ value: z.string() }).optional(),
}).superRefine((a, ctx) => {
  const field = a.type.toLowerCase() as 'scalar' | 'ranges' | 'set' | 'text';
  if (a[field] === undefined) addMissing(ctx, [field]);
});

export const commandInfo = z.looseObject({
  uris: z.array(z.looseObject({
    value: nonEmptyString,
    executable: z.boolean().optional(),
    extract: z.boolean().optional(),
    cache: z.boolean().optional(),
    output_file: z.string().optional(),
  })).optional(),
  environment: z.looseObject({
    variables: z.array(z.looseObject({
      name: nonEmptyString,
      type: z.enum(['VALUE', 'SECRET']).optional(),
      value: z.string().optional(),
    })).default([]),
  }).optional(),
  shell: z.boolean().optional(),
  value: z.string().optional(),
  arguments: z.array(z.string()).optional(),
  user: z.string().optional(),
});

export const killPolicy = z.looseObject({ grace_period: durationInfo.optional() });

export const executorInfo = z.looseObject({
  type: z.enum(['UNKNOWN', 'DEFAULT', 'CUSTOM']).optional(),
  executor_id: id,
  framework_id: id.optional(),
  command: commandInfo.optional(),
  resources: resources.optional(),
  name: z.string().optional(),
});

const port = z.number().int().min(0).max(65535);
const checkType = z.enum(['UNKNOWN', 'COMMAND', 'HTTP', 'TCP']);

/**
 * HealthCheck and CheckInfo (mesos.proto): structure only, as for every message here; what Mesos's
 * validation::healthCheck/checkInfo refuse (a missing type, negative intervals) ends the task in
 * TASK_ERROR instead (protocol/check-validation.ts).
 */
export const healthCheck = z.looseObject({
  type: checkType.optional(),
  command: commandInfo.optional(),
  http: z.looseObject({ port, path: z.string().optional(), scheme: z.string().optional(), statuses: z.array(z.number().int()).optional() }).optional(),
  tcp: z.looseObject({ port }).optional(),
  delay_seconds: z.number().optional(),
  interval_seconds: z.number().optional(),
  timeout_seconds: z.number().optional(),
  consecutive_failures: z.number().int().min(0).optional(),
  grace_period_seconds: z.number().optional(),
});

export const checkInfo = z.looseObject({
  type: checkType.optional(),
  command: z.looseObject({ command: commandInfo }).optional(),
  http: z.looseObject({ port, path: z.string().optional() }).optional(),
  tcp: z.looseObject({ port }).optional(),
  delay_seconds: z.number().optional(),
  interval_seconds: z.number().optional(),
  timeout_seconds: z.number().optional(),
});

export const checkStatusInfo = z.looseObject({
  type: checkType.optional(),
  command: z.looseObject({ exit_code: z.number().int().optional() }).optional(),
  http: z.looseObject({ status_code: z.number().int().optional() }).optional(),
  tcp: z.looseObject({ succeeded: z.boolean().optional() }).optional(),
});

export const taskInfo = z.looseObject({
  name: z.string(),
  task_id: id,
  agent_id: id,
  resources: resources.default([]),
  executor: executorInfo.optional(),
  command: commandInfo.optional(),
  data: bytes.optional(),
  kill_policy: killPolicy.optional(),
  labels: labels.optional(),
  max_completion_time: durationInfo.optional(),
  health_check: healthCheck.optional(),
  check: checkInfo.optional(),
});

export const frameworkInfo = z.looseObject({
  user: z.string(),
  name: z.string(),
  id: id.optional(),
  failover_timeout: z.number().min(0, 'must be a non-negative number of seconds').optional(),
  checkpoint: z.boolean().optional(),
  role: role.optional(),
  roles: z.array(role).optional(),
  hostname: z.string().optional(),
  principal: z.string().optional(),
  webui_url: z.string().optional(),
  // Capability.type is optional in Mesos: an unknown capability arrives without one (see wire-codec.ts).
  capabilities: z.array(z.looseObject({ type: z.string().optional() })).optional(),
  labels: labels.optional(),
}).superRefine((info, ctx) => {
  // Mesos's rules: a MULTI_ROLE framework uses `roles` only, any other framework `role` only.
  const multiRole = (info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE');
  if (multiRole && info.role !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['role'], message: 'must not be set when the framework is MULTI_ROLE capable (use roles)' });
  }
  if (!multiRole && info.roles !== undefined && info.roles.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['roles'], message: 'must not be set unless the framework has the MULTI_ROLE capability' });
  }
  const roles = info.roles ?? [];
  if (new Set(roles).size !== roles.length) ctx.addIssue({ code: 'custom', path: ['roles'], message: 'contains duplicate roles' });
});

export const taskStatus = z.looseObject({
  task_id: id,
  state: z.enum(TASK_STATES),
  message: z.string().optional(),
  source: z.enum(['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR']).optional(),
  reason: z.string().optional(),
  data: bytes.optional(),
  agent_id: id.optional(),
  executor_id: id.optional(),
  timestamp: z.number().optional(),
  uuid: statusUuid.optional(),
  healthy: z.boolean().optional(),
  check_status: checkStatusInfo.optional(),
  container_status: z.looseObject({ container_id: id.optional(), executor_pid: z.number().int().optional() }).optional(),
});

export const task = z.looseObject({
  name: z.string(),
  task_id: id,
  framework_id: id,
  executor_id: id.optional(),
  agent_id: id,
  state: z.enum(TASK_STATES),
  resources: resources.default([]),
  statuses: z.array(taskStatus).default([]),
  status_update_state: z.enum(TASK_STATES).optional(),
  status_update_uuid: statusUuid.optional(),
  labels: labels.optional(),
  command: commandInfo.optional(),
  kill_policy: killPolicy.optional(),
  role: z.string().optional(),
});

export const agentInfo = z.looseObject({
  hostname: nonEmptyString,
  port: z.number().int().min(0).max(65535).optional(),
  resources: resources.default([]),
  attributes: z.array(attribute).optional(),
  id: id.optional(),
});

export const filters = z.looseObject({ refuse_seconds: z.number().optional() });
