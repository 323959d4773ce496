/**
 * Where things live under --work_dir, in Mesos's layout so operators find sandboxes where they expect:
 *
 *   <work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>/   sandbox
 *       .../runs/<container>/tasks/<task>/              sandbox of each task of a task group
 *   <work_dir>/meta/agent.json                                                                agent id
 *   <work_dir>/meta/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>/
 *       run.json, exit_status                           checkpoint of a command task
 *       tasks/<task>/task.updates                       status update log of each task
 *       tasks/<task>/run.json, exit_status              checkpoint of each task of a task group
 *
 * Checkpoints sit apart from the sandbox so a task cannot overwrite them and users do not see them.
 */
import * as path from 'node:path';
import { pathSegment } from '../protocol/ids';

export interface RunKey {
  agentId: string;
  frameworkId: string;
  executorId: string;
  containerId: string;
}

export { pathSegment };

function runSegments(key: RunKey): string[] {
  return ['slaves', key.agentId, 'frameworks', key.frameworkId, 'executors', key.executorId, 'runs', key.containerId].map(
    (s, i) => (i % 2 === 0 ? s : pathSegment(s)),
  );
}

/** Root of every sandbox; /files serves nothing outside it. */
export function sandboxesRoot(workDir: string): string {
  return path.join(path.resolve(workDir), 'slaves');
}

export function sandboxDir(workDir: string, key: RunKey): string {
  return path.join(path.resolve(workDir), ...runSegments(key));
}

export function metaDir(workDir: string): string {
  return path.join(path.resolve(workDir), 'meta');
}

export function agentIdFile(workDir: string): string {
  return path.join(metaDir(workDir), 'agent.json');
}

export function runMetaDir(workDir: string, key: RunKey): string {
  return path.join(metaDir(workDir), ...runSegments(key));
}

/** Sandbox of one task of a task group, inside its executor's. */
export function nestedTaskSandbox(executorSandbox: string, taskId: string): string {
  return path.join(executorSandbox, 'tasks', pathSegment(taskId));
}

/** Private directory of one task inside its run's meta directory. */
export function taskMetaDir(workDir: string, key: RunKey, taskId: string): string {
  return path.join(runMetaDir(workDir, key), 'tasks', pathSegment(taskId));
}

/** Status update log of one task (Mesos: tasks/<task>/task.updates). */
export function taskUpdatesFile(workDir: string, key: RunKey, taskId: string): string {
  return path.join(taskMetaDir(workDir, key, taskId), 'task.updates');
}

/**
 * The sandbox that `file` (absolute, normalised, under `root` = sandboxesRoot) lies in: the task of a
 * task group's own directory, else its run's directory; `root` itself for the directories above runs,
 * which hold only what the agent made. /files never follows a link out of this directory.
 */
export function sandboxContaining(root: string, file: string): string {
  const parts = path.relative(root, file).split(path.sep).filter((p) => p !== '');
  const isRun = parts.length >= 7 && parts[1] === 'frameworks' && parts[3] === 'executors' && parts[5] === 'runs';
  if (!isRun) return root;
  const isGroupTask = parts.length >= 9 && parts[7] === 'tasks';
  return path.join(root, ...parts.slice(0, isGroupTask ? 9 : 7));
}
