/**
 * Process bookkeeping on this machine, for the local provider and the local ZooKeeper ensemble:
 * liveness, ownership checks against PID reuse, and finding task processes left behind. Linux answers through /proc; elsewhere only liveness is known.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_CHECKPOINT_FILE } from '../../cluster/protocol/sandbox';

const HAS_PROC = fs.existsSync('/proc/self/stat');

/** Alive and not a zombie (an exited child nobody reaped yet counts as gone). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readStat(pid);
  return stat === undefined ? !HAS_PROC : stat.state !== 'Z' && stat.state !== 'X';
}

interface Stat { state: string; ppid: number; pgid: number }

function readStat(pid: number): Stat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function readNulList(file: string): string[] | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` still is the process we started: one of its arguments is exactly `marker` (a path
 * unique to the daemon). Without /proc there is no way to tell, so a live pid is trusted.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  if (!HAS_PROC) return true;
  const cmdline = readNulList(`/proc/${pid}/cmdline`);
  return cmdline !== undefined && cmdline.some((arg) => arg === marker);
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Kills a whole process group when `pid` leads one (tasks run in their own group), else the process. */
export function killGroupOrProcess(pid: number, sig: NodeJS.Signals = 'SIGKILL'): boolean {
  const stat = readStat(pid);
  if (stat && stat.pgid === pid && signal(-pid, sig)) return true;
  return signal(pid, sig);
}

/** Polls until every pid is gone or the time is up; returns those still alive. */
export async function waitForExit(pids: number[], timeoutMs: number, pollMs = 50): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** This process and its ancestors: never to be killed, e.g. a shell whose cwd is inside a sandbox. */
function ownLineage(): Set<number> {
  const lineage = new Set<number>([process.pid]);
  let pid = process.ppid;
  while (pid > 1 && !lineage.has(pid)) {
    lineage.add(pid);
    pid = readStat(pid)?.ppid ?? 0;
  }
  return lineage;
}

function isInside(child: string, dir: string): boolean {
  const rel = path.relative(dir, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Processes that belong to tasks of a cluster: started in a sandbox under `agentsDir` (their cwd
 * or MESOS_SANDBOX points there), or named by a checkpointed pid file under it.
 */
export function findTaskProcesses(agentsDir: string): number[] {
  const skip = ownLineage();
  const found = new Set<number>();
  if (HAS_PROC) {
    for (const entry of safeReaddir('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || skip.has(pid) || !isAlive(pid)) continue;
      if (belongsToSandbox(pid, agentsDir)) found.add(pid);
    }
  }
  for (const pid of checkpointedPids(agentsDir)) {
    if (skip.has(pid) || found.has(pid) || !isAlive(pid)) continue;
    if (!HAS_PROC || belongsToSandbox(pid, agentsDir)) found.add(pid);
  }
  return [...found].sort((a, b) => a - b);
}

function belongsToSandbox(pid: number, agentsDir: string): boolean {
  try {
    if (isInside(fs.readlinkSync(`/proc/${pid}/cwd`), agentsDir)) return true;
  } catch {
    // Gone, or not ours to read.
  }
  const env = readNulList(`/proc/${pid}/environ`);
  const sandbox = env?.find((kv) => kv.startsWith('MESOS_SANDBOX='))?.slice('MESOS_SANDBOX='.length);
  return sandbox !== undefined && isInside(sandbox, agentsDir);
}

function isPidFile(name: string): boolean {
  return name === 'pid' || name.endsWith('.pid') || name === RUN_CHECKPOINT_FILE;
}

/** A pid file holds the number; the agent's run checkpoint is JSON with a `pid` field. */
function readCheckpointedPid(file: string): number | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    const pid = file.endsWith('.json') ? Number((JSON.parse(text) as { pid?: unknown }).pid) : Number(text);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined; // Unreadable checkpoint: the /proc scan still covers the task.
  }
}

/** Pids named by agent checkpoints anywhere under `dir` (pid files, or run.json's `pid`). */
function checkpointedPids(dir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 16) return;
    for (const entry of safeReaddirEntries(d)) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full, depth + 1);
      else if (entry.isFile() && isPidFile(entry.name)) {
        const pid = readCheckpointedPid(full);
        if (pid !== undefined) pids.push(pid);
      }
    }
  };
  walk(dir, 0);
  return pids;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function safeReaddirEntries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').filter(Boolean).slice(-lines).join('\n');
  } catch {
    return '';
  }
}
