/** The operator calls about events and metrics: SUBSCRIBE (see operator-event-streams.ts) and GET_METRICS. */
import { apiError } from '../../protocol/errors';
import { getMetricsCall, metricsResponse } from '../../protocol/operator-admin-calls';
import { validateWith } from '../../protocol/validate';
import { metricsSnapshot } from '../views/metrics';
import type { OperatorCallHandler } from './operator-call';

const subscribe: OperatorCallHandler = ({ operatorEvents }, _call, req) => {
  operatorEvents.subscribe(req.res);
  return undefined;
};

/** GetMetrics.timeout is accepted and checked; the snapshot is computed at once, so it never runs out. */
const getMetrics: OperatorCallHandler = ({ core, operatorEvents }, call) => {
  const checked = validateWith(getMetricsCall, call);
  if (!checked.ok) throw apiError('INVALID_OPERATOR_CALL', checked.message);
  return { json: metricsResponse(metricsSnapshot(core, operatorEvents.size)) };
};

export const EVENT_CALLS: Record<string, OperatorCallHandler> = {
  SUBSCRIBE: subscribe,
  GET_METRICS: getMetrics,
};
