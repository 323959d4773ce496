/**
 * Extracting a fetched archive into the sandbox, as the agent but never outside the sandbox: the
 * whole archive is read once to check every entry against entryProblem (uri-rules.ts) before anything
 * is written, so a refused archive leaves nothing behind; then it is extracted with what it holds given
 * to the task's user. tar archives go through node-tar (gzip in-process; bzip2 and xz through the
 * system's `bzip2` and `xz`), zip archives through yauzl, a bare .gz through zlib.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import * as tar from 'tar';
import * as yauzl from 'yauzl';
import type { ArchiveEntry, ArchiveKind } from './uri-rules';
import { entryProblem } from './uri-rules';
import type { Owner } from './sandbox-files';
import { FetchError, makeDirsInside, openInside } from './sandbox-files';

/** The system tool a kind of archive needs, with the Debian package that has it. */
const DECOMPRESSORS: Partial<Record<ArchiveKind, { command: string; pkg: string }>> = {
  'tar.bz2': { command: 'bzip2', pkg: 'bzip2' },
  'tar.xz': { command: 'xz', pkg: 'xz-utils' },
};

/** Extracts `archive` into `dir` (the sandbox); throws FetchError naming what was wrong. */
export async function extractArchive(kind: ArchiveKind, archive: string, dir: string, owner: Owner | undefined, signal: AbortSignal): Promise<void> {
  try {
    if (kind === 'zip') await extractZip(archive, dir, owner);
    else if (kind === 'gz') await gunzipFile(archive, dir, owner, signal);
    else await extractTar(kind, archive, dir, owner, signal);
  } catch (err) {
    if (signal.aborted) throw new FetchError('Fetch aborted: the task was killed');
    if (err instanceof FetchError) throw err;
    throw new FetchError(`Failed to extract archive '${archive}' to '${dir}': ${(err as Error).message}`);
  }
}

function tarEntry(entry: tar.ReadEntry): ArchiveEntry {
  const type = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile' ? 'file'
    : entry.type === 'Directory' || entry.type === 'GNUDumpDir' ? 'directory'
      : entry.type === 'SymbolicLink' ? 'symlink'
        : entry.type === 'Link' ? 'hardlink' : 'other';
  return { path: entry.path, type, ...(entry.linkpath ? { linkpath: entry.linkpath } : {}) };
}

/** The archive's bytes, decompressed by the system tool when node-tar cannot (bzip2, xz). */
function tarSource(kind: ArchiveKind, archive: string, signal: AbortSignal): { stream: Readable; done: Promise<void> } {
  const tool = DECOMPRESSORS[kind];
  if (!tool) return { stream: fs.createReadStream(archive), done: Promise.resolve() };
  const input = fs.openSync(archive, 'r');
  const child = spawn(tool.command, ['-dc'], { stdio: [input, 'pipe', 'pipe'], signal });
  fs.closeSync(input);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new FetchError(`Cannot extract '${archive}': '${tool.command}' is not installed on this agent (Debian package '${tool.pkg}')`) : err);
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`'${tool.command} -dc' failed: ${stderr.trim() || `exit status ${code}`}`))));
  });
  return { stream: child.stdout!, done };
}

/** Feeds `kind`'s decompressed bytes to a node-tar stream; resolves when both ends are done. */
async function runTar(kind: ArchiveKind, archive: string, sink: Writable & NodeJS.EventEmitter, signal: AbortSignal): Promise<void> {
  const source = tarSource(kind, archive, signal);
  const finished = new Promise<void>((resolve, reject) => {
    sink.on('error', reject);
    sink.on('finish', resolve);
    sink.on('close', resolve);
  });
  source.stream.on('error', (err) => sink.emit('error', err));
  source.stream.pipe(sink);
  await Promise.all([finished, source.done]);
}

