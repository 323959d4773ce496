/** Roles with their weights, quota (guarantees and limits), what they hold now and what is reserved to them. */
import { operatorCall } from '../api';
import { DataTable, errorBox, pageHeader, section } from '../components';
import { h, replace } from '../dom';
import { cpus, megabytes, scalars } from '../format';
import type { Agent, OperatorRole, QuotaConfig, ScalarMap } from '../model';
import { reservationsOnAgents, reservedTotals, volumeText } from '../../protocol/reservation-summary';
import { refreshEvery } from '../poll';
import type { AppContext, View } from '../view';

type Role = Pick<OperatorRole, 'name'> & Partial<OperatorRole>;

const REFRESH_MS = 10_000;

/** What each role has reserved on all agents: summed scalars and its persistent volumes. */
interface Reserved { scalars: Record<string, number>; volumes: string[] }

function reservedByRole(agents: Iterable<Agent>): Map<string, Reserved> {
  const onAgents = reservationsOnAgents(agents);
  const out = new Map<string, Reserved>();
  for (const [role, scalars] of reservedTotals(onAgents)) out.set(role, { scalars, volumes: [] });
  for (const entry of onAgents) out.get(entry.role)!.volumes.push(...entry.volumes.map((v) => `${volumeText(v)} on ${entry.hostname}`));
  return out;
}

export function rolesView(ctx: AppContext): View {
  let roles: Role[] = [];
  let quotas = new Map<string, QuotaConfig>();
  let reserved = new Map<string, Reserved>();
  const quotaOf = (r: Role): QuotaConfig => quotas.get(r.name) ?? { role: r.name, guarantees: r.quota?.guarantee, limits: r.quota?.limit };
  const table = new DataTable<Role>([
    { title: 'Role', cell: (r) => h('b', null, r.name), sort: (r) => r.name },
    { title: 'Weight', cell: (r) => String(r.weight ?? 1), sort: (r) => r.weight ?? 1, className: 'num' },
    { title: 'Frameworks', cell: (r) => String(r.frameworks?.length ?? 0), sort: (r) => r.frameworks?.length ?? 0, className: 'num' },
    { title: 'CPUs allocated', cell: (r) => cpus(scalars(r.allocated).cpus), sort: (r) => scalars(r.allocated).cpus, className: 'num' },
    { title: 'Mem allocated', cell: (r) => megabytes(scalars(r.allocated).mem), sort: (r) => scalars(r.allocated).mem, className: 'num' },
    { title: 'CPUs offered', cell: (r) => cpus(scalars(r.offered).cpus), sort: (r) => scalars(r.offered).cpus, className: 'num' },
    { title: 'Guarantees', cell: (r) => quotaText(quotaOf(r).guarantees) },
    { title: 'Limits', cell: (r) => quotaText(quotaOf(r).limits) },
    { title: 'Reserved', cell: (r) => reservedCell(reserved.get(r.name)), sort: (r) => reserved.get(r.name)?.scalars.cpus ?? 0 },
  ], { empty: 'No roles yet: a role appears once a framework uses it or it has a weight or quota.', testId: 'roles', sortBy: 0 });
  const status = h('div');
  const el = h('div', { class: 'page' }, pageHeader('Roles', 'Weights steer the fair share; quota guarantees and limits bound it.'), status, section('Roles', table.el));
  const stop = refreshEvery(REFRESH_MS, async (signal) => {
    const [rolesRes, quotaRes] = await Promise.allSettled([
      operatorCall<{ get_roles?: { roles?: Role[] } }>('GET_ROLES', {}, signal),
      operatorCall<{ get_quota?: { status?: { configs?: QuotaConfig[] } } }>('GET_QUOTA', {}, signal),
    ]);
    if (signal.aborted) return;
    if (rolesRes.status === 'fulfilled') roles = rolesRes.value.get_roles?.roles ?? [];
    if (quotaRes.status === 'fulfilled') quotas = new Map((quotaRes.value.get_quota?.status?.configs ?? []).map((c) => [c.role, c]));
    reserved = reservedByRole(ctx.store.agents.values());
    // Roles with quota or reservations but nothing else still belong in the list.
    const named = new Set(roles.map((r) => r.name));
    const others = new Set([...quotas.keys(), ...reserved.keys()].filter((name) => !named.has(name)));
    const rows = [...roles, ...[...others].map((name) => ({ name }))];
    replace(status, rolesRes.status === 'rejected' ? errorBox(`Could not read roles: ${(rolesRes.reason as Error).message}`) : '');
    table.update(rows);
  });
  return { el, update: () => undefined, dispose: stop };
}

function reservedCell(entry: Reserved | undefined): HTMLElement | string {
  if (!entry) return h('span', { class: 'dim' }, '—');
  const amounts = Object.entries(entry.scalars).map(([name, v]) => `${name} ${name === 'mem' || name === 'disk' ? megabytes(v) : cpus(v)}`).join(' · ');
  return h('span', null, amounts, ...entry.volumes.map((v) => h('div', { class: 'dim' }, v)));
}

function quotaText(map: ScalarMap | undefined): HTMLElement | string {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return h('span', { class: 'dim' }, '—');
  return entries.map(([name, v]) => `${name} ${name === 'mem' || name === 'disk' ? megabytes(v.value) : cpus(v.value)}`).join(' · ');
}
