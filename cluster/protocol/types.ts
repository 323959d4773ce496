/**
 * Mesos v1 JSON wire types (include/mesos/v1/mesos.proto, scheduler/scheduler.proto).
 * Field names follow the protobuf JSON mapping Mesos uses: snake_case, enums as strings,
 * `bytes` as base64 strings, IDs as `{ value }` objects.
 */

export interface Id { value: string }
export type FrameworkID = Id;
export type AgentID = Id;
export type OfferID = Id;
export type TaskID = Id;
export type ExecutorID = Id;
export type ContainerID = Id;

export interface TimeInfo { nanoseconds: number }
export interface DurationInfo { nanoseconds: number }
/** mesos.proto Unavailability: when a machine is expected to go away (maintenance), and for how long. */
export interface Unavailability { start: TimeInfo; duration?: DurationInfo }

export interface Value_Scalar { value: number }
export interface Value_Range { begin: number; end: number }
export interface Value_Ranges { range: Value_Range[] }
export interface Value_Set { item: string[] }
export interface Value_Text { value: string }
export type ValueType = 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';

export interface ResourceReservation { type?: 'STATIC' | 'DYNAMIC'; role: string; principal?: string; labels?: Labels }
/** Resource.DiskInfo: a persistent volume has `persistence` and `volume`; `source` is kept as given. */
export interface DiskInfo {
  persistence?: { id: string; principal?: string };
  volume?: { mode: 'RW' | 'RO'; container_path: string };
  source?: Record<string, unknown>;
}

export interface Resource {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET';
  scalar?: Value_Scalar;
  ranges?: Value_Ranges;
  set?: Value_Set;
  /** Legacy static reservation role; '*' (or absent) means unreserved. */
  role?: string;
  /** Pre-refinement dynamic reservation (with `role`): present means DYNAMIC. */
  reservation?: { principal?: string; labels?: Labels };
  reservations?: ResourceReservation[];
  disk?: DiskInfo;
  allocation_info?: { role: string };
}

export interface Attribute {
  name: string;
  type: ValueType;
  scalar?: Value_Scalar;
  ranges?: Value_Ranges;
  set?: Value_Set;
  text?: Value_Text;
}

export interface Address { hostname?: string; ip?: string; port: number }
export interface URL { scheme: string; address: Address; path?: string }

export interface MasterInfo {
  id: string;
  ip: number; // IPv4 as a little-endian uint32, as Mesos writes it
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
}

export interface AgentInfo {
  hostname: string;
  port?: number;
  resources: Resource[];
  attributes?: Attribute[];
  id?: AgentID;
}

/** `type` is absent for a capability this master does not know (Mesos drops unknown enum values). */
export interface FrameworkCapability { type?: string }

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: FrameworkCapability[];
  labels?: Labels;
}

export interface Label { key: string; value?: string }
export interface Labels { labels: Label[] }

export interface EnvironmentVariable { name: string; type?: 'VALUE' | 'SECRET'; value?: string }
export interface Environment { variables: EnvironmentVariable[] }

export interface CommandInfo_URI { value: string; executable?: boolean; extract?: boolean; cache?: boolean; output_file?: string }

export interface CommandInfo {
  uris?: CommandInfo_URI[];
  environment?: Environment;
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}

export interface KillPolicy { grace_period?: DurationInfo }

/** mesos.proto HealthCheck and CheckInfo: the kinds of probe both share. */
export type CheckType = 'UNKNOWN' | 'COMMAND' | 'HTTP' | 'TCP';

export interface HealthCheck {
  type?: CheckType;
  command?: CommandInfo;
  http?: { port: number; path?: string; scheme?: string; statuses?: number[]; protocol?: string };
  tcp?: { port: number; protocol?: string };
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
  consecutive_failures?: number;
  grace_period_seconds?: number;
}

export interface CheckInfo {
  type?: CheckType;
  command?: { command: CommandInfo };
  http?: { port: number; path?: string };
  tcp?: { port: number };
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
}

