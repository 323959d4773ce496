/**
 * Identifiers in Mesos's shapes. Agent, framework and offer ids are prefixed with the id of the
 * master that issued them, so ids from a new leader never collide with those of the old one.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export function newMasterId(): string {
  return randomUUID();
}

/** Container ids are v4 UUIDs, as the Mesos containerizer makes them. */
export function newContainerId(): string {
  return randomUUID();
}

/** TaskStatus.uuid: 16 random bytes, base64 (protobuf `bytes` in JSON). */
export function newStatusUuid(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Ids become path segments of the agent's sandboxes (clients use it to find a group task's sandbox).
 * Ordinary ids (letters, digits, `-_.`) map to themselves, as in Mesos; anything that could climb out
 * of its directory or confuse a shell is percent-encoded.
 */
export function pathSegment(id: string): string {
  if (id === '') throw new Error('an empty id cannot be used as a directory name');
  if (id === '.') return '%2E';
  if (id === '..') return '%2E%2E';
  return encodeURIComponent(id);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** True if `value` is base64 of exactly 16 bytes, the form of TaskStatus.uuid. */
export function isStatusUuid(value: string): boolean {
  return value.length === 24 && BASE64.test(value) && Buffer.from(value, 'base64').length === 16;
}

/** Issues the ids of one master's term: frameworks "<master>-0000", agents "<master>-S0", offers "<master>-O0". */
export class IdGenerator {
  private frameworks = 0;
  private agents = 0;
  private offers = 0;

  constructor(readonly masterId: string = newMasterId()) {}

  nextFrameworkId(): string {
    return `${this.masterId}-${String(this.frameworks++).padStart(4, '0')}`;
  }

  nextAgentId(): string {
    return `${this.masterId}-S${this.agents++}`;
  }

  nextOfferId(): string {
    return `${this.masterId}-O${this.offers++}`;
  }
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4Octets(ip: string): number[] {
  const m = IPV4.exec(ip.trim());
  const octets = m ? m.slice(1).map(Number) : [];
  if (!m || octets.some((o) => o > 255)) throw new Error(`invalid IPv4 address '${ip}': expected four numbers 0-255, e.g. 127.0.0.1`);
  return octets;
}

/**
 * MasterInfo.ip: Mesos stores the address in network byte order and writes that uint32 out on a
 * little-endian host, so 127.0.0.1 becomes 16777343.
 */
export function ipToUint32LE(ip: string): number {
  const [a, b, c, d] = ipv4Octets(ip);
  return (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;
}

export function uint32LEToIp(value: number): string {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff].join('.');
}

const MAX_ID_LENGTH = 255;

/** Mesos's rules for ids that become sandbox path components (common/validation.cpp validateID). */
export function idProblem(value: string): string | undefined {
  if (value === '') return 'ID must not be empty';
  if (value.length > MAX_ID_LENGTH) return `ID must not be longer than ${MAX_ID_LENGTH} characters`;
  if (value === '.' || value === '..') return `'${value}' is disallowed`;
  if (/[/\\\u0000-\u001f\u007f]/.test(value)) return `'${value}' contains invalid characters ('/', '\\' or control characters)`;
  return undefined;
}
