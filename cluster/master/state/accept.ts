/**
 * ACCEPT: reserve, unreserve, create and destroy volumes, and launch tasks and task groups on offered
 * resources, operation by operation in the order given: a launch may use what an earlier RESERVE or
 * CREATE of the same call made (as in Mesos). An invalid or unauthorized resource operation is dropped
 * with a log line, as Mesos does; launches that needed it then fail for want of resources (TASK_ERROR). Invalid offers drop every task of the call
 * (REASON_INVALID_OFFERS); an invalid task fails alone (TASK_ERROR, REASON_TASK_INVALID), an invalid task
 * group fails as a whole (TASK_ERROR, REASON_TASK_GROUP_INVALID, as in Mesos). What the launches leave unused goes back to the allocator under the call's
 * refuse filter (5 s by default, as in Mesos).
 */
import { Resources } from '../../protocol/resources';
import type { Filters, OfferOperation, SchedulerCall, TaskInfo, TaskStatusReason } from '../../protocol/types';
import { taskUser } from '../../authz/objects';
import { sendToAgent } from './channels';
import type { MasterContext } from '../context';
import { checkGroupExecutor, checkTask, resourcesExceeded, validateOffers, type TaskCheckContext } from '../../protocol/task-validation';
import type { OfferManager, OfferRecord } from './offers';
import { taskKey, type AgentRecord, type FrameworkRecord } from './records';
import type { TaskManager } from './tasks';
import type { ReservationManager } from './reservations';
import { isResourceOperationType, operationOf } from '../../protocol/resource-operations';

export const DEFAULT_REFUSE_SECONDS = 5;

type AcceptCall = NonNullable<SchedulerCall['accept']>;

/** What ACCEPT acts through: the context, the offers it takes and the tasks it launches. */
export interface AcceptContext extends MasterContext {
  readonly offers: OfferManager;
  readonly tasks: TaskManager;
  readonly reservations: ReservationManager;
}

export function refuseSeconds(filters: Filters | undefined): number {
  return filters?.refuse_seconds ?? DEFAULT_REFUSE_SECONDS;
}

export function handleAccept(ctx: AcceptContext, framework: FrameworkRecord, accept: AcceptCall): void {
  const offerIds = (accept.offer_ids ?? []).map((id) => id.value);
  const operations = accept.operations ?? [];
  const error = validateOffers(framework.id, offerIds, (id) => ctx.offers.get(id));
  const taken = takeOwnOffers(ctx, framework, offerIds);
  const now = ctx.clock.now();

  if (error) {
    const state = framework.partitionAware ? 'TASK_DROPPED' : 'TASK_LOST';
    for (const task of tasksOf(operations)) {
      ctx.tasks.rejectLaunch(framework, task, state, 'REASON_INVALID_OFFERS', `Task launched with invalid offers: ${error}`);
    }
    for (const offer of taken) ctx.allocator.recoverResources(framework.id, offer.agentId, offer.resources, now, undefined, offer.role);
    ctx.requestAllocation();
    return;
  }

  const agent = ctx.records.agents.get(taken[0].agentId);
  let remaining = taken.reduce((sum, offer) => sum.plus(offer.resources), Resources.empty());
  if (agent?.connection === 'connected') {
    const applier = new OperationApplier(ctx, framework, agent, taken[0].role, remaining);
    for (const operation of operations) applier.apply(operation);
    remaining = applier.remaining;
  } else {
    const state = framework.partitionAware ? 'TASK_DROPPED' : 'TASK_LOST';
    for (const task of tasksOf(operations)) {
      ctx.tasks.rejectLaunch(framework, task, state, 'REASON_AGENT_DISCONNECTED', `Agent ${taken[0].agentId} is not connected`);
    }
  }
  if (!remaining.isEmpty()) {
    ctx.allocator.recoverResources(framework.id, taken[0].agentId, remaining, now, refuseSeconds(accept.filters), taken[0].role);
  }
  ctx.requestAllocation();
}

/** Every named offer that belongs to the framework leaves the book, valid call or not. */
function takeOwnOffers(ctx: AcceptContext, framework: FrameworkRecord, offerIds: string[]): OfferRecord[] {
  const taken: OfferRecord[] = [];
  for (const id of new Set(offerIds)) {
    if (ctx.offers.get(id)?.frameworkId !== framework.id) continue;
    const record = ctx.offers.take(id);
    if (record) taken.push(record);
  }
  return taken;
}

function tasksOf(operations: OfferOperation[]): TaskInfo[] {
  const tasks: TaskInfo[] = [];
  for (const operation of operations) {
    if (operation.type === 'LAUNCH') tasks.push(...(operation.launch?.task_infos ?? []));
    else if (operation.type === 'LAUNCH_GROUP') tasks.push(...(operation.launch_group?.task_group?.tasks ?? []));
  }
  return tasks;
}

/**
 * Applies one ACCEPT's operations to one offer's agent: resource operations convert `remaining` (and
 * the allocation) in place, launches take what they use from it.
 */
class OperationApplier {
  private readonly launched = new Set<string>();
  private readonly check: TaskCheckContext;

  constructor(
    private readonly ctx: AcceptContext,
    private readonly framework: FrameworkRecord,
    private readonly agent: AgentRecord,
    private readonly role: string,
    public remaining: Resources,
  ) {
    this.check = {
      agentId: agent.id,
      taskIdInUse: (id) => framework.tasks.has(id),
      launchedInThisCall: this.launched,
    };
  }

