/**
 * What the agent writes down about itself and its runs, and reads back when it restarts: its own id
 * and AgentInfo (to re-register as the same agent), and for every run the task, its framework, the
 * container, the pid with its start time and the last known state (to adopt the task's process, see
 * recovery.ts; `mesoscloud destroy` also reads the pids to find tasks left behind). Files are
 * replaced atomically (write to a temporary file, rename) so a crash never leaves half a checkpoint.
 *
 * Run checkpoints are not fsync'd. They can only serve an agent restarted while the kernel, and so
 * the task processes and the page cache, lived on; after a reboot the processes they describe are gone. The
 * fsync would only cost every launch a disk flush (about a millisecond) for nothing. The agent id,
 * written once, and the status update logs (status-update-log.ts) are flushed.
 *
 * Reading never trusts the file: anything unreadable or malformed is a CheckpointError naming the
 * file and what is wrong with it, which recovery reports and works around rather than dying on (an
 * agent that exits on a bad checkpoint is restarted by its supervisor into the same bad checkpoint).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentInfo, ExecutorInfo, FrameworkID, FrameworkInfo, TaskInfo, TaskState } from '../protocol/types';
import { TASK_STATES } from '../protocol/types';
import type { ProcessIdentity } from './process-identity';
import { RUN_CHECKPOINT_FILE } from '../protocol/sandbox';
import { agentIdFile } from './sandbox-paths';

export interface RunCheckpoint {
  framework_id: FrameworkID;
  framework_info: FrameworkInfo;
  task: TaskInfo;
  /** The default executor the task runs under, for tasks of a task group. */
  executor?: ExecutorInfo;
  executor_id: string;
  container_id: string;
  sandbox: string;
  /** Wrapper pid, also the process group of the task; absent until the process started. */
  pid?: number;
  /** Start time and boot of that pid (process-identity.ts), so a reused pid is not taken for the task. */
  pid_start_time?: string;
  boot_id?: string;
  state: TaskState;
  /** Seconds since the epoch. */
  launched_at: number;
  /** While killing: when SIGKILL follows SIGTERM (ms since the epoch). */
  kill_deadline?: number;
}

/** What recovery cannot use: the file and what is wrong with it. */
export class CheckpointError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`checkpoint ${file}: ${problem}`);
  }
}

/** The recorded pid as a ProcessIdentity, when a start time was recorded with it. */
export function checkpointedIdentity(checkpoint: Pick<RunCheckpoint, 'pid' | 'pid_start_time' | 'boot_id'>): ProcessIdentity | undefined {
  if (checkpoint.pid === undefined || checkpoint.pid_start_time === undefined) return undefined;
  return { pid: checkpoint.pid, startTime: checkpoint.pid_start_time, ...(checkpoint.boot_id ? { bootId: checkpoint.boot_id } : {}) };
}

export function writeFileAtomic(file: string, text: string, opts: { durable: boolean }): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openCreating(tmp);
    try {
      fs.writeSync(fd, text);
      if (opts.durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    // A full disk leaves the old file as it was, and no half-written one beside it.
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Opens a new file for writing, making its directory only when it is missing: a run's checkpoint is
 * written several times in the life of a task, and a recursive mkdir of a deep directory that exists
 * costs a lookup of every component each time.
 */
function openCreating(file: string): number {
  try {
    return fs.openSync(file, 'w', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.openSync(file, 'w', 0o600);
  }
}

export function writeRunCheckpoint(runMetaDir: string, checkpoint: RunCheckpoint): void {
  writeFileAtomic(path.join(runMetaDir, RUN_CHECKPOINT_FILE), JSON.stringify(checkpoint, null, 2) + '\n', { durable: false });
}

/** Undefined when there is no checkpoint; throws CheckpointError when there is one that cannot be used. */
export function readRunCheckpoint(runMetaDir: string): RunCheckpoint | undefined {
  const file = path.join(runMetaDir, RUN_CHECKPOINT_FILE);
  const value = readJson(file);
  return value === undefined ? undefined : validateRunCheckpoint(value, file);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): boolean => isObject(v) && typeof v.value === 'string' && v.value !== '';
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const STATES: ReadonlySet<string> = new Set(TASK_STATES);

/** Checks what recovery relies on; throws CheckpointError naming the first bad field. */
export function validateRunCheckpoint(value: unknown, file: string): RunCheckpoint {
  const bad = (field: string, expected: string) => new CheckpointError(file, `'${field}' must be ${expected}`);
  if (!isObject(value)) throw new CheckpointError(file, 'not a JSON object');
  if (!isId(value.framework_id)) throw bad('framework_id', 'an id ({"value": "..."})');
  if (!isObject(value.framework_info)) throw bad('framework_info', 'an object');
  const task = value.task;
  if (!isObject(task) || !isId(task.task_id)) throw bad('task.task_id', 'an id ({"value": "..."})');
  if (!Array.isArray(task.resources)) throw bad('task.resources', 'a list');
  if (!isText(value.executor_id)) throw bad('executor_id', 'a non-empty string');
  if (!isText(value.container_id)) throw bad('container_id', 'a non-empty string');
  if (!isText(value.sandbox)) throw bad('sandbox', 'a non-empty string');
  if (typeof value.state !== 'string' || !STATES.has(value.state)) throw bad('state', 'a task state');
  if (value.pid !== undefined && !(Number.isInteger(value.pid) && (value.pid as number) > 1)) throw bad('pid', 'a process id');
  if (value.pid_start_time !== undefined && !(typeof value.pid_start_time === 'string' && /^\d+$/.test(value.pid_start_time))) throw bad('pid_start_time', 'a number as text');
  if (typeof value.launched_at !== 'number') throw bad('launched_at', 'a number');
  if (value.kill_deadline !== undefined && typeof value.kill_deadline !== 'number') throw bad('kill_deadline', 'a number');
  return value as unknown as RunCheckpoint;
}

/** The parsed JSON of a file; undefined when the file does not exist. */
function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError(file, `cannot be read: ${(err as Error).message}`);
  }
  if (text.trim() === '') throw new CheckpointError(file, 'is empty (written partially?)');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(file, `is not valid JSON (written partially?): ${(err as Error).message}`);
  }
}

/** meta/agent.json: who this agent was the last time it registered. */
export interface AgentCheckpoint {
  agent_id: { value: string };
  /** What it registered with; absent in checkpoints of older versions. */
  agent_info?: AgentInfo;
}

/** Undefined when the agent never registered; throws CheckpointError when the file cannot be used. */
export function readAgentCheckpoint(workDir: string): AgentCheckpoint | undefined {
  const file = agentIdFile(workDir);
  const value = readJson(file);
  if (value === undefined) return undefined;
  if (!isObject(value) || !isId(value.agent_id)) throw new CheckpointError(file, "'agent_id' must be an id ({\"value\": \"...\"})");
  if (value.agent_info !== undefined && !isObject(value.agent_info)) throw new CheckpointError(file, "'agent_info' must be an object");
  return value as unknown as AgentCheckpoint;
}

export function writeAgentCheckpoint(workDir: string, checkpoint: AgentCheckpoint): void {
  writeFileAtomic(agentIdFile(workDir), JSON.stringify(checkpoint) + '\n', { durable: true });
}
