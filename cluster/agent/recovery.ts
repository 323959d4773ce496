/**
 * Agent restart recovery, the reading and deciding half (the agent acts on it): what the previous
 * agent process left under --work_dir (its id and AgentInfo, every run's checkpoint, every task's
 * status update log), and what becomes of each run.
 *
 * As in Mesos (--recover=reconnect, the default), the tasks of frameworks that checkpoint are
 * recovered: still running, they are adopted; ended while the agent was away, their real exit
 * status is reported; and whatever the old process had not had acknowledged is sent again. Tasks of
 * frameworks that turned checkpointing off are killed and reported lost (TASK_GONE to partition-aware
 * frameworks), as Mesos loses them. Unlike Mesos, a FrameworkInfo that does not say counts as
 * checkpointing: Mesos's default (off) makes every agent upgrade kill every task of every framework
 * that forgot the flag, which is what hurts its users; only an explicit `checkpoint: false` opts out.
 * --recover=cleanup kills every recovered task still running (TASK_KILLED, REASON_AGENT_RESTARTED)
 * and the agent goes on with its id and without tasks.
 *
 * Nothing here throws on bad files: problems are collected (each naming its file) for the agent to
 * log, and what can be used is used, so a damaged checkpoint never turns into a crash loop.
 *
 * A run whose checkpoint cannot be read (truncated, emptied, unreadable) is still a task the
 * framework knows, and its process may live on: it must never be reported gone while it runs. What
 * the directories, its status update log and the kernel still prove is used instead (the ids are
 * the directory names; the wrapper is found by its pid file or by its command line, which names the
 * run's meta dir): a task that had ended is reported as it ended, one whose process is gone is
 * reported by the exit status its wrapper recorded, and one whose process still runs is killed,
 * then reported TASK_FAILED with the checkpoint's problem (its TaskInfo, and so its resources and
 * kill policy, are lost with the checkpoint: it cannot be run on safely).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameworkInfo, TaskState } from '../protocol/types';
import { isTerminalState } from '../protocol/types';
import type { AgentCheckpoint, RunCheckpoint } from './checkpoint';
import { CheckpointError, readAgentCheckpoint, readRunCheckpoint } from './checkpoint';
import { RUN_CHECKPOINT_FILE } from '../protocol/sandbox';
import { agentIdFile, metaDir, pathSegment } from './sandbox-paths';
import { readUpdateLog } from './status-update-log';
import type { StatusUpdate, UpdateLogRecord } from './status-updates';
import { unacknowledgedUpdates } from './status-updates';
import type { TaskTransition } from './task-runner';
import { isExecutorRun, readExecutorCheckpoint, type ExecutorCheckpoint, type RecoveredExecutorRun } from './executor-checkpoint';

import type { RecoverMode } from './options';

export { RECOVER_MODES, type RecoverMode } from './options';

export interface RecoveredRun {
  checkpoint: RunCheckpoint;
  /** The directory holding run.json (and the wrapper's exit_status and pid files). */
  metaDir: string;
  /** A task of a task group: its run.json sits in runs/<container>/tasks/<task>/. */
  inGroup: boolean;
  /** Every update the task's log holds, oldest first. */
  updates: StatusUpdate[];
  /** Those not acknowledged yet, oldest first: they are sent again. */
  unacknowledged: StatusUpdate[];
}

/** A run whose checkpoint cannot be used: what is left of it. */
export interface DamagedRun {
  /** What is wrong with the checkpoint, naming the file. */
  problem: string;
  metaDir: string;
  inGroup: boolean;
  frameworkId: string;
  executorId: string;
  containerId: string;
  taskId: string;
  updates: StatusUpdate[];
  unacknowledged: StatusUpdate[];
}

export interface RecoveredState {
  /** The id to re-register with; undefined for an agent that never registered. */
  agentId?: string;
  agent?: AgentCheckpoint;
  runs: RecoveredRun[];
  /** Runs whose checkpoint could not be read (each also listed in `problems`). */
  damaged: DamagedRun[];
  /** Custom executors' runs (executors.ts takes them back). */
  executors: RecoveredExecutorRun[];
  /** What could not be used, each naming its file. */
  problems: string[];
}

function subdirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * The agent id: from meta/agent.json, else (the file is damaged or lost) from the only agent
 * directory holding runs, else the most recently used one. Undefined when nothing says.
 */
