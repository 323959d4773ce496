/**
 * The registry of a standalone master (no --zk), kept in its --work_dir so that weights, quota,
 * admitted agents, agent maintenance (deactivated, draining, gone), the machine maintenance schedule
 * and modes, and known frameworks survive a crash or kill -9, as Mesos's registry in its replicated
 * log does.
 *
 * Format (UTF-8 JSON), one file per collection:
 *
 *   <work_dir>/registry/<collection>.json    {"format":1,"collection":"<name>","entries":{"<id>": <value>, ...}}
 *
 * Writes: save() calls in the same tick, or made while a write runs, are coalesced; each dirty
 * collection is written to `<file>.tmp`, fsynced, renamed over the file and the directory fsynced.
 * A save resolves once its collection is on disk. A rename is atomic, so after a crash the file holds either the previous
 * or the new contents; a `.tmp` left by a crash is ignored and removed.
 *
 * Recovery: a file that cannot be read, is not JSON, or has another format is not dropped; load()
 * rejects with a RegistryFileError naming the file, and the master refuses to start (as Mesos does
 * with a registry it cannot recover). The operator restores the file or moves it aside.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REGISTRY_FORMAT, validateCollectionName } from '../../election/registry-shards';
import type { RegistryStore } from './replicated-registry';

const SUFFIX = '.json';

export class RegistryFileError extends Error {
  readonly code = 'REGISTRY_DAMAGED';
  readonly suggestions: string[];

  constructor(readonly file: string, problem: string) {
    super(
      `the registry file ${file} is damaged (${problem}); the master does not start with a damaged registry. ` +
        `Restore the file from a backup, or move it aside (mv ${file} ${file}.damaged) to start without what it held.`,
    );
    this.name = 'RegistryFileError';
    this.suggestions = [
      `restore ${file} from a backup and start the master again`,
      `or move it aside: mv ${file} ${file}.damaged (agents it admitted then register as new, settings it held must be set again)`,
    ];
  }
}

interface CollectionFile { format: number; collection: string; entries: Record<string, unknown> }

/** The registry directory under a master's work dir. */
export function registryDir(workDir: string): string {
  return path.join(workDir, 'registry');
}

export class FileRegistryStore implements RegistryStore {
  private readonly collections = new Map<string, Map<string, unknown>>();
  private readonly dirty = new Map<string, { resolve: () => void; reject: (err: Error) => void }[]>();
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  async load(): Promise<Map<string, Map<string, unknown>>> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const names = await fs.promises.readdir(this.dir);
    for (const name of names) {
      if (name.endsWith(`${SUFFIX}.tmp`)) {
        await fs.promises.rm(path.join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith(SUFFIX)) continue;
      const collection = name.slice(0, -SUFFIX.length);
      this.collections.set(collection, await readCollection(path.join(this.dir, name), collection));
    }
    return new Map([...this.collections].map(([name, entries]) => [name, new Map(entries)]));
  }

  save(collection: string, id: string, value: unknown): Promise<void> {
    validateCollectionName(collection);
    let entries = this.collections.get(collection);
    if (!entries) this.collections.set(collection, (entries = new Map()));
    if (value === undefined) entries.delete(id);
    else entries.set(id, value);
    return new Promise((resolve, reject) => {
      const waiters = this.dirty.get(collection) ?? [];
      waiters.push({ resolve, reject });
      this.dirty.set(collection, waiters);
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // The next flush starts once the running one ended; saves made meanwhile all go into it.
      setImmediate(() => {
        this.flushing = this.flushing.then(() => {
          this.flushScheduled = false;
          return this.flush();
        });
      });
    });
  }

  /** Resolves once every save made so far is on disk (or failed). */
  async settled(): Promise<void> {
    while (this.flushScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.flushing;
    }
    await this.flushing;
  }

  private async flush(): Promise<void> {
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const [collection, waiters] of batch) {
      const doc: CollectionFile = { format: REGISTRY_FORMAT, collection, entries: Object.fromEntries(this.collections.get(collection) ?? []) };
      try {
        await writeDurably(path.join(this.dir, collection + SUFFIX), JSON.stringify(doc));
        for (const waiter of waiters) waiter.resolve();
      } catch (err) {
        for (const waiter of waiters) waiter.reject(err as Error);
      }
    }
  }
}

async function readCollection(file: string, collection: string): Promise<Map<string, unknown>> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    throw new RegistryFileError(file, `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: Partial<CollectionFile>;
  try {
    doc = JSON.parse(text) as Partial<CollectionFile>;
  } catch (err) {
    throw new RegistryFileError(file, `not JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object') throw new RegistryFileError(file, 'not a JSON object');
  if (doc.format !== REGISTRY_FORMAT) throw new RegistryFileError(file, `format ${JSON.stringify(doc.format)}, expected ${REGISTRY_FORMAT}`);
  if (doc.collection !== collection) throw new RegistryFileError(file, `it holds collection ${JSON.stringify(doc.collection)}, expected "${collection}"`);
  if (!doc.entries || typeof doc.entries !== 'object' || Array.isArray(doc.entries)) throw new RegistryFileError(file, '"entries" is not an object');
  return new Map(Object.entries(doc.entries));
}

/** temp file + fsync + rename + fsync of the directory: the file holds the old or the new text, never a mix. */
async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, file);
  const dir = await fs.promises.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
