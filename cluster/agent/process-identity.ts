/**
 * Telling a task's process apart from whatever later gets its pid. A restarted agent is not the
 * parent of the tasks it recovers, so it learns of their end by looking: the process is the task's
 * while /proc/<pid>/stat shows the same start time (in clock ticks since boot) in the same boot as
 * when it was launched. A reused pid has a later start time; after a reboot the boot id differs.
 */
import * as fs from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat, kept as text: it can exceed 2^53 on a long-running host. */
  startTime: string;
  /** /proc/sys/kernel/random/boot_id when the process was seen. */
  bootId?: string;
}

interface StatFields {
  state: string;
  startTime: string;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields resume after the last ')'. */
export function parseStat(text: string): StatFields | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state); starttime is field 22.
  const startTime = fields[19];
  if (!fields[0] || !startTime || !/^\d+$/.test(startTime)) return undefined;
  return { state: fields[0], startTime };
}

function readStat(pid: number): StatFields | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

let cachedBootId: string | undefined;

export function currentBootId(): string | undefined {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      cachedBootId = undefined;
    }
  }
  return cachedBootId;
}

/** The identity of a live process, or undefined when it is gone (or /proc cannot tell). */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  if (!stat) return undefined;
  const bootId = currentBootId();
  return { pid, startTime: stat.startTime, ...(bootId ? { bootId } : {}) };
}

/** True while the very process described runs (a zombie has ended: it only waits to be reaped). */
export function isRunning(identity: ProcessIdentity): boolean {
  const bootId = currentBootId();
  if (identity.bootId && bootId && identity.bootId !== bootId) return false;
  const stat = readStat(identity.pid);
  return stat !== undefined && stat.startTime === identity.startTime && stat.state !== 'Z' && stat.state !== 'X';
}
