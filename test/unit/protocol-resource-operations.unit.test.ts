import fc from 'fast-check';
import {
  applyCheckpointed, applyOperation, baseOf, checkpointedAfter, inverseOf, parseOperation, type OperationActor, type ResourceOperation, type ResourceOperationType,
} from '../../cluster/protocol/resource-operations';
import { Resources } from '../../cluster/protocol/resources';
import type { Resource } from '../../cluster/protocol/types';

const dynamic = (role: string, principal?: string) => [{ type: 'DYNAMIC' as const, role, ...(principal ? { principal } : {}) }];
const scalar = (name: string, value: number, extra: Partial<Resource> = {}): Resource => ({ name, type: 'SCALAR', scalar: { value }, ...extra });
const volume = (id: string, value: number, role = 'web', principal = 'ops'): Resource => scalar('disk', value, {
  reservations: dynamic(role, principal),
  disk: { persistence: { id, principal }, volume: { container_path: 'data', mode: 'RW' } },
});

function op(type: ResourceOperationType, list: Resource[]): ResourceOperation {
  const parsed = parseOperation(type, list);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

function apply(total: Resources, type: ResourceOperationType, list: Resource[], actor: OperationActor = { principal: 'ops' }) {
  return applyOperation(total, op(type, list), actor);
}

const AGENT = Resources.parse('cpus:4;mem:1024;disk:1000');

describe('Resource formats (Mesos convertResourceFormat)', () => {
  const reserved = Resources.fromV1([scalar('cpus', 1, { role: 'web', reservation: { principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }] } } })]);

  it('reads the pre-refinement role + reservation as a DYNAMIC reservation', () => {
    expect(reserved.toV1(undefined, 'post-refinement')).toEqual([
      scalar('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }] } }] }),
    ]);
  });

  it('writes pre-refinement as role + reservation, role "*" for unreserved', () => {
    expect(reserved.plus(Resources.parse('mem:1')).toV1(undefined, 'pre-refinement')).toEqual([
      scalar('cpus', 1, { role: 'web', reservation: { principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }] } } }),
      scalar('mem', 1, { role: '*' }),
    ]);
  });

  it('writes the endpoint format with both, and static reservations without `reservation`', () => {
    expect(Resources.parse('cpus(a):1;mem:2').plus(reserved).toV1(undefined, 'endpoint')).toEqual([
      scalar('cpus', 1, { role: 'a', reservations: [{ type: 'STATIC', role: 'a' }] }),
      scalar('cpus', 1, { role: 'web', reservation: { principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }] } }, reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }] } }] }),
      scalar('mem', 2, { role: '*' }),
    ]);
  });

  it('never merges differently reserved resources, and reads back what it writes', () => {
    const both = reserved.plus(Resources.parse('cpus(web):2')).plus(Resources.parse('cpus:3'));
    expect(both.scalar('cpus')).toBe(6);
    expect(both.parts()).toHaveLength(3);
    for (const format of ['pre-refinement', 'post-refinement', 'endpoint'] as const) {
      expect(Resources.fromV1(both.toV1(undefined, format)).equals(both)).toBe(true);
    }
    expect(both.allocatableTo('web').equals(both)).toBe(true);
    expect(both.allocatableTo('other').toString()).toBe('cpus:3');
  });

  it('takes a persistent volume only as a whole', () => {
    const vol = Resources.fromV1([volume('v1', 64)]);
    const half = Resources.fromV1([volume('v1', 32)]);
    expect(vol.contains(half)).toBe(false);
    expect(vol.contains(vol)).toBe(true);
    expect(vol.subtractClamped(half).equals(vol)).toBe(true);
    expect(() => vol.minus(half)).toThrow('not contained');
    expect(vol.minus(vol).isEmpty()).toBe(true);
  });

  it.each<[Resource, string]>([
    [scalar('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'a' }, { type: 'DYNAMIC', role: 'b' }] }), "resources[0].reservations[1].role: 'b' is not a refinement of 'a' (a role below it)"],
    [scalar('cpus', 1, { reservations: [{ role: 'a' } as never] }), 'resources[0].reservations[0].type: must be STATIC or DYNAMIC, got undefined'],
    [scalar('cpus', 1, { reservation: { principal: 'p' } }), 'resources[0].reservation: role "*" cannot be dynamically reserved'],
    [scalar('cpus', 1, { disk: { persistence: { id: 'x' } } }), 'resources[0].disk: DiskInfo should not be set for cpus resource'],
    [scalar('disk', 1, { disk: { volume: { container_path: 'd', mode: 'XX' as never } } }), "resources[0].disk.volume.mode: must be RW or RO, got 'XX'"],
    [scalar('disk', 1, { disk: { persistence: { id: '' } } }), "resources[0].disk.persistence.id: required non-empty string, got ''"],
  ])('rejects %j naming the field', (resource, message) => {
    expect(() => Resources.fromV1([resource])).toThrow(message);
  });
});

