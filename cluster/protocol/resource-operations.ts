/**
 * Dynamic reservations and persistent volumes as pure operations on a Resources value: RESERVE,
 * UNRESERVE, CREATE and DESTROY, validated as Mesos's master does (src/master/validation.cpp) and
 * applied as Mesos's `Resources::apply` does: each operation is a conversion, `consumed` is taken
 * away and `converted` put in its place, so totals never change and nothing comes out of nothing.
 *
 *   RESERVE    consumed = the resources with their last reservation popped; converted = as given
 *   UNRESERVE  consumed = as given;  converted = last reservation popped
 *   CREATE     consumed = the volumes without persistence/volume info; converted = the volumes
 *   DESTROY    consumed = the volumes;  converted = without persistence/volume info
 *
 * Messages name the field (`reserve.resources`, `create.volumes`, ...) and the resource, in Mesos's
 * wording where Mesos has one. Shared volumes and disk sources other than the agent's root disk are
 * not supported here.
 */
import { UNRESERVED, resourcesFromV1Checked, type Reservation, type ResourcePart, Resources } from './resources';
import type { DiskInfo, OfferOperation } from './types';
import { containerPathProblem, persistenceIdProblem } from './volume-names';

export type ResourceOperationType = 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY';

export interface ResourceOperation {
  readonly type: ResourceOperationType;
  /** The resources (RESERVE, UNRESERVE) or the volumes (CREATE, DESTROY) of the operation. */
  readonly resources: Resources;
  /** Where they came from, for messages: e.g. 'reserve.resources'. */
  readonly field: string;
}

/** Who asks: a framework (roles, refinement capability) or an operator (no roles). */
export interface OperationActor {
  readonly principal?: string;
  /** For a framework: the role of the offer it acts on; reservations must be made to it. */
  readonly allocationRole?: string;
  /** The framework declared RESERVATION_REFINEMENT (operators always may refine). */
  readonly refinement?: boolean;
}

