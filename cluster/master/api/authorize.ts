/**
 * Where the master's HTTP side asks the authorizer (--acls): operator calls that change the cluster
 * are refused 403 as Mesos refuses them (Forbidden); reads are filtered to what the principal may
 * see; sandboxes are read only by principals that may access the task's user's sandboxes. Calls
 * whose bodies do not validate are left to their handlers, which answer 400 before anything is done.
 */
import type { AclAction } from '../../authz/acls';
import { taskUser } from '../../authz/objects';
import { notAuthorized } from '../../authz/refusal';
import type { OperatorCall } from '../../protocol/validate';
import type { MasterCore } from '../core';
import { findTask, taskKey } from '../state/records';
import { Visibility } from '../views/visibility';
import { parseVirtualPath } from './sandbox-proxy';

type Json = Record<string, unknown>;

/** Throws 403 unless `principal` may do `action` to every one of `objects` (none: to anything). */
export function requireAuthorized(core: MasterCore, action: AclAction, principal: string | undefined, objects: readonly string[] = [], what = ''): void {
  if (core.authorizer.authorizedAll(action, principal, objects)) return;
  throw notAuthorized(principal, `${action.replace(/_/g, ' ')}${what ? ` ${what}` : ''}`);
}

function stringsAt(list: unknown, field: string): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const values = list.map((entry) => (entry as Json | null)?.[field]);
  return values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