describe('applyOperation', () => {
  it('RESERVE carves a dynamic reservation out of unreserved resources, UNRESERVE gives it back', () => {
    const reserved = apply(AGENT, 'RESERVE', [scalar('cpus', 1, { reservations: dynamic('web', 'ops') })]);
    expect(reserved.ok).toBe(true);
    if (!reserved.ok) return;
    expect(reserved.value.result.scalar('cpus')).toBe(4);
    expect(reserved.value.result.unreserved().scalar('cpus')).toBe(3);
    expect(reserved.value.result.allocatableTo('web').scalar('cpus')).toBe(4);
    const back = apply(reserved.value.result, 'UNRESERVE', [scalar('cpus', 1, { reservations: dynamic('web', 'ops') })]);
    expect(back.ok && back.value.result.equals(AGENT)).toBe(true);
  });

  it('CREATE makes a volume of reserved disk, DESTROY turns it back into reserved disk', () => {
    const reserved = apply(AGENT, 'RESERVE', [scalar('disk', 100, { reservations: dynamic('web', 'ops') })]);
    if (!reserved.ok) throw new Error(reserved.message);
    const created = apply(reserved.value.result, 'CREATE', [volume('v1', 64)]);
    if (!created.ok) throw new Error(created.message);
    expect(created.value.result.persistentVolumes().scalar('disk')).toBe(64);
    expect(created.value.result.scalar('disk')).toBe(1000);
    const again = apply(created.value.result, 'CREATE', [volume('v1', 10)]);
    expect(again).toEqual({ ok: false, message: expect.stringContaining("disk.persistence.id: persistence ID 'v1' is already in use by a volume of role 'web'") });
    const destroyed = apply(created.value.result, 'DESTROY', [volume('v1', 64)]);
    expect(destroyed.ok && destroyed.value.result.equals(reserved.value.result)).toBe(true);
  });

  it('CREATE on offered disk refuses a persistence id a volume elsewhere on the agent (in use, not offered) has', () => {
    const agent = Resources.fromV1([volume('v1', 64), scalar('disk', 100, { reservations: dynamic('web', 'ops') })]);
    const offered = Resources.fromV1([scalar('disk', 100, { reservations: dynamic('web', 'ops') })]);
    const out = applyOperation(offered, op('CREATE', [volume('v1', 50)]), { principal: 'ops' }, agent);
    expect(out).toEqual({ ok: false, message: expect.stringContaining("persistence ID 'v1' is already in use") });
    expect(applyOperation(offered, op('CREATE', [volume('v2', 50)]), { principal: 'ops' }, agent).ok).toBe(true);
  });

  it.each<[string, ResourceOperationType, Resource[], OperationActor, string]>([
    ['a static reservation', 'RESERVE', [scalar('cpus', 1, { role: 'web' })], { principal: 'ops' }, 'must be dynamically reserved'],
    ['more than there is', 'RESERVE', [scalar('cpus', 5, { reservations: dynamic('web', 'ops') })], { principal: 'ops' }, 'is not available'],
    ['another principal', 'RESERVE', [scalar('cpus', 1, { reservations: dynamic('web', 'eve') })], { principal: 'ops' }, "authenticated principal 'ops', which does not match a reserved resource in the request with principal 'eve'"],
    ['a principal when unauthenticated', 'RESERVE', [scalar('cpus', 1, { reservations: dynamic('web', 'eve') })], {}, "unauthenticated principal, which does not match a reserved resource in the request with principal 'eve'"],
    ['another role than the offer\'s', 'RESERVE', [scalar('cpus', 1, { reservations: dynamic('db', 'ops') })], { principal: 'ops', allocationRole: 'web' }, "the reservation role 'db' is not the role 'web'"],
    ['unreserved resources', 'UNRESERVE', [scalar('cpus', 1)], { principal: 'ops' }, 'is not dynamically reserved'],
    ['a volume on unreserved disk', 'CREATE', [scalar('disk', 1, { disk: { persistence: { id: 'x', principal: 'ops' }, volume: { container_path: 'd', mode: 'RW' } } })], { principal: 'ops' }, 'cannot be created from unreserved resources'],
    ['an absolute container path', 'CREATE', [scalar('disk', 1, { reservations: dynamic('web', 'ops'), disk: { persistence: { id: 'x', principal: 'ops' }, volume: { container_path: '/etc', mode: 'RW' } } })], { principal: 'ops' }, "disk.volume.container_path: must be relative to the sandbox, got absolute '/etc'"],
    // The agent's rules: what the master accepts, the agent can place.
    ['a persistence id that is no directory name', 'CREATE', [scalar('disk', 1, { reservations: dynamic('web', 'ops'), disk: { persistence: { id: 'a/b', principal: 'ops' }, volume: { container_path: 'd', mode: 'RW' } } })], { principal: 'ops' }, "disk.persistence.id: 'a/b' must not be '.', '..' or contain '/'"],
    ['a volume that does not exist', 'DESTROY', [volume('nope', 1)], { principal: 'ops' }, 'persistent volume does not exist'],
  ])('refuses %s', (_what, type, list, actor, message) => {
    const out = apply(AGENT, type, list, actor);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).toContain(message);
    if (!out.ok) expect(out.message).toMatch(/^(reserve|unreserve|create|destroy)\.(resources|volumes): /);
  });
});

