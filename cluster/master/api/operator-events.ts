/** The operator calls about events and metrics: SUBSCRIBE (see operator-event-streams.ts) and GET_METRICS. */
import { v1Stream } from '../../http/v1-media';
import { apiError } from '../../protocol/errors';
import { V1_MESSAGES } from '../../protocol/wire-codec';
import { getMetricsCall, metricsResponse } from '../../protocol/operator-admin-calls';
import { validateWith } from '../../protocol/validate';
import { metricsSnapshot } from '../views/metrics';
import type { OperatorCallHandler } from './operator-call';

const subscribe: OperatorCallHandler = ({ operatorEvents }, _call, req) => {
  operatorEvents.subscribe(req.res, v1Stream(req.headers, V1_MESSAGES.masterEvent), req.principal);
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
