/** Agent flags, with Mesos's names where Mesos has them (the CLI maps --flag_name to these fields). */
import type { Logger } from '../util/log';
import type { RecoverMode } from './recovery';

export interface AgentOptions {
  /** Address to listen on for /files, /state, /health (--ip). */
  ip: string;
  /** Port (--port); 0 picks a free one. */
  port: number;
  /** Hostname reported in AgentInfo (--hostname); defaults to the advertised ip, never os.hostname() blindly. */
  hostname?: string;
  /** Address the master and operators should use to reach this agent (--advertise_ip). */
  advertiseIp?: string;
  /** Master to register with: "host:port", "http://host:port", or the leader at "zk://host:2181/mesos" (--master). */
  master: string;
  /** Sandboxes and checkpoints live here (--work_dir). Required: no /tmp default that loses data. */
  workDir: string;
  /** Resource text (--resources); unset ones are detected; ports default to [31000-32000]. */
  resources?: string;
  /** "rack:a;zone:2" (--attributes). */
  attributes?: string;
  /** 'auto' uses cgroups v2 or v1 when writable, else none (--isolation). */
  cgroups: 'auto' | 'v1' | 'v2' | 'none';
  /** Parent cgroup of every task's cgroups (--cgroups_root); defaults to "mesoscloud". */
  cgroupsRoot?: string;
  /** Grace period between SIGTERM and SIGKILL when killing a task, unless the task's kill policy says otherwise. */
  killGracePeriodSeconds: number;
  /** First retry interval for unacknowledged status updates; doubles up to 10 minutes. */
  statusUpdateRetrySeconds: number;
  /** Give up on a silent master after this long and re-register (seconds); shortened to what the master's ping interval implies. */
  masterPingTimeoutSeconds: number;
  /** What a restarted agent does with the tasks it finds in its work dir (--recover; see recovery.ts). */
  recover?: RecoverMode;
  logger?: Logger;
}

export const AGENT_DEFAULTS: Omit<AgentOptions, 'master' | 'workDir'> = {
  ip: '127.0.0.1',
  port: 5051,
  cgroups: 'auto',
  killGracePeriodSeconds: 3,
  statusUpdateRetrySeconds: 2,
  masterPingTimeoutSeconds: 75,
  recover: 'reconnect',
};
