/** The master's flags as Mesos reports them (/state "flags", GET_FLAGS): names as on the command line, values as text. */
import { formatDuration } from '../protocol/duration';
import type { MasterOptions } from './options';

export function masterFlags(opts: MasterOptions, port: number): Record<string, string> {
  const flags: Record<string, string> = {
    ip: opts.ip,
    port: String(port),
    agent_ping_timeout: formatDuration(opts.agentPingTimeoutSeconds * 1000),
    max_agent_ping_timeouts: String(opts.maxAgentPingTimeouts),
    allocation_interval: formatDuration(opts.allocationIntervalMs),
    heartbeat_interval: formatDuration(opts.heartbeatIntervalSeconds * 1000),
    max_completed_tasks_per_framework: String(opts.maxCompletedTasksPerFramework),
    max_completed_frameworks: String(opts.maxCompletedFrameworks),
  };
  if (opts.hostname !== undefined) flags.hostname = opts.hostname;
  if (opts.advertiseIp !== undefined) flags.advertise_ip = opts.advertiseIp;
  if (opts.cluster !== undefined) flags.cluster = opts.cluster;
  if (opts.workDir !== undefined) flags.work_dir = opts.workDir;
  if (opts.zk !== undefined) {
    flags.zk = opts.zk;
    flags.zk_session_timeout = formatDuration(opts.zkSessionTimeoutSeconds * 1000);
    flags.agent_reregister_timeout = formatDuration(opts.agentReregisterTimeoutSeconds * 1000);
  }
  if (opts.quorum !== undefined) flags.quorum = String(opts.quorum);
  if (opts.offerTimeoutSeconds !== undefined) flags.offer_timeout = formatDuration(opts.offerTimeoutSeconds * 1000);
  return flags;
}
