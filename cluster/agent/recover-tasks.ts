/**
 * Agent restart recovery, the acting half: recovery.ts reads what the previous agent process left
 * in the work dir and decides each run's fate; this takes the runs back accordingly: registers each
 * task through the task control as if just launched, adopts or kills what still runs, restores what
 * ended, and queues again the updates that were never acknowledged, before anything new can be.
 * Apart from the daemon so that recovery depends only on what it uses (RecoverTasksDeps).
 */
import { Resources } from '../protocol/resources';
import type { AgentInfo, Attribute, TaskInfo, TaskState } from '../protocol/types';
import type { Logger } from '../util/log';
import type { Isolator } from './cgroups';
import { checkpointedIdentity } from './checkpoint';
import type { ProcessIdentity } from './process-identity';
import type { DamagedRun, RecoveredRun, RecoverMode, RunFate } from './recovery';
import { damagedRunFate, lastKnownState, readRecoveredState, runFate } from './recovery';
import type { RunKey } from './sandbox-paths';
import { nestedTaskSandbox, sandboxDir } from './sandbox-paths';
import type { StatusUpdate, StatusUpdateManager } from './status-updates';
import { TaskGroup } from './task-group';
import type { RunPlacement, TaskControl } from './task-control';
import type { Executors } from './executors';
import { findWrapper } from './task-process';
import type { FrameworkEntry, TaskTable } from './task-table';

export interface RecoverTasksDeps {
  log: Logger;
  workDir: string;
  mode: RecoverMode;
  isolator: Isolator;
  tasks: Pick<TaskTable, 'framework' | 'complete'>;
  taskControl: Pick<TaskControl, 'add' | 'watchDone'>;
  /** Takes back the custom executors and their tasks. */
  executors: Pick<Executors, 'recover'>;
  updates: Pick<StatusUpdateManager, 'enqueue'>;
  /** What the agent has now, to say what changed since the last run. */
  resources: Resources;
  attributes: Attribute[];
  /**
   * The previous process's identity, handed over before any task is taken back, so that the
   * updates recovery produces carry the agent's id.
   */
  adoptIdentity(agentId: string | undefined, agentInfo: AgentInfo | undefined): void;
}

/**
 * Takes back what the previous agent process left in the work dir: its id, its tasks (adopted,
 * or reported as they ended while it was away) and the updates it had not had acknowledged, which
 * are queued again before anything new can be. Problems with the files are logged, naming each
 * file, and the rest is recovered.
 */
export async function recoverTasks(deps: RecoverTasksDeps): Promise<{ errors: number }> {
  const { log, workDir } = deps;
  const state = readRecoveredState(workDir);
  // Mesos's slave/recovery_errors: unusable parts of the checkpoint (damaged runs among them), failed recoveries.
  let errors = state.problems.length;
  for (const problem of state.problems) log.error('recovery: part of the checkpoint cannot be used', { problem });
  deps.adoptIdentity(state.agentId, state.agent?.agent_info);
  if (!state.agentId) return { errors };
  const agentId = state.agentId;
  logInfoChanges(deps, state.agent?.agent_info);
  // Launch order, so that the history of completed tasks is in order too.
  const runs = [...state.runs].sort((a, b) => a.checkpoint.launched_at - b.checkpoint.launched_at);
  const groups = recoveredGroups(deps, runs);
  const recovering: Promise<void>[] = [];
  const counts = { adopted: 0, ended: 0, discarded: 0, killed: 0, damaged: state.damaged.length };
  const takeBack = (run: TakenBack): void => {
    const { fate } = run;
    const entry = deps.taskControl.add(run.framework, run.task, run.key, run.placement);
    entry.statuses = run.updates.map((u) => u.status);
    run.group?.add(entry.runner);
    const { lastState } = run;
    if (fate.kind === 'completed') {
      entry.runner.restoreEnded(lastState);
      deps.tasks.complete(run.framework.id, run.task.task_id.value);
      return;
    }
    // Queued before the runner can add anything, so the framework sees the updates in order.
    for (const update of run.unacknowledged) deps.updates.enqueue(update);
    if (fate.kind === 'ended') {
      entry.runner.restoreEnded(lastState);
      counts.ended++;
      return;
    }
    const spec = { state: lastState, identity: run.identity, killDeadline: run.killDeadline };
    if (fate.kind === 'discard') counts.discarded++;
    else if (fate.killOnRecovery) counts.killed++;
    else counts.adopted++;
    recovering.push(
      entry.runner
        .recover(fate.kind === 'discard' ? { ...spec, discard: fate.transition } : { ...spec, killOnRecovery: fate.killOnRecovery })
        .catch((err) => {
          errors++;
          log.error('task recovery failed', { task_id: run.task.task_id.value, error: (err as Error).message });
        }),
    );
    deps.taskControl.watchDone(entry);
  };
  for (const run of runs) {
    const cp = run.checkpoint;
    const framework = deps.tasks.framework(cp.framework_id.value, cp.framework_info);
    const key: RunKey = { agentId, frameworkId: framework.id, executorId: cp.executor_id, containerId: cp.container_id };
    const group = run.inGroup ? groups.get(cp.container_id) : undefined;
    takeBack({
      framework, task: cp.task, key, group, updates: run.updates, unacknowledged: run.unacknowledged, lastState: lastKnownState(run),
      fate: runFate(run, deps.mode), identity: checkpointedIdentity(cp), killDeadline: cp.kill_deadline,
      placement: {
        sandbox: sandboxDir(workDir, key),
        taskSandbox: cp.sandbox,
        metaDir: run.metaDir,
        isolator: group?.isolator ?? deps.isolator,
        ...(cp.executor ? { executor: cp.executor } : {}),
        launchedAt: cp.launched_at,
      },
    });
  }
  for (const run of state.damaged) takeBack(damagedRun(deps, agentId, run));
  recovering.push(deps.executors.recover(state.executors, deps.mode).catch((err) => log.error('executor recovery failed', { error: (err as Error).message })));
  await Promise.all(recovering);
  log.info('recovered from the work dir', { agent_id: agentId, recover: deps.mode, runs: runs.length, ...counts });
  return { errors };
}

