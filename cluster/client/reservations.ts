/**
 * What the operator API's RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES and DESTROY_VOLUMES
 * calls carry (master.proto), built from what an operator types, and the reservations and volumes an
 * agent has, read from GET_AGENTS. Resources are written in Mesos's post-reservation-refinement format
 * (the `reservations` stack), which every Mesos 1.x master reads; resources read from the master are
 * sent back as the master gave them, minus what only describes an allocation, because UNRESERVE and
 * DESTROY must name a reservation or a volume exactly (principal and labels included).
 */
import { reservationRole, reservationsOnAgents } from '../protocol/reservation-summary';
import { Resources } from '../protocol/resources';
import type { OperatorAgent } from '../protocol/operator';
import type { Resource, ResourceReservation } from '../protocol/types';

type WireResource = Resource;

export interface ReservationAsk {
  role: string;
  /** Who reserves; Mesos requires the authenticated principal here when there is one. */
  principal?: string;
  labels?: Record<string, string>;
}

export interface VolumeAsk {
  /** The reservation stack of the disk the volume is made on, exactly as the agent has it. */
  reservations: ResourceReservation[];
  /** The volume's persistence principal (the operator's, when authenticated). */
  principal?: string;
  id: string;
  sizeMb: number;
  containerPath: string;
  mode: 'RW' | 'RO';
}

export interface VolumeRow {
  agent_id: string;
  hostname: string;
  role: string;
  id: string;
  size_mb: number;
  container_path: string;
  mode: 'RW' | 'RO';
  principal?: string;
}

function dynamicReservation(ask: ReservationAsk): ResourceReservation {
  const labels = Object.entries(ask.labels ?? {}).map(([key, value]) => ({ key, value }));
  return {
    type: 'DYNAMIC',
    role: ask.role,
    ...(ask.principal !== undefined ? { principal: ask.principal } : {}),
    ...(labels.length > 0 ? { labels: { labels } } : {}),
  };
}

/** Unreserved resources from the text syntax ("cpus:1;mem:256;disk:512"), reserved for `ask.role`. */
export function reservedFromText(text: string, ask: ReservationAsk): WireResource[] {
  const parsed = Resources.parse(text);
  if (!parsed.unreserved().equals(parsed)) {
    throw new RangeError(`'${text}' names a role; give unreserved amounts (e.g. cpus:1;mem:256) and the role apart`);
  }
  return parsed.toV1().map((r) => reservedAs(r, ask));
}

function reservedAs(r: Resource, ask: ReservationAsk): WireResource {
  const { name, type, scalar, ranges, set } = r;
  return { name, type, ...(scalar ? { scalar } : {}), ...(ranges ? { ranges } : {}), ...(set ? { set } : {}), reservations: [dynamicReservation(ask)] };
}

/**
 * A persistent volume of `sizeMb` on reserved disk: Mesos makes it only from disk with the very same
 * reservation (principal and labels included), so the stack is taken from the disk found on the agent.
 */
export function volumeResource(ask: VolumeAsk): WireResource {
  return {
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: ask.sizeMb },
    reservations: ask.reservations,
    disk: {
      persistence: { id: ask.id, ...(ask.principal !== undefined ? { principal: ask.principal } : {}) },
      volume: { container_path: ask.containerPath, mode: ask.mode },
    },
  };
}


function isDynamic(r: WireResource): boolean {
  const stack = r.reservations ?? [];
  if (stack.length > 0) return stack[stack.length - 1].type === 'DYNAMIC';
  return r.reservation !== undefined;
}

/** As the master gave it, ready to be named in a call: allocation details and legacy mirrors dropped. */
export function asCallResource(r: WireResource): WireResource {
  const { allocation_info: _allocation, ...rest } = r;
  if ((rest.reservations?.length ?? 0) > 0) {
    delete rest.role;
    delete rest.reservation;
  }
  return rest;
}

/** The agent's persistent volumes, as `mesoscloud roles` reads them. */
export function volumesOf(agent: OperatorAgent): VolumeRow[] {
  return reservationsOnAgents([agent]).flatMap((role) => role.volumes.map((v) => ({
    agent_id: role.agentId,
    hostname: role.hostname,
    role: v.role,
    id: v.id,
    size_mb: v.size,
    container_path: v.containerPath,
    mode: v.mode,
    ...(v.principal !== undefined ? { principal: v.principal } : {}),
  })));
}

/** The agent's resource that is volume `id`, ready for DESTROY_VOLUMES; undefined when there is none. */
export function volumeResourceOf(agent: OperatorAgent, id: string): WireResource | undefined {
  const found = ((agent.total_resources ?? []) as WireResource[]).find((r) => r.disk?.persistence?.id === id);
  return found && asCallResource(found);
}

/** The agent's disk reserved to `role` (static or dynamic) that is not a volume yet: where volumes are made. */
export function reservedDiskOf(agent: OperatorAgent, role: string): WireResource[] {
  return ((agent.total_resources ?? []) as WireResource[])
    .filter((r) => r.name === 'disk' && reservationRole(r) === role && r.disk?.persistence === undefined)
    .map(asCallResource);
}

/** What is dynamically reserved to `role` on the agent, volumes aside, ready for UNRESERVE_RESOURCES. */
export function dynamicReservationsOf(agent: OperatorAgent, role: string): WireResource[] {
  return ((agent.total_resources ?? []) as WireResource[])
    .filter((r) => reservationRole(r) === role && isDynamic(r) && r.disk?.persistence === undefined)
    .map(asCallResource);
}
