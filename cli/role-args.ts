/**
 * Arguments of `weights` and `quota`: role names checked as Mesos checks them, `ROLE=WEIGHT` pairs,
 * and quota limits from --cpus/--mem/--disk merged into the role's current quota.
 */
import type { QuotaConfig, ScalarMap, WeightInfo } from '../cluster/protocol/operator';
import { FlagError } from './errors';

/** Why Mesos would refuse this role name (docs/roles.md), or undefined when it is fine. */
export function roleProblem(role: string): string | undefined {
  if (role === '') return 'a role name must not be empty';
  if (role.startsWith('-')) return "a role name must not start with '-'";
  if (/[\s\x00-\x1f\x7f]/.test(role)) return 'a role name must not contain whitespace or control characters';
  if (role === '*') return undefined;
  const parts = role.split('/');
  if (parts.some((p) => p === '')) return "a role name must not start or end with '/' or hold '//'";
  if (parts.some((p) => p === '.' || p === '..')) return "no part of a role name may be '.' or '..'";
  if (parts.some((p) => p === '*')) return "'*' is only a role by itself";
  return undefined;
}

export function checkRole(what: string, role: string): string {
  const problem = roleProblem(role);
  if (problem) throw new FlagError(`${what}: '${role}' is not a valid role: ${problem}`);
  return role;
}

/** `dev=2 ops=0.5` -> weight infos; each weight a positive number, each role once. */
export function parseWeightArgs(args: readonly string[]): WeightInfo[] {
  const seen = new Set<string>();
  return args.map((arg) => {
    const eq = arg.lastIndexOf('=');
    if (eq <= 0) throw new FlagError(`weights are given as ROLE=WEIGHT (e.g. dev=2), got '${arg}'`);
    const role = checkRole('weights', arg.slice(0, eq));
    const text = arg.slice(eq + 1).trim();
    const weight = Number(text);
    if (text === '' || !Number.isFinite(weight) || weight <= 0) {
      throw new FlagError(`the weight of role '${role}' must be a number greater than 0, got '${text}'`);
    }
    if (seen.has(role)) throw new FlagError(`role '${role}' is given more than once; give each role once`);
    seen.add(role);
    return { role, weight };
  });
}

export interface QuotaFlags { cpus?: number; mem?: number; disk?: number }

export const QUOTA_RESOURCES = ['cpus', 'mem', 'disk'] as const;

/** A flag value of --cpus/--mem/--disk: a non-negative number. */
export function quotaAmount(flag: string, input: string): number {
  const text = input.trim();
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0) throw new FlagError(`--${flag} must be a number of at least 0, got '${input}'`);
  return n;
}

export function limitsFromFlags(flags: QuotaFlags): ScalarMap {
  const limits: ScalarMap = {};
  for (const name of QUOTA_RESOURCES) {
    const value = flags[name];
    if (value !== undefined) limits[name] = { value };
  }
  return limits;
}

/**
 * UPDATE_QUOTA replaces a role's whole config; the operator changes one limit at a time, so limits
 * not given keep their current values, and so do the guarantees.
 */
export function mergeQuota(current: QuotaConfig | undefined, role: string, limits: ScalarMap): QuotaConfig {
  return {
    role,
    ...(current?.guarantees && Object.keys(current.guarantees).length > 0 ? { guarantees: current.guarantees } : {}),
    limits: { ...(current?.limits ?? {}), ...limits },
  };
}

/** Mesos removes a role's quota when its config has neither guarantees nor limits. */
export function removedQuota(role: string): QuotaConfig {
  return { role, guarantees: {}, limits: {} };
}

/** {"cpus": {"value": 2}} -> {cpus: 2}, for tables and --json. */
export function scalars(map: ScalarMap | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(map ?? {})) if (typeof v?.value === 'number') out[name] = v.value;
  return out;
}

/** "cpus:2;mem:1024", or "-" when empty. */
export function scalarText(values: Record<string, number>): string {
  const entries = Object.entries(values);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}:${Number.isInteger(v) ? v : Number(v.toFixed(3))}`).join(';');
}
