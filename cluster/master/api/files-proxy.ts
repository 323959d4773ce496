/** Task sandboxes read through the master (GET /files/download), so browsers need not reach agents. */
import type { Router } from '../../http/server';
import { apiError } from '../../protocol/errors';
import type { SandboxProxy } from './sandbox-proxy';

/** GET /files/download?path=/frameworks/<framework id>/tasks/<task id>/<file>: the file, as an attachment. */
export function addFileProxyRoutes(router: Router, proxy: SandboxProxy, authorize?: (path: string, principal: string | undefined) => void): void {
  for (const route of ['/files/download', '/files/download.json']) {
    router.on('GET', route, async (req) => {
      const path = req.query.get('path');
      if (!path) throw apiError('BAD_REQUEST', "Expecting 'path' to be present");
      authorize?.(path, req.principal);
      await proxy.download(path, req.res);
      return undefined;
    });
  }
}
