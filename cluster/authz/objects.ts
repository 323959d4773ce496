/**
 * The objects Mesos's local authorizer decides on, taken from the v1 messages as it takes them
 * (src/authorizer/local/authorizer.cpp): the user a task runs as (run_tasks, view_tasks,
 * access_sandboxes) and the user of an executor (view_executors).
 */
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../protocol/types';

/** The task's command user, else its executor's (a custom executor or a task group's), else FrameworkInfo.user. */
export function taskUser(task: TaskInfo, executor: ExecutorInfo | undefined, framework: FrameworkInfo): string {
  return task.command?.user ?? task.executor?.command?.user ?? executor?.command?.user ?? framework.user;
}

/** The executor's command user, else FrameworkInfo.user. */
export function executorUser(executor: ExecutorInfo, framework: FrameworkInfo): string {
  return executor.command?.user ?? framework.user;
}
