/**
 * The answers Mesos documents, as shapes for json-shape.ts: the same field names and nesting, with
 * placeholder values of the documented JSON types. Sources, in apache/mesos:
 *  - docs/scheduler-http-api.md, events (SUBSCRIBED, OFFERS, RESCIND, UPDATE, FAILURE, HEARTBEAT);
 *    where that document and include/mesos/v1/scheduler/scheduler.proto disagree (OFFERS without the
 *    inner `offers`, ERROR without `error`, `bytes` for `data`), the proto wins, as the master follows it;
 *  - docs/operator-http-api.md, the GET_* response examples;
 *  - docs/endpoints/master/state.md for the top of /state, and the writers of /state in
 *    src/master/readonly_handler.cpp and src/common/http.cpp for its agents, frameworks and tasks.
 */

const id = { value: '' };
const time = { nanoseconds: 0 };
const scalarResource = { name: '', role: '', scalar: { value: 0 }, type: '' };
const rangesResource = { name: '', ranges: { range: [{ begin: 0, end: 0 }] }, role: '', type: '' };
const resources = [scalarResource, rangesResource];

// ---- scheduler events ----

export const SUBSCRIBED_EVENT = { type: '', subscribed: { framework_id: id, heartbeat_interval_seconds: 0 } };

export const OFFERS_EVENT = {
  type: '',
  offers: {
    offers: [{
      allocation_info: { role: '' },
      id,
      framework_id: id,
      agent_id: id,
      hostname: '',
      resources: [{ allocation_info: { role: '' }, name: '', type: '', scalar: { value: 0 }, role: '' }],
      attributes: [{ name: '', type: '', text: { value: '' } }],
      executor_ids: [],
    }],
  },
};

export const RESCIND_EVENT = { type: '', rescind: { offer_id: id } };

export const UPDATE_EVENT = { type: '', update: { status: { task_id: id, state: '', source: '', uuid: '' } } };

export const FAILURE_EVENT = { type: '', failure: { agent_id: id } };

export const ERROR_EVENT = { type: '', error: { message: '' } };

export const HEARTBEAT_EVENT = { type: '' };

// ---- operator API (POST /api/v1) ----

const agent = {
  active: true,
  agent_info: { hostname: '', id, port: 0, resources },
  pid: '',
  registered_time: time,
  total_resources: resources,
  version: '',
};

const framework = {
  active: true,
  connected: true,
  framework_info: { checkpoint: false, failover_timeout: 0, hostname: '', id, name: '', principal: '', role: '', user: '' },
  registered_time: time,
  reregistered_time: time,
};

const executor = {
  agent_id: id,
  executor_info: { command: { shell: true, value: '' }, executor_id: id, framework_id: id },
};

const status = {
  agent_id: id,
  container_status: { network_infos: [{ ip_addresses: [{ ip_address: '' }] }] },
  executor_id: id,
  source: '',
  state: '',
  task_id: id,
  timestamp: 0,
  uuid: '',
};

const task = {
  agent_id: id,
  executor_id: id,
  framework_id: id,
  name: '',
  resources,
  state: '',
  status_update_state: '',
  status_update_uuid: '',
  statuses: [status],
  task_id: id,
};

export const OPERATOR_RESPONSES: Record<string, unknown> = {
  GET_HEALTH: { type: '', get_health: { healthy: true } },
  GET_FLAGS: { type: '', get_flags: { flags: [{ name: '', value: '' }] } },
  GET_VERSION: { type: '', get_version: { version_info: { version: '', build_date: '', build_time: 0, build_user: '' } } },
  GET_STATE: {
    type: '',
    get_state: {
      get_agents: { agents: [agent] },
      get_executors: { executors: [executor] },
      get_frameworks: { frameworks: [framework] },
      get_tasks: { completed_tasks: [task] },
    },
  },
  GET_AGENTS: { type: '', get_agents: { agents: [agent] } },
  GET_FRAMEWORKS: { type: '', get_frameworks: { frameworks: [framework] } },
  GET_EXECUTORS: { type: '', get_executors: { executors: [executor] } },
  GET_TASKS: { type: '', get_tasks: { tasks: [task] } },
  GET_MASTER: {
    type: '',
    get_master: {
      master_info: { address: { hostname: '', ip: '', port: 0 }, hostname: '', id: '', ip: 0, pid: '', port: 0, version: '' },
    },
  },
};