export interface Conversion {
  readonly consumed: Resources;
  readonly converted: Resources;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

const FIELDS: Record<ResourceOperationType, { message: 'reserve' | 'unreserve' | 'create' | 'destroy'; list: 'resources' | 'volumes' }> = {
  RESERVE: { message: 'reserve', list: 'resources' },
  UNRESERVE: { message: 'unreserve', list: 'resources' },
  CREATE: { message: 'create', list: 'volumes' },
  DESTROY: { message: 'destroy', list: 'volumes' },
};

export function isResourceOperationType(type: string): type is ResourceOperationType {
  return Object.hasOwn(FIELDS, type);
}

/**
 * An ACCEPT operation (or an operator call's list) as a ResourceOperation; the resources must parse.
 * `field` names the list in messages (default: the offer operation's, e.g. 'reserve.resources').
 */
export function parseOperation(type: ResourceOperationType, list: unknown, field = `${FIELDS[type].message}.${FIELDS[type].list}`): Outcome<ResourceOperation> {
  try {
    const resources = resourcesFromV1Checked(list ?? [], field);
    if (resources.isEmpty()) return { ok: false, message: `${field}: must list at least one resource` };
    return { ok: true, value: { type, resources, field } };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** The ResourceOperation of an ACCEPT's offer operation. */
export function operationOf(op: OfferOperation): Outcome<ResourceOperation> {
  const type = op.type as ResourceOperationType;
  const { message, list } = FIELDS[type];
  const body = op[message] as Record<string, unknown> | undefined;
  return parseOperation(type, body?.[list]);
}

/**
 * Validates the operation against what it acts on (`total`: the offered resources in an ACCEPT, the
 * agent's total for the operator API, which then checks that `consumed` is free) and gives its
 * conversion. DESTROY looks for the volume in `total`; CREATE looks for persistence ids already in use
 * in `agentTotal` (the whole agent: a volume in use by a task is in no offer).
 */
export function conversionOf(op: ResourceOperation, actor: OperationActor, total: Resources, agentTotal: Resources = total): Outcome<Conversion> {
  let consumed = Resources.empty();
  let converted = Resources.empty();
  const newIds = new Set<string>();
  for (const part of op.resources.parts()) {
    const problem = partProblem(op, part, actor, total, agentTotal, newIds);
    if (problem) return { ok: false, message: `${op.field}: '${part.resources.toString()}': ${problem}` };
    const change = partConversion(op.type, part);
    consumed = consumed.plus(change.consumed);
    converted = converted.plus(change.converted);
  }
  return { ok: true, value: { consumed, converted } };
}

/** Validates and applies: the new value, and the conversion. Fails when `consumed` is not all in `total`. */
export function applyOperation(total: Resources, op: ResourceOperation, actor: OperationActor, agentTotal: Resources = total): Outcome<Conversion & { result: Resources }> {
  const conversion = conversionOf(op, actor, total, agentTotal);
  if (!conversion.ok) return conversion;
  const { consumed, converted } = conversion.value;
  if (!total.contains(consumed)) {
    return { ok: false, message: `${op.field}: '${consumed.toString()}' is not available in '${total.toString()}'` };
  }
  return { ok: true, value: { consumed, converted, result: total.minus(consumed).plus(converted) } };
}

/** The operation that undoes `op` (RESERVE <-> UNRESERVE, CREATE <-> DESTROY), given its conversion. */
export function inverseOf(op: ResourceOperation, conversion: Conversion): ResourceOperation {
  const type: ResourceOperationType = ({ RESERVE: 'UNRESERVE', UNRESERVE: 'RESERVE', CREATE: 'DESTROY', DESTROY: 'CREATE' } as const)[op.type];
  const { message, list } = FIELDS[type];
  // What RESERVE/CREATE made is what their inverse takes; UNRESERVE/DESTROY are undone by remaking what they took.
  const subject = op.type === 'RESERVE' || op.type === 'CREATE' ? conversion.converted : conversion.consumed;
  return { type, resources: subject, field: `${message}.${list}` };
}

/** The persistent volumes in `resources` whose persistence id is `id` and role is `role`. */
export function volumesWithId(resources: Resources, role: string, id: string): Resources {
  let out = Resources.empty();
  for (const part of resources.persistentVolumes().parts()) {
    if (part.role === role && part.disk?.persistence?.id === id) out = out.plus(part.resources);
  }
  return out;
}

/**
 * An agent's total: its base resources (what it declares: unreserved and statically reserved) with its
 * checkpointed resources applied (Mesos's applyCheckpointedResources): each dynamic reservation and
 * volume is carved out of what it was made from. What does not fit any more (the agent now declares
 * less) is left out and returned in `dropped`.
 */
export function applyCheckpointed(base: Resources, checkpointed: Resources): { total: Resources; kept: Resources; dropped: Resources } {
  let total = base;
  let kept = Resources.empty();
  let dropped = Resources.empty();
  for (const part of checkpointed.parts()) {
    const origin = originOf(part.resources);
    if (total.contains(origin)) {
      total = total.minus(origin).plus(part.resources);
      kept = kept.plus(part.resources);
    } else {
      dropped = dropped.plus(part.resources);
    }
  }
  return { total, kept, dropped };
}

/**
 * The base resources of what an agent declares: any dynamic reservation or volume in it turned back
 * into what it was made from, so that the checkpointed list, applied to it, is not applied twice.
 */
export function baseOf(declared: Resources): Resources {
  const checkpointable = declared.checkpointable();
  if (checkpointable.isEmpty()) return declared;
  let base = declared;
  for (const part of checkpointable.parts()) base = base.minus(part.resources).plus(originOf(part.resources));
  return base;
}

/** What a checkpointed resource was made from: no dynamic reservation (a static bottom level kept), no volume. */
function originOf(resources: Resources): Resources {
  return resources.reshape((e) => ({
    reservations: e.reservations.length > 0 && e.reservations[0].type === 'STATIC' ? e.reservations.slice(0, 1) : [],
    disk: withoutVolume(e.disk),
  }));
}

/** The checkpointed list after a conversion: what was consumed leaves it, what was converted joins it. */
export function checkpointedAfter(checkpointed: Resources, conversion: Conversion): Resources {
  // Clamped: a dynamic reservation an agent declared itself (not through the master) is not in the list.
  return checkpointed.subtractClamped(conversion.consumed.checkpointable()).plus(conversion.converted.checkpointable());
}

function lastLevel(part: ResourcePart): Reservation | undefined {
  return part.reservations[part.reservations.length - 1];
}

function isVolume(disk: DiskInfo | undefined): boolean {
  return disk?.persistence !== undefined;
}

function partProblem(
  op: ResourceOperation, part: ResourcePart, actor: OperationActor, total: Resources, agentTotal: Resources, newIds: Set<string>,
): string | undefined {
  const last = lastLevel(part);
  switch (op.type) {
    case 'RESERVE': {
      if (!last || last.type !== 'DYNAMIC') return 'must be dynamically reserved (the last reservation of type DYNAMIC)';
      if (isVolume(part.disk)) return 'a persistent volume cannot be reserved';
      if (part.reservations.length > 1 && actor.allocationRole !== undefined && !actor.refinement) {
        return 'refining a reservation needs the RESERVATION_REFINEMENT capability';
      }
      if (actor.allocationRole !== undefined && last.role !== actor.allocationRole) {
        return `the reservation role '${last.role}' is not the role '${actor.allocationRole}' the resources are allocated to`;
      }
      return principalProblem('reserve', actor.principal, last.principal, 'a reserved resource in the request with principal');
    }
    case 'UNRESERVE':
      if (!last || last.type !== 'DYNAMIC') return 'is not dynamically reserved';
      if (isVolume(part.disk)) return 'a persistent volume cannot be unreserved; DESTROY it first';
      return undefined;
    case 'CREATE': {
      const disk = part.disk;
      if (part.name !== 'disk' || !disk?.persistence || !disk.volume) return 'must be a persistent volume: disk with disk.persistence and disk.volume';
      if (disk.source !== undefined) return 'volumes on disk sources (disk.source) are not supported';
      if (part.role === UNRESERVED) return 'persistent volumes cannot be created from unreserved resources';
      const idProblem = persistenceIdProblem(disk.persistence.id);
      if (idProblem) return `disk.persistence.id: ${idProblem}`;
      const pathProblem = containerPathProblem(disk.volume.container_path);
      if (pathProblem) return `disk.volume.container_path: ${pathProblem}`;
      const principal = principalProblem('create', actor.principal, disk.persistence.principal, 'a persistence principal');
      if (principal) return principal;
      const id = disk.persistence.id;
      const key = `${part.role}\u0000${id}`;
      if (newIds.has(key) || !volumesWithId(agentTotal, part.role, id).isEmpty()) {
        return `disk.persistence.id: persistence ID '${id}' is already in use by a volume of role '${part.role}'`;
      }
      newIds.add(key);
      return undefined;
    }
    case 'DESTROY':
      if (!isVolume(part.disk)) return 'is not a persistent volume (disk.persistence)';
      if (!total.contains(part.resources)) return 'persistent volume does not exist';
      return undefined;
  }
}

/** Mesos: the operation's principal and the one recorded in the reservation or persistence must agree. */
function principalProblem(action: 'reserve' | 'create', principal: string | undefined, recorded: string | undefined, what: string): string | undefined {
  if (principal !== undefined) {
    if (recorded === undefined) return `a ${action} operation was attempted by principal '${principal}', but ${what} is not set`;
    if (recorded !== principal) return `a ${action} operation was attempted by authenticated principal '${principal}', which does not match ${what} '${recorded}'`;
  } else if (recorded !== undefined) {
    return `a ${action} operation was attempted by an unauthenticated principal, which does not match ${what} '${recorded}'`;
  }
  return undefined;
}

function partConversion(type: ResourceOperationType, part: ResourcePart): Conversion {
  const popped = () => part.resources.reshape((e) => ({ reservations: e.reservations.slice(0, -1), disk: e.disk }));
  const stripped = () => part.resources.reshape((e) => ({ reservations: e.reservations, disk: withoutVolume(e.disk) }));
  switch (type) {
    case 'RESERVE': return { consumed: popped(), converted: part.resources };
    case 'UNRESERVE': return { consumed: part.resources, converted: popped() };
    case 'CREATE': return { consumed: stripped(), converted: part.resources };
    case 'DESTROY': return { consumed: part.resources, converted: stripped() };
  }
}

/** The disk info without persistence and volume (Mesos keeps `source`, clears the rest). */
function withoutVolume(disk: DiskInfo | undefined): DiskInfo | undefined {
  return disk?.source === undefined ? undefined : { source: disk.source };
}
