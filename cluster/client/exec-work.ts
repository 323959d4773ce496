/**
 * What `exec` launches, as mesos-execute does: one task built from --name/--command/--resources, a
 * TaskInfo given whole (--task), or a TaskGroupInfo (--task_group) run by the default executor.
 * A given task is launched as written except for what the chosen offer decides: its `agent_id`
 * (whatever the JSON held, as mesos-execute merges the offer's in) and its resources' allocation
 * role (and, for a role other than '*', the role's reservations when those are what the offer has).
 */
import { z } from 'zod';
import { Resources } from '../protocol/resources';
import { taskInfo } from '../protocol/schemas';
import { checkTaskInfo, taskGroupToRunProblem, taskToRunProblem } from '../protocol/task-validation';
import type { CommandInfo, ExecutorInfo, OfferOperation, Resource, TaskGroupInfo, TaskInfo } from '../protocol/types';
import { validateWith } from '../protocol/validate';
import { askVariants, listVariants } from './offer-fit';

/** What a task built from --command asks for unless --resources says otherwise (mesos-execute's default). */
export const DEFAULT_TASK_RESOURCES = 'cpus:1;mem:128';

/** mesos-execute's executor for --task_group. */
export const GROUP_EXECUTOR_ID = 'default-executor';
export const GROUP_EXECUTOR_RESOURCES = 'cpus:0.1;mem:32;disk:32';

export interface LaunchPlan {
  /** agent_id and resources are replaced when an offer is chosen. */
  tasks: TaskInfo[];
  /** A group's executor (framework_id is filled at launch). */
  executor?: ExecutorInfo;
  /** The ask read each way it may be taken; per reading, one Resources per part: each task, then the executor. */
  variants: Resources[][];
}

export function commandPlan(name: string, command: CommandInfo, resources: string, role: string): LaunchPlan {
  return {
    tasks: [{ name, task_id: { value: name }, agent_id: { value: '' }, resources: [], command }],
    variants: askVariants(resources, role).map((variant) => [variant]),
  };
}

export function taskPlan(task: TaskInfo, role: string): LaunchPlan {
  return { tasks: [task], variants: listVariants(task.resources, role).map((variant) => [variant]) };
}

/**
 * A group runs under the default executor, whose own resources the offer must hold too (mesos-execute
 * leaves them out of its fit and so can pick an offer the launch then fails on).
 */
export function taskGroupPlan(group: TaskGroupInfo, role: string): LaunchPlan {
  const executorAsk = askVariants(GROUP_EXECUTOR_RESOURCES, role);
  const perTask = group.tasks.map((task) => listVariants(task.resources, role));
  return {
    tasks: group.tasks,
    executor: { type: 'DEFAULT', executor_id: { value: GROUP_EXECUTOR_ID }, resources: executorAsk[0].toV1() },
    variants: executorAsk.map((executor, i) => [...perTask.map((variants) => variants[i]), executor]),
  };
}

/** The ACCEPT operation launching the plan on `agentId` with the resources the offer gave each part. */
export function launchOperation(plan: LaunchPlan, agentId: string, partResources: Resource[][], frameworkId: string): OfferOperation {
  const tasks = plan.tasks.map((task, i): TaskInfo => ({ ...task, agent_id: { value: agentId }, resources: partResources[i] }));
  if (!plan.executor) return { type: 'LAUNCH', launch: { task_infos: tasks } };
  const executor: ExecutorInfo = { ...plan.executor, framework_id: { value: frameworkId }, resources: partResources[tasks.length] };
  return { type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks } } };
}

// ---- a task given whole, checked before anything is sent ----

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
