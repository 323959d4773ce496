/**
 * Starts a task's process so that it outlives the agent: detached into its own session and process
 * group, stdin closed and stdout/stderr going to files in the sandbox, never to the agent's pipes.
 *
 * The process we start is a small POSIX shell that plays the part of Mesos's command executor:
 * it joins the container's cgroups (so the command is limited from its first instruction), runs
 * the command, and records its exit status in the run's meta directory, where it stays readable
 * by anyone although the agent may no longer be the parent (nothing reads it back on restart yet).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXIT_STATUS_FILE = 'exit_status';
export const LAUNCH_ERROR_FILE = 'launch_error';
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

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchedProcess {
  /** Pid of the wrapper; also the process group id of everything the task starts. */
  pid: number;
  exited: Promise<ProcessExit>;
}

/** Resolves once the process exists; rejects with the system's reason when it could not start. */
export async function launchProcess(req: LaunchRequest): Promise<LaunchedProcess> {
  if (req.argv.length === 0) throw new Error('empty command');
  fs.mkdirSync(req.metaDir, { recursive: true });
  const out = fs.openSync(path.join(req.sandbox, 'stdout'), 'a');
  const err = fs.openSync(path.join(req.sandbox, 'stderr'), 'a');
  try {
    const child = spawn('/bin/sh', ['-c', WRAPPER, 'mesoscloud-executor', req.metaDir, ...req.procsFiles, '--', ...req.argv], {
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
    return { pid: child.pid as number, exited };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

/** Sends a signal to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
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
