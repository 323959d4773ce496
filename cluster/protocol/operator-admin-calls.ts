/**
 * Schemas of the operator calls that change the cluster or read sandboxes (master.proto Call.*).
 * Each validates the whole call, so a 400 names the field as the client wrote it, e.g.
 * "'update_weights.weight_infos[0].weight': must be greater than 0, got 0".
 */
import { z } from 'zod';
import { durationInfo, id, int64, nonEmptyString, role } from './schemas';

const positiveWeight = z.number().refine((w) => Number.isFinite(w) && w > 0, { error: (iss) => `must be greater than 0, got ${String(iss.input)}` });
const amount = z.looseObject({
  value: z.number().refine((v) => Number.isFinite(v) && v >= 0, { error: (iss) => `must be a non-negative number, got ${String(iss.input)}` }),
});
const scalarMap = z.record(nonEmptyString, amount);

/** A role that can carry a weight or a quota: a valid name, and not '*' (Mesos refuses both for it). */
const namedRole = role.refine((r) => r !== '*', { error: "the default role '*' cannot be given a weight or quota" });

export const updateWeightsCall = z.looseObject({
  update_weights: z.looseObject({
    weight_infos: z.array(z.looseObject({ role: namedRole, weight: positiveWeight })).min(1, 'must list at least one role'),
  }),
});

export const updateQuotaCall = z.looseObject({
  update_quota: z.looseObject({
    force: z.boolean().optional(),
    quota_configs: z.array(z.looseObject({
      role: namedRole,
      guarantees: scalarMap.optional(),
      limits: scalarMap.optional(),
    }).superRefine((config, ctx) => {
      for (const [name, guarantee] of Object.entries(config.guarantees ?? {})) {
        const limit = config.limits?.[name];
        if (limit !== undefined && guarantee.value > limit.value) {
          ctx.addIssue({ code: 'custom', path: ['guarantees', name, 'value'], message: `guarantee ${guarantee.value} exceeds the limit ${limit.value} of '${name}'` });
        }
      }
    })).min(1, 'must list at least one role'),
  }),
});

export const teardownCall = z.looseObject({ teardown: z.looseObject({ framework_id: id }) });
export const markAgentGoneCall = z.looseObject({ mark_agent_gone: z.looseObject({ agent_id: id }) });
export const deactivateAgentCall = z.looseObject({ deactivate_agent: z.looseObject({ agent_id: id }) });
export const reactivateAgentCall = z.looseObject({ reactivate_agent: z.looseObject({ agent_id: id }) });

export const drainAgentCall = z.looseObject({
  drain_agent: z.looseObject({
    agent_id: id,
    max_grace_period: durationInfo.refine((d) => d.nanoseconds >= 0, { error: 'must not be negative', path: ['nanoseconds'] }).optional(),
    mark_gone: z.boolean().optional(),
  }),
});

export const killTaskCall = z.looseObject({
  kill_task: z.looseObject({ task_id: id, framework_id: id.optional() }),
});

/** GetMetrics.timeout (master and agent) is checked; snapshots are computed at once, so it never runs out. */
export const getMetricsCall = z.looseObject({
  get_metrics: z.looseObject({
    timeout: durationInfo.refine((d) => d.nanoseconds >= 0, { error: 'must not be negative', path: ['nanoseconds'] }).optional(),
  }).optional(),
});

/** Response.GetMetrics (master.proto and agent.proto): a metrics snapshot as a list of named values. */
export function metricsResponse(snapshot: Record<string, number>) {
  return { type: 'GET_METRICS', get_metrics: { metrics: Object.entries(snapshot).map(([name, value]) => ({ name, value })) } };
}

/** Response.GetFlags (master.proto and agent.proto): name -> value as a list of Flag. */
export function flagsResponse(flags: Record<string, string>) {
  return { type: 'GET_FLAGS', get_flags: { flags: Object.entries(flags).map(([name, value]) => ({ name, value })) } };
}

export const listFilesCall = z.looseObject({ list_files: z.looseObject({ path: nonEmptyString }) });

const nonNegativeInt = int64.refine((n) => n >= 0, { error: (iss) => `must not be negative, got ${String(iss.input)}` });
export const readFileCall = z.looseObject({
  read_file: z.looseObject({ path: nonEmptyString, offset: nonNegativeInt, length: nonNegativeInt.optional() }),
});