/** A run as it is taken back, from its checkpoint or from what is left of a damaged one. */
interface TakenBack {
  framework: FrameworkEntry;
  task: TaskInfo;
  key: RunKey;
  placement: RunPlacement;
  group?: TaskGroup;
  /** The last state reported, never repeated. */
  lastState: TaskState;
  updates: StatusUpdate[];
  unacknowledged: StatusUpdate[];
  fate: RunFate;
  identity?: ProcessIdentity;
  killDeadline?: number;
}

/**
 * A run whose checkpoint is damaged (recovery.ts): its TaskInfo is rebuilt from the ids alone, its
 * process looked for by its wrapper's pid file or command line; a live one is killed, then reported.
 */
function damagedRun(deps: RecoverTasksDeps, agentId: string, run: DamagedRun): TakenBack {
  const framework = deps.tasks.framework(run.frameworkId, undefined);
  const key: RunKey = { agentId, frameworkId: run.frameworkId, executorId: run.executorId, containerId: run.containerId };
  const sandbox = sandboxDir(deps.workDir, key);
  const identity = findWrapper(run.metaDir);
  deps.log.warn('recovery: a run with a damaged checkpoint', { task_id: run.taskId, container_id: run.containerId, process_running: identity !== undefined, problem: run.problem });
  const first = run.updates[0]?.status.timestamp;
  return {
    framework,
    task: { name: run.taskId, task_id: { value: run.taskId }, agent_id: { value: agentId }, resources: [] },
    key,
    placement: {
      sandbox,
      taskSandbox: run.inGroup ? nestedTaskSandbox(sandbox, run.taskId) : sandbox,
      metaDir: run.metaDir,
      // Alone even in a group: the group's limits were in its members' checkpoints.
      isolator: deps.isolator,
      ...(typeof first === 'number' ? { launchedAt: first } : {}),
    },
    updates: run.updates,
    unacknowledged: run.unacknowledged,
    // Nothing logged: the task had not even reached TASK_STARTING as far as anyone was told.
    lastState: run.updates[run.updates.length - 1]?.status.state ?? 'TASK_STAGING',
    fate: damagedRunFate(run, identity !== undefined, deps.mode),
    ...(identity ? { identity } : {}),
  };
}

/** The task groups of the recovered runs, by container, each limited to all its tasks' resources. */
function recoveredGroups(deps: Pick<RecoverTasksDeps, 'isolator' | 'log'>, runs: RecoveredRun[]): Map<string, TaskGroup> {
  const groups = new Map<string, TaskGroup>();
  const byContainer = new Map<string, RecoveredRun[]>();
  for (const run of runs) {
    if (!run.inGroup) continue;
    const list = byContainer.get(run.checkpoint.container_id) ?? [];
    list.push(run);
    byContainer.set(run.checkpoint.container_id, list);
  }
  for (const [containerId, members] of byContainer) {
    const executor = members[0].checkpoint.executor;
    const resources = [...(executor?.resources ?? []), ...members.flatMap((m) => m.checkpoint.task.resources)];
    groups.set(containerId, new TaskGroup(containerId, resources, deps.isolator, deps.log.child('task_group', { executor_id: members[0].checkpoint.executor_id, container_id: containerId })));
  }
  return groups;
}

/** Mesos refuses to start when these changed ("Incompatible agent info"); we re-register with the new ones. */
function logInfoChanges(deps: Pick<RecoverTasksDeps, 'log' | 'resources' | 'attributes'>, before: AgentInfo | undefined): void {
  if (!before) return;
  const oldResources = (() => {
    try {
      return Resources.fromV1(before.resources ?? []).toString();
    } catch {
      return '(unreadable)';
    }
  })();
  const newResources = deps.resources.toString();
  if (oldResources !== newResources) deps.log.warn('resources changed since the last run; re-registering with the new ones', { before: oldResources, now: newResources });
  if (JSON.stringify(before.attributes ?? []) !== JSON.stringify(deps.attributes)) {
    deps.log.warn('attributes changed since the last run; re-registering with the new ones', { before: before.attributes ?? [], now: deps.attributes });
  }
}
