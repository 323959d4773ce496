/**
 * Mesos's ACLs (`--acls`, include/mesos/authorizer/acls.proto) read strictly: the JSON object's
 * `permissive` (default true) and one list of rules per action, each rule a subject entity
 * (`principals`) and an object entity whose name depends on the action (`roles`, `users`,
 * `framework_principals`, `paths`, ...). An entity is `{"values": [...]}` or `{"type": "ANY"|"NONE"}`.
 *
 * Mesos's own parser ignores a misspelled action, which silently changes who may do what (its
 * authorizer says as much in a TODO); here every unknown key, wrong type or missing entity is an
 * error that names where it is, and the daemon does not start.
 *
 * Pure: text in, rules out. Reading the flag's file is acls-flag.ts.
 */

export type EntityType = 'SOME' | 'ANY' | 'NONE';

export interface Entity {
  readonly type: EntityType;
  /** Only for SOME. */
  readonly values: readonly string[];
}

export interface AclRule {
  readonly principals: Entity;
  readonly objects: Entity;
}

/**
 * How each action's object is named and matched:
 *  - `roles`: hierarchical roles, where a value `a/%` covers every role below `a/` (Mesos's
 *    LocalHierarchicalRoleApprover);
 *  - `implicit`: the object is implied, so only `ANY` or `NONE` may be written (Mesos refuses SOME).
 */
interface ActionSpec {
  readonly object: string;
  readonly kind?: 'roles' | 'implicit';
}

/** Every action of Mesos's ACLs message (1.11), with its object field. */
export const ACL_ACTIONS = {
  register_frameworks: { object: 'roles', kind: 'roles' },
  run_tasks: { object: 'users' },
  teardown_frameworks: { object: 'framework_principals' },
  reserve_resources: { object: 'roles', kind: 'roles' },
  unreserve_resources: { object: 'reserver_principals' },
  create_volumes: { object: 'roles', kind: 'roles' },
  destroy_volumes: { object: 'creator_principals' },
  resize_volumes: { object: 'roles', kind: 'roles' },
  create_block_disks: { object: 'roles', kind: 'roles' },
  destroy_block_disks: { object: 'roles', kind: 'roles' },
  create_mount_disks: { object: 'roles', kind: 'roles' },
  destroy_mount_disks: { object: 'roles', kind: 'roles' },
  destroy_raw_disks: { object: 'roles', kind: 'roles' },
  update_weights: { object: 'roles', kind: 'roles' },
  get_endpoints: { object: 'paths' },
  get_quotas: { object: 'roles', kind: 'roles' },
  update_quotas: { object: 'roles', kind: 'roles' },
  view_roles: { object: 'roles', kind: 'roles' },
  view_frameworks: { object: 'users' },
  view_tasks: { object: 'users' },
  view_executors: { object: 'users' },
  access_sandboxes: { object: 'users' },
  access_mesos_logs: { object: 'logs', kind: 'implicit' },
  view_flags: { object: 'flags', kind: 'implicit' },
  set_log_level: { object: 'level', kind: 'implicit' },
  launch_nested_containers_as_user: { object: 'users' },
  launch_nested_containers_under_parent_with_user: { object: 'users' },
  kill_nested_containers: { object: 'users' },
  wait_nested_containers: { object: 'users' },
  remove_nested_containers: { object: 'users' },
  launch_nested_container_sessions_as_user: { object: 'users' },
  launch_nested_container_sessions_under_parent_with_user: { object: 'users' },
  attach_containers_input: { object: 'users' },
  attach_containers_output: { object: 'users' },
  view_containers: { object: 'users' },
  launch_standalone_containers: { object: 'users', kind: 'implicit' },
  kill_standalone_containers: { object: 'users', kind: 'implicit' },
  wait_standalone_containers: { object: 'users', kind: 'implicit' },
  remove_standalone_containers: { object: 'users', kind: 'implicit' },
  view_standalone_containers: { object: 'users', kind: 'implicit' },
  register_agents: { object: 'agents', kind: 'implicit' },
  update_maintenance_schedules: { object: 'machines', kind: 'implicit' },
  get_maintenance_schedules: { object: 'machines', kind: 'implicit' },
  start_maintenances: { object: 'machines', kind: 'implicit' },
  stop_maintenances: { object: 'machines', kind: 'implicit' },
  get_maintenance_statuses: { object: 'machines', kind: 'implicit' },
  mark_agents_gone: { object: 'agents', kind: 'implicit' },
  drain_agents: { object: 'agents', kind: 'implicit' },
  deactivate_agents: { object: 'agents', kind: 'implicit' },
  reactivate_agents: { object: 'agents', kind: 'implicit' },
  modify_resource_provider_configs: { object: 'resource_providers', kind: 'implicit' },
  mark_resource_providers_gone: { object: 'resource_providers', kind: 'implicit' },
  view_resource_providers: { object: 'resource_providers', kind: 'implicit' },
  prune_images: { object: 'images', kind: 'implicit' },
} as const satisfies Record<string, ActionSpec>;

export type AclAction = keyof typeof ACL_ACTIONS;

/**
 * The endpoints `get_endpoints` may name (Mesos's AUTHORIZABLE_ENDPOINTS); any other path is an
 * error at start-up, as in Mesos.
 */
