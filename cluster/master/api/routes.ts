/** Every HTTP route of the master. */
import { Router, type Request } from '../../http/server';
import { v1Route } from '../../http/v1-media';
import { V1_MESSAGES } from '../../protocol/wire-codec';
import { authorizeSandbox, requireEndpoint, stateFilter } from './authorize';
import { AGENT_CHANNEL_PATH, agentApiHandler } from './agent-api';
import { OPERATOR_API_PATH, operatorApiHandler } from './operator-api';
import { SCHEDULER_API_PATH, schedulerApiHandler } from './scheduler-api';
import { StateJsonCache } from '../views/state-cache';
import { metricsSnapshot } from '../views/metrics';
import { buildInfo } from '../../util/build-info';
import { MASTER_VERSION } from '../version';
import { addLegacyRoutes } from './legacy-routes';
import { addFileProxyRoutes } from './files-proxy';
import type { MasterHttp } from './master-http';
import { addWebUiRoutes } from './webui-routes';
import { addMaintenanceRoutes } from './operator-maintenance';
import { TOKEN_PATH, tokenHandler } from './token-api';

/** The POST endpoints whose bodies are v1 calls in JSON. */
export function createMasterRouter(master: MasterHttp): Router {
  const { core } = master;
  const router = new Router();
  const state = new StateJsonCache(core, master.usage);
  // The v1 APIs speak JSON and protobuf: 415 and 406 are decided from the headers, before the body is
  // read; the body is decoded into one object form and validated once (cluster/http/v1-media.ts).
  // Access classes (cluster/http/auth.ts): routes that name none are read-only; the operator API
  // asks for read-write itself for the calls that change the cluster.
  router.on('POST', SCHEDULER_API_PATH, schedulerApiHandler(core), { ...v1Route(V1_MESSAGES.schedulerCall), access: 'framework' });
  router.on('POST', AGENT_CHANNEL_PATH, agentApiHandler(core), { ...v1Route(), access: 'agent' });
  router.on('POST', OPERATOR_API_PATH, operatorApiHandler(master), v1Route(V1_MESSAGES.masterCall));
  router.on('POST', TOKEN_PATH, tokenHandler(master.auth), { access: 'open' });
  router.on('GET', '/metrics/snapshot', (req) => {
    requireEndpoint(core, '/metrics/snapshot', req.principal);
    return { json: metricsSnapshot(core, master.operatorEvents.size) };
  });
  // /state for a principal that may not see all of it: the document parsed and filtered (--acls).
  const serveState = async (req: Request) => {
    const filter = stateFilter(core, req.principal);
    if (!filter) return state.answer();
    const { chunks } = await state.body();
    return { json: filter(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) };
  };
  for (const prefix of ['', '/master']) {
    router.on('GET', `${prefix}/health`, () => ({ status: 200 }), { access: 'open' });
    router.on('GET', `${prefix}/version`, () => ({ json: { ...buildInfo(), version: MASTER_VERSION } }));
    router.on('GET', `${prefix}/state`, serveState);
    router.on('GET', `${prefix}/state.json`, serveState);
    // A standalone master always leads; clients that follow /redirect land here.
    router.on('GET', `${prefix}/redirect`, () => ({
      status: 307,
      headers: { Location: `//${core.masterInfo.address?.ip}:${core.masterInfo.port}` },
    }));
  }
  addLegacyRoutes(router, master);
  addMaintenanceRoutes(router, master);
  addFileProxyRoutes(router, master.sandboxes, (path, principal) => authorizeSandbox(core, path, principal));
  addWebUiRoutes(router);
  return router;
}
