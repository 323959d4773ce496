/**
 * Responses of the v1 operator API (include/mesos/v1/master/master.proto, Response.*), as JSON:
 * the one definition the master writes and the clients read. Fields this master always sends are
 * required; optional ones are those Mesos may leave out.
 */
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Offer, Resource, Task, TimeInfo } from './types';

export type OperatorCallType =
  | 'GET_HEALTH' | 'GET_FLAGS' | 'GET_VERSION' | 'GET_METRICS' | 'GET_STATE' | 'GET_AGENTS'
  | 'GET_FRAMEWORKS' | 'GET_EXECUTORS' | 'GET_TASKS' | 'GET_ROLES' | 'GET_MASTER';

export interface OperatorAgent {
  agent_info: AgentInfo;
  active: boolean;
  /** Operator-initiated deactivation (DEACTIVATE_AGENT, draining), not disconnection. */
  deactivated?: boolean;
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