export const AUTHORIZABLE_ENDPOINTS: readonly string[] = [
  '/containers', '/files/debug', '/files/debug.json', '/logging/toggle', '/metrics/snapshot', '/monitor/statistics', '/monitor/statistics.json',
];

export interface Acls {
  readonly permissive: boolean;
  /** The rules of each action, in the file's order; an action the file does not name has none. */
  readonly rules: ReadonlyMap<AclAction, readonly AclRule[]>;
}

export class AclsError extends Error {}

const ACTION_NAMES: ReadonlySet<string> = new Set(Object.keys(ACL_ACTIONS));
const ENTITY_TYPES: ReadonlySet<string> = new Set(['SOME', 'ANY', 'NONE']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{"permissive": ..., "<action>": [{"principals": {...}, "<object>": {...}}, ...]}`; throws AclsError naming the field. */
export function parseAcls(text: string, source = 'acls'): Acls {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AclsError(`${source}: not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  return aclsFromJson(parsed, source);
}

export function aclsFromJson(json: unknown, source = 'acls'): Acls {
  if (!isPlainObject(json)) throw new AclsError(`${source}: expected a JSON object of ACLs, e.g. {"permissive": true, "run_tasks": [...]}`);
  let permissive = true;
  const rules = new Map<AclAction, AclRule[]>();
  for (const [key, value] of Object.entries(json)) {
    if (key === 'permissive') {
      // null means unset, as Mesos's JSON parser reads it.
      if (value === null) continue;
      if (typeof value !== 'boolean') throw new AclsError(`${source}: 'permissive' must be true or false, got ${JSON.stringify(value)}`);
      permissive = value;
      continue;
    }
    if (!ACTION_NAMES.has(key)) throw new AclsError(`${source}: unknown ACL action '${key.slice(0, 100)}' (known: permissive, ${[...ACTION_NAMES].join(', ')})`);
    const action = key as AclAction;
    if (value === null) continue;
    if (!Array.isArray(value)) throw new AclsError(`${source}: '${action}' must be a list of rules`);
    rules.set(action, value.map((rule, i) => ruleOf(action, rule, `${source}: ${action}[${i}]`)));
  }
  return { permissive, rules };
}

function ruleOf(action: AclAction, json: unknown, where: string): AclRule {
  const spec: ActionSpec = ACL_ACTIONS[action];
  if (!isPlainObject(json)) throw new AclsError(`${where}: expected {"principals": {...}, "${spec.object}": {...}}`);
  for (const key of Object.keys(json)) {
    if (key !== 'principals' && key !== spec.object) throw new AclsError(`${where}: unknown field '${key.slice(0, 100)}' (a ${action} rule has 'principals' and '${spec.object}')`);
  }
  const principals = entityOf(json.principals, `${where}.principals`);
  const objects = entityOf(json[spec.object], `${where}.${spec.object}`);
  if (spec.kind === 'implicit' && objects.type === 'SOME') {
    throw new AclsError(`${where}.${spec.object}: the object of ${action} is implied; its type must be ANY or NONE`);
  }
  if (action === 'get_endpoints' && objects.type === 'SOME') {
    for (const path of objects.values) {
      if (!AUTHORIZABLE_ENDPOINTS.includes(path)) {
        throw new AclsError(`${where}.paths: '${path.slice(0, 100)}' is not an authorizable path (one of ${AUTHORIZABLE_ENDPOINTS.join(', ')})`);
      }
    }
  }
  return { principals, objects };
}

function entityOf(json: unknown, where: string): Entity {
  // Mesos declares both entities `required`: an absent one is ambiguous (ANY or NONE?).
  if (json === undefined || json === null) throw new AclsError(`${where} is required ({"values": [...]} or {"type": "ANY"|"NONE"})`);
  if (!isPlainObject(json)) throw new AclsError(`${where}: expected {"values": [...]} or {"type": "ANY"|"NONE"}`);
  for (const key of Object.keys(json)) {
    if (key !== 'type' && key !== 'values') throw new AclsError(`${where}: unknown field '${key.slice(0, 100)}' (an entity has 'type' and 'values')`);
  }
  const type = json.type ?? 'SOME';
  if (typeof type !== 'string' || !ENTITY_TYPES.has(type)) {
    throw new AclsError(`${where}.type must be ANY, NONE or SOME, got ${JSON.stringify(type).slice(0, 100)}`);
  }
  const rawValues = json.values ?? [];
  if (!Array.isArray(rawValues) || rawValues.some((v) => typeof v !== 'string')) throw new AclsError(`${where}.values must be a list of strings`);
  const values = rawValues as string[];
  if (type === 'SOME' && values.length === 0) throw new AclsError(`${where}: give 'values' or a 'type' of ANY or NONE`);
  if (type !== 'SOME' && values.length > 0) throw new AclsError(`${where}: 'values' cannot go with type ${type}`);
  return { type: type as EntityType, values };
}

/** Every action a file may name, in Mesos's order. */
export function aclActions(): AclAction[] {
  return Object.keys(ACL_ACTIONS) as AclAction[];
}

/** True for the actions whose objects are roles matched hierarchically. */
export function isRoleAction(action: AclAction): boolean {
  return (ACL_ACTIONS[action] as ActionSpec).kind === 'roles';
}
