/** Master flags, with Mesos's names where Mesos has them (the CLI maps --flag_name to these fields). */
import type { Allocator } from '../allocator/types';
import type { Logger } from '../util/log';

export interface MasterOptions {
  /** Address to listen on (--ip). */
  ip: string;
  /** Port to listen on (--port); 0 picks a free one. */
  port: number;
  /** Hostname advertised in MasterInfo (--hostname). */
  hostname?: string;
  /** Address advertised to agents and frameworks when it differs from --ip (--advertise_ip). */
  advertiseIp?: string;
  /** Cluster name shown in /state and the UI (--cluster). */
  cluster?: string;
  /** --work_dir, reported in the flags; the master writes nothing there yet (its registry lives in memory). */
  workDir?: string;
  /** Offers not answered within this many seconds are rescinded (--offer_timeout); undefined = never. */
  offerTimeoutSeconds?: number;
  /** How long the master waits for an agent's PONG before counting a missed ping (--agent_ping_timeout). */
  agentPingTimeoutSeconds: number;
  /** Missed pings before an agent is marked unreachable (--max_agent_ping_timeouts). */
  maxAgentPingTimeouts: number;
  /** Interval of HEARTBEAT events on scheduler streams. */
  heartbeatIntervalSeconds: number;
  /** Periodic allocation tick (--allocation_interval); allocation also runs right after every change. */
  allocationIntervalMs: number;
  /** Completed tasks kept per framework for /state (--max_completed_tasks_per_framework). */
  maxCompletedTasksPerFramework: number;
  /** Torn-down frameworks kept for /state (--max_completed_frameworks). */
  maxCompletedFrameworks: number;
  /** zk://host:2181,.../path: contend for leadership there and keep the registry there (--zk). */
  zk?: string;
  /** Masters needed for a quorum (--quorum); reported, and checked against nothing else: ZooKeeper's own quorum guards the registry. */
  quorum?: number;
  /** ZooKeeper session timeout (--zk_session_timeout); a leader that loses its session this long steps down. */
  zkSessionTimeoutSeconds: number;
  /** After a failover, admitted agents that have not re-registered within this are marked unreachable (--agent_reregister_timeout). */
  agentReregisterTimeoutSeconds: number;
  /**
   * What a leader does when it loses leadership: 'exit' (the daemon: exit so a supervisor restarts it as
   * a standby, as Mesos does) or 'standby' (in-process masters: stop acting and answer like a standby).
   */
  onLeadershipLost: 'exit' | 'standby';
  logger?: Logger;
  /** Injected allocator (tests, benchmarks); the weighted DRF allocator by default. */
  allocator?: Allocator;
}

export const MASTER_DEFAULTS: MasterOptions = {
  ip: '127.0.0.1',
  port: 5050,
  agentPingTimeoutSeconds: 15,
  maxAgentPingTimeouts: 5,
  heartbeatIntervalSeconds: 15,
  allocationIntervalMs: 1000,
  maxCompletedTasksPerFramework: 1000,
  maxCompletedFrameworks: 50,
  zkSessionTimeoutSeconds: 10,
  agentReregisterTimeoutSeconds: 600,
  onLeadershipLost: 'standby',
};
