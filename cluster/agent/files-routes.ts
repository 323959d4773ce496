/**
 * /files/browse, /files/read and /files/download over the agent's sandboxes, with Mesos's JSON
 * shapes and paging rules (src/files/files.cpp). Every path is confined to its own sandbox under
 * <work_dir>/slaves, and read through a descriptor verified after opening (path-confinement.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Handler, Router } from '../http/server';
import { HttpError } from '../http/server';
import { fileSystemError, SandboxFiles, type SandboxNode } from './path-confinement';

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

/** Throws (403) when `principal` may not read the sandbox `path` is in (--acls). */
export type SandboxAuthorizer = (path: string | null, principal: string | undefined) => void;

/** What /files and the operator API's LIST_FILES and READ_FILE read sandboxes through. */
export class SandboxReader {
  readonly names = new NameLookup();
  readonly files: SandboxFiles;

  constructor(sandboxesRoot: string) {
    this.files = new SandboxFiles(sandboxesRoot);
  }

  /** Runs `use` on the opened, verified path and closes it after. */
  async withPath<T>(requested: string | null, use: (node: SandboxNode) => Promise<T>): Promise<T> {
    const node = await this.files.open(requested);
    try {
      return await use(node);
    } catch (err) {
      throw fileSystemError(err, node.shown);
    } finally {
      await node.close();
    }
  }

  /** A directory's entries, or a file alone, as the path each is shown under and its stat. */
  browse(requested: string | null): Promise<{ path: string; stat: fs.Stats }[]> {
    return this.withPath(requested, async (node) => {
      if (!node.stat.isDirectory()) return [{ path: node.shown, stat: node.stat }];
      const entries = await this.files.list(node);
      return entries.map((entry) => ({ path: path.join(node.shown, entry.name), stat: entry.stat }));
    });
  }

  /** Up to MAX_READ_BYTES of a file from `window.offset` (-1: none, the file's size only), and the file's size. */
  read(requested: string | null, window: ReadWindow): Promise<{ data: Buffer; offset: number; size: number }> {
    return this.withPath(requested, async (node) => {
      const { handle, stat } = await this.files.openForReading(node, 'read');
      try {
        const range = readRange(stat.size, window);
        if (!range) return { data: Buffer.alloc(0), offset: window.offset === -1 || window.offset >= stat.size ? stat.size : window.offset, size: stat.size };
        const buffer = Buffer.alloc(range.length);
        const { bytesRead } = await handle.read(buffer, 0, range.length, range.start);
        return { data: buffer.subarray(0, bytesRead), offset: range.start, size: stat.size };
      } finally {
        await handle.close();
      }
    });
  }
}

/** `authorize`: throws (403) when the request's principal may not read the sandbox `path` is in (--acls). */
export function registerFilesRoutes(router: Router, sandboxesRoot: string, authorize?: SandboxAuthorizer): void {
  const reader = new SandboxReader(sandboxesRoot);
  const { names } = reader;

  const browse: Handler = async (req) => {
    authorize?.(req.query.get('path'), req.principal);
    const entries = await reader.browse(req.query.get('path'));
    return { json: entries.map((entry) => fileInfoJson(entry.path, entry.stat, names)) };
  };

  const read: Handler = async (req) => {
    authorize?.(req.query.get('path'), req.principal);
    const window = parseReadWindow(req.query.get('offset'), req.query.get('length'));
    const { data, offset } = await reader.read(req.query.get('path'), window);
    return { json: { data: data.toString('utf8'), offset } };
  };

  const download: Handler = async (req) => {
    authorize?.(req.query.get('path'), req.principal);
    const { handle, stat, shown } = await reader.withPath(req.query.get('path'), async (node) => ({ ...(await reader.files.openForReading(node, 'download')), shown: node.shown }));
    const res = req.res;
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': stat.size,
      'Content-Disposition': `attachment; filename=${JSON.stringify(path.basename(shown))}`,
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
