/**
 * Pure parts of the ZooKeeper registry store (zk-store.ts): which shard an entry lives in, how a
 * shard is encoded, and how dirty shards are packed into multi() requests that stay under
 * ZooKeeper's request limit (jute.maxbuffer, about 1 MB by default).
 */

export const REGISTRY_FORMAT = 1;
/** Largest shard we write: under the 1 MB znode limit with room for the request's framing. */
export const MAX_SHARD_BYTES = 900_000;
/** Target size of one multi(); several run back to back (pipelined) when a flush is larger. */
export const DEFAULT_BATCH_BYTES = 512 * 1024;

const COLLECTION_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/;
const SHARD = /^shard-(\d{4,})$/;

export class RegistryError extends Error {
  constructor(readonly code: 'BAD_COLLECTION' | 'BAD_ID' | 'BAD_VALUE' | 'SHARD_TOO_LARGE' | 'FENCED' | 'BAD_FORMAT', message: string) {
    super(message);
  }
}

export function validateCollectionName(name: string): void {
  if (!COLLECTION_NAME.test(name)) {
    throw new RegistryError('BAD_COLLECTION', `registry collection name '${name}' must be 1-100 of [A-Za-z0-9_.-] and not start with '.'`);
  }
}

/** 32-bit FNV-1a over the UTF-16 code units: stable across processes and versions. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardOf(id: string, shards: number): number {
  return fnv1a32(id) % shards;
}

export function shardName(index: number): string {
  return `shard-${String(index).padStart(4, '0')}`;
}

/** The shard index of a child znode name, undefined for anything else. */
export function shardIndex(name: string): number | undefined {
  const match = SHARD.exec(name);
  return match ? Number(match[1]) : undefined;
}

export interface CollectionMeta {
  format: number;
  shards: number;
}

export function encodeMeta(shards: number): Buffer {
  return Buffer.from(JSON.stringify({ format: REGISTRY_FORMAT, shards } satisfies CollectionMeta));
}

export function decodeMeta(data: Buffer, where: string): CollectionMeta {
  let meta: Partial<CollectionMeta>;
  try {
    meta = JSON.parse(data.toString('utf8')) as Partial<CollectionMeta>;
  } catch {
    throw new RegistryError('BAD_FORMAT', `registry collection ${where} has no valid JSON metadata`);
  }
  if (meta.format !== REGISTRY_FORMAT || !Number.isInteger(meta.shards) || (meta.shards as number) < 1) {
    throw new RegistryError('BAD_FORMAT', `registry collection ${where} has metadata ${data.toString('utf8')}; expected {"format":${REGISTRY_FORMAT},"shards":N}`);
  }
  return meta as CollectionMeta;
}

export function encodeShard(entries: ReadonlyMap<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(Object.fromEntries(entries)), 'utf8');
}

export function decodeShard(data: Buffer, where: string): Map<string, unknown> {
  if (data.length === 0) return new Map();
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new RegistryError('BAD_FORMAT', `registry shard ${where} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RegistryError('BAD_FORMAT', `registry shard ${where} is not a JSON object`);
  }
  return new Map(Object.entries(value));
}

/** Packs items into groups of at most `limit` bytes each (an item larger than that goes alone). */
export function packBySize<T>(items: readonly T[], size: (item: T) => number, limit: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (group.length > 0 && bytes + n > limit) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
