/**
 * The agent's HTTP endpoints: /health, /state (and the names Mesos also answers to), /flags and the
 * sandbox browser (files-routes.ts). The daemon hands over only what the answers are made of
 * (AgentRoutesDeps), so the routes know nothing of how the agent runs.
 */
import type { Authorizer } from '../authz/authorizer';
import { notAuthorized } from '../authz/refusal';
import type { Handler, Router } from '../http/server';
import { registerFilesRoutes, type SandboxAuthorizer } from './files-routes';
import { sandboxesRoot } from './sandbox-paths';

export interface AgentRoutesDeps {
  workDir: string;
  /** The /state document, built on each request, as `principal` may see it (--acls). */
  state(principal: string | undefined): Record<string, unknown>;
  flags(): Record<string, string>;
  /** --acls (allows everything without it). */
  authorizer: Authorizer;
  /** access_sandboxes on the sandbox a /files path is in (visibility.ts). */
  authorizeSandbox: SandboxAuthorizer;
}

export function registerAgentRoutes(r: Router, deps: AgentRoutesDeps): void {
  // Every other route is read-only (cluster/http/auth.ts): --authenticate_http_readonly guards it.
  r.on('GET', '/health', () => ({ status: 200, text: '' }), { access: 'open' });
  const state: Handler = (req) => ({ json: deps.state(req.principal) });
  for (const p of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) r.on('GET', p, state);
  const flags: Handler = (req) => {
    requireViewFlags(deps.authorizer, req.principal);
    return { json: { flags: deps.flags() } };
  };
  for (const p of ['/flags', '/slave(1)/flags']) r.on('GET', p, flags);
  registerFilesRoutes(r, sandboxesRoot(deps.workDir), deps.authorizeSandbox);
}

/** view_flags (--acls): /flags and the operator API's GET_FLAGS. */
export function requireViewFlags(authorizer: Authorizer, principal: string | undefined): void {
  if (!authorizer.authorized('view_flags', principal)) throw notAuthorized(principal, 'view flags');
}
