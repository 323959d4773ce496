/** Operator calls that change the cluster or reach into agents (weights, quota, maintenance, files). */
import type { OperatorCallHandler } from './operator-api';

export const ADMIN_CALLS: Record<string, OperatorCallHandler> = {};