/** A general check's latest result; the member of `type` is present but empty until a result exists. */
export interface CheckStatusInfo {
  type?: CheckType;
  command?: { exit_code?: number };
  http?: { status_code?: number };
  tcp?: { succeeded?: boolean };
}

export interface ExecutorInfo {
  type?: 'UNKNOWN' | 'DEFAULT' | 'CUSTOM';
  executor_id: ExecutorID;
  framework_id?: FrameworkID;
  command?: CommandInfo;
  resources?: Resource[];
  name?: string;
}

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources: Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  data?: string;
  kill_policy?: KillPolicy;
  labels?: Labels;
  max_completion_time?: DurationInfo;
  health_check?: HealthCheck;
  check?: CheckInfo;
}

export interface TaskGroupInfo { tasks: TaskInfo[] }

export const TASK_STATES = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED',
  'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE',
  'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
] as const;
export type TaskState = typeof TASK_STATES[number];

const TERMINAL: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED',
  'TASK_GONE', 'TASK_GONE_BY_OPERATOR',
]);
export function isTerminalState(state: TaskState): boolean { return TERMINAL.has(state) }

export type TaskStatusSource = 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';

/** The TaskStatus.Reason values this implementation emits. */
export type TaskStatusReason =
  | 'REASON_COMMAND_EXECUTOR_FAILED'
  | 'REASON_CONTAINER_LAUNCH_FAILED'
  | 'REASON_CONTAINER_LIMITATION_MEMORY'
  | 'REASON_EXECUTOR_TERMINATED'
  | 'REASON_FETCHER_FAILED'
  | 'REASON_EXECUTOR_REGISTRATION_TIMEOUT'
  | 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT'
  | 'REASON_AGENT_DISCONNECTED'
  | 'REASON_AGENT_REMOVED'
  | 'REASON_AGENT_REREGISTERED'
  | 'REASON_AGENT_RESTARTED'
  | 'REASON_AGENT_UNKNOWN'
  | 'REASON_FRAMEWORK_REMOVED'
  | 'REASON_RECONCILIATION'
  | 'REASON_TASK_GROUP_INVALID'
  | 'REASON_TASK_GROUP_UNAUTHORIZED'
  | 'REASON_TASK_INVALID'
  | 'REASON_TASK_KILLED_DURING_LAUNCH'
  | 'REASON_TASK_UNAUTHORIZED'
  | 'REASON_TASK_UNKNOWN'
  | 'REASON_MAX_COMPLETION_TIME_REACHED'
  | 'REASON_INVALID_OFFERS'
  | 'REASON_RESOURCES_UNKNOWN'
  | 'REASON_AGENT_REMOVED_BY_OPERATOR'
  | 'REASON_AGENT_DRAINING'
  | 'REASON_TASK_CHECK_STATUS_UPDATED'
  | 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: TaskStatusSource;
  reason?: TaskStatusReason;
  data?: string;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  timestamp?: number; // seconds since the epoch, as a double
  uuid?: string; // base64; absent on updates that need no acknowledgement
  healthy?: boolean;
  check_status?: CheckStatusInfo;
  container_status?: { container_id?: ContainerID; executor_pid?: number };
}

export interface Task {
  name: string;
  task_id: TaskID;
  framework_id: FrameworkID;
  executor_id?: ExecutorID;
  agent_id: AgentID;
  state: TaskState;
  resources: Resource[];
  statuses: TaskStatus[];
  status_update_state?: TaskState;
  status_update_uuid?: string;
  labels?: Labels;
  command?: CommandInfo;
  kill_policy?: KillPolicy;
  health_check?: HealthCheck;
  role?: string;
}

export interface Filters { refuse_seconds?: number }

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  url?: URL;
  resources: Resource[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
  allocation_info?: { role: string };
  /** Set while the agent's machine is scheduled for maintenance (DRAINING). */
  unavailability?: Unavailability;
}

// ---- Scheduler API: calls (POST /api/v1/scheduler) ----

