/**
 * What a persistent volume's names may be (mesos.proto Resource.DiskInfo): the master checks them on
 * CREATE and the agent again before it makes a directory or a mount of them, with the same rules, so a
 * volume the master accepted is never one the agent refuses.
 */
import * as path from 'node:path';

/**
 * Why `p` cannot be a volume's place in a sandbox, or undefined: it must be relative and stay inside
 * the sandbox (no '..' segment), since the agent mounts the volume there as root.
 */
export function containerPathProblem(p: unknown): string | undefined {
  if (typeof p !== 'string' || p === '') return 'must be a non-empty relative path';
  if (p.includes('\0')) return 'must not contain NUL characters';
  if (path.posix.isAbsolute(p)) return `must be relative to the sandbox, got absolute '${p}'`;
  const segments = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return `must not leave the sandbox ('..' in '${p}')`;
  if (segments.length === 0) return `must name a directory inside the sandbox, got '${p}'`;
  return undefined;
}

/** A persistence id names a directory: one path segment, as Mesos's ids are validated. */
export function persistenceIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || id === '') return 'must be a non-empty string';
  if (id === '.' || id === '..' || /[/\\\0]/.test(id) || /\s/.test(id)) return `'${id}' must not be '.', '..' or contain '/', '\\', whitespace or NUL`;
  return undefined;
}