function idValue(value: unknown): string | undefined {
  const id = (value as Json | null | undefined)?.value;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Calls whose Mesos action has an implied object (ANY): agent maintenance, and the maintenance
 * schedule and logging-level calls (their older endpoints are guarded by the same table).
 */
export const IMPLIED_OBJECT_CALLS = {
  MARK_AGENT_GONE: 'mark_agents_gone',
  DRAIN_AGENT: 'drain_agents',
  DEACTIVATE_AGENT: 'deactivate_agents',
  REACTIVATE_AGENT: 'reactivate_agents',
  UPDATE_MAINTENANCE_SCHEDULE: 'update_maintenance_schedules',
  GET_MAINTENANCE_SCHEDULE: 'get_maintenance_schedules',
  GET_MAINTENANCE_STATUS: 'get_maintenance_statuses',
  START_MAINTENANCE: 'start_maintenances',
  STOP_MAINTENANCE: 'stop_maintenances',
  SET_LOGGING_LEVEL: 'set_log_level',
} as const satisfies Record<string, AclAction>;

/** Before an operator call runs: 403 when its principal may not make it. */
export function authorizeOperatorCall(core: MasterCore, call: OperatorCall, principal: string | undefined): void {
  const body = call as unknown as Json;
  const action = Object.hasOwn(IMPLIED_OBJECT_CALLS, call.type) ? IMPLIED_OBJECT_CALLS[call.type as keyof typeof IMPLIED_OBJECT_CALLS] : undefined;
  if (action) return requireAuthorized(core, action, principal);
  switch (call.type) {
    case 'UPDATE_WEIGHTS': {
      const roles = stringsAt((body.update_weights as Json | undefined)?.weight_infos, 'role');
      if (roles) requireAuthorized(core, 'update_weights', principal, roles, `of roles '${roles.join(',')}'`);
      return;
    }
    case 'UPDATE_QUOTA': {
      const roles = stringsAt((body.update_quota as Json | undefined)?.quota_configs, 'role');
      if (roles) requireAuthorized(core, 'update_quotas', principal, roles, `of roles '${roles.join(',')}'`);
      return;
    }
    case 'TEARDOWN': {
      const id = idValue((body.teardown as Json | undefined)?.framework_id);
      const framework = id === undefined ? undefined : core.records.frameworks.get(id);
      // Mesos's object is the framework's principal ('' when it has none).
      if (framework) requireAuthorized(core, 'teardown_frameworks', principal, [framework.info.principal ?? ''], `framework '${framework.id}'`);
      return;
    }
    case 'GET_FLAGS':
      return requireAuthorized(core, 'view_flags', principal);
    case 'LIST_FILES':
    case 'READ_FILE': {
      const path = ((body.list_files ?? body.read_file) as Json | undefined)?.path;
      if (typeof path === 'string') authorizeSandbox(core, path, principal);
      return;
    }
    default:
  }
}

/** After a read call: its answer as `principal` may see it. */
export function filterOperatorResponse(core: MasterCore, json: Json, principal: string | undefined): Json {
  const view = new Visibility(core, core.authorizer, principal);
  const roles = (action: AclAction, list: unknown) => !core.authorizer.restricts(action) ? list
    : (Array.isArray(list) ? list : []).filter((entry) => core.authorizer.authorized(action, principal, String((entry as Json).role)));
  switch (json.type) {
    case 'GET_STATE': return view.everything ? json : { ...json, get_state: view.getState(json.get_state as Json) };
    case 'GET_FRAMEWORKS': return view.everything ? json : { ...json, get_frameworks: view.getFrameworks(json.get_frameworks as Json) };
    case 'GET_TASKS': return view.everything ? json : { ...json, get_tasks: view.getTasks(json.get_tasks as Json) };
    case 'GET_EXECUTORS': return view.everything ? json : { ...json, get_executors: view.getExecutors(json.get_executors as Json) };
    case 'GET_AGENTS': return view.everything ? json : { ...json, get_agents: view.getAgents(json.get_agents as Json) };
    case 'GET_WEIGHTS': {
      const weights = json.get_weights as Json;
      return { ...json, get_weights: { ...weights, weight_infos: roles('view_roles', weights.weight_infos) } };
    }
    case 'GET_ROLES': {
      const got = json.get_roles as { roles: Json[] };
      return { ...json, get_roles: { ...got, roles: viewableRoles(core, principal, got.roles) } };
    }
    case 'GET_QUOTA': {
      const status = (json.get_quota as Json).status as Json;
      return { ...json, get_quota: { status: { ...status, infos: roles('get_quotas', status.infos), configs: roles('get_quotas', status.configs) } } };
    }
    default: return json;
  }
}

/**
 * access_sandboxes: the task's user (its command's, its executor's, else its framework's), as Mesos
 * decides on the executor's sandbox. An unknown task is left to the proxy's 404.
 */
export function authorizeSandbox(core: MasterCore, text: string, principal: string | undefined): void {
  let target: { frameworkId: string; taskId: string };
  try {
    target = parseVirtualPath(text, 'path');
  } catch {
    return;
  }
  const framework = core.records.frameworks.get(target.frameworkId)
    ?? core.records.completedFrameworks.toArray().find((f) => f.id === target.frameworkId);
  const task = framework && findTask(framework, target.taskId);
  if (!framework || !task) {
    // Without the task there is no user to decide on: only a principal allowed every sandbox goes on (to a 404).
    return requireAuthorized(core, 'access_sandboxes', principal, [], `sandboxes`);
  }
  const executor = task.executorId === undefined ? undefined : core.records.agents.get(task.agentId)?.executors.get(taskKey(framework.id, task.executorId));
  const user = taskUser(task.info, executor?.info, framework.info);
  requireAuthorized(core, 'access_sandboxes', principal, [user], `of user '${user}'`);
}

/** get_endpoints for one of Mesos's authorizable paths (GET /metrics/snapshot here). */
export function requireEndpoint(core: MasterCore, path: string, principal: string | undefined): void {
  requireAuthorized(core, 'get_endpoints', principal, [path], `GET ${path}`);
}

/** What one principal may see of a legacy view; `undefined` when it may see everything (serve it as built). */
export function visibilityFor(core: MasterCore, principal: string | undefined): Visibility | undefined {
  const view = new Visibility(core, core.authorizer, principal);
  return view.everything ? undefined : view;
}

/**
 * /state as `principal` may see it: its frameworks, tasks and executors (view_*), and its flags only
 * with view_flags (Mesos leaves the field out). Undefined when nothing is hidden (the cached document is served).
 */
export function stateFilter(core: MasterCore, principal: string | undefined): ((state: Json) => Json) | undefined {
  const view = visibilityFor(core, principal);
  const flags = core.authorizer.authorized('view_flags', principal);
  if (!view && flags) return undefined;
  return (state) => {
    const seen = view ? view.legacyState(state) : state;
    if (flags) return seen;
    const { flags: _hidden, ...rest } = seen;
    return rest;
  };
}

/** A rendered view as `principal` may see it: `filter`ed, or as it is when nothing is hidden from it. */
export function asSeenBy(core: MasterCore, principal: string | undefined, json: unknown, filter: (view: Visibility, json: Json) => unknown): unknown {
  const view = visibilityFor(core, principal);
  return view ? filter(view, json as Json) : json;
}

/** /roles and GET_ROLES-like lists: the roles `principal` may view. */
export function viewableRoles<T extends { name?: unknown }>(core: MasterCore, principal: string | undefined, roles: T[]): T[] {
  if (!core.authorizer.restricts('view_roles')) return roles;
  return roles.filter((role) => core.authorizer.authorized('view_roles', principal, String(role.name)));
}
