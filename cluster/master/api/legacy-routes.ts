/**
 * Mesos's legacy JSON endpoints besides /state (/state-summary, /slaves, /frameworks, /tasks, /roles,
 * /flags, each also under /master/), and /metrics in Prometheus text format next to /metrics/snapshot.
 * Query parameters are checked as strictly as call bodies: a value that does not parse is a 400 that
 * names it, not a silent default.
 */
import type { Request, Router } from '../../http/server';
import type { Visibility } from '../views/visibility';
import { asSeenBy, requireAuthorized, requireEndpoint, viewableRoles, visibilityFor } from './authorize';
import { apiError, quote } from '../../protocol/errors';
import { masterFlags } from '../options';
import {
  DEFAULT_TASKS_LIMIT, legacyFrameworks, legacySlaves, legacyTasks, stateSummary, type TasksQuery,
} from '../views/legacy-views';
import { metricKind, metricsSnapshot } from '../views/metrics';
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from '../views/prometheus-text';
import { roleViews } from '../views/roles';
import type { MasterHttp } from './master-http';

export function addLegacyRoutes(router: Router, { core, usage, operatorEvents }: MasterHttp): void {
  const seen = (req: Request, json: unknown, filter: (view: Visibility, json: Record<string, unknown>) => unknown) => asSeenBy(core, req.principal, json, filter);
  for (const prefix of ['', '/master']) {
    // With --acls, each view as its principal may see it (authorize.ts).
    router.on('GET', `${prefix}/state-summary`, (req) => ({ json: seen(req, stateSummary(core, usage), (v, j) => v.stateSummary(j)) }));
    router.on('GET', `${prefix}/slaves`, (req) => ({ json: seen(req, legacySlaves(core, usage, idParam(req.query, 'slave_id')), (v, j) => ({ ...j, slaves: v.legacySlaves(j.slaves) })) }));
    router.on('GET', `${prefix}/frameworks`, (req) => ({
      json: seen(req, legacyFrameworks(core, usage, idParam(req.query, 'framework_id')), (v, j) => v.legacyState(j)),
    }));
    router.on('GET', `${prefix}/tasks`, (req) => {
      const view = visibilityFor(core, req.principal);
      return { json: legacyTasks(core, parseTasksQuery(req.query), view && ((framework, task) => view.task(framework, task))) };
    });
    router.on('GET', `${prefix}/roles`, (req) => ({ json: { roles: viewableRoles(core, req.principal, roleViews(core).roles) } }));
    router.on('GET', `${prefix}/flags`, (req) => {
      requireAuthorized(core, 'view_flags', req.principal);
      return { json: { flags: masterFlags(core.opts, core.masterInfo.port) } };
    });
  }
  // The snapshot's numbers in another format: guarded as /metrics/snapshot is.
  router.on('GET', '/metrics', (req) => {
    requireEndpoint(core, '/metrics/snapshot', req.principal);
    return { text: formatPrometheus(metricsSnapshot(core, operatorEvents.size), metricKind), contentType: PROMETHEUS_CONTENT_TYPE };
  });
}

function badQuery(name: string, value: string, expected: string): Error {
  return apiError('BAD_REQUEST', `query parameter '${name}' must be ${expected}, got ${quote(value)}`);
}

function idParam(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (value === '') throw badQuery(name, value, 'a non-empty id');
  return value;
}

function countParam(query: URLSearchParams, name: string, fallback: number): number {
  const value = query.get(name);
  if (value === null) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw badQuery(name, value, 'a non-negative integer');
  return Number(value);
}

/** Mesos's /tasks parameters: limit (default 100), offset (default 0), order 'asc' or 'des' (default). */
export function parseTasksQuery(query: URLSearchParams): TasksQuery {
  const order = query.get('order') ?? 'des';
  if (order !== 'asc' && order !== 'des') throw badQuery('order', order, "'asc' or 'des'");
  return {
    limit: countParam(query, 'limit', DEFAULT_TASKS_LIMIT),
    offset: countParam(query, 'offset', 0),
    order,
    frameworkId: idParam(query, 'framework_id'),
    taskId: idParam(query, 'task_id'),
  };
}
