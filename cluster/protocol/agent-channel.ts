/**
 * The internal agent <-> master channel. Mesos uses libprocess messages here; we use the same
 * mechanism as the public APIs so there is one streaming codec in the project:
 *
 *   agent  --POST /api/v1/agent {type: REGISTER}-->  master
 *   agent  <--200, RecordIO stream of AgentEvent---  master   (Mesos-Stream-Id header)
 *   agent  --POST /api/v1/agent {type: UPDATE|PONG|...} with Mesos-Stream-Id --> master (202)
 *
 * The agent always dials the master, so agents behind NAT work. The master sends PING on the
 * stream every `ping_interval_seconds`; the agent answers with a PONG call. The master marks an
 * agent unreachable after `agent_ping_timeout` without a PONG; an agent that sees no PING for
 * that long drops the stream and re-registers (with backoff) using its agent id.
 */
import type {
  AgentID, AgentInfo, ExecutorID, FrameworkID, FrameworkInfo, KillPolicy, MasterInfo, Resource, Task, TaskID,
  TaskInfo, TaskStatus, ExecutorInfo, TaskGroupInfo,
} from './types';

export const AGENT_CHANNEL_PATH = '/api/v1/agent';

export type AgentCall =
  | {
      type: 'REGISTER';
      register: {
        agent_info: AgentInfo; // agent_info.id set when re-registering
        /**
         * Every task the agent still holds (re-registration after a stream drop, a master or an agent
         * restart): those it runs, and those that ended but whose terminal update is not acknowledged
         * yet, with their latest (terminal) state, as Mesos's agent reports them. The master keeps the
         * latter without using their resources until the update is acknowledged, rather than calling
         * them gone.
         */
        tasks?: Task[];
        /** Framework infos for the frameworks of `tasks`. */
        frameworks?: FrameworkInfo[];
        version: string;
        /** Where the agent serves /files and /state, as host:port (advertised address). */
        pid: string;
        /**
         * What the agent has checkpointed (dynamic reservations, persistent volumes), v1 post-refinement
         * format. The master uses it only when it has nothing stored for the agent; otherwise its own wins.
         */
        checkpointed_resources?: Resource[];
      };
    }
  | { type: 'UPDATE'; agent_id: AgentID; update: { framework_id: FrameworkID; status: TaskStatus } }
  /** An executor's MESSAGE (executor.proto Call.Message), for the master to hand to the scheduler. */
  | { type: 'MESSAGE'; agent_id: AgentID; message: { framework_id: FrameworkID; executor_id: ExecutorID; data: string } }
  | { type: 'PONG'; agent_id: AgentID }
  | { type: 'UNREGISTER'; agent_id: AgentID };

export type AgentEvent =
  | { type: 'REGISTERED'; registered: { agent_id: AgentID; master_info: MasterInfo; ping_interval_seconds: number } }
  | {
      type: 'RUN_TASK';
      run_task: { framework_id: FrameworkID; framework_info: FrameworkInfo; task: TaskInfo };
    }
  | {
      type: 'RUN_TASK_GROUP';
      run_task_group: { framework_id: FrameworkID; framework_info: FrameworkInfo; executor: ExecutorInfo; task_group: TaskGroupInfo };
    }
  | { type: 'KILL_TASK'; kill_task: { framework_id: FrameworkID; task_id: TaskID; kill_policy?: KillPolicy } }
  | { type: 'ACKNOWLEDGE'; acknowledge: { framework_id: FrameworkID; task_id: TaskID; uuid: string } }
  | { type: 'SHUTDOWN_FRAMEWORK'; shutdown_framework: { framework_id: FrameworkID } }
  /** A scheduler's SHUTDOWN call: a custom executor gets SHUTDOWN (Mesos's ShutdownExecutorMessage). */
  | { type: 'SHUTDOWN_EXECUTOR'; shutdown_executor: { framework_id: FrameworkID; executor_id: ExecutorID } }
  | { type: 'FRAMEWORK_MESSAGE'; framework_message: { framework_id: FrameworkID; executor_id: ExecutorID; data: string } }
  /**
   * The agent's WHOLE list of checkpointed resources (dynamic reservations, persistent volumes), v1
   * post-refinement format; sent after every RESERVE/UNRESERVE/CREATE/DESTROY touching the agent and
   * after every (re-)registration. The agent stores it and keeps a directory per volume.
   */
  | { type: 'CHECKPOINT_RESOURCES'; checkpoint_resources: { resources: Resource[] } }
  | { type: 'PING' };
