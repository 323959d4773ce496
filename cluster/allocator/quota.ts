/**
 * Role quota in the allocator (Mesos 1.9+ QuotaConfig): `limits` cap what a role may hold (offered
 * plus used), `guarantees` say what it should get first. Only scalars take part, as in Mesos.
 * Pure helpers; the allocator keeps one RoleQuota per role that has one.
 */
import { Resources } from '../protocol/resources';
import { roundQuantity, type Quantities } from './quantities';

export interface RoleQuota {
  guarantees: Quantities;
  limits: Quantities;
}

/** What the role may still take of each limited resource (never below 0). */
export function headroom(limits: Quantities, consumed: Quantities): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name in limits) out[name] = Math.max(0, roundQuantity(limits[name] - (consumed[name] ?? 0)));
  return out;
}

/** True while the role holds less than its guarantee of some guaranteed resource. */
export function belowGuarantee(guarantees: Quantities, consumed: Quantities): boolean {
  for (const name in guarantees) if ((consumed[name] ?? 0) < guarantees[name]) return true;
  return false;
}

/**
 * `offered` cut down so that, added to `consumed`, no limited scalar exceeds its limit. Unreserved
 * amounts go first, then reserved ones; resources without a limit (and non-scalars) stay whole.
 */
export function shrinkToLimits(offered: Resources, limits: Quantities, consumed: Quantities): Resources {
  let out = offered;
  const room = headroom(limits, consumed);
  for (const name in room) {
    const milliExcess = Math.round(out.scalar(name) * 1000) - Math.floor(room[name] * 1000 + 1e-6);
    if (milliExcess <= 0) continue;
    out = out.subtractClamped(Resources.parse(`${name}:${milliExcess / 1000}`));
    // What is left over the limit is reserved: take it from each reservation in turn (a volume whole).
    for (const part of out.parts()) {
      if (part.name !== name || part.role === '*' || part.type !== 'SCALAR') continue;
      const left = Math.round(out.scalar(name) * 1000) - Math.floor(room[name] * 1000 + 1e-6);
      if (left <= 0) break;
      const have = Math.round(part.resources.scalar(name) * 1000);
      const cut = part.disk?.persistence !== undefined || left >= have ? part.resources : part.resources.withAmount(left / 1000);
      out = out.subtractClamped(cut);
    }
  }
  return out;
}

/** Checks a quota before the allocator takes it: amounts finite and >= 0, guarantees within limits. */
export function quotaProblem(quota: RoleQuota): string | undefined {
  for (const [field, amounts] of [['guarantees', quota.guarantees], ['limits', quota.limits]] as const) {
    for (const name in amounts) {
      const value = amounts[name];
      if (!(Number.isFinite(value) && value >= 0)) return `${field}.${name} must be a non-negative number, got ${value}`;
    }
  }
  for (const name in quota.guarantees) {
    const limit = quota.limits[name];
    if (limit !== undefined && quota.guarantees[name] > limit) {
      return `guarantees.${name} (${quota.guarantees[name]}) exceeds limits.${name} (${limit})`;
    }
  }
  return undefined;
}
