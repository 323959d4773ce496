/** `mesoscloud roles`, `weights` and `quota`: what each role gets and may get. */
import type { GetRoles } from '../../cluster/client/operator';
import type { QuotaConfig, WeightInfo } from '../../cluster/protocol/operator';
import { renderTable } from '../render/table';
import { scalars, scalarText } from '../role-args';
import { amount, legacy, type ResourceJson } from '../status-view';

export interface QuotaRow { role: string; guarantees: Record<string, number>; limits: Record<string, number> }

export interface RoleRow {
  name: string;
  weight: number;
  frameworks: number;
  allocated: ResourceJson;
  quota?: QuotaRow;
}

export function quotaRows(configs: readonly QuotaConfig[]): QuotaRow[] {
  return configs
    .map((c) => ({ role: c.role, guarantees: scalars(c.guarantees), limits: scalars(c.limits) }))
    .sort((a, b) => a.role.localeCompare(b.role));
}

/** GET_ROLES joined with GET_QUOTA (the role's own `quota` field when the master sends no configs). */
export function buildRoleRows(roles: GetRoles, quotas: readonly QuotaConfig[]): RoleRow[] {
  const byRole = new Map(quotaRows(quotas).map((q) => [q.role, q]));
  return roles.roles.map((r) => {
    const quota = byRole.get(r.name)
      ?? (r.quota && (r.quota.guarantee || r.quota.limit) ? { role: r.name, guarantees: scalars(r.quota.guarantee), limits: scalars(r.quota.limit) } : undefined);
    return {
      name: r.name,
      weight: r.weight ?? 1,
      frameworks: r.frameworks?.length ?? 0,
      allocated: legacy(r.allocated ?? r.resources),
      ...(quota && (Object.keys(quota.guarantees).length > 0 || Object.keys(quota.limits).length > 0) ? { quota } : {}),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

export function renderRoles(rows: RoleRow[]): string[] {
  if (rows.length === 0) return ['No roles in use.'];
  return renderTable(
    ['ROLE', 'WEIGHT', 'FRAMEWORKS', 'CPUS', 'MEM MB', 'DISK MB', 'QUOTA LIMITS', 'QUOTA GUARANTEES'],
    rows.map((r) => [
      r.name, String(r.weight), String(r.frameworks), amount(r.allocated, 'cpus'), amount(r.allocated, 'mem'), amount(r.allocated, 'disk'),
      scalarText(r.quota?.limits ?? {}), scalarText(r.quota?.guarantees ?? {}),
    ]),
  );
}

export function weightRows(infos: readonly WeightInfo[]): WeightInfo[] {
  return [...infos].sort((a, b) => a.role.localeCompare(b.role));
}

export function renderWeights(rows: readonly WeightInfo[]): string[] {
  if (rows.length === 0) return ['No weights set; every role has weight 1.'];
  return renderTable(['ROLE', 'WEIGHT'], rows.map((w) => [w.role, String(w.weight)]));
}

export function renderQuota(rows: readonly QuotaRow[]): string[] {
  if (rows.length === 0) return ['No quota set.'];
  return renderTable(['ROLE', 'LIMITS', 'GUARANTEES'], rows.map((q) => [q.role, scalarText(q.limits), scalarText(q.guarantees)]));
}
