/** Every HTTP route of the master. */
import { Router } from '../../http/server';
import { checkV1Media } from './negotiation';
import { AGENT_CHANNEL_PATH, agentApiHandler } from './agent-api';
import { OPERATOR_API_PATH, operatorApiHandler } from './operator-api';
import { SCHEDULER_API_PATH, schedulerApiHandler } from './scheduler-api';
import { StateJsonCache } from '../views/state-cache';
import { metricsSnapshot } from '../views/metrics';
import { buildInfo, MASTER_VERSION } from '../version';
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
  // The v1 APIs speak JSON only: 415 and 406 are decided from the headers, before the body is read.
  const v1 = { checkHeaders: checkV1Media };
  // Access classes (cluster/http/auth.ts): routes that name none are read-only; the operator API
  // asks for read-write itself for the calls that change the cluster.
  router.on('POST', SCHEDULER_API_PATH, schedulerApiHandler(core), { ...v1, access: 'framework' });
  router.on('POST', AGENT_CHANNEL_PATH, agentApiHandler(core), { ...v1, access: 'agent' });
  router.on('POST', OPERATOR_API_PATH, operatorApiHandler(master), v1);
  router.on('POST', TOKEN_PATH, tokenHandler(master.auth), { access: 'open' });
  router.on('GET', '/metrics/snapshot', () => ({ json: metricsSnapshot(core, master.operatorEvents.size) }));
  for (const prefix of ['', '/master']) {
    router.on('GET', `${prefix}/health`, () => ({ status: 200 }), { access: 'open' });
    router.on('GET', `${prefix}/version`, () => ({ json: { ...buildInfo(), version: MASTER_VERSION } }));
    router.on('GET', `${prefix}/state`, (req) => state.serve(req.res));
    router.on('GET', `${prefix}/state.json`, (req) => state.serve(req.res));
    // A standalone master always leads; clients that follow /redirect land here.
    router.on('GET', `${prefix}/redirect`, () => ({
      status: 307,
      headers: { Location: `//${core.masterInfo.address?.ip}:${core.masterInfo.port}` },
    }));
  }
  addLegacyRoutes(router, master);
  addMaintenanceRoutes(router, master);
  addFileProxyRoutes(router, master.sandboxes);
  addWebUiRoutes(router);
  return router;
}
