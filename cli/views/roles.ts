/** `mesoscloud roles`, `weights` and `quota`: what each role gets, may get and has reserved. */
import type { GetRoles } from '../../cluster/client/operator';
import type { OperatorAgent, QuotaConfig, WeightInfo } from '../../cluster/protocol/operator';
import { reservationAmounts, reservationsOnAgents, reservedTotals, volumeText } from '../../cluster/protocol/reservation-summary';
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
  /** Scalars reserved to the role on all agents (set only when it has reservations). */
  reserved?: Record<string, number>;
  reservations?: ReservationRow[];
}

/** One kind of reservation of a role on one agent: static, or dynamic by a principal with labels. */
export interface ReservationRow {
  agent_id: string;
  hostname: string;
  type: 'STATIC' | 'DYNAMIC';
  principal?: string;
  labels?: Record<string, string>;
  resources: string;
  /** "volume <id> at <container_path> (RW)". */
  volumes: string[];
}

export function quotaRows(configs: readonly QuotaConfig[]): QuotaRow[] {
  return configs
    .map((c) => ({ role: c.role, guarantees: scalars(c.guarantees), limits: scalars(c.limits) }))
    .sort((a, b) => a.role.localeCompare(b.role));
}

/**
 * GET_ROLES joined with GET_QUOTA (the role's own `quota` field when the master sends no configs) and
 * with the reservations in GET_AGENTS' `total_resources` (static and dynamic, persistent volumes), so
 * a role that has only reservations is listed too.
 */
export function buildRoleRows(roles: GetRoles, quotas: readonly QuotaConfig[], agents: readonly OperatorAgent[] = []): RoleRow[] {
  const byRole = new Map(quotaRows(quotas).map((q) => [q.role, q]));
  const reservations = reservationRows(agents);
  const listed = new Set(roles.roles.map((r) => r.name));
  const onlyReserved: GetRoles['roles'] = [...reservations.keys()].filter((name) => !listed.has(name))
    .map((name) => ({ name, weight: 1, frameworks: [], resources: [], allocated: [], offered: [] }));
  return [...roles.roles, ...onlyReserved].map((r) => {
    const reserved = reservations.get(r.name);
    const quota = byRole.get(r.name)
      ?? (r.quota && (r.quota.guarantee || r.quota.limit) ? { role: r.name, guarantees: scalars(r.quota.guarantee), limits: scalars(r.quota.limit) } : undefined);
    return {
      name: r.name,
      weight: r.weight ?? 1,
      frameworks: r.frameworks?.length ?? 0,
      allocated: legacy(r.allocated ?? r.resources),
      ...(quota && (Object.keys(quota.guarantees).length > 0 || Object.keys(quota.limits).length > 0) ? { quota } : {}),
      ...(reserved ? reserved : {}),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

function reservationRows(agents: readonly OperatorAgent[]): Map<string, Required<Pick<RoleRow, 'reserved' | 'reservations'>>> {
  const onAgents = reservationsOnAgents(agents);
  const out = new Map<string, Required<Pick<RoleRow, 'reserved' | 'reservations'>>>();
  for (const [role, reserved] of reservedTotals(onAgents)) out.set(role, { reserved, reservations: [] });
  for (const entry of onAgents) {
    entry.reservations.forEach((reservation, i) => out.get(entry.role)!.reservations.push({
      agent_id: entry.agentId,
      hostname: entry.hostname,
      type: reservation.type,
      ...(reservation.principal !== undefined ? { principal: reservation.principal } : {}),
      ...(reservation.labels.length > 0 ? { labels: Object.fromEntries(reservation.labels.map((l) => [l.key, l.value ?? ''])) } : {}),
      resources: reservationAmounts(reservation),
      // Volumes are listed once per agent and role, with its first reservation line.
      volumes: i === 0 ? entry.volumes.map(volumeText) : [],
    }));
  }
  return out;
}

export function renderRoles(rows: RoleRow[]): string[] {
  if (rows.length === 0) return ['No roles in use.'];
  const table = renderTable(
    ['ROLE', 'WEIGHT', 'FRAMEWORKS', 'CPUS', 'MEM MB', 'DISK MB', 'QUOTA LIMITS', 'QUOTA GUARANTEES', 'RESERVED'],
    rows.map((r) => [
      r.name, String(r.weight), String(r.frameworks), amount(r.allocated, 'cpus'), amount(r.allocated, 'mem'), amount(r.allocated, 'disk'),
      scalarText(r.quota?.limits ?? {}), scalarText(r.quota?.guarantees ?? {}), scalarText(r.reserved ?? {}),
    ]),
  );
  const reserved = rows.flatMap((r) => (r.reservations ?? []).map((x) => ({ role: r.name, ...x })));
  if (reserved.length === 0) return table;
  const lines = renderTable(
    ['ROLE', 'AGENT', 'TYPE', 'PRINCIPAL', 'RESERVED'],
    reserved.map((x) => [x.role, `${x.hostname} (${x.agent_id})`, x.type, x.principal ?? '-', x.resources + labelText(x.labels)]),
    '  ',
  );
  // Each reservation's volumes go right under its line.
  const withVolumes = [lines[0]];
  reserved.forEach((x, i) => withVolumes.push(lines[i + 1], ...x.volumes.map((v) => `      ${v}`)));
  return [...table, '', 'Reservations:', ...withVolumes];
}

function labelText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? '' : ` (labels ${entries.map(([k, v]) => (v ? `${k}=${v}` : k)).join(', ')})`;
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
