/**
 * Launch validation, pure, for both ends of a launch: the master checks an ACCEPT's offers and tasks
 * (Mesos keeps this in src/master/validation.cpp) and the agent checks again, before running it,
 * what it relies on in a task the master sent. The rules both apply live here once; each side keeps
 * its own wording (the master's follows Mesos's where it has one, so operators can search for it;
 * the agent's is what its TASK_ERROR updates have always said), and where a rule differs the
 * difference is spelled out as a parameter or as a check only one side makes.
 */
import { checkInfoProblem, healthCheckProblem } from './check-validation';
import { idProblem } from './ids';
import { Resources } from './resources';
import type { ExecutorInfo, TaskGroupInfo, TaskInfo } from './types';

export interface OfferView {
  frameworkId: string;
  agentId: string;
  role: string;
}

/** Returns why the offers cannot be used together, or undefined when they can. */
export function validateOffers(
  frameworkId: string,
  offerIds: string[],
  lookup: (id: string) => OfferView | undefined,
): string | undefined {
  if (offerIds.length === 0) return 'No offers specified';
  const seen = new Set<string>();
  let first: { id: string; offer: OfferView } | undefined;
  for (const id of offerIds) {
    if (seen.has(id)) return `Duplicate offer ${id} in accept`;
    seen.add(id);
    const offer = lookup(id);
    if (!offer) return `Offer ${id} is no longer valid`;
    if (offer.frameworkId !== frameworkId) {
      return `Offer ${id} has invalid framework ${offer.frameworkId} while framework ${frameworkId} is expected`;
    }
    if (!first) {
      first = { id, offer };
      continue;
    }
    if (offer.agentId !== first.offer.agentId) {
      return `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${offer.agentId} and offer ${first.id} uses agent ${first.offer.agentId}`;
    }
    if (offer.role !== first.offer.role) {
      return `Aggregated offers must be allocated to the same role. Offer ${id} uses role ${offer.role} and offer ${first.id} uses role ${first.offer.role}`;
    }
  }
  return undefined;
}

