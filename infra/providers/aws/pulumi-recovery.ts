/**
 * What a killed `launch` leaves in a Pulumi stack, and how to clear it: lock files of the DIY (file,
 * S3) backends and pending operations in the checkpoint. Pure: the file and CLI work is in
 * pulumi-locks.ts and pulumi-engine.ts.
 *
 * Pulumi's DIY backend writes one lock per running CLI at
 * `.pulumi/locks/organization/<project>/<stack>/<lock id>.json` (`.pulumi/locks/<stack>/...` for
 * stacks made before projects were part of the layout), holding `{pid, username, hostname,
 * timestamp}`, and refuses to start while any other lock is there.
 */
import * as path from 'node:path';
import { urnName, urnType } from './pulumi-events';

/** The lock directories of one stack under a DIY backend's root, newest layout first. */
export function lockDirs(backendDir: string, project: string, stack: string): string[] {
  const locks = path.join(backendDir, '.pulumi', 'locks');
  return [path.join(locks, 'organization', project, stack), path.join(locks, stack)];
}

/** A lock file's content (Pulumi's `lockContent`). */
export interface LockInfo {
  pid: number;
  username: string;
  hostname: string;
  timestamp: string;
  /** Where the lock is: a file path, or the URL the CLI printed. */
  where: string;
}

/** A lock file's JSON, or undefined when it is not one (so it is left alone). */
export function parseLock(text: string, where: string): LockInfo | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { pid, username, hostname, timestamp } = raw as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || typeof hostname !== 'string') return undefined;
  return { pid, hostname, username: typeof username === 'string' ? username : '', timestamp: typeof timestamp === 'string' ? timestamp : '', where };
}

export type LockState = 'stale' | 'live' | 'elsewhere';

/**
 * Whether a lock may go: only a lock taken on this host by a process that is gone. A lock from
 * another host is never judged from here, since its process may still be running there.
 */
export function lockState(lock: LockInfo, hostname: string, isAlive: (pid: number) => boolean): LockState {
  if (lock.hostname !== hostname) return 'elsewhere';
  return isAlive(lock.pid) ? 'live' : 'stale';
}

/** Who holds a lock, for messages: `root@ci-7 (pid 4242, since 2026-12-07T10:41:00Z)`. */
export function describeLock(lock: LockInfo): string {
  const who = lock.username ? `${lock.username}@${lock.hostname}` : lock.hostname;
  return `${who} (pid ${lock.pid}${lock.timestamp ? `, since ${lock.timestamp}` : ''})`;
}

/**
 * The locks named in a DIY backend's "the stack is currently locked" error, for backends whose
 * lock files we do not read ourselves (S3): `  s3://b/.pulumi/locks/.../x.json: created by
 * root@ci-7 (pid 4242) at 2026-12-07T10:41:00Z`.
 */
export function locksFromLockedError(message: string): LockInfo[] {
  const out: LockInfo[] = [];
  const line = /^\s*(\S+\.json): created by (?:(\S*)@)?(\S+) \(pid (\d+)\) at (\S+)\s*$/gm;
  for (const m of message.matchAll(line)) {
    out.push({ where: m[1], username: m[2] ?? '', hostname: m[3], pid: Number(m[4]), timestamp: m[5] });
  }
  return out;
}

/** A step the engine had begun and never finished (apitype OperationV2). */
export interface PendingOperation {
  op: 'creating' | 'updating' | 'deleting' | 'reading' | 'importing' | string;
  urn: string;
  name: string;
  type: string;
}

interface DeploymentLike {
  version: number;
  deployment: { pending_operations?: Array<{ type?: string; resource?: { urn?: string; type?: string } }> } & Record<string, unknown>;
}

/** The pending operations of an exported stack (`pulumi stack export`, DeploymentV3). */
export function pendingOperations(exported: DeploymentLike): PendingOperation[] {
  return (exported.deployment?.pending_operations ?? []).map((p) => {
    const urn = p.resource?.urn ?? '';
    return { op: p.type ?? 'unknown', urn, name: urnName(urn), type: p.resource?.type ?? urnType(urn) };
  });
}

/** The resources an exported stack's state holds that the cloud has an id for (components and the stack itself have none). */
export function stateResources(exported: { deployment: Record<string, unknown> }): { type: string; name: string; id: string }[] {
  const resources = (exported.deployment.resources ?? []) as Array<{ urn?: string; type?: string; id?: string }>;
  return resources.filter((r) => typeof r.id === 'string' && r.id !== '').map((r) => ({ type: r.type ?? urnType(r.urn ?? ''), name: urnName(r.urn ?? ''), id: r.id! }));
}

/** The same export without pending operations; the rest of the checkpoint is left exactly as it was. */
export function withoutPendingOperations<T extends DeploymentLike>(exported: T): T {
  const { pending_operations: _dropped, ...rest } = exported.deployment;
  return { ...exported, deployment: rest };
}

/** What clearing one pending operation means for the operator, in one line. */
export function clearedLine(p: PendingOperation): string {
  const what = `${p.name} (${p.type})`;
  switch (p.op) {
    case 'creating':
      return `cleared a pending create of ${what}: if it was made, the stack does not know it; destroy's sweep by tag finds it`;
    case 'deleting':
      return `cleared a pending delete of ${what}: the refresh drops it from the stack if it is gone`;
    case 'updating':
      return `cleared a pending update of ${what}: the refresh reads its current state`;
    default:
      return `cleared a pending ${p.op} of ${what}`;
  }
}
