/**
 * The lock files of a stack on a file:// backend: read, judged (pulumi-recovery.ts), and the stale
 * ones removed. A lock is stale when it was taken on this host by a process that is gone, or whose
 * pid now belongs to something that is not Pulumi.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockDirs, lockState, parseLock, type LockInfo } from './pulumi-recovery';

/** Whether `pid` is a running Pulumi CLI (on Linux the process name tells; elsewhere, that it runs). */
export function pulumiAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').includes('pulumi');
  } catch {
    return true;
  }
}

export interface LockSweep {
  removed: LockInfo[];
  /** Locks left in place: their process runs, or runs on another host. */
  held: LockInfo[];
}

/** Removes the stale locks of `stack` under the backend directory; reports what it did and what it left. */
export function sweepFileLocks(
  backendDir: string, project: string, stack: string,
  hostname = os.hostname(), isAlive: (pid: number) => boolean = pulumiAlive,
): LockSweep {
  const sweep: LockSweep = { removed: [], held: [] };
  for (const dir of lockDirs(backendDir, project, stack)) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // released meanwhile
      }
      const lock = parseLock(text, file);
      if (!lock) continue;
      if (lockState(lock, hostname, isAlive) === 'stale') {
        fs.rmSync(file, { force: true });
        sweep.removed.push(lock);
      } else {
        sweep.held.push(lock);
      }
    }
  }
  return sweep;
}
