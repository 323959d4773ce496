/** Serves the web UI's built files on the master's port. */
import type { Router } from '../http/server';

export function addWebUiRoutes(_router: Router): void {}
