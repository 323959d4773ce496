/**
 * The agent's HTTP endpoints: /health, /state (and the names Mesos also answers to), /flags and the
 * sandbox browser (files-routes.ts). The daemon hands over only what the answers are made of
 * (AgentRoutesDeps), so the routes know nothing of how the agent runs.
 */
import type { Authorizer } from '../authz/authorizer';
import { notAuthorized } from '../authz/refusal';
import type { Handler, Router } from '../http/server';
import { registerFilesRoutes } from './files-routes';
import { sandboxesRoot } from './sandbox-paths';

export interface AgentRoutesDeps {
  workDir: string;
  /** The /state document, built on each request, as `principal` may see it (--acls). */
  state(principal: string | undefined): Record<string, unknown>;
  flags(): Record<string, string>;
  /** --acls (allows everything without it). */
  authorizer: Authorizer;
  /** The user whose sandbox a /files path is in, if it is in a known task's. */
  sandboxUser(file: string): string | undefined;
}

export function registerAgentRoutes(r: Router, deps: AgentRoutesDeps): void {
  // Every other route is read-only (cluster/http/auth.ts): --authenticate_http_readonly guards it.
  r.on('GET', '/health', () => ({ status: 200, text: '' }), { access: 'open' });
  const state: Handler = (req) => ({ json: deps.state(req.principal) });
  for (const p of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) r.on('GET', p, state);
  const flags: Handler = (req) => {
    if (!deps.authorizer.authorized('view_flags', req.principal)) throw notAuthorized(req.principal, 'view flags');
    return { json: { flags: deps.flags() } };
  };
  for (const p of ['/flags', '/slave(1)/flags']) r.on('GET', p, flags);
  // access_sandboxes, decided on the user of the task whose sandbox the path is in (any user when it names none).
  registerFilesRoutes(r, sandboxesRoot(deps.workDir), (file, principal) => {
    const user = file === null ? undefined : deps.sandboxUser(file);
    if (!deps.authorizer.authorized('access_sandboxes', principal, user)) throw notAuthorized(principal, `access the sandboxes of ${user === undefined ? 'every user' : `user '${user}'`}`);
  });
}