export const SCHEDULER_CALL_TYPES = [
  'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'REVIVE', 'KILL', 'SHUTDOWN', 'ACKNOWLEDGE',
  'RECONCILE', 'MESSAGE', 'REQUEST', 'SUPPRESS', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS',
  'UPDATE_FRAMEWORK',
] as const;
export type SchedulerCallType = typeof SCHEDULER_CALL_TYPES[number];

/** scheduler.proto AttributeConstraint (Mesos 1.11): one selector, one predicate (each a oneof). */
export interface AttributeConstraint {
  selector: { pseudoattribute_type?: string; attribute_name?: string };
  predicate: {
    exists?: object;
    not_exists?: object;
    text_equals?: { value: string };
    text_not_equals?: { value: string };
    text_matches?: { regex: string };
    text_not_matches?: { regex: string };
  };
}

/** scheduler.proto OfferConstraints: per role, groups OR-ed, the constraints of a group AND-ed. */
export interface OfferConstraints {
  role_constraints?: Record<string, { groups: { attribute_constraints: AttributeConstraint[] }[] }>;
}

export interface OfferOperation {
  type: 'LAUNCH' | 'LAUNCH_GROUP' | 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY' | string;
  launch?: { task_infos: TaskInfo[] };
  launch_group?: { executor: ExecutorInfo; task_group: TaskGroupInfo };
  reserve?: { resources: Resource[] };
  unreserve?: { resources: Resource[] };
  create?: { volumes: Resource[] };
  destroy?: { volumes: Resource[] };
}

export interface SchedulerCall {
  framework_id?: FrameworkID;
  type: SchedulerCallType;
  subscribe?: { framework_info: FrameworkInfo; suppressed_roles?: string[]; offer_constraints?: OfferConstraints };
  update_framework?: { framework_info: FrameworkInfo; suppressed_roles?: string[]; offer_constraints?: OfferConstraints };
  accept?: { offer_ids: OfferID[]; operations?: OfferOperation[]; filters?: Filters };
  decline?: { offer_ids: OfferID[]; filters?: Filters };
  revive?: { roles?: string[] };
  suppress?: { roles?: string[] };
  kill?: { task_id: TaskID; agent_id?: AgentID; kill_policy?: KillPolicy };
  shutdown?: { executor_id: ExecutorID; agent_id: AgentID };
  acknowledge?: { agent_id: AgentID; task_id: TaskID; uuid: string };
  reconcile?: { tasks?: { task_id: TaskID; agent_id?: AgentID }[] };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: string };
  request?: { requests: unknown[] };
  accept_inverse_offers?: { inverse_offer_ids: OfferID[]; filters?: Filters };
  decline_inverse_offers?: { inverse_offer_ids: OfferID[]; filters?: Filters };
}

/** mesos.proto InverseOffer: the master asks for an agent back (its machine is DRAINING); no resources = all of it. */
export interface InverseOffer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id?: AgentID;
  unavailability: Unavailability;
  resources: Resource[];
}

// ---- Scheduler API: events (RecordIO stream on the SUBSCRIBE response) ----

export type SchedulerEvent =
  | { type: 'SUBSCRIBED'; subscribed: { framework_id: FrameworkID; heartbeat_interval_seconds: number; master_info?: MasterInfo } }
  | { type: 'OFFERS'; offers: { offers: Offer[] } }
  | { type: 'RESCIND'; rescind: { offer_id: OfferID } }
  | { type: 'INVERSE_OFFERS'; inverse_offers: { inverse_offers: InverseOffer[] } }
  | { type: 'RESCIND_INVERSE_OFFER'; rescind_inverse_offer: { inverse_offer_id: OfferID } }
  | { type: 'UPDATE'; update: { status: TaskStatus } }
  | { type: 'MESSAGE'; message: { agent_id: AgentID; executor_id: ExecutorID; data: string } }
  | { type: 'FAILURE'; failure: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number } }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'HEARTBEAT' };