  apply(operation: OfferOperation): void {
    if (operation.type === 'LAUNCH') {
      for (const task of operation.launch?.task_infos ?? []) this.launchTask(task);
    } else if (operation.type === 'LAUNCH_GROUP') {
      this.launchGroup(operation);
    } else if (isResourceOperationType(operation.type)) {
      this.convert(operation);
    } else {
      this.ctx.log.warn('offer operation not supported; ignored', { framework_id: this.framework.id, type: operation.type });
    }
  }

  private convert(operation: OfferOperation): void {
    const parsed = operationOf(operation);
    const applied = parsed.ok ? this.ctx.reservations.applyOffered(this.framework, this.agent, this.role, parsed.value, this.remaining) : parsed;
    if (!applied.ok) {
      this.ctx.log.warn('dropping invalid offer operation', { framework_id: this.framework.id, agent_id: this.agent.id, type: operation.type, error: applied.message });
      return;
    }
    this.remaining = applied.value;
  }

  private launchTask(task: TaskInfo): void {
    const checked = checkTask(task, this.check);
    if (!checked.ok) return this.invalid([task], checked.message);
    const user = this.unauthorizedUser([task], task.executor);
    if (user !== undefined) return this.invalid([task], `Not authorized to launch as user '${user}'`, 'REASON_TASK_UNAUTHORIZED');
    let needed = checked.value;
    const executor = task.executor;
    const executorKnown = executor !== undefined && this.agent.executors.has(taskKey(this.framework.id, executor.executor_id.value));
    let executorResources = Resources.empty();
    if (executor && !executorKnown) {
      try {
        executorResources = Resources.fromV1(executor.resources ?? []);
      } catch (err) {
        return this.invalid([task], `Invalid resources of executor '${executor.executor_id.value}': ${(err as Error).message}`);
      }
      needed = needed.plus(executorResources);
    }
    if (!this.remaining.contains(needed)) return this.invalid([task], resourcesExceeded(needed, this.remaining));
    this.remaining = this.remaining.minus(needed);
    this.launched.add(task.task_id.value);
    this.ctx.tasks.add({ framework: this.framework, agent: this.agent, role: this.role, task, resources: checked.value });
    if (executor) this.ctx.tasks.addExecutor(this.framework, this.agent, this.role, executor, executorResources, [task.task_id.value]);
    sendToAgent(this.agent, {
      type: 'RUN_TASK',
      run_task: { framework_id: { value: this.framework.id }, framework_info: this.framework.info, task },
    });
  }

  private launchGroup(operation: OfferOperation): void {
    const group = operation.launch_group;
    const tasks = group?.task_group?.tasks ?? [];
    const executorCheck = checkGroupExecutor(group?.executor, group?.task_group);
    if (!executorCheck.ok) return this.invalidGroup(tasks, executorCheck.message);
    const executorId = group!.executor.executor_id.value;
    const executorKnown = this.agent.executors.has(taskKey(this.framework.id, executorId));
    const executorResources = executorKnown ? Resources.empty() : executorCheck.value;
    const perTask: Resources[] = [];
    const inGroup = new Set<string>();
    const seen = new Set(this.launched);
    for (const task of tasks) {
      const checked = checkTask(task, { ...this.check, launchedInThisCall: seen }, group!.executor);
      if (!checked.ok) return this.invalidGroup(tasks, checked.message);
      inGroup.add(task.task_id.value);
      seen.add(task.task_id.value);
      perTask.push(checked.value);
    }
    const user = this.unauthorizedUser(tasks, group!.executor);
    if (user !== undefined) return this.invalid(tasks, `Not authorized to launch as user '${user}'`, 'REASON_TASK_GROUP_UNAUTHORIZED');
    const needed = perTask.reduce((sum, r) => sum.plus(r), executorResources);
    if (!this.remaining.contains(needed)) return this.invalidGroup(tasks, resourcesExceeded(needed, this.remaining));
    this.remaining = this.remaining.minus(needed);
    tasks.forEach((task, i) => {
      this.launched.add(task.task_id.value);
      this.ctx.tasks.add({ framework: this.framework, agent: this.agent, role: this.role, task, resources: perTask[i], executorId });
    });
    this.ctx.tasks.addExecutor(this.framework, this.agent, this.role, group!.executor, executorResources, [...inGroup]);
    sendToAgent(this.agent, {
      type: 'RUN_TASK_GROUP',
      run_task_group: {
        framework_id: { value: this.framework.id },
        framework_info: this.framework.info,
        executor: { ...group!.executor, framework_id: { value: this.framework.id } },
        task_group: group!.task_group,
      },
    });
  }

  /**
   * run_tasks, as Mesos asks it: may the framework's principal run each task as its user (the
   * task's command user, else its executor's, else FrameworkInfo.user)? The first user refused, if any.
   */
  private unauthorizedUser(tasks: TaskInfo[], executor: TaskInfo['executor']): string | undefined {
    for (const task of tasks) {
      const user = taskUser(task, executor, this.framework.info);
      if (!this.ctx.authorizer.authorized('run_tasks', this.framework.info.principal, user)) return user;
    }
    return undefined;
  }

  private invalid(tasks: TaskInfo[], message: string, reason: TaskStatusReason = 'REASON_TASK_INVALID'): void {
    for (const task of tasks) this.ctx.tasks.rejectLaunch(this.framework, task, 'TASK_ERROR', reason, message);
  }

  private invalidGroup(tasks: TaskInfo[], message: string): void {
    this.invalid(tasks, message, 'REASON_TASK_GROUP_INVALID');
  }
}