function recoverAgentId(workDir: string, problems: string[]): { agentId?: string; agent?: AgentCheckpoint } {
  try {
    const agent = readAgentCheckpoint(workDir);
    if (agent) return { agentId: agent.agent_id.value, agent };
  } catch (err) {
    problems.push(`${(err as Error).message}; recovering the agent id from the run directories instead`);
  }
  const slavesDir = path.join(metaDir(workDir), 'slaves');
  const dirs = subdirs(slavesDir);
  if (dirs.length === 0) return {};
  const newest = dirs
    .map((name) => ({ name, mtime: fs.statSync(path.join(slavesDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)[0].name;
  if (dirs.length > 1) problems.push(`${agentIdFile(workDir)} is missing or damaged and ${slavesDir} holds ${dirs.length} agents; recovering the most recent, ${newest}`);
  try {
    return { agentId: decodeURIComponent(newest) };
  } catch {
    problems.push(`${path.join(slavesDir, newest)}: not an agent id directory`);
    return {};
  }
}

/** Where a run's meta dir sits: .../frameworks/<framework>/executors/<executor>/runs/<container>[/tasks/<task>]. */
interface RunPlace {
  frameworkId: string;
  executorId: string;
  containerId: string;
  /** Set for a task of a group; a command task's id is its executor's. */
  taskId?: string;
}

function readRun(dir: string, place: RunPlace, updatesFile: (taskId: string) => string, problems: string[], damaged: DamagedRun[]): RecoveredRun | undefined {
  let checkpoint: RunCheckpoint | undefined;
  try {
    checkpoint = readRunCheckpoint(dir);
  } catch (err) {
    const problem = (err as CheckpointError).message;
    problems.push(`${problem}; recovering the run from its directories, its status updates and its process instead`);
    const taskId = place.taskId ?? place.executorId;
    const log = readUpdateLog(updatesFile(taskId));
    problems.push(...log.problems);
    damaged.push({ problem, metaDir: dir, inGroup: place.taskId !== undefined, frameworkId: place.frameworkId, executorId: place.executorId, containerId: place.containerId, taskId, ...logged(log.records) });
    return undefined;
  }
  if (!checkpoint) return undefined;
  const log = readUpdateLog(updatesFile(checkpoint.task.task_id.value));
  problems.push(...log.problems);
  return { checkpoint, metaDir: dir, inGroup: place.taskId !== undefined, ...logged(log.records) };
}

function logged(records: UpdateLogRecord[]): Pick<RecoveredRun, 'updates' | 'unacknowledged'> {
  return { updates: records.flatMap((r) => (r.type === 'UPDATE' ? [r.update] : [])), unacknowledged: unacknowledgedUpdates(records) };
}

/** An id from its directory name (sandbox-paths.ts encodes them); undefined when the name is no encoding of one. */
function idOf(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Everything the previous agent process left under `workDir`. */
export function readRecoveredState(workDir: string): RecoveredState {
  const problems: string[] = [];
  const { agentId, agent } = recoverAgentId(workDir, problems);
  const runs: RecoveredRun[] = [];
  const damaged: DamagedRun[] = [];
  const executors: RecoveredExecutorRun[] = [];
  if (agentId === undefined) return { runs, damaged, executors, problems };
  const agentDir = path.join(metaDir(workDir), 'slaves', pathSegment(agentId));
  for (const framework of subdirs(path.join(agentDir, 'frameworks'))) {
    const executorsDir = path.join(agentDir, 'frameworks', framework, 'executors');
    for (const executor of subdirs(executorsDir)) {
      const runsDir = path.join(executorsDir, executor, 'runs');
      for (const container of subdirs(runsDir)) {
        const runDir = path.join(runsDir, container);
        const [frameworkId, executorId, containerId] = [idOf(framework), idOf(executor), idOf(container)];
        if (frameworkId === undefined || executorId === undefined || containerId === undefined) {
          problems.push(`${runDir}: not a run directory; skipped`);
          continue;
        }
        const place: RunPlace = { frameworkId, executorId, containerId };
        const updatesFile = (taskId: string) => path.join(runDir, 'tasks', pathSegment(taskId), 'task.updates');
        if (isExecutorRun(runDir)) {
          const run = readExecutorRun(runDir, updatesFile, problems);
          if (run) executors.push(run);
          continue;
        }
        // A command task checkpoints in the run's directory, each task of a group in its own.
        const tasks = subdirs(path.join(runDir, 'tasks'));
        const isGroup = tasks.some((task) => fs.existsSync(path.join(runDir, 'tasks', task, RUN_CHECKPOINT_FILE)));
        const commandTask = isGroup ? undefined : readRun(runDir, place, updatesFile, problems, damaged);
        if (commandTask) {
          runs.push(commandTask);
          continue;
        }
        if (!isGroup) continue;
        for (const task of tasks) {
          const taskId = idOf(task);
          if (taskId === undefined) continue;
          const run = readRun(path.join(runDir, 'tasks', task), { ...place, taskId }, updatesFile, problems, damaged);
          if (run) runs.push(run);
        }
      }
    }
  }
  return { agentId, agent, runs, damaged, executors, problems };
}

/** A custom executor's run: its checkpoint and its tasks' update logs; undefined (a problem noted) when unusable. */
function readExecutorRun(dir: string, updatesFile: (taskId: string) => string, problems: string[]): RecoveredExecutorRun | undefined {
  let checkpoint: ExecutorCheckpoint;
  try {
    checkpoint = readExecutorCheckpoint(dir);
  } catch (err) {
    problems.push(`${(err as Error).message}; the executor and its tasks are not recovered`);
    return undefined;
  }
  const updates = new Map<string, Pick<RecoveredRun, 'updates' | 'unacknowledged'>>();
  for (const task of checkpoint.tasks) {
    const log = readUpdateLog(updatesFile(task.task_id.value));
    problems.push(...log.problems);
    updates.set(task.task_id.value, logged(log.records));
  }
  return { checkpoint, metaDir: dir, updates };
}

/** Whether a framework's tasks survive an agent restart: unless it said `checkpoint: false` (see above). */
export function frameworkCheckpoints(info: FrameworkInfo | undefined): boolean {
  return info?.checkpoint !== false;
}

function partitionAware(info: FrameworkInfo): boolean {
  return (info.capabilities ?? []).some((c) => c?.type === 'PARTITION_AWARE');
}

/** The state a run was last in: its latest logged update, which may be newer than its checkpoint. */
export function lastKnownState(run: Pick<RecoveredRun, 'checkpoint' | 'updates'>): TaskState {
  const last = run.updates[run.updates.length - 1];
  return last ? last.status.state : run.checkpoint.state;
}

export type RunFate =
  /** Over, and the framework acknowledged its end: history only. */
  | { kind: 'completed' }
  /** Over, with updates still to deliver. */
  | { kind: 'ended' }
  /** Was running: adopt its process (or learn how it ended while the agent was away). */
  | { kind: 'adopt'; killOnRecovery: boolean }
  /** Its framework does not checkpoint: kill it and report this. */
  | { kind: 'discard'; transition: TaskTransition };

export function runFate(run: Pick<RecoveredRun, 'checkpoint' | 'updates' | 'unacknowledged'>, mode: RecoverMode): RunFate {
  if (isTerminalState(lastKnownState(run))) return run.unacknowledged.length > 0 ? { kind: 'ended' } : { kind: 'completed' };
  const info = run.checkpoint.framework_info;
  if (!frameworkCheckpoints(info)) {
    return {
      kind: 'discard',
      transition: {
        state: partitionAware(info) ? 'TASK_GONE' : 'TASK_LOST',
        source: 'SOURCE_AGENT',
        reason: 'REASON_AGENT_RESTARTED',
        message: 'The agent restarted and the framework does not checkpoint (FrameworkInfo.checkpoint is false): the task was killed',
      },
    };
  }
  return { kind: 'adopt', killOnRecovery: mode === 'cleanup' };
}

/**
 * What becomes of a run whose checkpoint is damaged (see the top): `alive` says whether its process
 * was found running. An ended task is reported as it ended; a live one is killed first.
 */
export function damagedRunFate(run: Pick<DamagedRun, 'problem' | 'updates' | 'unacknowledged'>, alive: boolean, mode: RecoverMode): RunFate {
  const last = run.updates[run.updates.length - 1];
  if (last && isTerminalState(last.status.state)) return run.unacknowledged.length > 0 ? { kind: 'ended' } : { kind: 'completed' };
  if (!alive) return { kind: 'adopt', killOnRecovery: mode === 'cleanup' };
  return {
    kind: 'discard',
    transition: {
      state: 'TASK_FAILED',
      source: 'SOURCE_AGENT',
      reason: 'REASON_AGENT_RESTARTED',
      message: `The agent restarted and could not read the task's checkpoint (${run.problem}): the task's process was killed, since the task cannot be run on without it`,
    },
  };
}
