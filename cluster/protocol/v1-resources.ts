/**
 * Resources (and the messages holding them) as master and agent write them in v1 JSON. Mesos writes unreserved resources with
 * `role: "*"` in offers to frameworks without RESERVATION_REFINEMENT and on its endpoints (its
 * "pre-reservation-refinement" and "endpoint" formats, which Mesos 1.x clients read), so a client
 * that checks `role == "*"` finds it here too; a dynamic reservation is `role` + `reservation` there,
 * and the `reservations` stack for readers of the post-refinement format.
 */
import type { ResourceFormat, Resources } from './resources';
import type { ExecutorInfo, FrameworkInfo, Resource } from './types';

const UNRESERVED = '*';

export function withUnreservedRole(list: readonly Resource[]): Resource[] {
  return list.map((r) => (r.role !== undefined || (r.reservations?.length ?? 0) > 0 ? r : { ...r, role: UNRESERVED }));
}

/**
 * Endpoints (/state, the operator API) write Mesos's ENDPOINT format; offers write what the framework
 * reads: post-refinement with RESERVATION_REFINEMENT, pre-refinement (role + reservation) without.
 */
export function v1Resources(resources: Resources, opts: { allocationRole?: string; refinement?: boolean; format?: ResourceFormat } = {}): Resource[] {
  const format = opts.format ?? (opts.refinement === undefined ? 'endpoint' : opts.refinement ? 'post-refinement' : 'pre-refinement');
  return resources.toV1(opts.allocationRole, format);
}

/**
 * FrameworkInfo as Mesos serializes it: fields with a declared default (failover_timeout,
 * checkpoint) are written even when the scheduler left them out.
 */
export function frameworkInfoToV1(info: FrameworkInfo): FrameworkInfo {
  return { ...info, failover_timeout: info.failover_timeout ?? 0, checkpoint: info.checkpoint ?? false };
}

/** CommandInfo.shell defaults to true in mesos.proto, and Mesos writes defaults out. */
export function executorInfoToV1(info: ExecutorInfo): ExecutorInfo {
  const out: ExecutorInfo = { ...info };
  if (info.command) out.command = { ...info.command, shell: info.command.shell ?? true };
  if (info.resources) out.resources = withUnreservedRole(info.resources);
  return out;
}
