/**
 * Writing into a task's sandbox as the agent (possibly root) without ever leaving it: every
 * directory on the way is checked not to be a symbolic link (an archive fetched earlier may have
 * made one), the file is opened with O_NOFOLLOW, and what is made is given to the task's user.
 * The task has not started yet, so nothing of the task's changes the sandbox meanwhile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Whose the files are; undefined: the agent's own (no user switch). */
export interface Owner { uid: number; gid: number }

export class FetchError extends Error {}

/** Makes the directories of `rel` (relative, already checked to stay inside) under `root`, refusing links. */
export function makeDirsInside(root: string, rel: string, owner: Owner | undefined): string {
  let dir = root;
  for (const part of rel.split('/').filter((p) => p !== '' && p !== '.')) {
    dir = path.join(dir, part);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (stat?.isSymbolicLink()) throw new FetchError(`'${path.relative(root, dir)}' is a symbolic link: nothing is written through one`);
    if (stat && !stat.isDirectory()) throw new FetchError(`'${path.relative(root, dir)}' exists and is not a directory`);
    if (!stat) {
      fs.mkdirSync(dir, { mode: 0o755 });
      if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    }
  }
  return dir;
}

/** Opens `rel` under `root` for writing (created, and truncated unless `append`), the owner's, never through a link. */
export function openInside(root: string, rel: string, owner: Owner | undefined, mode = 0o644, append = false): { fd: number; file: string } {
  const dir = makeDirsInside(root, path.posix.dirname(rel), owner);
  const file = path.join(dir, path.posix.basename(rel));
  let fd: number;
  try {
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | (append ? fs.constants.O_APPEND : fs.constants.O_TRUNC);
    fd = fs.openSync(file, flags, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new FetchError(`'${rel}' is a symbolic link: nothing is written through one`);
    throw err;
  }
  try {
    if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return { fd, file };
}

/** Copies a file the agent owns (a cache entry, a download) to `rel` in the sandbox. */
export async function copyInside(source: string, root: string, rel: string, owner: Owner | undefined, mode = 0o644): Promise<string> {
  const { fd, file } = openInside(root, rel, owner, mode);
  fs.fchmodSync(fd, mode);
  await pipeline(fs.createReadStream(source), fs.createWriteStream('', { fd }));
  return file;
}
