/**
 * The agent-wide fetcher cache: one directory (--fetcher_cache_dir, the agent's alone), bounded by
 * --fetcher_cache_size, shared by every task. A URI asked for by several tasks at once is downloaded
 * once: the first fetch creates the entry and downloads, the others wait for it. The bookkeeping is
 * CacheTable's; this file does the files. As Mesos does on recovery, a restarted agent starts with an
 * empty cache.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../util/log';
import type { CacheEntry } from './cache-table';
import { CacheTable } from './cache-table';
import { FetchError } from './sandbox-files';
import { cacheFileName } from './uri-rules';

/** A cached file a fetch may read until it calls release(). */
export interface CachedFile {
  file: string;
  release(): void;
}

/** A download that did not fit in the cache: the fetches that waited for it fetch for themselves. */
export class NotCachedError extends FetchError {}

/** The names this cache gives its files (Mesos's "c<serial>-<name>"), and its downloads in progress. */
const CACHE_FILE = /^c\d+-.*$/;

export class FetcherCache {
  private readonly table: CacheTable;
  /** Stops downloads that outlive the tasks that started them, when the agent stops. */
  private readonly closing = new AbortController();

  constructor(readonly dir: string, capacityBytes: number, private readonly log: Logger) {
    this.table = new CacheTable(capacityBytes);
  }

  get usedBytes(): number { return this.table.used }
  get entries(): number { return this.table.size }
  get signal(): AbortSignal { return this.closing.signal }

  /** Makes the directory (0700) and empties it of what an earlier agent process cached. */
  prepare(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    for (const name of fs.readdirSync(this.dir)) if (CACHE_FILE.test(name)) fs.rmSync(path.join(this.dir, name), { force: true, recursive: true });
  }

  close(): void {
    this.closing.abort();
  }

  /**
   * The cached file for `key`, downloading it with `download(file)` when nobody has. Waiting for
   * another fetch's download stops when `signal` aborts. When the download fails, every fetch waiting
   * for it gets its error; when the file does not fit in the cache, this fetch still gets it (and it
   * is deleted on release) while the fetches waiting for it are told to fetch for themselves.
   */
  async acquire(key: string, uri: string, signal: AbortSignal, download: (file: string) => Promise<void>): Promise<CachedFile> {
    const existing = this.table.get(key);
    if (existing) return this.waitFor(existing, signal);
    let settle!: (error?: Error) => void;
    const completion = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
    completion.catch(() => undefined);
    const entry = this.table.create(key, (serial) => cacheFileName(serial, uri), completion);
    const file = path.join(this.dir, entry.fileName);
    try {
      this.prepareDir();
      await download(file);
      const admitted = this.table.admit(entry, fs.statSync(file).size);
      if (!admitted.ok) {
        this.log.warn('fetched file not cached', { uri, reason: admitted.error });
        this.table.remove(entry);
        settle(new NotCachedError(`not cached: ${admitted.error}`));
        return { file, release: () => fs.rmSync(file, { force: true }) };
      }
      for (const victim of admitted.evicted) {
        this.log.info('evicting from the fetcher cache', { key: victim.key, file: victim.fileName });
        fs.rmSync(path.join(this.dir, victim.fileName), { force: true });
      }
      settle();
    } catch (err) {
      this.table.remove(entry);
      fs.rmSync(file, { force: true });
      settle(err as Error);
      throw err;
    }
    return this.handOut(entry, file);
  }

  private prepareDir(): void {
    if (!fs.existsSync(this.dir)) this.prepare();
  }

  private async waitFor(entry: CacheEntry, signal: AbortSignal): Promise<CachedFile> {
    entry.refs++;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        entry.completion,
        new Promise<never>((_, reject) => {
          onAbort = () => reject(new FetchError('Fetch aborted: the task was killed'));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (err) {
      entry.refs--;
      throw err;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
    return this.handOut(entry, path.join(this.dir, entry.fileName));
  }

  /** The entry's file, referenced until released (an entry in use is never evicted). */
  private handOut(entry: CacheEntry, file: string): CachedFile {
    let released = false;
    return {
      file,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
      },
    };
  }
}
