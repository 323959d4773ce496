/**
 * /files serves sandboxes only, and decides on what it actually opened, never on a path it checked
 * earlier: a task may rename, swap or relink anything in its sandbox at any moment.
 *
 * 1. Lexically: the text must be an absolute path that stays under the sandboxes root once `..` is
 *    normalised away; this also picks the one sandbox (run, or task of a task group) it names.
 * 2. The path is opened with O_PATH: a descriptor that names a file without opening it for I/O, so
 *    following a link cannot open a device or wait on a FIFO, and nothing is read yet.
 * 3. The descriptor is verified: `/proc/self/fd/<fd>` tells where the opened file really is, and it
 *    must be inside the real path of that sandbox; a regular file with more than one link must be
 *    owned by the sandbox's owner (a hard link is otherwise a copy of a foreign file, made without
 *    any symlink to notice).
 * 4. Only then is the same file reopened through `/proc/self/fd/<fd>` (which names the open file
 *    itself, not a path looked up again) for reading, and directories are listed through it too.
 *
 * A swap between any two steps changes nothing: whatever the path names by then, what is read is
 * the file that was verified. Failures on the way (ENOENT in a race, ELOOP, EACCES) answer 4xx.
 * Linux only: elsewhere every request is refused (/proc/self/fd is what makes step 3 possible).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HttpError } from '../protocol/errors';
import { sandboxContaining } from './sandbox-paths';

/** Linux's O_PATH (010000000 on x86, arm and arm64); Node does not export it. */
const O_PATH = 0o10000000;
const PROC_FD = '/proc/self/fd';

/** True when `candidate` is `root` or inside it. Both must be absolute and normalised. */
export function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The same for real paths read from /proc/self/fd (compared as text, with the trailing slash). */
function isInsideReal(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith('/') ? root : `${root}/`);
}

export type Confined =
  | { ok: true; path: string }
  | { ok: false; status: 400 | 403 | 404; message: string };

/** Lexical half: validates the text and normalises `..` away. */
export function confineLexically(root: string, requested: string | null): Confined {
  if (requested === null || requested === '') return { ok: false, status: 400, message: "Expecting 'path=value' in query" };
  if (requested.includes('\0')) return { ok: false, status: 400, message: "'path' contains a NUL byte" };
  if (!path.isAbsolute(requested)) return { ok: false, status: 400, message: `'path' must be absolute, got '${requested}'` };
  const normalised = path.resolve(requested);
  if (!isWithin(root, normalised)) return { ok: false, status: 403, message: `'${requested}' is outside the agent's sandboxes (${root})` };
  return { ok: true, path: normalised };
}

/** A file system error met while opening or reading a sandbox path, as the 4xx it stands for. */
export function fileSystemError(err: unknown, shown: string): HttpError {
  if (err instanceof HttpError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new HttpError(404, `'${shown}' does not exist`);
    case 'ENAMETOOLONG':
      return new HttpError(400, `'${shown}' is too long`);
    case 'ELOOP':
      return new HttpError(403, `'${shown}' goes through too many symbolic links`);
    default:
      return new HttpError(403, `'${shown}' is not accessible (${code ?? (err as Error).message})`);
  }
}

interface Sandbox {
  /** Real path of the sandbox directory. */
  real: string;
  /** Its owner: the task's user. */
  uid: number;
}

/** An opened, verified sandbox path. Close it with `close()`. */
export interface SandboxNode {
  /** The requested path, normalised: what answers show. */
  readonly shown: string;
  readonly stat: fs.Stats;
  readonly sandbox: Sandbox;
  readonly handle: fs.promises.FileHandle;
  close(): Promise<void>;
}

const descriptorPath = (handle: fs.promises.FileHandle): string => `${PROC_FD}/${handle.fd}`;

/** Opens `file` with O_PATH (plus `flags`), following links; nothing is read. */
async function openPath(file: string, flags = 0): Promise<fs.promises.FileHandle> {
  return fs.promises.open(file, O_PATH | flags);
}

/**
 * Where the descriptor's file really is must be inside the sandbox, and a hard-linked regular file
 * must be its owner's; returns its stat. Throws 403 otherwise.
 */
async function verify(handle: fs.promises.FileHandle, sandbox: Sandbox, shown: string): Promise<fs.Stats> {
  const real = await fs.promises.readlink(descriptorPath(handle));
  if (!isInsideReal(sandbox.real, real)) throw new HttpError(403, `'${shown}' resolves outside its sandbox`);
  const stat = await handle.stat();
  if (stat.isFile() && stat.nlink > 1 && stat.uid !== sandbox.uid) {
    throw new HttpError(403, `'${shown}' is a hard link to a file its sandbox's owner does not own`);
  }
  return stat;
}

