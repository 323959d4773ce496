/**
 * Starts a task's process so that it outlives the agent: detached into its own session and process
 * group, stdin closed and stdout/stderr going to files in the sandbox, never to the agent's pipes.
 *
 * The process we start is a small POSIX shell that plays the part of Mesos's command executor:
 * it joins the container's cgroups (so the command is limited from its first instruction), runs
 * the command, and records its exit status in the run's meta directory. That file is how a restarted
 * agent, which is no longer the parent, learns how a task it recovered ended: it watches the pid
 * (process-identity.ts) and reads the file once the process is gone (see adoptProcess).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProcessIdentity } from './process-identity';
import { isRunning, processIdentity } from './process-identity';

export const EXIT_STATUS_FILE = 'exit_status';
export const LAUNCH_ERROR_FILE = 'launch_error';
/** The wrapper's own pid, written first thing: it finds a task the agent died before checkpointing. */
export const PID_FILE = 'pid';
/** Marks the wrapper's command line, with the run's meta dir as the next argument. */
const WRAPPER_NAME = 'mesoscloud-executor';
/** Exit code of the wrapper when it could not join a cgroup (the command never ran). */
export const JOIN_FAILED_EXIT = 125;

/*
 * $1 = meta dir, then cgroup.procs files, then "--", then the argv of the command.
 * The TERM/INT/HUP trap keeps the wrapper alive while the command handles the signal, so the exit
 * status is still recorded; a trap with a handler (not '') is reset in the child, which therefore
 * sees the signals normally.
 */
const WRAPPER = [
  'meta="$1"; shift',
  'echo $$ > "$meta/' + PID_FILE + '" 2>/dev/null || :',
  'while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do',
  '  if ! echo $$ > "$1"; then',
  '    echo "could not join cgroup $1" > "$meta/' + LAUNCH_ERROR_FILE + '"',
  '    exit ' + JOIN_FAILED_EXIT,
  '  fi',
  '  shift',
  'done',
  'shift',
  "trap ':' TERM INT HUP",
  '"$@"',
  'status=$?',
  'echo "$status" > "$meta/' + EXIT_STATUS_FILE + '.tmp" && mv -f "$meta/' + EXIT_STATUS_FILE + '.tmp" "$meta/' + EXIT_STATUS_FILE + '"',
  'exit "$status"',
].join('\n');

export interface LaunchRequest {
  argv: string[];
  env: Record<string, string>;
  /** Working directory; receives the `stdout` and `stderr` files. */
  sandbox: string;
  /** Private directory of this run (exit status, launch errors). */
  metaDir: string;
  /** cgroup.procs files to join before the command runs. */
  procsFiles: string[];
}

/** How the task's process ended; both null when nobody could tell (see adoptProcess). */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchedProcess {
  /** Pid of the wrapper; also the process group id of everything the task starts. */
  pid: number;
  /** Pid and start time, when /proc could tell them: what recovery checks the pid against. */
  identity?: ProcessIdentity;
  exited: Promise<ProcessExit>;
}

/** Resolves once the process exists; rejects with the system's reason when it could not start. */
export async function launchProcess(req: LaunchRequest): Promise<LaunchedProcess> {
  if (req.argv.length === 0) throw new Error('empty command');
  fs.mkdirSync(req.metaDir, { recursive: true });
  const out = fs.openSync(path.join(req.sandbox, 'stdout'), 'a');
  const err = fs.openSync(path.join(req.sandbox, 'stderr'), 'a');
  try {
    const child = spawn('/bin/sh', ['-c', WRAPPER, WRAPPER_NAME, req.metaDir, ...req.procsFiles, '--', ...req.argv], {
      cwd: req.sandbox,
      env: req.env,
      detached: true,
      stdio: ['ignore', out, err],
    });
    const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => reject(e));
    });
    // The agent may exit (SIGTERM) while the task goes on; do not hold its event loop open.
    child.unref();
    const pid = child.pid as number;
    return { pid, identity: processIdentity(pid), exited };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

/** Sends a signal to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  // -0 and -1 would mean the agent's own group and every process we may signal.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/** What the wrapper wrote when it could not start the command, if anything. */
export function readLaunchError(metaDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(metaDir, LAUNCH_ERROR_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The exit status the wrapper recorded, if it got to record one. */
export function readExitStatus(metaDir: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(metaDir, EXIT_STATUS_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * The wrapper of a run found by the pid file it wrote itself, for a task whose pid never made it
 * into the checkpoint: the pid counts only while its command line names this run's meta directory,
 * which no other process has.
 */
export function findWrapper(metaDir: string): ProcessIdentity | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(metaDir, PID_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = argv.indexOf(WRAPPER_NAME);
    if (at < 0 || argv[at + 1] !== metaDir) return undefined;
  } catch {
    return undefined;
  }
  return processIdentity(pid);
}

/** How often a recovered task's process is looked at; one timer serves every one of them. */
export const ADOPTED_POLL_MS = 500;

const watched = new Map<ProcessIdentity, () => void>();
let pollTimer: NodeJS.Timeout | undefined;

function pollAdopted(): void {
  for (const [identity, onGone] of watched) {
    if (isRunning(identity)) continue;
    watched.delete(identity);
    onGone();
  }
  if (watched.size === 0 && pollTimer) {
    clearInterval(pollTimer);
    pollTimer = undefined;
  }
}

/**
 * A task process a previous agent started: this agent is not its parent and gets no exit event, so
 * it polls the pid (against its start time, so a reused pid does not pass for the task) and, once it
 * is gone, reads the exit status the wrapper recorded. A wrapper killed by SIGKILL recorded nothing:
 * the exit is then unknown (code and signal null). `identity` undefined means already gone.
 */
export function adoptProcess(identity: ProcessIdentity | undefined, metaDir: string): LaunchedProcess & { stopWatching(): void } {
  const exitOf = (): ProcessExit => ({ code: readExitStatus(metaDir) ?? null, signal: null });
  if (!identity || !isRunning(identity)) {
    return { pid: identity?.pid ?? 0, identity, exited: Promise.resolve(exitOf()), stopWatching: () => undefined };
  }
  const exited = new Promise<ProcessExit>((resolve) => watched.set(identity, () => resolve(exitOf())));
  if (!pollTimer) {
    pollTimer = setInterval(pollAdopted, ADOPTED_POLL_MS);
    pollTimer.unref();
  }
  return { pid: identity.pid, identity, exited, stopWatching: () => watched.delete(identity) };
}