describe('checkpointed resources on an agent', () => {
  const checkpointed = Resources.fromV1([scalar('disk', 36, { reservations: dynamic('web', 'ops') }), volume('v1', 64), scalar('cpus', 1, { reservations: dynamic('web', 'ops') })]);

  it('carves reservations and volumes out of the base, and baseOf undoes it', () => {
    const { total, kept, dropped } = applyCheckpointed(AGENT, checkpointed);
    expect(kept.equals(checkpointed)).toBe(true);
    expect(dropped.isEmpty()).toBe(true);
    expect(total.unreserved().toString()).toBe('cpus:3;mem:1024;disk:900');
    expect(total.persistentVolumes().scalar('disk')).toBe(64);
    expect(total.scalar('disk')).toBe(1000);
    expect(baseOf(total).equals(AGENT)).toBe(true);
  });

  it('drops what no longer fits an agent that now declares less', () => {
    const { total, dropped } = applyCheckpointed(Resources.parse('cpus:4;mem:1024;disk:50'), checkpointed);
    expect(dropped.persistentVolumes().scalar('disk')).toBe(64);
    expect(total.scalar('disk')).toBe(50);
  });

  it('follows every conversion: what is consumed leaves the list, what is converted joins it', () => {
    const created = apply(applyCheckpointed(AGENT, checkpointed).total, 'DESTROY', [volume('v1', 64)]);
    if (!created.ok) throw new Error(created.message);
    const after = checkpointedAfter(checkpointed, created.value);
    expect(after.persistentVolumes().isEmpty()).toBe(true);
    expect(after.scalar('disk')).toBe(100);
    expect(after.equals(created.value.result.checkpointable())).toBe(true);
  });
});

// ---- properties ----

const ROLES = ['web', 'db', 'eng/ci'];
const step = fc.record({
  kind: fc.constantFrom('reserve', 'create'),
  name: fc.constantFrom('cpus', 'mem', 'disk'),
  role: fc.constantFrom(...ROLES),
  amount: fc.integer({ min: 1, max: 400 }),
  id: fc.constantFrom('v1', 'v2', 'v3'),
});

describe('properties', () => {
  const total = Resources.parse('cpus:4;mem:1024;disk:1000;ports:[31000-31010]');

  it('apply then inverse gives back the original; totals never change; nothing comes out of nothing', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
      let current = total;
      for (const s of steps) {
        const list = s.kind === 'reserve' || s.name !== 'disk'
          ? [scalar(s.name, s.amount / 10, { reservations: dynamic(s.role, 'ops') })]
          : [volume(s.id, s.amount / 10, s.role)];
        const operation = op(s.kind === 'reserve' || s.name !== 'disk' ? 'RESERVE' : 'CREATE', list);
        const out = applyOperation(current, operation, { principal: 'ops' });
        if (!out.ok) {
          // Refused operations are refused for a reason the resources explain, never silently applied.
          expect(out.message).toMatch(/not available|already in use/);
          continue;
        }
        const { result } = out.value;
        for (const name of ['cpus', 'mem', 'disk']) expect(result.scalar(name)).toBeCloseTo(current.scalar(name), 6);
        expect(result.toLegacyJson()).toEqual(current.toLegacyJson());
        const undo = applyOperation(result, inverseOf(operation, out.value), { principal: 'ops' });
        expect(undo.ok).toBe(true);
        if (undo.ok) expect(undo.value.result.equals(current)).toBe(true);
        current = result;
      }
    }), { numRuns: 200 });
  });
});
