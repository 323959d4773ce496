/**
 * The machine maintenance rules alone (cluster/master/state/machine-schedule.ts): mode transitions
 * UP -> DRAINING -> DOWN -> UP, what a new schedule does to machines already in one, and the field
 * each refusal names. The HTTP side is tested in master-maintenance.integration.test.ts.
 */
import {
  maintenanceStatus, modeOf, NO_MAINTENANCE, parseMachineMaintenance, startMaintenance, stopMaintenance, updateSchedule,
  type MachineMaintenanceState, type MaintenanceSchedule, type Outcome,
} from '../../cluster/master/state/machine-schedule';
import { levelOfVerbosity, verbosityOfLevel } from '../../cluster/http/logging-level';

const A = { hostname: 'a', ip: '10.0.0.1' };
const B = { hostname: 'b', ip: '10.0.0.2' };
const C = { hostname: 'c' };
const unavailability = { start: { nanoseconds: 1_000 }, duration: { nanoseconds: 10 } };
const schedule = (...windows: object[][]): MaintenanceSchedule => ({ windows: windows.map((machine_ids) => ({ machine_ids, unavailability })) });

function ok(outcome: Outcome): MachineMaintenanceState {
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.state;
}

function refusal(outcome: Outcome): string {
  if (outcome.ok) throw new Error('expected a refusal');
  return outcome.message;
}

describe('machine maintenance modes', () => {
  test('GIVEN a schedule WHEN it is set THEN its machines are DRAINING and the others UP', () => {
    const state = ok(updateSchedule(NO_MAINTENANCE, schedule([A, B], [C]), 'schedule'));
    expect([A, B, C, { hostname: 'd' }].map((m) => modeOf(state, m))).toEqual(['DRAINING', 'DRAINING', 'DRAINING', 'UP']);
    expect(maintenanceStatus(state)).toEqual({ draining_machines: [{ id: A }, { id: B }, { id: C }] });
  });

  test('a machine is its hostname (any case) and IP together', () => {
    const state = ok(updateSchedule(NO_MAINTENANCE, schedule([{ hostname: 'A', ip: A.ip }]), ''));
    expect(state.schedule.windows[0].machine_ids).toEqual([A]);
    expect(modeOf(state, A)).toBe('DRAINING');
    expect(modeOf(state, { hostname: 'a' })).toBe('UP');
    expect(modeOf(state, { hostname: 'a', ip: '10.0.0.9' })).toBe('UP');
  });

  test('START takes DRAINING machines DOWN; STOP brings DOWN machines UP and out of the schedule, dropping empty windows', () => {
    const scheduled = ok(updateSchedule(NO_MAINTENANCE, schedule([A, B], [C]), ''));
    const down = ok(startMaintenance(scheduled, [A, C], 'm'));
    expect(maintenanceStatus(down)).toEqual({ draining_machines: [{ id: B }], down_machines: [A, C] });

    const up = ok(stopMaintenance(down, [C], 'm'));
    expect(modeOf(up, C)).toBe('UP');
    expect(up.schedule).toEqual(schedule([A, B]));
    expect(maintenanceStatus(up)).toEqual({ draining_machines: [{ id: B }], down_machines: [A] });
  });

  test('a new schedule keeps DOWN machines DOWN with their new window, and returns machines left out to UP', () => {
    const down = ok(startMaintenance(ok(updateSchedule(NO_MAINTENANCE, schedule([A], [B]), '')), [A], 'm'));
    const later = { start: { nanoseconds: 5_000 } };
    const next = ok(updateSchedule(down, { windows: [{ machine_ids: [A, C], unavailability: later }] }, ''));
    expect(maintenanceStatus(next)).toEqual({ draining_machines: [{ id: C }], down_machines: [A] });
    expect(modeOf(next, B)).toBe('UP');
    expect(next.machines.find((m) => m.id.hostname === 'a')?.unavailability).toEqual(later);
  });

  test('each rule names the field it is about', () => {
    const down = ok(startMaintenance(ok(updateSchedule(NO_MAINTENANCE, schedule([A]), '')), [A], 'm'));
    expect(refusal(updateSchedule(NO_MAINTENANCE, schedule([]), 's'))).toBe("'s.windows[0].machine_ids': List of machines in the maintenance window is empty");
    expect(refusal(updateSchedule(NO_MAINTENANCE, schedule([A], [B, { ip: '10.0.0.1', hostname: 'A' }]), '')))
      .toBe(`'windows[1].machine_ids[1]': Machine '${JSON.stringify(A)}' appears more than once in the schedule`);
    expect(refusal(updateSchedule(NO_MAINTENANCE, schedule([{}]), ''))).toBe("'windows[0].machine_ids[0]': Both 'hostname' and 'ip' for a machine are empty");
    expect(refusal(updateSchedule(NO_MAINTENANCE, schedule([{ ip: 'x' }]), ''))).toMatch(/^'windows\[0\]\.machine_ids\[0\]': 'ip' must be an IPv4 address/);
    expect(refusal(updateSchedule(NO_MAINTENANCE, { windows: [{ machine_ids: [A], unavailability: { start: { nanoseconds: 0 }, duration: { nanoseconds: -1 } } }] }, '')))
      .toBe("'windows[0].unavailability.duration': Unavailability 'duration' is negative");
    expect(refusal(updateSchedule(down, schedule([B]), 's'))).toBe(`'s.windows': Machine '${JSON.stringify(A)}' is deactivated and cannot be removed from the schedule`);
    expect(refusal(startMaintenance(down, [], 'm'))).toBe("'m': List of machines is empty");
    expect(refusal(startMaintenance(down, [B], 'm'))).toBe(`'m[0]': Machine '${JSON.stringify(B)}' is not part of a maintenance schedule`);
    expect(refusal(startMaintenance(down, [A], 'm'))).toBe(`'m[0]': Machine '${JSON.stringify(A)}' is not in DRAINING mode and cannot be brought down`);
    expect(refusal(stopMaintenance(down, [A, A], 'm'))).toBe(`'m[1]': Machine '${JSON.stringify(A)}' appears more than once in the list`);
    const draining = ok(updateSchedule(NO_MAINTENANCE, schedule([B]), ''));
    expect(refusal(stopMaintenance(draining, [B], 'm'))).toBe(`'m[0]': Machine '${JSON.stringify(B)}' is not in DOWN mode and cannot be brought up`);
  });

  test('a stored state is read back as written, and a damaged or missing one as no maintenance', () => {
    const state = ok(startMaintenance(ok(updateSchedule(NO_MAINTENANCE, schedule([A], [B]), '')), [B], 'm'));
    expect(parseMachineMaintenance(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(parseMachineMaintenance(undefined)).toEqual(NO_MAINTENANCE);
    expect(parseMachineMaintenance({ schedule: { windows: [{ machine_ids: 'x' }] }, machines: [{ id: A, mode: 'SIDEWAYS', unavailability }] })).toEqual(NO_MAINTENANCE);
  });
});

describe('logging levels as glog verbosity', () => {
  test('0 is the level the daemon started with (at least info), 1 and up are debug', () => {
    expect(levelOfVerbosity(0, 'info')).toBe('info');
    expect(levelOfVerbosity(0, 'warn')).toBe('warn');
    expect(levelOfVerbosity(0, 'debug')).toBe('info');
    expect([1, 2, 3].map((v) => levelOfVerbosity(v, 'warn'))).toEqual(['debug', 'debug', 'debug']);
    expect(['debug', 'info', 'warn', 'error'].map((l) => verbosityOfLevel(l as 'debug'))).toEqual([1, 0, 0, 0]);
  });
});
