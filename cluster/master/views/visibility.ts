/**
 * What one principal may see of frameworks, tasks and executors (view_frameworks, view_tasks,
 * view_executors), as Mesos filters its state endpoints: a framework is shown when its
 * FrameworkInfo.user may be viewed; a task or executor only inside a shown framework, and only when
 * its own user (the task's or executor's command user, else the framework's) may be viewed too.
 * Agents are always shown, without the resources reserved to roles it may not view (view_roles).
 *
 * The views are built whole and then filtered here by id, so no view needs to know about ACLs and a
 * principal that may see everything (the usual case, and always without --acls) costs nothing.
 */
import type { AclAction } from '../../authz/acls';
import type { Authorizer } from '../../authz/authorizer';
import { executorUser, taskUser } from '../../authz/objects';
import type { MasterCore } from '../core';
import type { MasterEvent } from '../state/events';
import { findTask, taskKey, type ExecutorRecord, type FrameworkRecord, type TaskRecord } from '../state/records';

type Json = Record<string, unknown>;

export class Visibility {
  /** Nothing is hidden: no view_* or view_roles rule can refuse anything. */
  readonly everything: boolean;
  private readonly decided = new Map<string, boolean>();

  constructor(private readonly core: MasterCore, private readonly authorizer: Authorizer, private readonly principal: string | undefined) {
    this.everything = !authorizer.filtersViews() && !authorizer.restricts('view_roles');
  }

  framework(framework: FrameworkRecord): boolean {
    return this.may('view_frameworks', framework.info.user);
  }

  task(framework: FrameworkRecord, task: TaskRecord): boolean {
    return this.framework(framework) && this.may('view_tasks', taskUser(task.info, this.executorOf(task)?.info, framework.info));
  }

  executor(framework: FrameworkRecord, executor: ExecutorRecord): boolean {
    return this.framework(framework) && this.may('view_executors', executorUser(executor.info, framework.info));
  }

  /** An operator event for this principal: tasks and frameworks as above; agent events always. */
  event(event: MasterEvent): boolean {
    if (this.everything) return true;
    switch (event.type) {
      case 'TASK_ADDED':
      case 'TASK_UPDATED': {
        const framework = this.frameworkById(event.task.frameworkId);
        return framework !== undefined && this.task(framework, event.task);
      }
      case 'FRAMEWORK_ADDED':
      case 'FRAMEWORK_UPDATED':
      case 'FRAMEWORK_REMOVED':
        return this.framework(event.framework);
      default:
        return true;
    }
  }

  // ---- filters of rendered views, by the ids they carry ----

  /** /state, /master/state and /frameworks: frameworks, their tasks and executors (and /state's agents). */
  legacyState(state: Json): Json {
    const out = { ...state, frameworks: this.legacyFrameworks(state.frameworks), completed_frameworks: this.legacyFrameworks(state.completed_frameworks) };
    return 'slaves' in state ? { ...out, slaves: this.legacySlaves(state.slaves) } : out;
  }

  /** The legacy agents of /state and /slaves: `reserved_resources` only of roles it may view. */
  legacySlaves(list: unknown): Json[] {
    return asList(list).map((agent) => {
      const viewable = (byRole: unknown) => Object.fromEntries(Object.entries((byRole ?? {}) as Json).filter(([role]) => this.may('view_roles', role)));
      const out = { ...agent, reserved_resources: viewable(agent.reserved_resources) };
      return 'reserved_resources_full' in agent ? { ...out, reserved_resources_full: viewable(agent.reserved_resources_full) } : out;
    });
  }

  /** GET_AGENTS (v1): each agent's resource lists without what is reserved to roles it may not view. */
  getAgents(json: Json): Json {
    const agents = asList(json.agents).map((agent) => {
      const info = (agent.agent_info ?? {}) as Json;
      return {
        ...agent,
        agent_info: { ...info, resources: this.viewableResources(info.resources) },
        total_resources: this.viewableResources(agent.total_resources),
        allocated_resources: this.viewableResources(agent.allocated_resources),
        offered_resources: this.viewableResources(agent.offered_resources),
      };
    });
    return { ...json, agents };
  }

  /** The `frameworks` lists of /state and /frameworks (legacy JSON: `id`, tasks with `id`, executors with `executor_id`). */
  legacyFrameworks(list: unknown): Json[] {
    const out: Json[] = [];
    for (const json of asList(list)) {
      const framework = this.frameworkById(String(json.id));
      if (!framework || !this.framework(framework)) continue;
      const tasks = (key: string) => asList(json[key]).filter((t) => this.taskById(framework, String(t.id)));
      const executors = asList(json.executors).filter((e) => this.executorById(framework, String(e.slave_id), String(e.executor_id)));
      out.push({ ...json, tasks: tasks('tasks'), unreachable_tasks: tasks('unreachable_tasks'), completed_tasks: tasks('completed_tasks'), executors });
    }
    return out;
  }

