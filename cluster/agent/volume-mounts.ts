/**
 * Putting a persistent volume into a sandbox, and taking it out again, the two ways Mesos does:
 *
 * - bind mount (Mesos's filesystem/linux isolator): `mount --bind <volume> <sandbox>/<container_path>`,
 *   then, for mode RO, a read-only remount of that bind, so the task cannot write even as root. The
 *   agent mounts in its own mount namespace, the host's: the mount outlives an agent restart, so a
 *   recovered task keeps its volume, and the agent unmounts it when the task ends.
 * - symlink (Mesos's filesystem/posix isolator), where the agent cannot mount (not root, or no
 *   CAP_SYS_ADMIN): <sandbox>/<container_path> links to the volume. RO is NOT enforced then (a link
 *   has no mode of its own, and making the volume's files read-only would outlast the task); the
 *   agent logs so and /state says which way each volume is attached.
 *
 * Removing a sandbox (removeSandbox) never reaches volume data: mounts under it are undone first
 * (and nothing is removed if one stays), and removal unlinks symlinks rather than following them.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Attachment = 'bind mount' | 'symlink';

/** Text of a failed command: its stderr, else its message. */
function commandError(err: unknown): string {
  const stderr = (err as { stderr?: Buffer | string }).stderr?.toString().trim();
  return stderr || (err as Error).message;
}

function run(argv: string[]): void {
  try {
    execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`${argv.join(' ')}: ${commandError(err)}`);
  }
}

/**
 * Whether this agent can bind-mount: root, and a bind of a scratch directory onto itself works
 * (containers without CAP_SYS_ADMIN refuse it). `probeDir` is made and removed.
 */
export function canBindMount(probeDir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  fs.mkdirSync(probeDir, { recursive: true, mode: 0o700 });
  try {
    run(['mount', '--bind', probeDir, probeDir]);
    return true;
  } catch {
    return false;
  } finally {
    // Also what an agent killed mid-probe left mounted.
    try {
      detachVolume(probeDir);
      fs.rmSync(probeDir, { recursive: true, force: true });
    } catch {
      // A probe directory left behind costs nothing; the next start tries again.
    }
  }
}

/**
 * Makes `target` (inside `sandbox`) the volume at `source`. The directories between the sandbox and
 * `target` are made one by one as the sandbox's (`owner`), and none may be a symbolic link: the task
 * owns its sandbox, and a link planted there must not make the root agent mount a volume elsewhere
 * on the host. A file or link already at `target` is refused rather than replaced.
 */
export function attachVolume(source: string, sandbox: string, target: string, mode: 'RW' | 'RO', how: Attachment, owner?: { uid: number; gid: number }): void {
  const relative = path.relative(sandbox, target);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${target} is not inside the sandbox ${sandbox}`);
  let dir = sandbox;
  for (const part of path.dirname(relative).split(path.sep).filter((p) => p !== '.' && p !== '')) {
    dir = path.join(dir, part);
    const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) throw new Error(`${dir} in the sandbox is a symbolic link; a volume is not mounted through one`);
    if (stat && !stat.isDirectory()) throw new Error(`${dir} in the sandbox is not a directory`);
    if (!stat) {
      fs.mkdirSync(dir, { mode: 0o750 });
      if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    }
  }
  const existing = fs.lstatSync(target, { throwIfNoEntry: false });
  if (how === 'symlink') {
    if (existing) throw new Error(`${target} already exists in the sandbox`);
    fs.symlinkSync(source, target, 'dir');
    return;
  }
  if (existing && !existing.isDirectory()) throw new Error(`${target} already exists in the sandbox and is not a directory`);
  if (!existing) {
    fs.mkdirSync(target, { mode: 0o750 });
    if (owner) fs.chownSync(target, owner.uid, owner.gid);
  }
  run(['mount', '--bind', source, target]);
  if (mode === 'RO') {
    try {
      run(['mount', '-o', 'remount,bind,ro', target]);
    } catch (err) {
      // A volume meant to be read-only is never left writable.
      detachVolume(target);
      throw err;
    }
  }
}

/**
 * Undoes attachVolume, either way it was done (an agent restarted with other rights may find the
 * other kind); idempotent. A busy mount is detached lazily: gone from the tree at once.
 */
export function detachVolume(target: string): void {
  if (fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) {
    fs.unlinkSync(target);
    return;
  }
  while (isMountPoint(target)) {
    try {
      run(['umount', target]);
    } catch {
      run(['umount', '--lazy', target]);
    }
  }
}

/** /proc/self/mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Every mount point of this mount namespace, from /proc/self/mountinfo (empty where there is none). */
export function mountPoints(): string[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l !== '').map((line) => unescapeMountPath(line.split(' ')[4]));
}

/** The path as mountinfo writes it: with every symbolic link above it resolved. */
function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

export function isMountPoint(dir: string): boolean {
  return mountPoints().includes(realPath(dir));
}

/** Mount points at or under `dir`, deepest first (the order they must be undone in). */
export function mountsUnder(dir: string): string[] {
  const root = realPath(dir);
  return mountPoints()
    .filter((m) => m === root || m.startsWith(root + path.sep))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes a sandbox the way a garbage collector must: whatever is still mounted under it (a volume
 * left attached) is unmounted first, and if any mount stays, nothing is removed and this throws; the
 * removal itself unlinks symlinks without following them. Volume data is never touched.
 */
export function removeSandbox(dir: string): void {
  for (const mount of mountsUnder(dir)) detachVolume(mount);
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`not removing ${dir}: still mounted at ${left.join(', ')}`);
  fs.rmSync(dir, { recursive: true, force: true });
}
