import { Resources } from '../../cluster/protocol/resources';
import type { Resource } from '../../cluster/protocol/types';
import type { DiskResource } from '../../cluster/agent/volume-spec';
import { containerPathProblem } from '../../cluster/protocol/volume-names';
import { sharedContainerPath, volumeHostPath, volumeOf, volumesIn, withCheckpointed } from '../../cluster/agent/volume-spec';

/** A persistent volume as Mesos's docs/persistent-volume.md writes one, post-refinement. */
function volume(id: string, containerPath: string, extra: Partial<DiskResource> = {}): DiskResource {
  return {
    name: 'disk', type: 'SCALAR', scalar: { value: 64 },
    reservations: [{ type: 'DYNAMIC', role: 'db', principal: 'ops' }],
    disk: { persistence: { id, principal: 'ops' }, volume: { container_path: containerPath, mode: 'RW' } },
    ...extra,
  };
}

describe('container_path of a persistent volume', () => {
  it.each([
    ['data', undefined],
    ['a/b/c', undefined],
    ['./data/', undefined],
    ['/data', "must be relative to the sandbox, got absolute '/data'"],
    ['../data', "must not leave the sandbox ('..' in '../data')"],
    ['a/../../b', "must not leave the sandbox ('..' in 'a/../../b')"],
    ['.', "must name a directory inside the sandbox, got '.'"],
    ['', 'must be a non-empty relative path'],
  ])('%j: %s', (p, problem) => {
    expect(containerPathProblem(p)).toBe(problem);
  });
});

describe('volumeOf', () => {
  it('reads Mesos\'s fields: the last reservation\'s role, persistence id and principal, container_path and mode (RW by default)', () => {
    const v = volume('v1', 'data/', { disk: { persistence: { id: 'v1' }, volume: { container_path: 'data/' } } });
    expect(volumeOf(v, 'r')).toEqual({ persistenceId: 'v1', role: 'db', containerPath: 'data', mode: 'RW' });
  });

  it('leaves disk without persistence and other resources alone', () => {
    expect(volumeOf({ name: 'disk', type: 'SCALAR', scalar: { value: 1 } }, 'r')).toBeUndefined();
    expect(volumeOf({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, 'r')).toBeUndefined();
  });

  it.each([
    ['an absolute container_path', volume('v1', '/etc'), "task.resources[0].disk.volume.container_path: must be relative to the sandbox, got absolute '/etc'"],
    ['no volume', volume('v1', 'x', { disk: { persistence: { id: 'v1' } } }), 'task.resources[0].disk.volume.container_path: must be a non-empty relative path'],
    ['a persistence id that climbs', volume('..', 'x'), "task.resources[0].disk.persistence.id: '..' must not be '.', '..' or contain '/', '\\', whitespace or NUL"],
    ['unreserved disk', volume('v1', 'x', { reservations: [] }), "task.resources[0]: persistent volume 'v1' must be on reserved disk (reservations)"],
    ['a role that climbs', volume('v1', 'x', { reservations: [{ type: 'DYNAMIC', role: '..' }] }), "task.resources[0].reservations: role '..' has the invalid component '..'"],
    ['an unknown mode', volume('v1', 'x', { disk: { persistence: { id: 'v1' }, volume: { container_path: 'x', mode: 'RWX' } } }), "task.resources[0].disk.volume.mode: must be RW or RO, got 'RWX'"],
  ])('refuses %s, naming the field', (_what, r, problem) => {
    expect(volumesIn([r], 'task.resources')).toEqual({ problem });
  });

  it('refuses one volume listed twice, and finds two volumes at one place', () => {
    expect(volumesIn([volume('a', 'data'), volume('a', 'other')], 'resources')).toEqual({ problem: "resources: persistent volume 'a' (role 'db') is listed twice" });
    const both = volumesIn([volume('a', 'data'), volume('b', 'data/')], 'resources');
    expect('volumes' in both && sharedContainerPath(both.volumes)).toBe('data');
  });
});

describe('volumeHostPath', () => {
  it('is Mesos\'s layout, with a hierarchical role\'s / written as a space', () => {
    expect(volumeHostPath('/w', 'db', 'v1')).toBe('/w/volumes/roles/db/v1');
    expect(volumeHostPath('/w', 'eng/db', 'v1')).toBe('/w/volumes/roles/eng db/v1');
  });
});

describe('withCheckpointed', () => {
  it('carves dynamic reservations and the volumes on them out of the unreserved resources', () => {
    const base = Resources.parse('cpus:4;mem:1024;disk:1000');
    const reservedCpus = { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC' as const, role: 'db' }] };
    const list = [reservedCpus, volume('v1', 'data') as Resource];
    const { total, remainingBase } = withCheckpointed(base, list);
    expect(remainingBase.equals(Resources.parse('cpus:3;mem:1024;disk:936'))).toBe(true);
    // The reserved parts keep their reservation (and the volume its disk info) in the total.
    expect(total.equals(remainingBase.plus(Resources.fromV1(list)))).toBe(true);
  });
});
