/**
 * The agent API answers Mesos documents (apache/mesos docs/operator-http-api.md, "Agent API"), as
 * shapes for json-shape.ts: field names, nesting and JSON types, placeholder values. Left out, and
 * why: `network_infos` in ContainerStatus (no container networking here) and the command executor's
 * `command.arguments` (Mesos's command executor is a `mesos-executor` binary with flags; here the
 * executor runs the task's own command). GET_HEALTH and GET_VERSION are documented as "similar to the
 * master's" and are checked against those shapes; so is GET_METRICS, whose master example is below.
 */
const id = { value: '' };
const scalarResource = { name: '', role: '', scalar: { value: 0 }, type: '' };
const rangesResource = { name: '', ranges: { range: [{ begin: 0, end: 0 }] }, role: '', type: '' };

const executorInfo = {
  command: { shell: true, value: '' },
  executor_id: id,
  framework_id: id,
  name: '',
  resources: [scalarResource],
  source: '',
};

const frameworkInfo = { checkpoint: false, failover_timeout: 0, hostname: '', id, name: '', principal: '', role: '', user: '' };

const launchedTask = {
  agent_id: id,
  framework_id: id,
  name: '',
  resources: [scalarResource, rangesResource],
  state: '',
  status_update_state: '',
  status_update_uuid: '',
  statuses: [{ agent_id: id, container_status: { executor_pid: 0 }, executor_id: id, source: '', state: '', task_id: id, timestamp: 0, uuid: '' }],
  task_id: id,
};

const getExecutors = { executors: [{ executor_info: executorInfo }] };
const getFrameworks = { frameworks: [{ framework_info: frameworkInfo }] };
const getTasks = { launched_tasks: [launchedTask] };

export const AGENT_OPERATOR_RESPONSES: Record<string, unknown> = {
  GET_METRICS: { type: '', get_metrics: { metrics: [{ name: '', value: 0 }] } },
  GET_FLAGS: { type: '', get_flags: { flags: [{ name: '', value: '' }] } },
  GET_STATE: { type: '', get_state: { get_executors: getExecutors, get_frameworks: getFrameworks, get_tasks: getTasks } },
  GET_CONTAINERS: {
    type: '',
    get_containers: {
      containers: [{ container_id: id, container_status: {}, executor_id: id, executor_name: '', framework_id: id, resource_statistics: { mem_limit_bytes: 0, timestamp: 0 } }],
    },
  },
  GET_FRAMEWORKS: { type: '', get_frameworks: getFrameworks },
  GET_EXECUTORS: { type: '', get_executors: getExecutors },
  GET_TASKS: { type: '', get_tasks: getTasks },
};
