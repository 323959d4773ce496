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
 * Modes keep it so when tasks run as other users: the work dir and the directories down to each
 * sandbox are 0711 (a task can walk to its own sandbox, and list none), each sandbox is 0750 and
 * belongs to its task's user, and meta/ is 0700, the agent's alone.
 */
import * as fs from 'node:fs';
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

/**
 * Makes the work dir's top with the modes above, and sets them on a work dir made before. Returns
 * the directories above the work dir that other users cannot pass through: a task running as another
 * user then reaches its sandbox only as its working directory, not by its path ($MESOS_SANDBOX).
 */
export function prepareWorkDir(workDir: string): string[] {
  for (const [dir, mode] of [[path.resolve(workDir), 0o711], [sandboxesRoot(workDir), 0o711], [metaDir(workDir), 0o700]] as const) {
    fs.mkdirSync(dir, { recursive: true, mode });
    fs.chmodSync(dir, mode);
  }
  const closed: string[] = [];
  for (let dir = path.dirname(path.resolve(workDir)); ; dir = path.dirname(dir)) {
    if ((fs.statSync(dir).mode & 0o001) === 0) closed.push(dir);
    if (dir === path.dirname(dir)) return closed;
  }
}

/** Makes a task's sandbox (0750, its user's) and any directory above it that is missing (0711, the agent's). */
export function prepareSandbox(sandbox: string, owner?: { uid: number; gid: number }): void {
  fs.mkdirSync(sandbox, { recursive: true, mode: 0o711 });
  fs.chmodSync(sandbox, 0o750);
  if (owner) fs.chownSync(sandbox, owner.uid, owner.gid);
}
