/**
 * Schemas of the operator calls for machine maintenance and the logging level (master.proto
 * Call.UpdateMaintenanceSchedule, StartMaintenance, StopMaintenance, SetLoggingLevel), and of the
 * bodies of the legacy /maintenance/schedule and /machine/{down,up} endpoints (a Schedule, a list of
 * MachineIDs). Shapes and field types only; the rules that need the master's state (a machine in one
 * window, START only for DRAINING machines, ...) are in cluster/master/state/machine-schedule.ts.
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { durationInfo, int64 } from './schemas';

/** A repeated field: absent or null is the empty list, as protobuf has it. */
const repeated = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === null ? [] : v), z.array(item));

export const machineId = z.looseObject({
  hostname: z.string().optional(),
  ip: z.string().refine((ip) => ip === '' || isIPv4(ip), { error: (iss) => `must be an IPv4 address, got '${String(iss.input)}'` }).optional(),
}).refine((m) => !!m.hostname || !!m.ip, { error: "Both 'hostname' and 'ip' for a machine are empty" });

/**
 * Nanoseconds since the epoch pass 2^53 (Mesos's own example starts at 1443830400000000000), so
 * unlike other int64 fields they are not held to JavaScript's safe integers: such a time is kept as
 * the nearest double, within 256 ns for dates of this century.
 */
const nanoseconds = z.preprocess(
  (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v),
  z.number().refine(Number.isInteger, { error: (iss) => `must be a whole number of nanoseconds, got ${String(iss.input)}` }),
);

export const unavailability = z.looseObject({
  start: z.looseObject({ nanoseconds }),
  duration: z.looseObject({ nanoseconds: nanoseconds.refine((n) => n >= 0, { error: "Unavailability 'duration' is negative" }) }).optional(),
});

export const maintenanceSchedule = z.looseObject({
  windows: repeated(z.looseObject({
    machine_ids: repeated(machineId).refine((ids) => ids.length > 0, { error: 'List of machines in the maintenance window is empty' }),
    unavailability,
  })),
});

export const machineList = repeated(machineId).refine((ids) => ids.length > 0, { error: 'List of machines is empty' });

export const updateMaintenanceScheduleCall = z.looseObject({ update_maintenance_schedule: z.looseObject({ schedule: maintenanceSchedule }) });
export const startMaintenanceCall = z.looseObject({ start_maintenance: z.looseObject({ machines: machineList }) });
export const stopMaintenanceCall = z.looseObject({ stop_maintenance: z.looseObject({ machines: machineList }) });

const uint32 = int64.refine((n) => n >= 0 && n <= 0xffff_ffff, { error: (iss) => `must be a verbosity between 0 and 4294967295, got ${String(iss.input)}` });

export const setLoggingLevelCall = z.looseObject({
  set_logging_level: z.looseObject({
    level: uint32,
    duration: durationInfo.refine((d) => d.nanoseconds >= 0, { error: 'must not be negative', path: ['nanoseconds'] }),
  }),
});
