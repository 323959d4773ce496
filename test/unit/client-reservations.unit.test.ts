/**
 * The operator calls `reserve`, `unreserve` and `volume create|destroy` send, checked against the
 * shapes of Mesos's documents (mesos.proto Resource, ReservationInfo, DiskInfo; master.proto
 * Call.ReserveResources/CreateVolumes): what is built from an operator's words, and what is read back
 * from GET_AGENTS, which writes resources in Mesos's endpoint format (the `reservations` stack plus the
 * deprecated `role`/`reservation` mirrors).
 */
import {
  dynamicReservationsOf, reservedDiskOf, reservedFromText, volumeResource, volumeResourceOf, volumesOf,
} from '../../cluster/client/reservations';
import type { OperatorAgent } from '../../cluster/protocol/operator';

const DB = { type: 'DYNAMIC', role: 'db', principal: 'ops' };

/** An agent as GET_AGENTS shows it: static, dynamic and volume resources in the endpoint format. */
const AGENT = {
  agent_info: { id: { value: 'M-S1' }, hostname: 'host1', port: 5051 },
  active: true,
  total_resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 3 }, role: '*' },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'db', reservation: { principal: 'ops' }, reservations: [DB], allocation_info: { role: 'db' } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 512 }, role: 'ops', reservations: [{ type: 'STATIC', role: 'ops' }] },
    {
      name: 'disk', type: 'SCALAR', scalar: { value: 1024 }, role: 'db', reservation: { principal: 'ops' }, reservations: [DB],
      disk: { persistence: { id: 'pgdata', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
    },
    { name: 'disk', type: 'SCALAR', scalar: { value: 976 }, role: 'db', reservation: { principal: 'ops' }, reservations: [DB] },
  ],
} as unknown as OperatorAgent;

describe('what reserve and volume create send', () => {
  test('amounts become dynamic reservations in the reservations stack, with principal and labels', () => {
    expect(reservedFromText('cpus:1;mem:256', { role: 'db', principal: 'ops', labels: { service: 'pg' } })).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ ...DB, labels: { labels: [{ key: 'service', value: 'pg' }] } }] },
      { name: 'mem', type: 'SCALAR', scalar: { value: 256 }, reservations: [{ ...DB, labels: { labels: [{ key: 'service', value: 'pg' }] } }] },
    ]);
  });

  test('without a principal (no authentication) the reservation names none; ranges keep their shape', () => {
    expect(reservedFromText('ports:[8000-8001]', { role: 'web' })).toEqual([
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 8000, end: 8001 }] }, reservations: [{ type: 'DYNAMIC', role: 'web' }] },
    ]);
  });

  test('amounts that already name a role are refused, saying how to write them', () => {
    expect(() => reservedFromText('cpus(db):1', { role: 'db' })).toThrow(/names a role; give unreserved amounts/);
  });

  test('a volume is made on reserved disk with that disk\'s reservation, plus DiskInfo persistence and volume', () => {
    expect(volumeResource({ reservations: [DB] as never, principal: 'ops', id: 'pgdata', sizeMb: 1024, containerPath: 'data', mode: 'RO' })).toEqual({
      name: 'disk', type: 'SCALAR', scalar: { value: 1024 }, reservations: [DB],
      disk: { persistence: { id: 'pgdata', principal: 'ops' }, volume: { container_path: 'data', mode: 'RO' } },
    });
  });
});

describe('what is read back from GET_AGENTS', () => {
  test('volumes are listed with their role, size, path and mode', () => {
    expect(volumesOf(AGENT)).toEqual([
      { agent_id: 'M-S1', hostname: 'host1', role: 'db', id: 'pgdata', size_mb: 1024, container_path: 'data', mode: 'RW', principal: 'ops' },
    ]);
  });

  test('a volume is named for DESTROY exactly, without the legacy mirrors', () => {
    expect(volumeResourceOf(AGENT, 'pgdata')).toEqual({
      name: 'disk', type: 'SCALAR', scalar: { value: 1024 }, reservations: [DB],
      disk: { persistence: { id: 'pgdata', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
    });
    expect(volumeResourceOf(AGENT, 'other')).toBeUndefined();
  });

  test('UNRESERVE names the dynamic reservations of the role: not static ones, not volumes, no allocation info', () => {
    expect(dynamicReservationsOf(AGENT, 'db')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [DB] },
      { name: 'disk', type: 'SCALAR', scalar: { value: 976 }, reservations: [DB] },
    ]);
    expect(dynamicReservationsOf(AGENT, 'ops')).toEqual([]);
  });

  test('volumes are made on the role\'s reserved disk that is no volume yet, its reservation as the agent has it', () => {
    expect(reservedDiskOf(AGENT, 'db')).toEqual([{ name: 'disk', type: 'SCALAR', scalar: { value: 976 }, reservations: [DB] }]);
    expect(reservedDiskOf(AGENT, 'ops')).toEqual([]);
  });

  test('a pre-refinement dynamic reservation (role + reservation only) is recognised too', () => {
    const legacy = { ...AGENT, total_resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'db', reservation: { principal: 'ops' } }] } as unknown as OperatorAgent;
    expect(dynamicReservationsOf(legacy, 'db')).toEqual([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'db', reservation: { principal: 'ops' } }]);
  });
});