async function extractTar(kind: ArchiveKind, archive: string, dir: string, owner: Owner | undefined, signal: AbortSignal): Promise<void> {
  const problems: string[] = [];
  let entries = 0;
  const list = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      entries++;
      const problem = entryProblem(tarEntry(entry));
      if (problem) problems.push(problem);
      entry.resume();
    },
  });
  await runTar(kind, archive, list as unknown as Writable, signal);
  if (problems.length > 0) throw new FetchError(`Refusing to extract '${archive}': ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  if (entries === 0) throw new FetchError(`Failed to extract archive '${archive}': not a tar archive, or an empty one`);
  const unpack = new tar.Unpack({
    cwd: dir,
    strict: true,
    preserveOwner: false,
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    // Checked above; checked again here in case the bytes read differ from the ones listed. Setuid,
    // setgid and sticky bits are dropped: the agent writes, and no artifact needs them.
    filter: (_p, entry) => {
      const e = entry as tar.ReadEntry;
      if (typeof e.mode === 'number') e.mode &= 0o777;
      return entryProblem(tarEntry(e)) === undefined;
    },
  });
  await runTar(kind, archive, unpack as unknown as Writable, signal);
}

/** A bare .gz: gunzipped next to it, without the suffix (Mesos runs `gunzip -d -c`). */
async function gunzipFile(archive: string, dir: string, owner: Owner | undefined, signal: AbortSignal): Promise<void> {
  const name = path.basename(archive).slice(0, -'.gz'.length);
  const { fd } = openInside(dir, name, owner);
  await pipeline(fs.createReadStream(archive), zlib.createGunzip(), fs.createWriteStream('', { fd }), { signal });
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function zipEntry(entry: yauzl.Entry): ArchiveEntry & { mode: number } {
  const unixMode = entry.externalFileAttributes >>> 16;
  const kind = unixMode & S_IFMT;
  const isDir = entry.fileName.endsWith('/') || kind === S_IFDIR;
  const type = isDir ? 'directory' : kind === S_IFLNK ? 'symlink' : kind === 0 || kind === S_IFREG ? 'file' : 'other';
  return { path: entry.fileName, type, mode: unixMode & 0o777 };
}

function openZip(archive: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(archive, { lazyEntries: true, autoClose: false, strictFileNames: true }, (err, zip) => (err ? reject(err) : resolve(zip!)));
  });
}

/** Every entry of the archive, in order; yauzl refuses absolute and ".." names itself too. */
async function zipEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream!))));
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Zip: entries are checked first (a symbolic link's target is its content), then directories and
 * files are written, and symbolic links made last, so that no entry is written through a link the
 * same archive made.
 */
async function extractZip(archive: string, dir: string, owner: Owner | undefined): Promise<void> {
  const zip = await openZip(archive).catch((err: Error) => {
    throw new FetchError(`Failed to extract archive '${archive}': ${err.message}`);
  });
  try {
    const entries = await zipEntries(zip);
    const described = [];
    for (const entry of entries) {
      const e = zipEntry(entry);
      if (e.type === 'symlink') e.linkpath = await readAll(await entryStream(zip, entry));
      const problem = entryProblem(e);
      if (problem) throw new FetchError(`Refusing to extract '${archive}': ${problem}`);
      described.push({ entry, e });
    }
    for (const { entry, e } of described) {
      if (e.type === 'directory') makeDirsInside(dir, e.path, owner);
      else if (e.type === 'file') {
        const { fd } = openInside(dir, e.path, owner, e.mode || 0o644);
        if (e.mode) fs.fchmodSync(fd, e.mode);
        await pipeline(await entryStream(zip, entry), fs.createWriteStream('', { fd }));
      }
    }
    for (const { e } of described) {
      if (e.type !== 'symlink') continue;
      const parent = makeDirsInside(dir, path.posix.dirname(e.path), owner);
      const link = path.join(parent, path.posix.basename(e.path));
      fs.rmSync(link, { force: true });
      fs.symlinkSync(e.linkpath!, link);
      if (owner) fs.lchownSync(link, owner.uid, owner.gid);
    }
  } finally {
    zip.close();
  }
}
