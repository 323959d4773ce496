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
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameworkInfo, TaskState } from '../protocol/types';
import { isTerminalState } from '../protocol/types';
import type { AgentCheckpoint, RunCheckpoint } from './checkpoint';
import { CheckpointError, readAgentCheckpoint, readRunCheckpoint } from './checkpoint';
import { agentIdFile, metaDir, pathSegment } from './sandbox-paths';
import { readUpdateLog } from './status-update-log';
import type { StatusUpdate, UpdateLogRecord } from './status-updates';
import { unacknowledgedUpdates } from './status-updates';
import type { TaskTransition } from './task-runner';

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

export interface RecoveredState {
  /** The id to re-register with; undefined for an agent that never registered. */
  agentId?: string;
  agent?: AgentCheckpoint;
  runs: RecoveredRun[];
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

function readRun(dir: string, inGroup: boolean, updatesFile: (taskId: string) => string, problems: string[]): RecoveredRun | undefined {
  let checkpoint: RunCheckpoint | undefined;
  try {
    checkpoint = readRunCheckpoint(dir);
  } catch (err) {
    problems.push(`${(err as CheckpointError).message}; this run is not recovered`);
    return undefined;
  }
  if (!checkpoint) return undefined;
  const log = readUpdateLog(updatesFile(checkpoint.task.task_id.value));
  problems.push(...log.problems);
  const updates = log.records.flatMap((r: UpdateLogRecord) => (r.type === 'UPDATE' ? [r.update] : []));
  return { checkpoint, metaDir: dir, inGroup, updates, unacknowledged: unacknowledgedUpdates(log.records) };
}

/** Everything the previous agent process left under `workDir`. */
export function readRecoveredState(workDir: string): RecoveredState {
  const problems: string[] = [];
  const { agentId, agent } = recoverAgentId(workDir, problems);
  const runs: RecoveredRun[] = [];
  if (agentId === undefined) return { runs, problems };
  const agentDir = path.join(metaDir(workDir), 'slaves', pathSegment(agentId));
  for (const framework of subdirs(path.join(agentDir, 'frameworks'))) {
    const executorsDir = path.join(agentDir, 'frameworks', framework, 'executors');
    for (const executor of subdirs(executorsDir)) {
      const runsDir = path.join(executorsDir, executor, 'runs');
      for (const container of subdirs(runsDir)) {
        const runDir = path.join(runsDir, container);
        const updatesFile = (taskId: string) => path.join(runDir, 'tasks', pathSegment(taskId), 'task.updates');
        // A command task checkpoints in the run's directory, each task of a group in its own.
        const commandTask = readRun(runDir, false, updatesFile, problems);
        if (commandTask) {
          runs.push(commandTask);
          continue;
        }
        for (const task of subdirs(path.join(runDir, 'tasks'))) {
          const run = readRun(path.join(runDir, 'tasks', task), true, updatesFile, problems);
          if (run) runs.push(run);
        }
      }
    }
  }
  return { agentId, agent, runs, problems };
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
