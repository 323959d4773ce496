/**
 * The users tests run tasks as. The suites run as root and most of their frameworks name the
 * invoking user (root), so those suites allow root tasks explicitly, as an operator would with
 * --allow_root_tasks; the suites about users use the policy they test.
 */
import * as os from 'node:os';
import type { RunAsPolicy } from '../../cluster/agent/task-user';

/** The agent's own user runs tasks that name it, root included. */
export const ROOT_TASKS_ALLOWED: RunAsPolicy = {
  switchUser: true,
  allowRootTasks: true,
  agentUid: process.getuid?.() ?? -1,
  agentUser: os.userInfo().username,
};