/** Opens sandbox paths under `root` (<work_dir>/slaves), as described above. */
export class SandboxFiles {
  private readonly root: string;
  private readonly supported = fs.existsSync(PROC_FD);

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Opens and verifies `requested`; `root` may itself be a symlink: paths under either spelling are accepted. */
  async open(requested: string | null): Promise<SandboxNode> {
    if (!this.supported) throw new HttpError(503, `Sandboxes cannot be served safely on this system: ${PROC_FD} is missing (the agent needs Linux)`);
    const realRoot = await fs.promises.realpath(this.root).catch(() => this.root);
    let base = this.root;
    let lexical = confineLexically(base, requested);
    if (!lexical.ok && lexical.status === 403 && realRoot !== this.root) {
      base = realRoot;
      lexical = confineLexically(base, requested);
    }
    if (!lexical.ok) throw new HttpError(lexical.status, lexical.message);
    const shown = lexical.path;
    const sandbox = await this.sandbox(sandboxContaining(base, shown), base, realRoot, shown);
    let handle: fs.promises.FileHandle;
    try {
      handle = await openPath(shown);
    } catch (err) {
      throw fileSystemError(err, shown);
    }
    try {
      const stat = await verify(handle, sandbox, shown);
      return { shown, stat, sandbox, handle, close: () => handle.close() };
    } catch (err) {
      await handle.close();
      throw fileSystemError(err, shown);
    }
  }

  /** The entries of an opened directory that stay inside its sandbox, sorted, links followed. */
  async list(dir: SandboxNode): Promise<{ name: string; stat: fs.Stats }[]> {
    let names: string[];
    try {
      names = (await fs.promises.readdir(descriptorPath(dir.handle))).sort();
    } catch (err) {
      throw fileSystemError(err, dir.shown);
    }
    const entries: { name: string; stat: fs.Stats }[] = [];
    for (const name of names) {
      let handle: fs.promises.FileHandle;
      try {
        handle = await openPath(`${descriptorPath(dir.handle)}/${name}`);
      } catch {
        continue; // vanished, or a dangling link: left out, as Mesos does
      }
      try {
        // Leads outside, or a foreign hard link: left out, its size and mode would tell what is there.
        entries.push({ name, stat: await verify(handle, dir.sandbox, name) });
      } catch {
        // not shown
      } finally {
        await handle.close();
      }
    }
    return entries;
  }

  /**
   * The verified regular file, opened for reading. Anything else a task can leave in its sandbox is
   * refused: a named pipe, for one, would block an open for reading (hence also O_NONBLOCK).
   */
  async openForReading(file: SandboxNode, verb: string): Promise<{ handle: fs.promises.FileHandle; stat: fs.Stats }> {
    if (file.stat.isDirectory()) throw new HttpError(400, `Cannot ${verb} a directory`);
    if (!file.stat.isFile()) throw new HttpError(400, `Cannot ${verb} '${file.shown}': not a regular file`);
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(descriptorPath(file.handle), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    } catch (err) {
      throw fileSystemError(err, file.shown);
    }
    try {
      const stat = await handle.stat();
      if (stat.ino !== file.stat.ino || stat.dev !== file.stat.dev) throw new HttpError(403, `'${file.shown}' changed while it was opened`);
      return { handle, stat };
    } catch (err) {
      await handle.close();
      throw fileSystemError(err, file.shown);
    }
  }

  /**
   * Real path and owner of the sandbox directory `dir` (spelled under `base`). The agent makes every
   * directory down to a sandbox without links, so its real path must be the same path under the real
   * root: a task that replaced one with a link (into another sandbox, say) gains nothing.
   */
  private async sandbox(dir: string, base: string, realRoot: string, shown: string): Promise<Sandbox> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await openPath(dir, fs.constants.O_DIRECTORY);
    } catch (err) {
      throw fileSystemError(err, shown);
    }
    try {
      const real = await fs.promises.readlink(descriptorPath(handle));
      if (real !== path.join(realRoot, path.relative(base, dir))) throw new HttpError(403, `'${shown}' resolves outside its sandbox`);
      return { real, uid: (await handle.stat()).uid };
    } catch (err) {
      throw fileSystemError(err, shown);
    } finally {
      await handle.close();
    }
  }
}
