/**
 * /files serves sandboxes only. A requested path is checked twice: lexically (so `..` cannot climb
 * out and a missing file outside the root is refused rather than reported missing), then again
 * after resolving symlinks (so a task cannot publish /etc through a link in its sandbox).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** True when `candidate` is `root` or inside it. Both must be absolute and normalised. */
export function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
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

/** Both halves. `root` may itself be a symlink: paths under either spelling of it are accepted. */
export async function confinePath(root: string, requested: string | null): Promise<Confined> {
  const resolvedRoot = path.resolve(root);
  let realRoot: string;
  try {
    realRoot = await fs.realpath(resolvedRoot);
  } catch {
    realRoot = resolvedRoot;
  }
  let lexical = confineLexically(resolvedRoot, requested);
  if (!lexical.ok && lexical.status === 403 && realRoot !== resolvedRoot) lexical = confineLexically(realRoot, requested);
  if (!lexical.ok) return lexical;
  let real: string;
  try {
    real = await fs.realpath(lexical.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, status: 404, message: `'${requested}' does not exist` };
    return { ok: false, status: 403, message: `'${requested}' is not accessible: ${(err as Error).message}` };
  }
  if (!isWithin(realRoot, real)) return { ok: false, status: 403, message: `'${requested}' resolves outside the agent's sandboxes` };
  return { ok: true, path: real };
}
