/**
 * What the agent writes down about itself and its runs: its own id (read back on restart, to
 * re-register as the same agent), and for every run the task, its framework, the container, the pid
 * and the last known state (written for recovery of running tasks, which a restarted agent does
 * not do yet; `mesoscloud destroy` reads the pids to find tasks left behind). Files are
 * replaced atomically (write to a temporary file, rename) so a crash never leaves half a checkpoint.
 *
 * Run checkpoints are not fsync'd. They can only serve an agent restarted while the kernel, and so
 * the task processes and the page cache, lived on; after a reboot the processes they describe are gone. The
 * fsync would only cost every launch a disk flush (about a millisecond) for nothing. The agent id,
 * written once, and the status update logs (status-update-log.ts) are flushed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExecutorInfo, FrameworkID, FrameworkInfo, TaskInfo, TaskState } from '../protocol/types';
import { agentIdFile } from './sandbox-paths';

export const RUN_CHECKPOINT_FILE = 'run.json';

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
  state: TaskState;
  /** Seconds since the epoch. */
  launched_at: number;
}

export function writeFileAtomic(file: string, text: string, opts: { durable: boolean }): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    if (opts.durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function writeRunCheckpoint(runMetaDir: string, checkpoint: RunCheckpoint): void {
  writeFileAtomic(path.join(runMetaDir, RUN_CHECKPOINT_FILE), JSON.stringify(checkpoint, null, 2) + '\n', { durable: false });
}

export function readRunCheckpoint(runMetaDir: string): RunCheckpoint | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runMetaDir, RUN_CHECKPOINT_FILE), 'utf8')) as RunCheckpoint;
  } catch {
    return undefined;
  }
}

/** The id the master gave this agent last time, if any. */
export function readAgentId(workDir: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(agentIdFile(workDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { agent_id?: { value?: unknown } };
    const value = parsed.agent_id?.value;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function writeAgentId(workDir: string, agentId: string): void {
  writeFileAtomic(agentIdFile(workDir), JSON.stringify({ agent_id: { value: agentId } }) + '\n', { durable: true });
}
