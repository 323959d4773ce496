/**
 * Agent restart recovery, the acting half: recovery.ts reads what the previous agent process left
 * in the work dir and decides each run's fate; this takes the runs back accordingly: registers each
 * task through the task control as if just launched, adopts or kills what still runs, restores what
 * ended, and queues again the updates that were never acknowledged, before anything new can be.
 * Apart from the daemon so that recovery depends only on what it uses (RecoverTasksDeps).
 */
import { Resources } from '../protocol/resources';
import type { AgentInfo, Attribute } from '../protocol/types';
import type { Logger } from '../util/log';
import type { Isolator } from './cgroups';
import { checkpointedIdentity } from './checkpoint';
import type { RecoveredRun, RecoverMode } from './recovery';
import { lastKnownState, readRecoveredState, runFate } from './recovery';
import type { RunKey } from './sandbox-paths';
import { sandboxDir } from './sandbox-paths';
import type { StatusUpdateManager } from './status-updates';
import { TaskGroup } from './task-group';
import type { TaskControl } from './task-control';
import type { TaskTable } from './task-table';

export interface RecoverTasksDeps {
  log: Logger;
  workDir: string;
  mode: RecoverMode;
  isolator: Isolator;
  tasks: Pick<TaskTable, 'framework' | 'complete'>;
  taskControl: Pick<TaskControl, 'add' | 'watchDone'>;
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
export async function recoverTasks(deps: RecoverTasksDeps): Promise<void> {
  const { log, workDir } = deps;
  const state = readRecoveredState(workDir);
  for (const problem of state.problems) log.error('recovery: part of the checkpoint cannot be used', { problem });
  deps.adoptIdentity(state.agentId, state.agent?.agent_info);
  if (!state.agentId) return;
  logInfoChanges(deps, state.agent?.agent_info);
  // Launch order, so that the history of completed tasks is in order too.
  const runs = [...state.runs].sort((a, b) => a.checkpoint.launched_at - b.checkpoint.launched_at);
  const groups = recoveredGroups(deps, runs);
  const recovering: Promise<void>[] = [];
  const counts = { adopted: 0, ended: 0, discarded: 0, killed: 0 };
  for (const run of runs) {
    const cp = run.checkpoint;
    const fate = runFate(run, deps.mode);
    const framework = deps.tasks.framework(cp.framework_id.value, cp.framework_info);
    const key: RunKey = { agentId: state.agentId, frameworkId: framework.id, executorId: cp.executor_id, containerId: cp.container_id };
    const group = run.inGroup ? groups.get(cp.container_id) : undefined;
    const entry = deps.taskControl.add(framework, cp.task, key, {
      sandbox: sandboxDir(workDir, key),
      taskSandbox: cp.sandbox,
      metaDir: run.metaDir,
      isolator: group?.isolator ?? deps.isolator,
      ...(cp.executor ? { executor: cp.executor } : {}),
      launchedAt: cp.launched_at,
    });
    entry.statuses = run.updates.map((u) => u.status);
    group?.add(entry.runner);
    const taskId = cp.task.task_id.value;
    if (fate.kind === 'completed') {
      entry.runner.restoreEnded(lastKnownState(run));
      deps.tasks.complete(framework.id, taskId);
      continue;
    }
    // Queued before the runner can add anything, so the framework sees the updates in order.
    for (const update of run.unacknowledged) deps.updates.enqueue(update);
    if (fate.kind === 'ended') {
      entry.runner.restoreEnded(lastKnownState(run));
      counts.ended++;
      continue;
    }
    const spec = { state: lastKnownState(run), identity: checkpointedIdentity(cp), killDeadline: cp.kill_deadline };
    if (fate.kind === 'discard') counts.discarded++;
    else if (fate.killOnRecovery) counts.killed++;
    else counts.adopted++;
    recovering.push(
      entry.runner
        .recover(fate.kind === 'discard' ? { ...spec, discard: fate.transition } : { ...spec, killOnRecovery: fate.killOnRecovery })
        .catch((err) => log.error('task recovery failed', { task_id: taskId, error: (err as Error).message })),
    );
    deps.taskControl.watchDone(entry);
  }
  await Promise.all(recovering);
  log.info('recovered from the work dir', { agent_id: state.agentId, recover: deps.mode, runs: runs.length, ...counts });
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
