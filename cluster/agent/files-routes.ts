/**
 * /files/browse, /files/read and /files/download over the agent's sandboxes, with Mesos's JSON
 * shapes and paging rules (src/files/files.cpp). Every path is confined to <work_dir>/slaves.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Handler, Request, Router } from '../http/server';
import { HttpError } from '../http/server';
import { confinePath } from './path-confinement';

/** Mesos caps one read at 16 pages. */
export const MAX_READ_BYTES = 16 * 4096;

export interface ReadWindow {
  /** -1: report the file's length only. */
  offset: number;
  /** undefined: to the end of the file (still capped). */
  length?: number;
}

function parseIntegerParam(name: string, text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new HttpError(400, `Failed to parse ${name}: '${text}' is not an integer`);
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value)) throw new HttpError(400, `Failed to parse ${name}: '${text}' is out of range`);
  if (value < -1) throw new HttpError(400, `Negative ${name} provided: ${value}`);
  return value;
}

/** Validates `offset` and `length` as Mesos does: integers, -1 allowed, anything below refused. */
export function parseReadWindow(offsetText: string | null, lengthText: string | null): ReadWindow {
  const offset = parseIntegerParam('offset', offsetText) ?? -1;
  const length = parseIntegerParam('length', lengthText);
  return { offset, length: length === undefined || length === -1 ? undefined : length };
}

/** Slice of a file of `size` bytes to read; undefined when there is nothing to read. */
export function readRange(size: number, window: ReadWindow): { start: number; length: number } | undefined {
  const start = window.offset === -1 ? size : window.offset;
  if (start >= size) return undefined;
  const length = Math.min(window.length ?? size - start, size - start, MAX_READ_BYTES);
  return length > 0 ? { start, length } : undefined;
}

const TYPE_LETTERS = new Map<number, string>([
  [fs.constants.S_IFDIR, 'd'],
  [fs.constants.S_IFLNK, 'l'],
  [fs.constants.S_IFIFO, 'p'],
  [fs.constants.S_IFSOCK, 's'],
  [fs.constants.S_IFCHR, 'c'],
  [fs.constants.S_IFBLK, 'b'],
]);

/** "drwxr-xr-x", as `ls -l` and Mesos's browse show it. */
export function modeString(mode: number): string {
  const type = TYPE_LETTERS.get(mode & fs.constants.S_IFMT) ?? '-';
  const bits = 'rwxrwxrwx';
  let out = type;
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}

/** uid/gid -> name from /etc/passwd and /etc/group, read once; numbers when unknown. */
class NameLookup {
  private users?: Map<number, string>;
  private groups?: Map<number, string>;

  user(uid: number): string {
    this.users ??= NameLookup.read('/etc/passwd');
    return this.users.get(uid) ?? String(uid);
  }

  group(gid: number): string {
    this.groups ??= NameLookup.read('/etc/group');
    return this.groups.get(gid) ?? String(gid);
  }

  private static read(file: string): Map<number, string> {
    const map = new Map<number, string>();
    try {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && /^\d+$/.test(id)) map.set(Number(id), name);
      }
    } catch {
      // no names then
    }
    return map;
  }
}

export function fileInfoJson(displayPath: string, stat: fs.Stats, names: { user(uid: number): string; group(gid: number): string }) {
  return {
    path: displayPath,
    nlink: stat.nlink,
    size: stat.size,
    mtime: Math.floor(stat.mtimeMs / 1000),
    mode: modeString(stat.mode),
    uid: names.user(stat.uid),
    gid: names.group(stat.gid),
  };
}

export function registerFilesRoutes(router: Router, sandboxesRoot: string): void {
  const names = new NameLookup();

  const resolve = async (req: Request): Promise<{ real: string; requested: string }> => {
    const requested = req.query.get('path');
    const confined = await confinePath(sandboxesRoot, requested);
    if (!confined.ok) throw new HttpError(confined.status, confined.message);
    return { real: confined.path, requested: path.resolve(requested as string) };
  };

  const browse: Handler = async (req) => {
    const { real, requested } = await resolve(req);
    const stat = await fs.promises.stat(real);
    if (!stat.isDirectory()) return { json: [fileInfoJson(requested, stat, names)] };
    const listing = [];
    for (const entry of (await fs.promises.readdir(real, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(real, entry.name);
      // A link that leads out of the sandboxes is not listed: its size and mode would leak what is there.
      if (entry.isSymbolicLink() && !(await confinePath(sandboxesRoot, full)).ok) continue;
      try {
        listing.push(fileInfoJson(path.join(requested, entry.name), await fs.promises.stat(full), names));
      } catch {
        // vanished or a dangling link: leave it out, as Mesos does
      }
    }
    return { json: listing };
  };

  /**
   * Opens a regular file for reading. Anything else a task can leave in its sandbox is refused: a
   * named pipe, for one, would block the open (and a thread of the file system pool) until someone
   * writes to it, hence O_NONBLOCK, which regular files ignore.
   */
  const openRegularFile = async (real: string, verb: string): Promise<{ handle: fs.promises.FileHandle; stat: fs.Stats }> => {
    const handle = await fs.promises.open(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) throw new HttpError(400, `Cannot ${verb} a directory`);
      if (!stat.isFile()) throw new HttpError(400, `Cannot ${verb} '${real}': not a regular file`);
      return { handle, stat };
    } catch (err) {
      await handle.close();
      throw err;
    }
  };

  const read: Handler = async (req) => {
    const window = parseReadWindow(req.query.get('offset'), req.query.get('length'));
    const { real } = await resolve(req);
    const { handle, stat } = await openRegularFile(real, 'read');
    try {
      const range = readRange(stat.size, window);
      if (!range) return { json: { data: '', offset: window.offset === -1 || window.offset >= stat.size ? stat.size : window.offset } };
      const buffer = Buffer.alloc(range.length);
      const { bytesRead } = await handle.read(buffer, 0, range.length, range.start);
      return { json: { data: buffer.subarray(0, bytesRead).toString('utf8'), offset: range.start } };
    } finally {
      await handle.close();
    }
  };

  const download: Handler = async (req) => {
    const { real } = await resolve(req);
    const { handle, stat } = await openRegularFile(real, 'download');
    const res = req.res;
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': stat.size,
      'Content-Disposition': `attachment; filename=${JSON.stringify(path.basename(real))}`,
    });
    if (stat.size === 0) {
      await handle.close();
      res.end();
      return undefined;
    }
    await new Promise<void>((resolve) => {
      // The stream owns the handle from here and closes it when it ends or fails.
      const stream = handle.createReadStream({ start: 0, end: stat.size - 1 });
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      stream.on('end', () => resolve());
      // A client that goes away mid-file must not leave the handle open.
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
    return undefined;
  };

  for (const [name, handler] of [['browse', browse], ['read', read], ['download', download]] as const) {
    router.on('GET', `/files/${name}`, handler);
    router.on('GET', `/files/${name}.json`, handler);
  }
}
