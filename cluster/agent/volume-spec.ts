/**
 * Persistent volumes as resources say them (mesos.proto Resource.DiskInfo): a disk resource reserved
 * to a role, with `disk.persistence.id` (unique on the agent within the role) and
 * `disk.volume.container_path` (where a task sees it, relative to its sandbox) and `mode` (RW or RO).
 * Pure: reading and checking those fields, and where a volume's data lives under the work dir.
 */
import * as path from 'node:path';
import { applyCheckpointed } from '../protocol/resource-operations';
import { reservationRole } from '../protocol/reservation-summary';
import { containerPathProblem, persistenceIdProblem } from '../protocol/volume-names';
import { Resources, roleProblem } from '../protocol/resources';
import type { Resource } from '../protocol/types';

/** mesos.proto Resource.DiskInfo, the parts persistent volumes use. */
export interface DiskInfo {
  persistence?: { id?: string; principal?: string };
  volume?: { container_path?: string; mode?: string };
}

/** As read from the wire, before it is checked: every field may be missing or wrong. */
export type DiskResource = Omit<Resource, 'disk'> & { disk?: DiskInfo };

export type VolumeMode = 'RW' | 'RO';

export interface VolumeSpec {
  persistenceId: string;
  principal?: string;
  /** The role the disk is reserved to: the last of its `reservations`, else its legacy `role`. */
  role: string;
  containerPath: string;
  mode: VolumeMode;
}


/**
 * The volume a resource carries, a problem naming the field when it carries a broken one, or
 * undefined for any other resource. `field` prefixes the problem (e.g. "task.resources[2]").
 */
export function volumeOf(r: DiskResource, field: string): VolumeSpec | { problem: string } | undefined {
  const persistence = r.disk?.persistence;
  if (r.name !== 'disk' || persistence === undefined) return undefined;
  const idProblem = persistenceIdProblem(persistence.id);
  if (idProblem) return { problem: `${field}.disk.persistence.id: ${idProblem}` };
  const role = reservationRole(r);
  if (role === undefined) return { problem: `${field}: persistent volume '${persistence.id}' must be on reserved disk (reservations)` };
  // The role names a directory too: no '..' may climb out of volumes/roles.
  const badRole = roleProblem(role);
  if (badRole) return { problem: `${field}.reservations: ${badRole}` };
  const volume = r.disk?.volume;
  const pathProblem = containerPathProblem(volume?.container_path);
  if (pathProblem) return { problem: `${field}.disk.volume.container_path: ${pathProblem}` };
  const mode = volume?.mode ?? 'RW';
  if (mode !== 'RW' && mode !== 'RO') return { problem: `${field}.disk.volume.mode: must be RW or RO, got '${String(mode)}'` };
  return {
    persistenceId: persistence.id as string,
    ...(persistence.principal ? { principal: persistence.principal } : {}),
    role,
    containerPath: path.normalize(volume!.container_path as string).replace(/\/+$/, ''),
    mode,
  };
}

/** Whether any of `resources` is a persistent volume (well formed or not). */
export function holdsVolume(resources: readonly DiskResource[]): boolean {
  return resources.some((r) => r.name === 'disk' && r.disk?.persistence !== undefined);
}

/** Every volume among `resources`, or the first problem. */
export function volumesIn(resources: readonly DiskResource[], field: string): { volumes: VolumeSpec[] } | { problem: string } {
  const volumes: VolumeSpec[] = [];
  for (const [i, r] of resources.entries()) {
    const v = volumeOf(r, `${field}[${i}]`);
    if (v === undefined) continue;
    if ('problem' in v) return v;
    volumes.push(v);
  }
  // One volume listed twice would be two owners of one directory.
  const seen = new Set<string>();
  for (const v of volumes) {
    if (seen.has(volumeKey(v))) return { problem: `${field}: persistent volume '${v.persistenceId}' (role '${v.role}') is listed twice` };
    seen.add(volumeKey(v));
  }
  return { volumes };
}

/** The first place in a sandbox given to two volumes (they would hide one another). */
export function sharedContainerPath(volumes: readonly VolumeSpec[]): string | undefined {
  const places = new Set<string>();
  for (const v of volumes) {
    if (places.has(v.containerPath)) return v.containerPath;
    places.add(v.containerPath);
  }
  return undefined;
}

/**
 * Where a volume's data lives, in Mesos's layout (src/slave/paths.cpp getPersistentVolumePath):
 * <work_dir>/volumes/roles/<role>/<persistence id>. A hierarchical role's '/' becomes ' ', as Mesos
 * encodes it (a space is not allowed in role names, so the encoding is unambiguous).
 */
export function volumeHostPath(workDir: string, role: string, persistenceId: string): string {
  return path.join(path.resolve(workDir), 'volumes', 'roles', role.replace(/\//g, ' '), persistenceId);
}

/** One key per volume on an agent: persistence ids are unique within a role. */
export function volumeKey(v: Pick<VolumeSpec, 'role' | 'persistenceId'>): string {
  return `${v.role}\n${v.persistenceId}`;
}

/**
 * The agent's total with its checkpointed list applied (the master's rule, resource-operations.ts):
 * reserved parts carved out of what they were reserved from. What cannot be parsed leaves the base
 * as it is.
 */
export function withCheckpointed(base: Resources, list: readonly Resource[]): { total: Resources; remainingBase: Resources } {
  try {
    const { total, kept } = applyCheckpointed(base, Resources.fromV1([...list]).checkpointable());
    return { total, remainingBase: total.subtractClamped(kept) };
  } catch {
    return { total: base, remainingBase: base };
  }
}