/** Values GET_FLAGS shows for the flags this master shares with Mesos, at Mesos's defaults. */
export const DOCUMENTED_DEFAULT_FLAGS: Record<string, string> = {
  agent_ping_timeout: '15secs',
  allocation_interval: '1secs',
  max_agent_ping_timeouts: '5',
  max_completed_frameworks: '50',
  max_completed_tasks_per_framework: '1000',
};

// ---- GET /state ----

const legacyResources = { cpus: 0, gpus: 0, mem: 0, disk: 0 };

export const STATE = {
  version: '',
  build_date: '',
  build_time: 0,
  build_user: '',
  start_time: 0,
  elected_time: 0,
  id: '',
  pid: '',
  hostname: '',
  activated_slaves: 0,
  deactivated_slaves: 0,
  cluster: '',
  leader: '',
  flags: { allocation_interval: '', port: '', max_completed_frameworks: '', max_completed_tasks_per_framework: '' },
  slaves: [],
  frameworks: [],
  completed_frameworks: [],
  orphan_tasks: [],
  unregistered_frameworks: [],
};

export const STATE_SLAVE = {
  id: '',
  hostname: '',
  port: 0,
  attributes: {},
  pid: '',
  registered_time: 0,
  resources: legacyResources,
  used_resources: legacyResources,
  offered_resources: legacyResources,
  reserved_resources: {},
  unreserved_resources: legacyResources,
  active: true,
  deactivated: false,
  version: '',
  capabilities: [],
};

export const STATE_TASK = {
  id: '',
  name: '',
  framework_id: '',
  executor_id: '',
  slave_id: '',
  state: '',
  resources: legacyResources,
  role: '',
  statuses: [{ state: '', timestamp: 0 }],
};

export const STATE_FRAMEWORK = {
  id: '',
  name: '',
  used_resources: legacyResources,
  offered_resources: legacyResources,
  capabilities: [],
  hostname: '',
  webui_url: '',
  active: true,
  connected: true,
  recovered: false,
  user: '',
  failover_timeout: 0,
  checkpoint: false,
  registered_time: 0,
  unregistered_time: 0,
  principal: '',
  resources: legacyResources,
  role: '',
  tasks: [STATE_TASK],
  unreachable_tasks: [],
  completed_tasks: [],
  offers: [],
  executors: [{ executor_id: '', name: '', framework_id: '', command: { argv: [], uris: [] }, resources: legacyResources, slave_id: '' }],
  offer_constraints: {},
};

// ---- calls, as the documents write them ----

/**
 * The request bodies of docs/scheduler-http-api.md, one per call type, with the document's values
 * (REVIVE with its `role`, ACCEPT with `limits`: fields this master ignores, as Mesos ignores fields
 * it does not know; SUBSCRIBE's `offer_constraints` it honours: role test1 only on agents with `foo`).
 */
