/**
 * The agent's HTTP endpoints: /health, /state (and the names Mesos also answers to), /flags and the
 * sandbox browser (files-routes.ts). The daemon hands over only what the answers are made of
 * (AgentRoutesDeps), so the routes know nothing of how the agent runs.
 */
import type { Router } from '../http/server';
import type { AgentOptions } from './options';
import { registerFilesRoutes } from './files-routes';
import { sandboxesRoot } from './sandbox-paths';

export interface AgentRoutesDeps {
  workDir: string;
  /** The /state document, built on each request. */
  state(): Record<string, unknown>;
  flags(): Record<string, string>;
}

export function registerAgentRoutes(r: Router, deps: AgentRoutesDeps): void {
  r.on('GET', '/health', () => ({ status: 200, text: '' }));
  const state = () => ({ json: deps.state() });
  for (const p of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) r.on('GET', p, state);
  const flags = () => ({ json: { flags: deps.flags() } });
  for (const p of ['/flags', '/slave(1)/flags']) r.on('GET', p, flags);
  registerFilesRoutes(r, sandboxesRoot(deps.workDir));
}

/** The agent's flags as Mesos's /flags names them, with the defaults applied. */
export function agentFlags(o: AgentOptions, hostname: string): Record<string, string> {
  const flags: Record<string, string> = {
    ip: o.ip,
    port: String(o.port),
    master: o.master,
    work_dir: o.workDir,
    hostname,
    isolation: o.cgroups,
    cgroups_root: o.cgroupsRoot ?? 'mesoscloud',
    executor_shutdown_grace_period: `${o.killGracePeriodSeconds}secs`,
    status_update_retry_interval: `${o.statusUpdateRetrySeconds}secs`,
    master_ping_timeout: `${o.masterPingTimeoutSeconds}secs`,
    recover: o.recover ?? 'reconnect',
  };
  if (o.advertiseIp) flags.advertise_ip = o.advertiseIp;
  if (o.resources) flags.resources = o.resources;
  if (o.attributes) flags.attributes = o.attributes;
  return flags;
}
