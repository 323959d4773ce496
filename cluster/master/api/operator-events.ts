/** The operator calls about events and metrics: SUBSCRIBE (see operator-event-streams.ts) and GET_METRICS. */
import { apiError } from '../../protocol/errors';
import { metricsSnapshot } from '../views/metrics';
import type { OperatorCallHandler } from './operator-call';

const subscribe: OperatorCallHandler = ({ operatorEvents }, _call, req) => {
  operatorEvents.subscribe(req.res, req.principal);
  return undefined;
};

/** GetMetrics.timeout is accepted and checked; the snapshot is computed at once, so it never runs out. */
const getMetrics: OperatorCallHandler = ({ core, operatorEvents }, call) => {
  const params = call.get_metrics;
  if (params !== undefined) {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw apiError('INVALID_OPERATOR_CALL', "'get_metrics' must be an object");
    }
    const timeout = (params as { timeout?: unknown }).timeout;
    if (timeout !== undefined) {
      const nanoseconds = (timeout as { nanoseconds?: unknown } | null)?.nanoseconds;
      if (typeof nanoseconds !== 'number' || !Number.isInteger(nanoseconds) || nanoseconds < 0) {
        throw apiError('INVALID_OPERATOR_CALL', `'get_metrics.timeout.nanoseconds' must be a non-negative integer, got ${JSON.stringify(nanoseconds)}`);
      }
    }
  }
  const metrics = Object.entries(metricsSnapshot(core, operatorEvents.size)).map(([name, value]) => ({ name, value }));
  return { json: { type: 'GET_METRICS', get_metrics: { metrics } } };
};

export const EVENT_CALLS: Record<string, OperatorCallHandler> = {
  SUBSCRIBE: subscribe,
  GET_METRICS: getMetrics,
};
