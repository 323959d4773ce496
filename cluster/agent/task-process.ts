/**
 * Starts a task's process so that it outlives the agent: detached into its own session and process
 * group, stdin closed and stdout/stderr going to files in the sandbox, never to the agent's pipes.
 *
 * The process we start is a small POSIX shell that plays the part of Mesos's command executor:
 * it joins the container's cgroups (so the command is limited from its first instruction), runs
 * the command, and records its exit status in the run's meta directory. That file is how a restarted
 * agent, which is no longer the parent, learns how a task it recovered ended: it watches the pid
 * (process-identity.ts) and reads the file once the process is gone (see adoptProcess).
 *
 * The wrapper runs as the agent's user (root, on an agent that switches users) with no environment
 * but the agent's PATH: nothing the task chose runs with the agent's privileges. The task's user is
 * taken on only for the command: after joining the cgroups, the wrapper starts `setpriv` with the
 * uid, gid and supplementary groups the agent resolved (task-user.ts), which execs a shell that,
 * already unprivileged, reads the task's environment from an inherited file descriptor and execs
 * the command. So the cgroups are joined before the command's first instruction, the wrapper can
 * still record the exit status in the agent's private meta directory, and the environment (which
 * may hold secrets) never appears on a command line. A task that runs as the agent's own user
 * needs no second shell: a subshell of the wrapper reads the environment and execs the command.
 *
 * Every process a launch starts costs a fork and an exec, as much as the task's own, so the
 * wrapper uses shell builtins only: the environment is read with `read`, not `cat`, and the exit
 * status written in place, not renamed by `mv` (it is read only once the wrapper is gone; a wrapper
 * killed while writing it leaves an empty file, which reads as no status, as a missing one does).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProcessIdentity } from './process-identity';
import { isRunning, processIdentity } from './process-identity';
import { DEFAULT_PATH } from './task-command';
import type { UserIdentity } from './task-user';

export const EXIT_STATUS_FILE = 'exit_status';
export const LAUNCH_ERROR_FILE = 'launch_error';
/** The wrapper's own pid, written first thing: it finds a task the agent died before checkpointing. */
export const PID_FILE = 'pid';
/** Marks the wrapper's command line, with the run's meta dir as the next argument. */
const WRAPPER_NAME = 'mesoscloud-executor';
/** Exit code of the wrapper when it could not join a cgroup (the command never ran). */
export const JOIN_FAILED_EXIT = 125;

/** The file descriptor the task's environment arrives on, as `export NAME='value'` lines. */
const ENV_FD = 3;
/**
 * Takes the environment from ENV_FD (builtins only: every line, newlines inside quoted values
 * included), closes the descriptor and execs "$@", the command.
 */
const LOAD_ENV = [
  `_env=; while IFS= read -r _line; do _env="$_env$_line`,
  `"; done <&${ENV_FD}; exec ${ENV_FD}<&- && eval "$_env" && exec "$@"`,
].join('\n');
const LOAD_ENV_NAME = 'mesoscloud-env';
/** In the wrapper's argv instead of a command shell: its own subshell loads the environment (no user switch). */
const LOAD_ENV_HERE = '--load-env';

/*
 * $1 = meta dir, then cgroup.procs files, then "--", then the argv of the command (after
 * LOAD_ENV_HERE when the wrapper's subshell is to load the environment itself).
 * The TERM/INT/HUP trap keeps the wrapper alive while the command handles the signal, so the exit
 * status is still recorded; a trap with a handler (not '') is reset in the child, which therefore
 * sees the signals normally.
 */
const WRAPPER = [
  'meta="$1"; shift',
  'echo "$$" > "$meta/' + PID_FILE + '" 2>/dev/null || :',
  'while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do',
  '  if ! echo "$$" > "$1"; then',
  '    echo "could not join cgroup $1" > "$meta/' + LAUNCH_ERROR_FILE + '"',
  '    exit ' + JOIN_FAILED_EXIT,
  '  fi',
  '  shift',
  'done',
  'shift',
  "trap ':' TERM INT HUP",
  `if [ "$1" = ${LOAD_ENV_HERE} ]; then shift; (`,
  LOAD_ENV,
  '); else "$@"; fi',
  'status=$?',
  'echo "$status" > "$meta/' + EXIT_STATUS_FILE + '"',
  'exit "$status"',
].join('\n');

