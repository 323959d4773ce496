/**
 * Machine maintenance as Mesos 0.25+ has it (docs/maintenance.md), as pure functions of a value:
 * the schedule (windows of machines, each with an unavailability) and the mode of every machine
 * not UP. No clock, no agents, no I/O: machine-maintenance.ts applies the outcome to the cluster.
 *
 *   UP --(scheduled)--> DRAINING --(START_MAINTENANCE)--> DOWN --(STOP_MAINTENANCE)--> UP
 *   DRAINING --(left out of a new schedule)--> UP
 *
 * A machine is its hostname and IP together: an agent is on a machine when both match, the hostname
 * without regard to case and a field left out being the empty string (Mesos's MachineID equality).
 * Every refusal names the field of the request it is about, with Mesos's wording after it.
 */
import { isIPv4 } from 'node:net';
import type { Unavailability } from '../../protocol/types';

export type { Unavailability };
export interface MachineID { hostname?: string; ip?: string }
export interface MaintenanceWindow { machine_ids: MachineID[]; unavailability: Unavailability }
export interface MaintenanceSchedule { windows: MaintenanceWindow[] }

export type MachineMode = 'UP' | 'DRAINING' | 'DOWN';

/** A machine in the schedule: DRAINING until maintenance starts, then DOWN. */
export interface ScheduledMachine { id: MachineID; mode: 'DRAINING' | 'DOWN'; unavailability: Unavailability }

export interface MachineMaintenanceState {
  schedule: MaintenanceSchedule;
  /** Every machine of the schedule, in schedule order. UP machines are not kept. */
  machines: ScheduledMachine[];
}

export const NO_MAINTENANCE: MachineMaintenanceState = Object.freeze({ schedule: { windows: [] }, machines: [] });

export type Outcome = { ok: true; state: MachineMaintenanceState } | { ok: false; message: string };

/** The form a machine is kept and compared in: hostname in lower case, empty fields left out. */
export function normalizeMachine(id: MachineID): MachineID {
  return {
    ...(id.hostname ? { hostname: id.hostname.toLowerCase() } : {}),
    ...(id.ip ? { ip: id.ip } : {}),
  };
}

export function machineKey(id: MachineID): string {
  return `${(id.hostname ?? '').toLowerCase()}\u0000${id.ip ?? ''}`;
}

/** Mesos's validation of one MachineID: a hostname or an IP, and an IP that is IPv4. */
export function machineProblem(id: MachineID): string | undefined {
  if (!id.hostname && !id.ip) return "Both 'hostname' and 'ip' for a machine are empty";
  if (id.ip && !isIPv4(id.ip)) return `'ip' must be an IPv4 address, got '${id.ip}'`;
  return undefined;
}

const shown = (id: MachineID) => `Machine '${JSON.stringify(normalizeMachine(id))}'`;

export function modeOf(state: MachineMaintenanceState, id: MachineID): MachineMode {
  const key = machineKey(id);
  return state.machines.find((m) => machineKey(m.id) === key)?.mode ?? 'UP';
}

export function scheduledMachine(state: MachineMaintenanceState, id: MachineID): ScheduledMachine | undefined {
  const key = machineKey(id);
  return state.machines.find((m) => machineKey(m.id) === key);
}

/**
 * A new schedule replaces the old one (UPDATE_MAINTENANCE_SCHEDULE, POST /maintenance/schedule):
 * machines new to it start DRAINING, DOWN machines stay DOWN (and must stay in it), and machines
 * left out are UP again. `field` is where the schedule sits in the request, e.g.
 * 'update_maintenance_schedule.schedule' ('' when the body is the schedule).
 */
export function updateSchedule(state: MachineMaintenanceState, schedule: MaintenanceSchedule, field: string): Outcome {
  const seen = new Set<string>();
  const machines: ScheduledMachine[] = [];
  for (const [w, window] of schedule.windows.entries()) {
    const windowField = join(field, `windows[${w}]`);
    if (window.machine_ids.length === 0) return refuse(`${windowField}.machine_ids`, 'List of machines in the maintenance window is empty');
    if ((window.unavailability.duration?.nanoseconds ?? 0) < 0) return refuse(`${windowField}.unavailability.duration`, "Unavailability 'duration' is negative");
    for (const [m, id] of window.machine_ids.entries()) {
      const idField = `${windowField}.machine_ids[${m}]`;
      const problem = machineProblem(id);
      if (problem) return refuse(idField, problem);
      const key = machineKey(id);
      if (seen.has(key)) return refuse(idField, `${shown(id)} appears more than once in the schedule`);
      seen.add(key);
      const mode = modeOf(state, id) === 'DOWN' ? 'DOWN' : 'DRAINING';
      machines.push({ id: normalizeMachine(id), mode, unavailability: window.unavailability });
    }
  }
  for (const machine of state.machines) {
    if (machine.mode === 'DOWN' && !seen.has(machineKey(machine.id))) {
      return refuse(join(field, 'windows'), `${shown(machine.id)} is deactivated and cannot be removed from the schedule`);
    }
  }
  const windows = schedule.windows.map((w) => ({ machine_ids: w.machine_ids.map(normalizeMachine), unavailability: w.unavailability }));
  return { ok: true, state: { schedule: { windows }, machines } };
}

