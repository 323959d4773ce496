/**
 * Validation of ACCEPT calls, apart from the master's I/O (Mesos keeps this in src/master/validation.cpp).
 * Messages follow Mesos's wording where it has one, so operators can search for them.
 */
import { Resources } from '../protocol/resources';
import type { ExecutorInfo, TaskGroupInfo, TaskInfo } from '../protocol/types';
import { checkTaskInfo } from '../protocol/validate';

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