export interface TaskCheckContext {
  agentId: string;
  /** True when the framework already has a task with this id (live or awaiting acknowledgement). */
  taskIdInUse: (taskId: string) => boolean;
  /** Task ids launched earlier in the same ACCEPT. */
  launchedInThisCall: Set<string>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Checks one task on its own (the shared TaskInfo rules, then what only the master knows: ids in use,
 * the offers' agent); the caller checks its resources against what is left of the offers.
 * `groupExecutor` is set for tasks of a LAUNCH_GROUP.
 */
export function checkTask(task: TaskInfo, ctx: TaskCheckContext, groupExecutor?: ExecutorInfo): Checked<Resources> {
  const problem = checkTaskInfo(task, groupExecutor);
  if (problem) return { ok: false, message: problem };
  const id = task.task_id.value;
  if (ctx.taskIdInUse(id) || ctx.launchedInThisCall.has(id)) return { ok: false, message: `Task has duplicate ID: ${id}` };
  if (task.agent_id?.value !== ctx.agentId) {
    return { ok: false, message: `Task uses agent ${task.agent_id?.value ?? '(none)'} but its offers are on agent ${ctx.agentId}` };
  }
  return parseResources(task.resources, `task '${id}'`);
}

/** Checks a LAUNCH_GROUP's executor; returns the executor's own resources. */
export function checkGroupExecutor(executor: ExecutorInfo | undefined, group: TaskGroupInfo | undefined): Checked<Resources> {
  if (!executor?.executor_id?.value) return { ok: false, message: "LAUNCH_GROUP is missing 'executor.executor_id'" };
  if (executor.type !== undefined && executor.type !== 'DEFAULT') {
    return { ok: false, message: `Executor '${executor.executor_id.value}' of a task group must be of type DEFAULT, not ${executor.type}` };
  }
  if (!group?.tasks || group.tasks.length === 0) return { ok: false, message: 'Task group is empty' };
  return parseResources(executor.resources ?? [], `executor '${executor.executor_id.value}'`);
}

function parseResources(list: unknown, owner: string): Checked<Resources> {
  try {
    return { ok: true, value: Resources.fromV1(list as TaskInfo['resources']) };
  } catch (err) {
    return { ok: false, message: `Invalid resources of ${owner}: ${(err as Error).message}` };
  }
}

export function resourcesExceeded(used: Resources, available: Resources): string {
  return `Task uses more resources ${used.toString()} than available ${available.toString()}`;
}

// ---- rules both sides apply ----

/** How one side words the rules it shares with the other. */
interface SharedRuleWording {
  groupTaskSetsExecutor(taskId: string): string;
  groupTaskWithoutCommand(taskId: string): string;
  commandWithoutValue(taskId: string): string;
}

const MASTER_WORDING: SharedRuleWording = {
  groupTaskSetsExecutor: (taskId) => `Task '${taskId}' should not have 'ExecutorInfo' set`,
  groupTaskWithoutCommand: (taskId) => `Task '${taskId}' of a task group must have 'CommandInfo' set`,
  commandWithoutValue: () => "'CommandInfo.value' must be set",
};

/** A task of a group runs under the group's executor, so it brings a command and no executor of its own. */
function groupTaskProblem(task: TaskInfo, wording: SharedRuleWording): string | undefined {
  if (task.executor) return wording.groupTaskSetsExecutor(task.task_id.value);
  if (!task.command) return wording.groupTaskWithoutCommand(task.task_id.value);
  return undefined;
}

/**
 * A command names what to run. The rule differs in one case, explicitly: the agent also refuses an
 * empty value (`emptyIsMissing`), which it could not run, while the master, as Mesos, lets it through.
 */
function commandValueProblem(task: TaskInfo, wording: SharedRuleWording, emptyIsMissing: boolean): string | undefined {
  const value = task.command?.value;
  if (task.command && (typeof value !== 'string' || (emptyIsMissing && value === ''))) return wording.commandWithoutValue(task.task_id.value);
  return undefined;
}

// ---- the master: a task of an ACCEPT ----

/**
 * Checks of a structurally valid task that Mesos reports as TASK_ERROR rather than 400.
 * `groupExecutor` is set for tasks of a LAUNCH_GROUP. Returns the reason, or undefined if fine.
 */
export function checkTaskInfo(taskInfo: TaskInfo, groupExecutor?: ExecutorInfo): string | undefined {
  const taskIdProblem = idProblem(taskInfo.task_id.value);
  if (taskIdProblem) return `Task ID is invalid: ${taskIdProblem}`;
  const executor = groupExecutor ?? taskInfo.executor;
  if (executor) {
    const executorIdProblem = idProblem(executor.executor_id.value);
    if (executorIdProblem) return `Executor ID is invalid: ${executorIdProblem}`;
  }
  if (groupExecutor) {
    const problem = groupTaskProblem(taskInfo, MASTER_WORDING);
    if (problem) return problem;
  } else if (!taskInfo.command === !taskInfo.executor) {
    return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
  }
  const valueProblem = commandValueProblem(taskInfo, MASTER_WORDING, false);
  if (valueProblem) return valueProblem;
  if (taskInfo.resources.length === 0) return 'Task uses no resources';
  return checksProblem(taskInfo);
}

/** Mesos's master wording (validation.cpp): both sides refuse a check the agent could not run. */
function checksProblem(task: TaskInfo): string | undefined {
  const health = task.health_check ? healthCheckProblem(task.health_check) : undefined;
  if (health) return `Task uses invalid health check: ${health}`;
  const check = task.check ? checkInfoProblem(task.check) : undefined;
  if (check) return `Task uses invalid check: ${check}`;
  return undefined;
}

// ---- the agent: a task the master sent ----

const NO_COMMAND = "Invalid task: task has neither 'command' nor a supported 'executor'";
const NO_COMMAND_VALUE = "Invalid task: 'command.value' is required";

const AGENT_WORDING: SharedRuleWording = {
  groupTaskSetsExecutor: (taskId) => `Invalid task group: task '${taskId}' sets 'executor'; tasks of a group run under the group's executor`,
  groupTaskWithoutCommand: (taskId) => `Invalid task group: task '${taskId}': ${NO_COMMAND}`,
  commandWithoutValue: () => NO_COMMAND_VALUE,
};

/**
 * Why the agent cannot run a task, or undefined. The master has checked the task already; the agent
 * checks what running it relies on, as the task's fields reach it unchecked: a command, or a custom
 * executor with a command to start it, and a `resources` that is a list.
 */
export function taskToRunProblem(task: TaskInfo): string | undefined {
  if (!task.command && task.executor) return customExecutorProblem(task) ?? resourcesListProblem(task);
  if (!task.command) return NO_COMMAND;
  const valueProblem = commandValueProblem(task, AGENT_WORDING, true);
  if (valueProblem) return valueProblem;
  const checkProblem = checksProblem(task);
  if (checkProblem) return `Invalid task: ${checkProblem}`;
  return resourcesListProblem(task);
}

function resourcesListProblem(task: TaskInfo): string | undefined {
  return Array.isArray(task.resources) ? undefined : "Invalid task: 'resources' must be a list";
}

/** A task's own executor is started from its command; the default executor runs task groups only. */
function customExecutorProblem(task: TaskInfo): string | undefined {
  const executor = task.executor!;
  if (executor.type === 'DEFAULT') return "Invalid task: the default executor runs task groups (LAUNCH_GROUP) only; a task's own executor must be CUSTOM";
  const value: unknown = executor.command?.value;
  if (typeof value !== 'string' || value === '') return "Invalid task: 'executor.command.value' is required to start a custom executor";
  if (executor.resources !== undefined && !Array.isArray(executor.resources)) return "Invalid task: 'executor.resources' must be a list";
  return undefined;
}

/**
 * Why the agent cannot run a task group, or undefined; one bad task spoils the group. The master
 * requires a DEFAULT executor; the agent refuses only a CUSTOM one, the one it could not run.
 */
export function taskGroupToRunProblem(executor: ExecutorInfo | undefined, tasks: TaskInfo[]): string | undefined {
  const executorId: unknown = executor?.executor_id?.value;
  if (!executor || typeof executorId !== 'string' || executorId === '') return "Invalid task group: 'executor.executor_id' is required";
  if (executor.type === 'CUSTOM') return 'Invalid task group: task groups run under the default executor; custom executors are not supported by this agent';
  if (executor.resources !== undefined && !Array.isArray(executor.resources)) return "Invalid task group: 'executor.resources' must be a list";
  const seen = new Set<string>();
  for (const task of tasks) {
    const taskId = task.task_id.value;
    if (seen.has(taskId)) return `Invalid task group: task id '${taskId}' appears twice`;
    seen.add(taskId);
    const groupProblem = groupTaskProblem(task, AGENT_WORDING);
    if (groupProblem) return groupProblem;
    const problem = taskToRunProblem(task);
    if (problem) return `Invalid task group: task '${taskId}': ${problem}`;
  }
  return undefined;
}
