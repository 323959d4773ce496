/**
 * Reservations and persistent volumes as operators read them, from v1 Resource JSON in any of
 * Mesos's formats: the `reservations` stack (post-refinement: the last entry is the role the
 * resource is reserved to now), or the older `role` (+ `reservation` for a dynamic one). Used by
 * `mesoscloud roles` and the web UI's roles and agent pages, so both say the same thing.
 */
import type { Label } from './types';

/** The fields of a v1 Resource read here; anything else is ignored. */
export interface ReservedResourceJson {
  name: string;
  type?: string;
  scalar?: { value: number };
  ranges?: { range?: { begin: number; end: number }[] };
  role?: string;
  reservation?: { principal?: string; labels?: { labels?: Label[] } };
  reservations?: { type?: string; role?: string; principal?: string; labels?: { labels?: Label[] } }[];
  disk?: {
    persistence?: { id: string; principal?: string };
    volume?: { container_path: string; mode?: string };
  };
}

export interface Reservation {
  role: string;
  type: 'STATIC' | 'DYNAMIC';
  principal?: string;
  labels: Label[];
  /** Scalar amounts reserved this way (cpus, mem, disk, gpus...), persistent volumes included. */
  scalars: Record<string, number>;
  /** Ranges (ports) reserved this way, as text. */
  ranges: Record<string, string>;
}

export interface PersistentVolume {
  role: string;
  id: string;
  containerPath: string;
  mode: 'RW' | 'RO';
  /** MB of disk. */
  size: number;
  principal?: string;
}

export interface RoleReservations {
  role: string;
  reservations: Reservation[];
  volumes: PersistentVolume[];
  /** Every scalar reserved to the role, summed over its reservations. */
  scalars: Record<string, number>;
}

const UNRESERVED = '*';

/** The role a resource is reserved to now: the last of its stack, else its legacy `role`; undefined when unreserved. */
export function reservationRole(r: { role?: string; reservations?: readonly { role?: string }[] }): string | undefined {
  const stack = r.reservations ?? [];
  const role = stack.length > 0 ? stack[stack.length - 1].role : r.role;
  return role === undefined || role === UNRESERVED ? undefined : role;
}

/** Reserved resources grouped by role (sorted), each role's reservations split by type, principal and labels. */
export function summarizeReservations(resources: readonly ReservedResourceJson[]): RoleReservations[] {
  const roles = new Map<string, RoleReservations>();
  for (const resource of resources) {
    const found = reservationOf(resource);
    if (!found) continue;
    let entry = roles.get(found.role);
    if (!entry) roles.set(found.role, (entry = { role: found.role, reservations: [], volumes: [], scalars: {} }));
    const key = JSON.stringify([found.type, found.principal ?? '', found.labels]);
    let reservation = entry.reservations.find((r) => JSON.stringify([r.type, r.principal ?? '', r.labels]) === key);
    if (!reservation) entry.reservations.push((reservation = { ...found, scalars: {}, ranges: {} }));
    if (resource.scalar) {
      reservation.scalars[resource.name] = round((reservation.scalars[resource.name] ?? 0) + resource.scalar.value);
      entry.scalars[resource.name] = round((entry.scalars[resource.name] ?? 0) + resource.scalar.value);
    }
    if (resource.ranges?.range?.length) {
      const text = resource.ranges.range.map((r) => (r.begin === r.end ? String(r.begin) : `${r.begin}-${r.end}`)).join(',');
      reservation.ranges[resource.name] = reservation.ranges[resource.name] ? `${reservation.ranges[resource.name]},${text}` : text;
    }
    const persistence = resource.disk?.persistence;
    if (persistence) {
      entry.volumes.push({
        role: found.role,
        id: persistence.id,
        containerPath: resource.disk?.volume?.container_path ?? '',
        mode: resource.disk?.volume?.mode === 'RO' ? 'RO' : 'RW',
        size: resource.scalar?.value ?? 0,
        ...(persistence.principal !== undefined ? { principal: persistence.principal } : {}),
      });
    }
  }
  return [...roles.values()].sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0));
}

/** A role's reservations on one agent. */
export interface AgentRoleReservations extends RoleReservations { agentId: string; hostname: string }

/** The reservations of every agent, as GET_AGENTS lists them (`total_resources`), role by role. */
export function reservationsOnAgents(
  agents: Iterable<{ agent_info: { id?: { value: string }; hostname: string }; total_resources?: readonly unknown[] }>,
): AgentRoleReservations[] {
  const out: AgentRoleReservations[] = [];
  for (const agent of agents) {
    for (const role of summarizeReservations((agent.total_resources ?? []) as ReservedResourceJson[])) {
      out.push({ ...role, agentId: agent.agent_info.id?.value ?? '', hostname: agent.agent_info.hostname });
    }
  }
  return out;
}

/** What each role has reserved in all, summed over agents. */
export function reservedTotals(list: readonly RoleReservations[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const entry of list) {
    const totals = out.get(entry.role) ?? {};
    for (const [name, value] of Object.entries(entry.scalars)) totals[name] = round((totals[name] ?? 0) + value);
    out.set(entry.role, totals);
  }
  return out;
}

/** "volume <id> at <container_path> (RW)", as the roles command and the UI write a persistent volume. */
export function volumeText(volume: PersistentVolume): string {
  return `volume ${volume.id} at ${volume.containerPath} (${volume.mode})`;
}

/** "cpus:1;mem:128;ports:[31000-31009]": a reservation's amounts in the resource syntax. */
export function reservationAmounts(reservation: Pick<Reservation, 'scalars' | 'ranges'>): string {
  const parts = Object.entries(reservation.scalars).map(([name, value]) => `${name}:${value}`);
  for (const [name, text] of Object.entries(reservation.ranges)) parts.push(`${name}:[${text}]`);
  return parts.join(';');
}

function reservationOf(resource: ReservedResourceJson): Omit<Reservation, 'scalars' | 'ranges'> | undefined {
  const stack = resource.reservations ?? [];
  if (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (!top.role || top.role === UNRESERVED) return undefined;
    return {
      role: top.role,
      type: top.type === 'STATIC' ? 'STATIC' : 'DYNAMIC',
      ...(top.principal !== undefined ? { principal: top.principal } : {}),
      labels: top.labels?.labels ?? [],
    };
  }
  if (!resource.role || resource.role === UNRESERVED) return undefined;
  // Pre-refinement format: `reservation` marks a dynamic reservation, its absence a static one.
  const dynamic = resource.reservation !== undefined;
  return {
    role: resource.role,
    type: dynamic ? 'DYNAMIC' : 'STATIC',
    ...(resource.reservation?.principal !== undefined ? { principal: resource.reservation.principal } : {}),
    labels: resource.reservation?.labels?.labels ?? [],
  };
}

/** Sums of floats are rounded to Mesos's precision (three decimals) so 0.1 + 0.2 prints 0.3. */
function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
