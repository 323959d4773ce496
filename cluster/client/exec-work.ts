/**
 * What `exec` launches, as mesos-execute does: one task built from --name/--command/--resources, a
 * TaskInfo given whole (--task), or a TaskGroupInfo (--task_group) run by the default executor.
 * A given task is launched as written except for what the chosen offer decides: its `agent_id`
 * (whatever the JSON held, as mesos-execute merges the offer's in) and its resources' allocation
 * role (and, for a role other than '*', the role's reservations when those are what the offer has).
 */
import { Resources } from '../protocol/resources';
import type { CommandInfo, ExecutorInfo, HealthCheck, OfferOperation, Resource, TaskGroupInfo, TaskInfo } from '../protocol/types';
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
  /** The persistence id of a volume the (one) task runs on: only an offer holding it fits. */
  volume?: string;
}

export function commandPlan(name: string, command: CommandInfo, resources: string, role: string, extra: { healthCheck?: HealthCheck; volume?: string } = {}): LaunchPlan {
  const { healthCheck, volume } = extra;
  return {
    tasks: [{ name, task_id: { value: name }, agent_id: { value: '' }, resources: [], command, ...(healthCheck ? { health_check: healthCheck } : {}) }],
    variants: askVariants(resources, role).map((variant) => [variant]),
    ...(volume !== undefined ? { volume } : {}),
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
