/**
 * The fetcher cache's bookkeeping, pure (no files, no clock): which entries exist, which are in use,
 * how much space they take, and which ones go when a new one needs room. As in Mesos's
 * FetcherProcess::Cache, entries are kept in least-recently-used order, an entry in use (referenced by
 * a fetch that is waiting for it or copying from it) is never evicted, and space is accounted from
 * each file's actual size once it is downloaded. The caller removes the files of what was evicted.
 */

export interface CacheEntry {
  key: string;
  /** File name in the cache directory; unique for the life of the table. */
  fileName: string;
  /** Bytes accounted to it; 0 until its download completed. */
  size: number;
  /** Fetches using it now; never evicted while above 0. */
  refs: number;
  /** Resolves once it is downloaded, rejects when its download failed. */
  completion: Promise<void>;
}

export type Reservation = { ok: true; evicted: CacheEntry[] } | { ok: false; error: string };

export class CacheTable {
  /** Insertion order is LRU order: the first is the least recently used. */
  private readonly entries = new Map<string, CacheEntry>();
  private serial = 0;
  private usedBytes = 0;

  constructor(readonly capacity: number) {}

  get used(): number { return this.usedBytes }
  get size(): number { return this.entries.size }

  /** The entry for `key`, marked as just used; undefined when there is none. */
  get(key: string): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** A new entry for `key`, referenced once, with a fresh file name made by `name(serial)`. */
  create(key: string, name: (serial: number) => string, completion: Promise<void>): CacheEntry {
    const entry: CacheEntry = { key, fileName: name(++this.serial), size: 0, refs: 1, completion };
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * Accounts `bytes` to a downloaded entry, evicting the least recently used entries nobody uses
   * until it fits. When it cannot fit, nothing is evicted and the caller removes the entry.
   */
  admit(entry: CacheEntry, bytes: number): Reservation {
    if (bytes > this.capacity) return { ok: false, error: `${bytes} bytes do not fit in a cache of ${this.capacity} bytes` };
    const victims: CacheEntry[] = [];
    let free = this.capacity - this.usedBytes;
    for (const candidate of this.entries.values()) {
      if (free >= bytes) break;
      if (candidate === entry || candidate.refs > 0 || candidate.size === 0) continue;
      victims.push(candidate);
      free += candidate.size;
    }
    if (free < bytes) return { ok: false, error: `no room for ${bytes} bytes: the cache's ${this.capacity} bytes are in use by running fetches` };
    for (const victim of victims) this.remove(victim);
    entry.size = bytes;
    this.usedBytes += bytes;
    return { ok: true, evicted: victims };
  }

  /** Forgets an entry (evicted, or its download failed) and gives back its space. */
  remove(entry: CacheEntry): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    this.usedBytes -= entry.size;
    entry.size = 0;
  }

  /** Whether `entry` is still the table's entry for its key. */
  holds(entry: CacheEntry): boolean {
    return this.entries.get(entry.key) === entry;
  }
}
