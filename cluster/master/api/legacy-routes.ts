/**
 * Mesos's legacy JSON endpoints besides /state (/state-summary, /slaves, /frameworks, /tasks, /roles,
 * /flags, each also under /master/), and /metrics in Prometheus text format next to /metrics/snapshot.
 * Query parameters are checked as strictly as call bodies: a value that does not parse is a 400 that
 * names it, not a silent default.
 */
import type { Router } from '../../http/server';
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
  for (const prefix of ['', '/master']) {
    router.on('GET', `${prefix}/state-summary`, () => ({ json: stateSummary(core, usage) }));
    router.on('GET', `${prefix}/slaves`, (req) => ({ json: legacySlaves(core, usage, idParam(req.query, 'slave_id')) }));
    router.on('GET', `${prefix}/frameworks`, (req) => ({ json: legacyFrameworks(core, usage, idParam(req.query, 'framework_id')) }));
    router.on('GET', `${prefix}/tasks`, (req) => ({ json: legacyTasks(core, parseTasksQuery(req.query)) }));
    router.on('GET', `${prefix}/roles`, () => ({ json: roleViews(core) }));
    router.on('GET', `${prefix}/flags`, () => ({ json: { flags: masterFlags(core.opts, core.masterInfo.port) } }));
  }
  router.on('GET', '/metrics', () => ({ text: formatPrometheus(metricsSnapshot(core, operatorEvents.size), metricKind), contentType: PROMETHEUS_CONTENT_TYPE }));
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