  /** /state-summary: its frameworks, and the framework ids each agent lists (its task counts stay totals). */
  stateSummary(json: Json): Json {
    const visible = (id: unknown) => this.frameworkVisible(String(id));
    return {
      ...json,
      frameworks: asList(json.frameworks).filter((f) => visible(f.id)),
      slaves: asList(json.slaves).map((agent) => ({ ...agent, framework_ids: (Array.isArray(agent.framework_ids) ? agent.framework_ids : []).filter(visible) })),
    };
  }

  /** GET_FRAMEWORKS (v1: framework_info.id.value). */
  getFrameworks(json: Json): Json {
    const keep = (list: unknown) => asList(list).filter((f) => this.frameworkVisible(idOf((f.framework_info as Json | undefined)?.id)));
    return { ...json, frameworks: keep(json.frameworks), completed_frameworks: keep(json.completed_frameworks) };
  }

  /** GET_TASKS (v1: task_id.value, framework_id.value). */
  getTasks(json: Json): Json {
    const keep = (list: unknown) => asList(list).filter((t) => this.taskOf(idOf(t.framework_id), idOf(t.task_id)));
    return {
      ...json,
      pending_tasks: keep(json.pending_tasks), tasks: keep(json.tasks), unreachable_tasks: keep(json.unreachable_tasks),
      completed_tasks: keep(json.completed_tasks), orphan_tasks: keep(json.orphan_tasks),
    };
  }

  /** GET_EXECUTORS (v1: executor_info.executor_id and framework_id, agent_id). */
  getExecutors(json: Json): Json {
    const executors = asList(json.executors).filter((e) => {
      const info = (e.executor_info ?? {}) as Json;
      const framework = this.frameworkById(idOf(info.framework_id));
      return framework !== undefined && this.executorById(framework, idOf(e.agent_id), idOf(info.executor_id));
    });
    return { ...json, executors, orphan_executors: [] };
  }

  /** GET_STATE and the SUBSCRIBED snapshot. */
  getState(json: Json): Json {
    return {
      ...json,
      get_tasks: this.getTasks((json.get_tasks ?? {}) as Json),
      get_executors: this.getExecutors((json.get_executors ?? {}) as Json),
      get_frameworks: this.getFrameworks((json.get_frameworks ?? {}) as Json),
      get_agents: this.getAgents((json.get_agents ?? {}) as Json),
    };
  }

  // ---- lookups ----

  private may(action: AclAction, user: string): boolean {
    const key = `${action}\u0000${user}`;
    let allowed = this.decided.get(key);
    if (allowed === undefined) {
      allowed = this.authorizer.authorized(action, this.principal, user);
      this.decided.set(key, allowed);
    }
    return allowed;
  }

  /** v1 resources, without those reserved to a role this principal may not view (the last reservation's role, as Mesos reads it). */
  private viewableResources(list: unknown): Json[] {
    return asList(list).filter((resource) => {
      const reservations = asList(resource.reservations);
      const role = reservations.length > 0 ? reservations[reservations.length - 1].role : resource.role;
      return typeof role !== 'string' || role === '*' || this.may('view_roles', role);
    });
  }

  private frameworkById(id: string): FrameworkRecord | undefined {
    return this.core.records.frameworks.get(id) ?? this.core.records.completedFrameworks.toArray().find((f) => f.id === id);
  }

  private frameworkVisible(id: string): boolean {
    const framework = this.frameworkById(id);
    return framework !== undefined && this.framework(framework);
  }

  private taskOf(frameworkId: string, taskId: string): boolean {
    const framework = this.frameworkById(frameworkId);
    return framework !== undefined && this.taskById(framework, taskId);
  }

  private taskById(framework: FrameworkRecord, taskId: string): boolean {
    const task = findTask(framework, taskId);
    return task !== undefined && this.task(framework, task);
  }

  private executorById(framework: FrameworkRecord, agentId: string, executorId: string): boolean {
    const executor = this.core.records.agents.get(agentId)?.executors.get(taskKey(framework.id, executorId));
    return executor !== undefined && this.executor(framework, executor);
  }

  private executorOf(task: TaskRecord): ExecutorRecord | undefined {
    if (task.executorId === undefined) return undefined;
    return this.core.records.agents.get(task.agentId)?.executors.get(taskKey(task.frameworkId, task.executorId));
  }
}

function asList(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

function idOf(value: unknown): string {
  return String((value as { value?: unknown } | undefined)?.value);
}
