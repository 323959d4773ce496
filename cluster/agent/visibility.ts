/**
 * The agent's side of --acls (Mesos's agent authorizes the same actions on its own endpoints):
 * what of its tasks a principal may see in /state (view_frameworks, view_tasks, view_executors),
 * and whose sandbox a /files path is (access_sandboxes decides on that task's user).
 *
 * The master's sandbox proxy reads agents as the principal `master`: an agent with ACLs that
 * restrict access_sandboxes must allow that principal, or sandboxes cannot be read through the master.
 */
import * as path from 'node:path';
import type { Authorizer } from '../authz/authorizer';
import { executorUser, taskUser } from '../authz/objects';
import type { FrameworkSnapshot, TaskSnapshot } from './state-json';
import type { SandboxAuthorizer } from './files-routes';
import { notAuthorized } from '../authz/refusal';

export interface TaskSnapshots {
  frameworks: FrameworkSnapshot[];
  completedFrameworks: FrameworkSnapshot[];
}

/** The frameworks and tasks `principal` may see; `snapshot` itself when nothing is hidden from it. */
export function visibleTasks(snapshot: TaskSnapshots, authorizer: Authorizer, principal: string | undefined): TaskSnapshots {
  if (!authorizer.filtersViews()) return snapshot;
  const taskVisible = (f: FrameworkSnapshot, t: TaskSnapshot) =>
    authorizer.authorized('view_tasks', principal, taskUser(t.task, t.executor, f.info))
    && authorizer.authorized('view_executors', principal, t.executor ? executorUser(t.executor, f.info) : taskUser(t.task, undefined, f.info));
  const frameworks = (list: FrameworkSnapshot[]) => list
    .filter((f) => authorizer.authorized('view_frameworks', principal, f.info.user))
    .map((f) => ({ ...f, tasks: f.tasks.filter((t) => taskVisible(f, t)), completedTasks: f.completedTasks.filter((t) => taskVisible(f, t)) }));
  return { frameworks: frameworks(snapshot.frameworks), completedFrameworks: frameworks(snapshot.completedFrameworks) };
}

/**
 * The user whose sandbox `file` is in: the task whose run directory holds it (a command task's, or
 * any task of a group, whose executor's user decides). Undefined when the path names no sandbox of a
 * known task (the sandboxes root, a framework's directory).
 */
export function sandboxUser(file: string, snapshot: TaskSnapshots): string | undefined {
  const normal = path.posix.normalize(file);
  for (const framework of [...snapshot.frameworks, ...snapshot.completedFrameworks]) {
    for (const task of [...framework.tasks, ...framework.completedTasks]) {
      const directory = task.directory.replace(/\/+$/, '');
      if (normal === directory || normal.startsWith(`${directory}/`)) {
        return task.executor ? executorUser(task.executor, framework.info) : taskUser(task.task, undefined, framework.info);
      }
    }
  }
  return undefined;
}

/** access_sandboxes for /files and the operator API's file calls, decided on the user of the task whose sandbox the path is in (any user when it names none). */
export function sandboxAuthorizer(authorizer: Authorizer, snapshot: () => TaskSnapshots): SandboxAuthorizer {
  return (file, principal) => {
    // Without a rule for it every principal may: no need to look the sandbox's task up.
    if (!authorizer.restricts('access_sandboxes')) return;
    const user = file === null ? undefined : sandboxUser(file, snapshot());
    if (!authorizer.authorized('access_sandboxes', principal, user)) throw notAuthorized(principal, `access the sandboxes of ${user === undefined ? 'every user' : `user '${user}'`}`);
  };
}