export const DOCUMENTED_SCHEDULER_CALLS: Record<string, Record<string, unknown>> = {
  SUBSCRIBE: {
    type: 'SUBSCRIBE',
    subscribe: {
      framework_info: { user: 'foo', name: 'Example HTTP Framework', roles: ['test1', 'test2'], capabilities: [{ type: 'MULTI_ROLE' }] },
      suppressed_roles: ['test2'],
      offer_constraints: { role_constraints: { test1: { groups: [{ attribute_constraints: [{ selector: { attribute_name: 'foo' }, predicate: { exists: {} } }] }] } } },
    },
  },
  TEARDOWN: { framework_id: { value: '12220-3440-12532-2345' }, type: 'TEARDOWN' },
  ACCEPT: {
    framework_id: { value: '12220-3440-12532-2345' },
    type: 'ACCEPT',
    accept: {
      offer_ids: [{ value: '12220-3440-12532-O12' }],
      operations: [{
        type: 'LAUNCH',
        launch: {
          task_infos: [{
            name: 'My Task',
            task_id: { value: '12220-3440-12532-my-task' },
            agent_id: { value: '12220-3440-12532-S1233' },
            executor: { command: { shell: true, value: 'sleep 1000' }, executor_id: { value: '12214-23523-my-executor' } },
            resources: [
              { allocation_info: { role: 'engineering' }, name: 'cpus', role: '*', type: 'SCALAR', scalar: { value: 1.0 } },
              { allocation_info: { role: 'engineering' }, name: 'mem', role: '*', type: 'SCALAR', scalar: { value: 128.0 } },
            ],
            limits: { cpus: 'Infinity', mem: 512.0 },
          }],
        },
      }],
      filters: { refuse_seconds: 5.0 },
    },
  },
  DECLINE: {
    framework_id: { value: '12220-3440-12532-2345' },
    type: 'DECLINE',
    decline: { offer_ids: [{ value: '12220-3440-12532-O12' }, { value: '12220-3440-12532-O13' }], filters: { refuse_seconds: 5.0 } },
  },
  REVIVE: { framework_id: { value: '12220-3440-12532-2345' }, type: 'REVIVE', revive: { role: '<one-of-the-subscribed-roles>' } },
  KILL: {
    framework_id: { value: '12220-3440-12532-2345' },
    type: 'KILL',
    kill: { task_id: { value: '12220-3440-12532-my-task' }, agent_id: { value: '12220-3440-12532-S1233' } },
  },
  SHUTDOWN: {
    framework_id: { value: '12220-3440-12532-2345' },
    type: 'SHUTDOWN',
    shutdown: { executor_id: { value: '123450-2340-1232-my-executor' }, agent_id: { value: '12220-3440-12532-S1233' } },
  },
  ACKNOWLEDGE: {
    framework_id: { value: '12220-3440-12532-2345' },
    type: 'ACKNOWLEDGE',
    // The document's uuid ('jhadf73jhakdlfha723adf') is not the base64 of 16 bytes; this one is.
    acknowledge: { agent_id: { value: '12220-3440-12532-S1233' }, task_id: { value: '12220-3440-12532-my-task' }, uuid: 'jhadf73jhakdlfha723adQ==' },
  },
  RECONCILE: {
    framework_id: { value: '12220-3440-12532-2345' },
    type: 'RECONCILE',
    reconcile: { tasks: [{ task_id: { value: '312325' }, agent_id: { value: '123535' } }] },
  },
  MESSAGE: {
    framework_id: { value: '12220-3440-12532-2345' },
    type: 'MESSAGE',
    message: { agent_id: { value: '12220-3440-12532-S1233' }, executor_id: { value: 'my-framework-executor' }, data: 'adaf838jahd748jnaldf' },
  },
  REQUEST: {
    framework_id: { value: '12220-3440-12532-2345' },
    type: 'REQUEST',
    request: { requests: [{ agent_id: { value: '12220-3440-12532-S1233' }, resources: {} }] },
  },
  SUPPRESS: { framework_id: { value: '12220-3440-12532-2345' }, type: 'SUPPRESS', suppress: { roles: ['<one-of-the-subscribed-roles>'] } },
};

/** Request bodies of docs/operator-http-api.md for the master. */
export const DOCUMENTED_OPERATOR_CALLS: Record<string, Record<string, unknown>> = {
  GET_HEALTH: { type: 'GET_HEALTH' },
  GET_FLAGS: { type: 'GET_FLAGS' },
  GET_VERSION: { type: 'GET_VERSION' },
  GET_METRICS: { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5000000000 } } },
  GET_STATE: { type: 'GET_STATE' },
  GET_AGENTS: { type: 'GET_AGENTS' },
  GET_FRAMEWORKS: { type: 'GET_FRAMEWORKS' },
  GET_EXECUTORS: { type: 'GET_EXECUTORS' },
  GET_TASKS: { type: 'GET_TASKS' },
  GET_ROLES: { type: 'GET_ROLES' },
  GET_WEIGHTS: { type: 'GET_WEIGHTS' },
  GET_MASTER: { type: 'GET_MASTER' },
  UPDATE_WEIGHTS: { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'role', weight: 2.0 }] } },
  LIST_FILES: { type: 'LIST_FILES', list_files: { path: 'one/' } },
  READ_FILE: { type: 'READ_FILE', read_file: { length: 6, offset: 1, path: 'myname' } },
  TEARDOWN: { type: 'TEARDOWN', teardown: { framework_id: { value: '3ad9b3c1-8c1f-4e71-a9d4-4a5c55e4c0ea-0000' } } },
};
