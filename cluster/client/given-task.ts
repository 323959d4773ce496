/**
 * `exec --task` / `--task-group`: the given JSON checked before anything is sent (structure with the
 * protocol's schemas, then what the master and the agent would refuse), so that a mistake is an error
 * naming the field rather than a TASK_ERROR. Apart from exec-work.ts so that `exec` loads the schema
 * library only when a task is given whole.
 */
import { z } from 'zod';
import { Resources } from '../protocol/resources';
import { taskInfo } from '../protocol/schemas';
import { checkTaskInfo, taskGroupToRunProblem, taskToRunProblem } from '../protocol/task-validation';
import type { ExecutorInfo, TaskGroupInfo, TaskInfo } from '../protocol/types';
import { validateWith } from '../protocol/validate';
import { GROUP_EXECUTOR_ID } from './exec-work';

/**
 * A TaskInfo as --task takes it: `agent_id` may be left out or empty, as Mesos's own examples write
 * it ({"value": ""}); the offer's is used whatever it says.
 */
const givenTask = taskInfo.extend({ agent_id: z.looseObject({ value: z.string().optional() }).optional() });
const givenTaskGroup = z.looseObject({ tasks: z.array(givenTask).min(1, 'must list at least one task') });

export type Given<T> = { ok: true; value: T } | { ok: false; message: string };

/** --task's JSON: a TaskInfo this client's agents can run (a command task), with resources that parse. */
export function parseGivenTask(json: unknown): Given<TaskInfo> {
  const parsed = validateWith(givenTask, json);
  if (!parsed.ok) return parsed;
  const task = withPlaceholderAgent(parsed.call);
  const problem = resourcesProblem(task) ?? checkTaskInfo(task) ?? taskToRunProblem(task);
  return problem ? { ok: false, message: problem } : { ok: true, value: task };
}

/** --task_group's JSON: a TaskGroupInfo of command tasks with distinct ids, run by the default executor. */
export function parseGivenTaskGroup(json: unknown): Given<TaskGroupInfo> {
  const parsed = validateWith(givenTaskGroup, json);
  if (!parsed.ok) return parsed;
  const tasks = parsed.call.tasks.map(withPlaceholderAgent);
  const executor: ExecutorInfo = { type: 'DEFAULT', executor_id: { value: GROUP_EXECUTOR_ID } };
  for (const [i, task] of tasks.entries()) {
    const problem = resourcesProblem(task) ?? checkTaskInfo(task, executor);
    if (problem) return { ok: false, message: `'tasks[${i}]': ${problem}` };
  }
  const problem = taskGroupToRunProblem(executor, tasks);
  return problem ? { ok: false, message: problem } : { ok: true, value: { tasks } };
}

function withPlaceholderAgent(task: z.infer<typeof givenTask>): TaskInfo {
  return { ...task, agent_id: { value: task.agent_id?.value ?? '' } } as TaskInfo;
}

function resourcesProblem(task: TaskInfo): string | undefined {
  try {
    Resources.fromV1(task.resources);
    return undefined;
  } catch (err) {
    return `'resources' of task '${task.task_id.value}': ${(err as Error).message}`;
  }
}
