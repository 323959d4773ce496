/** The operator event stream (SUBSCRIBE) and GET_METRICS. */
import type { OperatorCallHandler } from './operator-api';

export const EVENT_CALLS: Record<string, OperatorCallHandler> = {};
