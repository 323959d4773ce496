/**
 * The fetcher's rules, pure: what a CommandInfo.URI names, where in the sandbox it goes, whether it
 * is an archive, what its cache entry is called, and which archive entries may be written. The
 * wording and the cases follow Mesos's fetcher (src/slave/containerizer/fetcher.cpp and
 * src/launcher/fetcher.cpp), so that a framework written for Mesos gets the same files.
 */
import * as path from 'node:path';
import type { CommandInfo_URI } from '../../protocol/types';

/** The outcome of a rule: a value, or the reason it cannot be had. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refused = <T>(error: string): Checked<T> => ({ ok: false, error });

/**
 * Mesos's Fetcher::basename: the last "/"-separated part of the URI, query string included (Mesos
 * does not parse URIs further), and the characters it refuses.
 */
export function uriBasename(uri: string): Checked<string> {
  if (/[\\'\0]/.test(uri)) return refused('Illegal characters in URI');
  const index = uri.indexOf('://');
  if (index > 1) {
    const rest = uri.slice(index + 3);
    const slash = rest.indexOf('/');
    if (slash < 0 || rest.length <= slash + 1) return refused(`Malformed URI (missing path): ${uri}`);
    return ok(rest.slice(rest.lastIndexOf('/') + 1));
  }
  return ok(path.posix.basename(uri));
}

/** Schemes fetched over the network; everything else with "://" but file:// is not supported here. */
export function isNetUri(uri: string): boolean {
  return uri.startsWith('http://') || uri.startsWith('https://');
}

/**
 * Mesos's Fetcher::uriToLocalPath: "file://", "file://localhost" and scheme-less values name a local
 * file; undefined for a URI of another scheme. Mesos resolves relative paths under --frameworks_home,
 * which this agent does not have: a relative path is refused.
 */
export function uriToLocalPath(uri: string): Checked<string> | undefined {
  if (!uri.startsWith('file://') && uri.includes('://')) return undefined;
  let file = uri;
  const fileUri = uri.startsWith('file://');
  if (uri.startsWith('file://localhost')) file = uri.slice('file://localhost'.length);
  else if (fileUri) file = uri.slice('file://'.length);
  if (fileUri && !file.startsWith('/')) return refused('File URI only supports absolute paths');
  if (!file.startsWith('/')) return refused('A relative path was passed for the resource but this agent has no frameworks home: give an absolute path or a file:// URI');
  return ok(file);
}

/** A scheme the fetcher does not handle (Mesos hands those to a Hadoop client, which this agent has none of). */
export function unsupportedScheme(uri: string): string | undefined {
  if (isNetUri(uri) || uriToLocalPath(uri) !== undefined) return undefined;
  const scheme = uri.slice(0, uri.indexOf('://'));
  return `Unsupported URI scheme '${scheme}': this agent fetches http://, https://, file:// and absolute paths`;
}

/**
 * The file's path relative to the sandbox: output_file when given, else the URI's basename. Unlike
 * Mesos, which joins output_file to the sandbox as given, a name that would leave the sandbox (absolute,
 * or with a ".." part) is refused: the agent writes it, possibly as root.
 */
export function sandboxFileName(uri: CommandInfo_URI): Checked<string> {
  if (uri.output_file === undefined || uri.output_file === '') {
    const base = uriBasename(uri.value);
    if (!base.ok) return base;
    if (base.value === '' || base.value === '.' || base.value === '..') return refused(`Cannot name a file after URI '${uri.value}': give an output_file`);
    return base;
  }
  const name = uri.output_file;
  if (name.includes('\0')) return refused('output_file contains a NUL character');
  if (path.posix.isAbsolute(name)) return refused(`output_file '${name}' must be a path relative to the sandbox, not an absolute one`);
  if (name.split('/').includes('..')) return refused(`output_file '${name}' must stay inside the sandbox: '..' is not allowed`);
  const normal = path.posix.normalize(name);
  if (normal === '.' || normal.endsWith('/')) return refused(`output_file '${name}' names a directory, not a file`);
  return ok(normal);
}

export type ArchiveKind = 'tar' | 'tar.gz' | 'tar.bz2' | 'tar.xz' | 'zip' | 'gz';

/** The suffixes Mesos's extract() recognises, longest first; a bare ".gz" is gunzipped into one file. */
const ARCHIVE_SUFFIXES: readonly [string, ArchiveKind][] = [
  ['.tar.gz', 'tar.gz'], ['.tar.bz2', 'tar.bz2'], ['.tar.xz', 'tar.xz'], ['.tgz', 'tar.gz'], ['.tbz2', 'tar.bz2'], ['.txz', 'tar.xz'],
  ['.tar', 'tar'], ['.zip', 'zip'], ['.gz', 'gz'],
];

/** What extract does with a file of this name: undefined when it is no archive (Mesos then copies it). */
export function archiveKind(fileName: string): ArchiveKind | undefined {
  return ARCHIVE_SUFFIXES.find(([suffix]) => fileName.endsWith(suffix))?.[1];
}

/** What happens to a fetched file: Mesos checks `executable` first, so an executable is never extracted. */
export function fetchAction(uri: CommandInfo_URI, fileName: string): 'chmod' | { extract: ArchiveKind } | 'copy' {
  if (uri.executable) return 'chmod';
  const kind = uri.extract === false ? undefined : archiveKind(fileName);
  return kind ? { extract: kind } : 'copy';
}

/** Mesos's cache key: the user and the URI, so users never share a cached file. */
export function cacheKey(user: string | undefined, uri: string): string {
  return user === undefined ? uri : `${user}@${uri}`;
}

/**
 * Mesos's Cache::nextFilename: "c<serial>-<basename>", the basename shortened to its first and last
 * ten characters so the extension (and so the archive kind) survives.
 */
export function cacheFileName(serial: number, uri: string): string {
  const base = uriBasename(uri);
  let s = base.ok ? base.value : 'file';
  if (s.length > 20) s = `${s.slice(0, 10)}_${s.slice(-10)}`;
  return `c${serial}-${s.replace(/\//g, '_')}`;
}

/** An archive entry, as both the tar and the zip reader describe it. */
export interface ArchiveEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** For links: the target as recorded. */
  linkpath?: string;
}

function parts(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/**
 * Why an entry may not be extracted, or undefined. The rule keeps everything an extraction writes,
 * and everything a link it makes resolves to, inside the directory it extracts into:
 *  - no absolute path, no ".." in a path;
 *  - a hard link names a path inside the archive's root (no absolute path, no "..");
 *  - a symbolic link is relative and may only climb ("..") first, no higher than its own directory's
 *    depth; a ".." after a name could climb out through another link (a link "s" to "." makes
 *    "s/.." the parent of the root), so it is refused;
 *  - no devices, FIFOs or other special files.
 * The extractors also never write through a symbolic link, so a link made by one entry cannot
 * redirect a later one.
 */
export function entryProblem(entry: ArchiveEntry): string | undefined {
  const name = entry.path;
  if (name.includes('\0')) return `entry name contains a NUL character`;
  if (name.startsWith('/')) return `entry '${name}' has an absolute path`;
  const segments = parts(name);
  if (segments.includes('..')) return `entry '${name}' climbs out of the extraction directory ('..')`;
  if (entry.type === 'other') return `entry '${name}' is a device, FIFO or other special file`;
  if (entry.type === 'hardlink') {
    const target = entry.linkpath ?? '';
    if (target.startsWith('/') || parts(target).includes('..') || parts(target).length === 0) return `hard link '${name}' points outside the archive ('${target}')`;
  }
  if (entry.type === 'symlink') {
    const target = entry.linkpath ?? '';
    if (target === '' || target.startsWith('/')) return `symbolic link '${name}' points outside the extraction directory ('${target}')`;
    const t = parts(target);
    const climbs = t.findIndex((s) => s !== '..');
    const leading = climbs < 0 ? t.length : climbs;
    const depth = segments.length - 1;
    if (leading > depth || t.slice(leading).includes('..')) return `symbolic link '${name}' points outside the extraction directory ('${target}')`;
  }
  return undefined;
}