/** Names a shell can export; others cannot reach the command this way and are left out. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The environment as the script LOAD_ENV evaluates: each value single-quoted, so nothing in it is interpreted. */
export function environmentScript(env: Record<string, string>): string {
  return Object.entries(env)
    .filter(([name]) => ENV_NAME.test(name))
    .map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'\n`)
    .join('');
}

const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv', '/sbin/setpriv'];

/** util-linux's setpriv, by absolute path: the wrapper must not find it through a PATH. */
export function setprivPath(): string | undefined {
  return SETPRIV_PATHS.find((p) => fs.existsSync(p));
}

/** The argv that runs `argv` as `user` (setpriv sets the saved uid too, and drops every capability with the uid). */
export function asUser(user: UserIdentity, argv: string[]): string[] {
  const setpriv = setprivPath();
  if (!setpriv) throw new Error(`cannot run the task as user '${user.name}': setpriv (util-linux) is not installed on this agent`);
  const groups = user.groups.length > 0 ? [`--groups=${user.groups.join(',')}`] : ['--clear-groups'];
  return [setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, ...groups, '--', ...argv];
}

export interface LaunchRequest {
  argv: string[];
  env: Record<string, string>;
  /** Working directory; receives the `stdout` and `stderr` files. */
  sandbox: string;
  /** Private directory of this run (exit status, launch errors). */
  metaDir: string;
  /** cgroup.procs files to join before the command runs. */
  procsFiles: string[];
  /** The user the command runs as; undefined: the agent's own. The sandbox and its output files are made theirs. */
  user?: UserIdentity;
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
  fs.mkdirSync(req.metaDir, { recursive: true, mode: 0o700 });
  // Run by a shell as the task's user, or by the wrapper's subshell when the user is the agent's.
  const argv = req.user ? asUser(req.user, ['/bin/sh', '-c', LOAD_ENV, LOAD_ENV_NAME, ...req.argv]) : [LOAD_ENV_HERE, ...req.argv];
  const envFile = path.join(req.metaDir, `env-${process.pid}`);
  const fds: number[] = [];
  try {
    // Written and unlinked here: the wrapper's descriptor is all that is left of it once it started.
    fs.writeFileSync(envFile, environmentScript(req.env), { mode: 0o600 });
    fds.push(fs.openSync(envFile, 'r'));
    fs.rmSync(envFile, { force: true });
    fds.push(outputFile(req.sandbox, 'stdout', req.user), outputFile(req.sandbox, 'stderr', req.user));
    const [envFd, out, err] = fds;
    const child = spawn('/bin/sh', ['-c', WRAPPER, WRAPPER_NAME, req.metaDir, ...req.procsFiles, '--', ...argv], {
      cwd: req.sandbox,
      env: { PATH: process.env.PATH || DEFAULT_PATH },
      detached: true,
      stdio: ['ignore', out, err, envFd],
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
    fs.rmSync(envFile, { force: true });
    for (const fd of fds) fs.closeSync(fd);
  }
}

/** The task's stdout or stderr, opened for appending; the task's user owns it. */
function outputFile(sandbox: string, name: string, user: UserIdentity | undefined): number {
  const fd = fs.openSync(path.join(sandbox, name), 'a', 0o640);
  if (user) fs.fchownSync(fd, user.uid, user.gid);
  return fd;
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
 * The wrapper of a run, for a task whose pid never made it into the checkpoint (or whose checkpoint
 * is damaged): found by the pid file it wrote itself, else (that file too is lost, say on a full
 * disk) by looking through /proc. A pid counts only while its command line names this run's meta
 * directory, which no other process has.
 */
export function findWrapper(metaDir: string): ProcessIdentity | undefined {
  let pid: number | undefined;
  try {
    pid = Number(fs.readFileSync(path.join(metaDir, PID_FILE), 'utf8').trim());
  } catch {
    pid = undefined;
  }
  if (pid !== undefined && isWrapperOf(pid, metaDir)) return processIdentity(pid);
  for (const entry of fs.readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && isWrapperOf(Number(entry), metaDir)) return processIdentity(Number(entry));
  }
  return undefined;
}

function isWrapperOf(pid: number, metaDir: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = argv.indexOf(WRAPPER_NAME);
    return at >= 0 && argv[at + 1] === metaDir;
  } catch {
    return false;
  }
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
