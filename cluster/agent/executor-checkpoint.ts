/**
 * The checkpoint of a custom executor (executor.json in its run's meta directory, beside the status
 * update logs of its tasks under tasks/<task>/): what a restarted agent needs to take the executor
 * back and wait for it to subscribe again (executors.ts). Written atomically like every checkpoint
 * (checkpoint.ts); read without trusting it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExecutorInfo, FrameworkID, FrameworkInfo, TaskInfo } from '../protocol/types';
import { CheckpointError, writeFileAtomic } from './checkpoint';
import type { StatusUpdate } from './status-updates';

export const EXECUTOR_CHECKPOINT_FILE = 'executor.json';

export interface ExecutorCheckpoint {
  framework_id: FrameworkID;
  framework_info: FrameworkInfo;
  executor_info: ExecutorInfo;
  container_id: string;
  sandbox: string;
  /** Seconds since the epoch. */
  launched_at: number;
  /** Every task given to the executor, in order. */
  tasks: TaskInfo[];
  pid?: number;
  pid_start_time?: string;
  boot_id?: string;
  /** The executor is gone; only its tasks' unacknowledged updates are left to deliver. */
  terminated: boolean;
}

export function isExecutorRun(runMetaDir: string): boolean {
  return fs.existsSync(path.join(runMetaDir, EXECUTOR_CHECKPOINT_FILE));
}

export function writeExecutorCheckpoint(runMetaDir: string, checkpoint: ExecutorCheckpoint): void {
  writeFileAtomic(path.join(runMetaDir, EXECUTOR_CHECKPOINT_FILE), JSON.stringify(checkpoint, null, 2) + '\n', { durable: false });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): boolean => isObject(v) && typeof v.value === 'string' && v.value !== '';

/** Throws CheckpointError naming the file and the first field recovery cannot use. */
export function readExecutorCheckpoint(runMetaDir: string): ExecutorCheckpoint {
  const file = path.join(runMetaDir, EXECUTOR_CHECKPOINT_FILE);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CheckpointError(file, `cannot be read: ${(err as Error).message}`);
  }
  const bad = (field: string, expected: string) => new CheckpointError(file, `'${field}' must be ${expected}`);
  if (!isObject(value)) throw new CheckpointError(file, 'not a JSON object');
  if (!isId(value.framework_id)) throw bad('framework_id', 'an id ({"value": "..."})');
  if (!isObject(value.framework_info)) throw bad('framework_info', 'an object');
  if (!isObject(value.executor_info) || !isId(value.executor_info.executor_id)) throw bad('executor_info.executor_id', 'an id ({"value": "..."})');
  if (typeof value.container_id !== 'string' || value.container_id === '') throw bad('container_id', 'a non-empty string');
  if (typeof value.sandbox !== 'string' || value.sandbox === '') throw bad('sandbox', 'a non-empty string');
  if (!Array.isArray(value.tasks) || !value.tasks.every((t) => isObject(t) && isId(t.task_id) && Array.isArray(t.resources))) throw bad('tasks', 'a list of tasks');
  if (value.pid !== undefined && !(Number.isInteger(value.pid) && (value.pid as number) > 1)) throw bad('pid', 'a process id');
  if (value.pid_start_time !== undefined && typeof value.pid_start_time !== 'string') throw bad('pid_start_time', 'a number as text');
  if (typeof value.launched_at !== 'number') throw bad('launched_at', 'a number');
  return { ...(value as unknown as ExecutorCheckpoint), terminated: value.terminated === true };
}

/** A custom executor's run as the previous agent process left it (recovery.ts reads it, executors.ts takes it back). */
export interface RecoveredExecutorRun {
  checkpoint: ExecutorCheckpoint;
  metaDir: string;
  /** Every task's logged updates, by task id. */
  updates: Map<string, { updates: StatusUpdate[]; unacknowledged: StatusUpdate[] }>;
}
