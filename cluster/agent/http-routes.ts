/**
 * The agent's HTTP endpoints: /health, /state (and the names Mesos also answers to), /flags and the
 * sandbox browser (files-routes.ts). The daemon hands over only what the answers are made of
 * (AgentRoutesDeps), so the routes know nothing of how the agent runs.
 */
import type { Router } from '../http/server';
import { registerFilesRoutes } from './files-routes';
import { sandboxesRoot } from './sandbox-paths';

export interface AgentRoutesDeps {
  workDir: string;
  /** The /state document, built on each request. */
  state(): Record<string, unknown>;
  flags(): Record<string, string>;
}

export function registerAgentRoutes(r: Router, deps: AgentRoutesDeps): void {
  // Every other route is read-only (cluster/http/auth.ts): --authenticate_http_readonly guards it.
  r.on('GET', '/health', () => ({ status: 200, text: '' }), { access: 'open' });
  const state = () => ({ json: deps.state() });
  for (const p of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) r.on('GET', p, state);
  const flags = () => ({ json: { flags: deps.flags() } });
  for (const p of ['/flags', '/slave(1)/flags']) r.on('GET', p, flags);
  registerFilesRoutes(r, sandboxesRoot(deps.workDir));
}
