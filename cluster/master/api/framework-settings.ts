/**
 * What SUBSCRIBE and UPDATE_FRAMEWORK ask of a framework beyond its FrameworkInfo's own shape,
 * checked as Mesos's master/validation.cpp does (validateSuppressedRoles,
 * validateOfferConstraintsRoles, validateUpdate, then OfferConstraintsFilter::create): every
 * suppressed role and every role with offer constraints must be one of the framework's roles, the
 * constraints must compile, and an update may not change the principal, the user or checkpointing.
 * Each refusal is a 400 that names the field.
 */
import { compileOfferConstraints } from '../../allocator';
import { apiError } from '../../protocol/errors';
import type { FrameworkInfo, OfferConstraints } from '../../protocol/types';
import { frameworkRoles, type FrameworkConstraints } from '../state/records';

/** The checked settings, with the constraints compiled for the allocator (undefined when none were sent). */
export interface FrameworkSettings {
  info: FrameworkInfo;
  suppressedRoles: string[];
  constraints?: FrameworkConstraints;
}

export function checkFrameworkSettings(
  call: 'subscribe' | 'update_framework',
  sent: { framework_info: FrameworkInfo; suppressed_roles?: string[]; offer_constraints?: OfferConstraints },
): FrameworkSettings {
  const roles = new Set(frameworkRoles(sent.framework_info));
  const suppressedRoles = sent.suppressed_roles ?? [];
  const outside = suppressedRoles.filter((r) => !roles.has(r));
  if (outside.length > 0) {
    throw apiError('INVALID_SCHEDULER_CALL', `'${call}.suppressed_roles': suppressed roles ${list(outside)} are not contained in the set of roles ${list([...roles])}`);
  }
  const constrainedRoles = Object.keys(sent.offer_constraints?.role_constraints ?? {});
  const unknown = constrainedRoles.find((r) => !roles.has(r));
  if (unknown !== undefined) {
    throw apiError('INVALID_SCHEDULER_CALL',
      `'${call}.offer_constraints.role_constraints': offer constraints specify \`role_constraints\` for a role '${unknown}' not contained in the set of roles ${list([...roles])}`);
  }
  const compiled = compileOfferConstraints(sent.offer_constraints);
  if (!compiled.ok) throw apiError('INVALID_SCHEDULER_CALL', `'${call}.offer_constraints.${compiled.field}': ${compiled.message}`);
  const constraints = sent.offer_constraints === undefined ? undefined : { sent: sent.offer_constraints, filter: compiled.filter };
  return { info: sent.framework_info, suppressedRoles, constraints };
}

/** validateUpdate: what UPDATE_FRAMEWORK may not change. */
export function checkUnchangeable(before: FrameworkInfo, after: FrameworkInfo): void {
  if (before.principal !== after.principal) {
    // As Mesos, the old principal is not told to whoever tries to take the framework over.
    throw apiError('INVALID_SCHEDULER_CALL', "'update_framework.framework_info.principal': changing framework's principal is not allowed");
  }
  if (before.user !== after.user) {
    throw apiError('INVALID_SCHEDULER_CALL',
      `'update_framework.framework_info.user': updating 'FrameworkInfo.user' is unsupported; attempted to update from '${before.user}' to '${after.user}'`);
  }
  const [was, is] = [before.checkpoint ?? false, after.checkpoint ?? false];
  if (was !== is) {
    throw apiError('INVALID_SCHEDULER_CALL',
      `'update_framework.framework_info.checkpoint': updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '${was}' to '${is}'`);
  }
}

function list(roles: string[]): string {
  return `{ ${roles.map((r) => `'${r}'`).join(', ')} }`;
}
