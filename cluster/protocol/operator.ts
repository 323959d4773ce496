/**
 * Responses of the v1 operator API (include/mesos/v1/master/master.proto, Response.*), as JSON:
 * the one definition the master writes and the clients read. Fields this master always sends are
 * required; optional ones are those Mesos may leave out.
 */
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Offer, OfferConstraints, Resource, Task, TaskState, TaskStatus, TimeInfo } from './types';

export type OperatorCallType =
  | 'GET_HEALTH' | 'GET_FLAGS' | 'GET_VERSION' | 'GET_METRICS' | 'GET_STATE' | 'GET_AGENTS'
  | 'GET_FRAMEWORKS' | 'GET_EXECUTORS' | 'GET_TASKS' | 'GET_ROLES' | 'GET_MASTER';

export interface OperatorAgent {
  agent_info: AgentInfo;
  active: boolean;
  /** Operator-initiated deactivation (DEACTIVATE_AGENT, draining), not disconnection. */
  deactivated?: boolean;
  /** Set while the agent drains or once drained (DRAIN_AGENT). */
  drain_info?: DrainInfo;
  version?: string;
  pid?: string;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  total_resources?: Resource[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
  capabilities?: { type: string }[];
}

export interface GetAgents { agents: OperatorAgent[]; recovered_agents?: AgentInfo[] }

export interface OperatorFramework {
  framework_info: FrameworkInfo;
  active: boolean;
  connected: boolean;
  recovered?: boolean;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  unregistered_time?: TimeInfo;
  offers?: Offer[];
  inverse_offers?: never[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
  /** GET_FRAMEWORKS only (never in events), as master.proto says. */
  offer_constraints?: OfferConstraints;
}

export interface GetFrameworks { frameworks?: OperatorFramework[]; completed_frameworks?: OperatorFramework[] }

export interface GetTasks {
  pending_tasks?: Task[];
  tasks?: Task[];
  completed_tasks?: Task[];
  unreachable_tasks?: Task[];
}

export interface GetExecutors { executors?: { executor_info: ExecutorInfo; agent_id: { value: string } }[] }

export interface GetState {
  get_tasks?: GetTasks;
  get_executors?: GetExecutors;
  get_frameworks?: GetFrameworks;
  get_agents?: GetAgents;
}

export interface VersionInfo { version: string; build_date?: string; build_time?: number; build_user?: string; git_sha?: string }

export interface OperatorResponse {
  type: string;
  get_health?: { healthy: boolean };
  get_version?: { version_info: VersionInfo };
  get_state?: GetState;
  get_agents?: GetAgents;
  get_frameworks?: GetFrameworks;
  get_tasks?: GetTasks;
  get_executors?: GetExecutors;
}

// ---- cluster administration (weights, quota, maintenance, files) ----

export interface WeightInfo { role: string; weight: number }

/** proto `map<string, Value.Scalar>`: {"cpus": {"value": 1}}. */
export type ScalarMap = Record<string, { value: number }>;

/** quota.proto QuotaConfig (Mesos 1.9+). */
export interface QuotaConfig { role: string; guarantees?: ScalarMap; limits?: ScalarMap }

export type DrainState = 'DRAINING' | 'DRAINED';
export interface DrainConfig { max_grace_period?: { nanoseconds: number }; mark_gone?: boolean }
/** `config` is always sent by this master; readers accept it missing. */
export interface DrainInfo { state: DrainState; config?: DrainConfig }

/** mesos.proto Role, as GET_ROLES answers it. */
export interface OperatorRole {
  name: string;
  weight: number;
  frameworks: { value: string }[];
  /** Allocated plus offered (Mesos's older field). */
  resources: Resource[];
  allocated: Resource[];
  offered: Resource[];
  /** Reserved to the role on the agents (static and dynamic reservations, volumes), ENDPOINT format. */
  reserved?: Resource[];
  quota?: { role: string; guarantee: ScalarMap; limit: ScalarMap; consumed: ScalarMap };
}

/** mesos.proto FileInfo, with paths in the master's virtual sandbox form. */
export interface OperatorFileInfo {
  path: string;
  nlink: number;
  size: number;
  mtime: { nanoseconds: number };
  mode: number;
  uid: string;
  gid: string;
}

/** Response.GetMetrics: every metric of /metrics/snapshot, by Mesos name. */
export interface GetMetrics { metrics: { name: string; value: number }[] }

/** Events of the operator SUBSCRIBE stream (master.proto Event), RecordIO-framed JSON. */
export type OperatorEvent =
  | { type: 'SUBSCRIBED'; subscribed: { get_state: GetState; heartbeat_interval_seconds: number } }
  | { type: 'TASK_ADDED'; task_added: { task: Task } }
  | { type: 'TASK_UPDATED'; task_updated: { framework_id: { value: string }; status: TaskStatus; state: TaskState } }
  | { type: 'AGENT_ADDED'; agent_added: { agent: OperatorAgent } }
  | { type: 'AGENT_REMOVED'; agent_removed: { agent_id: { value: string } } }
  | { type: 'FRAMEWORK_ADDED'; framework_added: { framework: OperatorFramework } }
  | { type: 'FRAMEWORK_UPDATED'; framework_updated: { framework: OperatorFramework } }
  | { type: 'FRAMEWORK_REMOVED'; framework_removed: { framework_info: FrameworkInfo } }
  | { type: 'HEARTBEAT' };
