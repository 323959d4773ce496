/**
 * The leading master's replicated registry, kept in ZooKeeper so that a new leader finds what the
 * old one admitted (agents, frameworks, weights, quota, ...).
 *
 * Format (UTF-8 JSON everywhere; `<path>` is the election path, e.g. /mesos):
 *
 *   <path>/registry                               no data
 *   <path>/registry/<collection>                  {"format":1,"shards":N}
 *   <path>/registry/<collection>/shard-0000 ...   {"<id>": <value>, ...}   one per shard, N of them
 *
 * An entry with id `id` lives in shard fnv1a32(id) % N (registry-shards.ts). N is fixed when a
 * collection is first written and read back from its metadata afterwards, so every master agrees
 * on it; a collection is never resharded in place. A znode holds at most ~1 MB, so a collection
 * that grows large (10,000+ agents) needs enough shards to keep each under MAX_SHARD_BYTES:
 * with 256 shards, 10,000 entries of 2 KB make ~80 KB per shard.
 *
 * Writes: save() calls in the same tick are coalesced: each dirty shard is rewritten once, and the
 * shards go out in multi() requests of at most ~512 KB, pipelined. A save's promise resolves only
 * after ZooKeeper acknowledged the multi holding its shard, and rejects if that multi failed (the
 * entry then keeps its previous value). Every multi starts with a check that the `fence` znode
 * exists: pass the leader's own election znode, and once that master is deposed (its session
 * ended, so the znode is gone) each of its late writes fails as a whole with code FENCED.
 *
 * The store trusts that it is the only writer (the leader); it keeps a copy of every shard in
 * memory and rewrites shards from that copy. Share the contender's session so that the store reads
 * through the same server that told this master it leads, and so sees every earlier write.
 */
import { silentLogger, type Logger } from '../util/log';
import {
  DEFAULT_BATCH_BYTES, MAX_SHARD_BYTES, RegistryError, decodeMeta, decodeShard, encodeMeta, encodeShard,
  packBySize, shardIndex, shardName, shardOf, validateCollectionName,
} from './registry-shards';
import { isZkError, type ZkOp, type ZkSession } from './zk-session';

export const DEFAULT_SHARDS = 64;
const READS_IN_FLIGHT = 16;

export interface ZkRegistryStoreOptions {
  /** Path that must exist for any write to succeed: the leader's election znode. */
  fence?: string;
  /** Shard count for collections this store creates, by name (default DEFAULT_SHARDS). */
  shards?: Record<string, number>;
  /** Byte budget of one multi() request. */
  batchBytes?: number;
  logger?: Logger;
  /**
   * Shards read earlier (by a standby, ahead of its election): only those changed since are read again.
   * A store that writes (the leader's) empties it after its load: its own writes would leave it stale.
   */
  cache?: ShardCache;
  /** Reads only: no registry root is created and no ACL changed (a standby reading ahead). */
  readOnly?: boolean;
}

/**
 * Shards as last read, by path, with the znode version they had. A standby fills it while it waits
 * (reading 10,000 agents' entries takes a second or more on a busy machine); once elected, it asks
 * only for each shard's version and reads the few that changed.
 */
export class ShardCache {
  readonly byPath = new Map<string, { version: number; entries: Map<string, unknown> }>();
}

/** collection -> id -> value, as load() returns it. */
export type RegistrySnapshot = Map<string, Map<string, unknown>>;

interface Collection {
  shards: number;
  /** Whether the collection znode exists in ZooKeeper. */
  exists: boolean;
  /** Shard contents as last acknowledged; undefined = the shard znode does not exist. */
  data: (Map<string, unknown> | undefined)[];
  /** Shards whose last write had an unknown outcome (connection lost): re-read before rewriting. */
  stale: Set<number>;
}

interface DirtyShard {
  collection: string;
  index: number;
  changes: Map<string, unknown>;
  waiters: { resolve: () => void; reject: (err: Error) => void }[];
}

interface ShardWrite { shard: DirtyShard; next: Map<string, unknown>; bytes: Buffer; create: boolean }

export class ZkRegistryStore {
  readonly root: string;
  private readonly collections = new Map<string, Collection>();
  private loading: Promise<RegistrySnapshot> | undefined;
  private pending = new Map<string, DirtyShard>();
  private flushScheduled = false;
  private flushing: Promise<void> | undefined;
  private readonly log: Logger;

  /** `path` is the election path (e.g. "/mesos"); the registry lives under `<path>/registry`. */
  constructor(private readonly session: ZkSession, path: string, private readonly opts: ZkRegistryStoreOptions = {}) {
    this.root = `${path}/registry`;
    this.log = (opts.logger ?? silentLogger).child('registry-store', { root: this.root });
  }

  /** Everything stored, in three pipelined round trips. Also (re)fills the write cache. */
  load(): Promise<RegistrySnapshot> {
    const loading = this.readAll().catch((err: unknown) => {
      if (this.loading === loading) this.loading = undefined; // let the next call try again
      throw err;
    });
    this.loading = loading;
    return loading;
  }