/** START_MAINTENANCE (/machine/down): scheduled DRAINING machines go DOWN. */
export function startMaintenance(state: MachineMaintenanceState, ids: MachineID[], field: string): Outcome {
  const problem = checkList(state, ids, field, 'DRAINING', 'is not in DRAINING mode and cannot be brought down');
  if (problem) return problem;
  const down = new Set(ids.map(machineKey));
  const machines = state.machines.map((m) => (down.has(machineKey(m.id)) ? { ...m, mode: 'DOWN' as const } : m));
  return { ok: true, state: { schedule: state.schedule, machines } };
}

/** STOP_MAINTENANCE (/machine/up): DOWN machines are UP again and leave the schedule (and so do windows left empty). */
export function stopMaintenance(state: MachineMaintenanceState, ids: MachineID[], field: string): Outcome {
  const problem = checkList(state, ids, field, 'DOWN', 'is not in DOWN mode and cannot be brought up');
  if (problem) return problem;
  const up = new Set(ids.map(machineKey));
  const windows = state.schedule.windows
    .map((w) => ({ ...w, machine_ids: w.machine_ids.filter((id) => !up.has(machineKey(id))) }))
    .filter((w) => w.machine_ids.length > 0);
  return { ok: true, state: { schedule: { windows }, machines: state.machines.filter((m) => !up.has(machineKey(m.id))) } };
}

/** GET_MAINTENANCE_STATUS: draining machines (no inverse offer statuses: none are sent) and down machines. */
export function maintenanceStatus(state: MachineMaintenanceState): { draining_machines?: { id: MachineID }[]; down_machines?: MachineID[] } {
  const draining = state.machines.filter((m) => m.mode === 'DRAINING').map((m) => ({ id: m.id }));
  const down = state.machines.filter((m) => m.mode === 'DOWN').map((m) => m.id);
  return { ...(draining.length ? { draining_machines: draining } : {}), ...(down.length ? { down_machines: down } : {}) };
}

/** A stored state from an earlier leader (or an older one without maintenance), checked part by part. */
export function parseMachineMaintenance(json: unknown): MachineMaintenanceState {
  const data = (json && typeof json === 'object' ? json : {}) as Partial<MachineMaintenanceState>;
  const windows = Array.isArray(data.schedule?.windows) ? data.schedule.windows.filter(isWindow) : [];
  const machines = Array.isArray(data.machines) ? data.machines.filter(isScheduledMachine) : [];
  return { schedule: { windows }, machines };
}

function checkList(state: MachineMaintenanceState, ids: MachineID[], field: string, mode: MachineMode, wrongMode: string): Outcome | undefined {
  if (ids.length === 0) return refuse(field, 'List of machines is empty');
  const seen = new Set<string>();
  for (const [i, id] of ids.entries()) {
    const idField = `${field}[${i}]`;
    const problem = machineProblem(id);
    if (problem) return refuse(idField, problem);
    const key = machineKey(id);
    if (seen.has(key)) return refuse(idField, `${shown(id)} appears more than once in the list`);
    seen.add(key);
    const machine = scheduledMachine(state, id);
    if (!machine) return refuse(idField, `${shown(id)} is not part of a maintenance schedule`);
    if (machine.mode !== mode) return refuse(idField, `${shown(id)} ${wrongMode}`);
  }
  return undefined;
}

/** A field's path under `field`, which is empty when the request body is the schedule itself. */
function join(field: string, sub: string): string {
  return field ? `${field}.${sub}` : sub;
}

function refuse(field: string, message: string): Outcome {
  return { ok: false, message: `'${field}': ${message}` };
}

const isMachineId = (id: unknown): id is MachineID => {
  const m = id as MachineID;
  return !!m && typeof m === 'object' && (typeof m.hostname === 'string' || typeof m.ip === 'string');
};
const isUnavailability = (u: unknown): u is Unavailability => typeof (u as Unavailability)?.start?.nanoseconds === 'number';
const isWindow = (w: unknown): w is MaintenanceWindow =>
  Array.isArray((w as MaintenanceWindow)?.machine_ids) && (w as MaintenanceWindow).machine_ids.every(isMachineId) && isUnavailability((w as MaintenanceWindow).unavailability);
const isScheduledMachine = (m: unknown): m is ScheduledMachine =>
  isMachineId((m as ScheduledMachine)?.id) && ['DRAINING', 'DOWN'].includes((m as ScheduledMachine).mode) && isUnavailability((m as ScheduledMachine).unavailability);
