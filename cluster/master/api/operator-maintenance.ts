/**
 * Machine maintenance and the logging level over HTTP (master.proto): the operator calls
 * GET_MAINTENANCE_SCHEDULE, GET_MAINTENANCE_STATUS, UPDATE_MAINTENANCE_SCHEDULE, START_MAINTENANCE,
 * STOP_MAINTENANCE, GET_LOGGING_LEVEL and SET_LOGGING_LEVEL, and Mesos's older endpoints for the
 * same: GET/POST /master/maintenance/schedule, GET /master/maintenance/status, POST
 * /master/machine/down and /master/machine/up, and /logging/toggle. Calls that change something
 * answer 200 with no body, as Mesos does; a refusal is a 400 that names the field.
 */
import type { z } from 'zod';
import { loggingToggleHandler } from '../../http/logging-level';
import type { Handler, Request, Router } from '../../http/server';
import { apiError } from '../../protocol/errors';
import {
  machineList, maintenanceSchedule, setLoggingLevelCall, startMaintenanceCall, stopMaintenanceCall, updateMaintenanceScheduleCall,
} from '../../protocol/operator-maintenance-calls';
import { validateWith, type OperatorCall } from '../../protocol/validate';
import type { MasterCore } from '../core';
import { MaintenanceRefused } from '../state/machine-maintenance';
import type { MasterHttp } from './master-http';
import type { OperatorCallHandler } from './operator-call';
import { IMPLIED_OBJECT_CALLS, requireAuthorized } from './authorize';

const DONE = { status: 200 };

function parse<T>(schema: z.ZodType<T>, body: unknown, code: 'INVALID_OPERATOR_CALL' | 'BAD_REQUEST', where = ''): T {
  const result = validateWith(schema, body);
  if (!result.ok) throw apiError(code, where + result.message);
  return result.call;
}

/** Runs a change of the maintenance state; a refusal by its rules is a 400. */
function change(action: () => void): { status: number } {
  try {
    action();
  } catch (err) {
    if (err instanceof MaintenanceRefused) throw apiError('BAD_REQUEST', err.message);
    throw err;
  }
  return DONE;
}

export const MAINTENANCE_CALLS: Record<string, OperatorCallHandler> = {
  GET_MAINTENANCE_SCHEDULE: ({ core }) => ({
    json: { type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: core.machines.schedule() } },
  }),

  GET_MAINTENANCE_STATUS: ({ core }) => ({
    json: { type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: core.machines.status() } },
  }),

  UPDATE_MAINTENANCE_SCHEDULE: ({ core }, call) => {
    const { update_maintenance_schedule } = parse(updateMaintenanceScheduleCall, call, 'INVALID_OPERATOR_CALL');
    return change(() => core.machines.updateSchedule(update_maintenance_schedule.schedule, 'update_maintenance_schedule.schedule'));
  },

  START_MAINTENANCE: ({ core }, call) => {
    const { start_maintenance } = parse(startMaintenanceCall, call, 'INVALID_OPERATOR_CALL');
    return change(() => core.machines.start(start_maintenance.machines, 'start_maintenance.machines'));
  },

  STOP_MAINTENANCE: ({ core }, call) => {
    const { stop_maintenance } = parse(stopMaintenanceCall, call, 'INVALID_OPERATOR_CALL');
    return change(() => core.machines.stop(stop_maintenance.machines, 'stop_maintenance.machines'));
  },

  GET_LOGGING_LEVEL: ({ core }) => ({ json: { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: core.loggingLevel.verbosity } } }),

  SET_LOGGING_LEVEL: ({ core }, call: OperatorCall) => {
    const { set_logging_level } = parse(setLoggingLevelCall, call, 'INVALID_OPERATOR_CALL');
    core.loggingLevel.set(set_logging_level.level, set_logging_level.duration.nanoseconds / 1e6);
    return DONE;
  },
};

/** The body of a legacy endpoint: JSON that the router parsed, or a 400 if there was none. */
function jsonBody(req: Request): unknown {
  if (req.body === undefined) throw apiError('BAD_REQUEST', 'the request body must be JSON');
  return req.body;
}

/** Mesos's pre-v1 endpoints, each also without the /master prefix as the other legacy endpoints are. */
export function addMaintenanceRoutes(router: Router, { core }: MasterHttp): void {
  // Each guarded by the ACL action of its v1 call (--acls), as Mesos guards both forms.
  const guarded = (call: keyof typeof IMPLIED_OBJECT_CALLS, handler: Handler): Handler => (req) => {
    requireAuthorized(core, IMPLIED_OBJECT_CALLS[call], req.principal);
    return handler(req);
  };
  for (const prefix of ['', '/master']) {
    router.on('GET', `${prefix}/maintenance/schedule`, guarded('GET_MAINTENANCE_SCHEDULE', () => ({ json: core.machines.schedule() })));
    router.on('POST', `${prefix}/maintenance/schedule`, guarded('UPDATE_MAINTENANCE_SCHEDULE', (req) => {
      const schedule = parse(maintenanceSchedule, jsonBody(req), 'BAD_REQUEST', 'the schedule: ');
      return change(() => core.machines.updateSchedule(schedule, ''));
    }), { access: 'readwrite' });
    router.on('GET', `${prefix}/maintenance/status`, guarded('GET_MAINTENANCE_STATUS', () => ({ json: core.machines.status() })));
    router.on('POST', `${prefix}/machine/down`, guarded('START_MAINTENANCE', (req) => machinesChange(core, req, 'down')), { access: 'readwrite' });
    router.on('POST', `${prefix}/machine/up`, guarded('STOP_MAINTENANCE', (req) => machinesChange(core, req, 'up')), { access: 'readwrite' });
  }
  const toggle = guarded('SET_LOGGING_LEVEL', loggingToggleHandler(core.loggingLevel));
  router.on('GET', '/logging/toggle', toggle, { access: 'readwrite' });
  router.on('POST', '/logging/toggle', toggle, { access: 'readwrite' });
}

function machinesChange(core: MasterCore, req: Request, direction: 'down' | 'up') {
  const machines = parse(machineList, jsonBody(req), 'BAD_REQUEST', 'the list of machines: ');
  return change(() => (direction === 'down' ? core.machines.start(machines, 'machines') : core.machines.stop(machines, 'machines')));
}
