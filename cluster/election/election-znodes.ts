/**
 * Mesos's election layout in ZooKeeper, as pure functions: each master owns an ephemeral sequential
 * child `<path>/json.info_<10-digit sequence>` whose data is its MasterInfo as JSON; the lowest
 * sequence leads. Other children are someone else's: `log_replicas` (the replicated log), and
 * `info_<seq>` nodes that very old Mesos masters wrote as binary protobuf; both are skipped.
 */
import type { MasterInfo } from '../protocol/types';

export const ELECTION_PREFIX = 'json.info_';
const MEMBER = /^json\.info_(\d{10})$/;

/** The sequence number of an election member, or undefined for any other child. */
export function memberSequence(name: string): number | undefined {
  const match = MEMBER.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Election members among `children`, lowest sequence (the leader) first. */
export function electionOrder(children: readonly string[]): string[] {
  return children
    .map((name) => ({ name, seq: memberSequence(name) }))
    .filter((m): m is { name: string; seq: number } => m.seq !== undefined)
    .sort((a, b) => a.seq - b.seq)
    .map((m) => m.name);
}

/** The member just ahead of `mine` (the one to watch), undefined if `mine` leads or is absent. */
export function predecessorOf(children: readonly string[], mine: string): string | undefined {
  const order = electionOrder(children);
  const at = order.indexOf(mine);
  return at > 0 ? order[at - 1] : undefined;
}

export function encodeMasterInfo(info: MasterInfo): Buffer {
  return Buffer.from(JSON.stringify(info), 'utf8');
}

export class MasterInfoFormatError extends Error {}

/** Parses a member's data; throws MasterInfoFormatError naming what is missing. */
export function decodeMasterInfo(data: Buffer): MasterInfo {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new MasterInfoFormatError('election znode data is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MasterInfoFormatError('election znode data is not a JSON object');
  }
  const info = value as Record<string, unknown>;
  if (typeof info.id !== 'string' || info.id === '') throw new MasterInfoFormatError('MasterInfo.id must be a non-empty string');
  if (typeof info.ip !== 'number') throw new MasterInfoFormatError('MasterInfo.ip must be a number');
  if (typeof info.port !== 'number') throw new MasterInfoFormatError('MasterInfo.port must be a number');
  if (info.address !== undefined) {
    const address = info.address as Record<string, unknown> | null;
    if (typeof address !== 'object' || address === null || typeof address.port !== 'number') {
      throw new MasterInfoFormatError('MasterInfo.address.port must be a number');
    }
  }
  return value as MasterInfo;
}

/** IPv4 dotted quad to the little-endian uint32 Mesos puts in MasterInfo.ip; 0 if not IPv4. */
export function ipv4ToMesosIp(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return 0;
  return parts.reduce((acc, part, i) => acc + Number(part) * 2 ** (8 * i), 0);
}