  /**
   * Sets (or, with `undefined`, deletes) one entry. Resolves once ZooKeeper acknowledged it.
   * Values must be JSON-serializable.
   */
  async save(collection: string, id: string, value: unknown): Promise<void> {
    validateCollectionName(collection);
    if (typeof id !== 'string' || id === '') throw new RegistryError('BAD_ID', `registry id in '${collection}' must be a non-empty string`);
    if (value !== undefined && JSON.stringify(value) === undefined) {
      throw new RegistryError('BAD_VALUE', `registry value for '${collection}/${id}' is not JSON-serializable`);
    }
    await (this.loading ?? this.load());
    const meta = this.collection(collection);
    const index = shardOf(id, meta.shards);
    const key = `${collection}/${index}`;
    let shard = this.pending.get(key);
    if (!shard) {
      shard = { collection, index, changes: new Map(), waiters: [] };
      this.pending.set(key, shard);
    }
    shard.changes.set(id, value);
    const done = new Promise<void>((resolve, reject) => shard.waiters.push({ resolve, reject }));
    this.scheduleFlush();
    return done;
  }

  /** Waits until every save() made so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.flushScheduled || this.flushing || this.pending.size > 0) {
      if (this.flushing) await this.flushing;
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private collection(name: string): Collection {
    let meta = this.collections.get(name);
    if (!meta) {
      const shards = this.opts.shards?.[name] ?? DEFAULT_SHARDS;
      if (!Number.isInteger(shards) || shards < 1 || shards > 9999) {
        throw new RegistryError('BAD_COLLECTION', `shard count for registry collection '${name}' must be 1-9999, got ${shards}`);
      }
      meta = { shards, exists: false, data: new Array(shards).fill(undefined), stale: new Set() };
      this.collections.set(name, meta);
    }
    return meta;
  }

  /** A read lost with its connection is asked again once the session has moved (a few times). */
  private async readRetrying<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (err) {
        if (!isZkError(err, 'CONNECTION_LOSS') || attempt >= 5) throw err;
        await this.session.whenConnected();
      }
    }
  }

  private async readAll(): Promise<RegistrySnapshot> {
    if (!this.opts.readOnly) await this.session.mkdirp(this.root, 'private');
    else if (!(await this.session.exists(this.root))) return new Map();
    const names = (await this.session.getChildren(this.root)).filter((name) => !name.startsWith('.'));
    const lock = !this.opts.readOnly && await this.session.needsLocking(this.root, 'private');
    const listed = await Promise.all(
      names.map(async (name) => {
        const dir = `${this.root}/${name}`;
        const [{ data }, children] = await Promise.all([this.session.getData(dir), this.session.getChildren(dir)]);
        return { name, dir, meta: decodeMeta(data, dir), children };
      }),
    );
    const wanted = listed.flatMap(({ name, dir, children }) =>
      children
        .map((child) => ({ name, where: `${dir}/${child}`, index: shardIndex(child) }))
        .filter((c): c is { name: string; where: string; index: number } => c.index !== undefined));
    // Pipelined, but a bounded number at a time: 256 shards of 100 KB asked for at once queue up
    // behind each other for longer than the session allows a request to go unanswered on a busy
    // machine, and the session then drops the connection.
    if (lock) await this.lockAll([this.root, ...listed.map((c) => c.dir), ...wanted.map((w) => w.where)]);
    const shards: { name: string; index: number; entries: Map<string, unknown> }[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, wanted.length) }, async () => {
      while (next < wanted.length) {
        const { name, where, index } = wanted[next++];
        shards.push({ name, index, entries: await this.readShard(where) });
      }
    }));
    if (!this.opts.readOnly) this.opts.cache?.byPath.clear();
    this.collections.clear();
    const snapshot: RegistrySnapshot = new Map();
    for (const { name, meta } of listed) {
      this.collections.set(name, { shards: meta.shards, exists: true, data: new Array(meta.shards).fill(undefined), stale: new Set() });
      snapshot.set(name, new Map());
    }
    for (const { name, index, entries } of shards) {
      const meta = this.collections.get(name)!;
      // A shard beyond the recorded count would be a foreign writer's; keep its entries readable.
      if (index < meta.shards) meta.data[index] = entries;
      const all = snapshot.get(name)!;
      for (const [id, value] of entries) all.set(id, value);
    }
    return snapshot;
  }

  /** One shard's entries: from the cache when its version there is still the znode's, else read (and cached). */
  private async readShard(where: string): Promise<Map<string, unknown>> {
    const cache = this.opts.cache;
    const cached = cache?.byPath.get(where);
    if (cached) {
      const stat = await this.readRetrying(() => this.session.exists(where));
      // A copy: the write cache below changes its maps in place.
      if (stat?.version === cached.version) return new Map(cached.entries);
    }
    const { data, stat } = await this.readRetrying(() => this.session.getData(where));
    const entries = decodeShard(data, where);
    cache?.byPath.set(where, { version: stat.version, entries });
    return new Map(entries);
  }

  /** A registry written before the masters had a credential: from now on only they read and write it. */
  private async lockAll(paths: string[]): Promise<void> {
    this.log.warn('locking a registry readable by anyone: only masters with the credential may use it from now on', { znodes: paths.length });
    for (let i = 0; i < paths.length; i += READS_IN_FLIGHT) {
      await Promise.all(paths.slice(i, i + READS_IN_FLIGHT).map((path) => this.session.setAccess(path, 'private')));
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.flushing) return; // the running flush picks the pending shards up when it ends
      this.flushing = this.flushPending().finally(() => {
        this.flushing = undefined;
        if (this.pending.size > 0) this.scheduleFlush();
      });
    });
  }

  /** One flush at a time, so every rewrite starts from acknowledged shard contents. */
  private async flushPending(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const fence: ZkOp[] = this.opts.fence ? [{ op: 'check', path: this.opts.fence }] : [];

    let newCollections = [...new Set(batch.map((s) => s.collection))].filter((name) => !this.collection(name).exists);
    // An earlier create whose reply was lost may have happened: look before creating.
    const found = await Promise.all(newCollections.map((name) => this.session.exists(`${this.root}/${name}`).catch(() => undefined)));
    newCollections.forEach((name, i) => { if (found[i]) this.collection(name).exists = true });
    newCollections = newCollections.filter((name) => !this.collection(name).exists);
    if (newCollections.length > 0) {
      try {
        await this.session.multi([
          ...fence,
          ...newCollections.map((name): ZkOp => ({ op: 'create', path: `${this.root}/${name}`, data: encodeMeta(this.collection(name).shards), access: 'private' })),
        ]);
        for (const name of newCollections) this.collection(name).exists = true;
      } catch (err) {
        const error = await this.explain(err);
        for (const shard of batch.filter((s) => newCollections.includes(s.collection))) shard.waiters.forEach((w) => w.reject(error));
        batch.splice(0, batch.length, ...batch.filter((s) => !newCollections.includes(s.collection)));
      }
    }

    await this.refreshStale(batch);
    const writes: ShardWrite[] = [];
    for (const shard of batch) {
      const meta = this.collection(shard.collection);
      const current = meta.data[shard.index];
      const next = new Map(current ?? []);
      for (const [id, value] of shard.changes) {
        if (value === undefined) next.delete(id);
        else next.set(id, value);
      }
      const bytes = encodeShard(next);
      if (bytes.length > MAX_SHARD_BYTES) {
        const error = new RegistryError(
          'SHARD_TOO_LARGE',
          `registry shard ${shard.collection}/${shardName(shard.index)} would hold ${bytes.length} bytes (limit ${MAX_SHARD_BYTES}); create the collection with more shards`,
        );
        shard.waiters.forEach((w) => w.reject(error));
        continue;
      }
      writes.push({ shard, next, bytes, create: current === undefined });
    }

    const groups = packBySize(writes, (w) => w.bytes.length + 200, this.opts.batchBytes ?? DEFAULT_BATCH_BYTES);
    await Promise.all(groups.map((group) => this.writeGroup(group, fence)));
  }

  private async writeGroup(group: ShardWrite[], fence: ZkOp[]): Promise<void> {
    const ops: ZkOp[] = [...fence];
    for (const { shard, bytes, create } of group) {
      const path = `${this.root}/${shard.collection}/${shardName(shard.index)}`;
      ops.push(create ? { op: 'create', path, data: bytes, access: 'private' } : { op: 'setData', path, data: bytes });
    }
    try {
      await this.session.multi(ops);
    } catch (err) {
      const error = await this.explain(err);
      this.log.warn('registry write failed', { shards: group.length, error: error.message });
      for (const { shard } of group) {
        this.collection(shard.collection).stale.add(shard.index);
        shard.waiters.forEach((w) => w.reject(error));
      }
      return;
    }
    for (const { shard, next } of group) {
      this.collection(shard.collection).data[shard.index] = next;
      shard.waiters.forEach((w) => w.resolve());
    }
  }

  /** Reads back shards whose previous write may or may not have happened. */
  private async refreshStale(batch: DirtyShard[]): Promise<void> {
    await Promise.all(
      batch.map(async (shard) => {
        const meta = this.collection(shard.collection);
        if (!meta.stale.has(shard.index)) return;
        const path = `${this.root}/${shard.collection}/${shardName(shard.index)}`;
        try {
          meta.data[shard.index] = decodeShard((await this.session.getData(path)).data, path);
          meta.stale.delete(shard.index);
        } catch (err) {
          if (!isZkError(err, 'NO_NODE')) return; // still unknown; the write below fails or fixes it
          meta.data[shard.index] = undefined;
          meta.stale.delete(shard.index);
        }
      }),
    );
  }

  /** A multi reports only an error code; tell a deposed leader's refusal apart from other failures. */
  private async explain(err: unknown): Promise<Error> {
    const fence = this.opts.fence;
    if (fence && (isZkError(err, 'NO_NODE') || isZkError(err, 'SESSION_EXPIRED'))) {
      const present = await this.session.exists(fence).catch(() => undefined);
      if (!present) return new RegistryError('FENCED', `registry write refused: ${fence} no longer exists, so this master no longer leads`);
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}
