/** Quota in the allocator: limits are never exceeded by offers, guarantees are served first. */
import fc from 'fast-check';
import { createAllocator, headroom, quantitiesOf, quotaProblem, shrinkToLimits } from '../../cluster/allocator';
import type { Allocation, Allocator } from '../../cluster/allocator';
import { Resources } from '../../cluster/protocol/resources';

const r = (text: string) => Resources.parse(text);
const AGENT = 'cpus:4;mem:1024;ports:[31000-31009]';

function cluster(agents: number, total = AGENT): Allocator {
  const allocator = createAllocator({ seed: 3 });
  for (let i = 0; i < agents; i++) allocator.addAgent({ id: `a${i}`, hostname: `h${i}`, total: r(total) });
  return allocator;
}

const sum = (allocations: Allocation[], name: string) => allocations.reduce((s, a) => s + a.resources.scalar(name), 0);

describe('quota helpers', () => {
  test('headroom is what is left under each limit, never negative', () => {
    expect(headroom({ cpus: 4, mem: 100 }, { cpus: 1.5, mem: 200 })).toEqual({ cpus: 2.5, mem: 0 });
  });

  test('GIVEN an offer over a limit THEN only the limited resource is cut, unreserved first', () => {
    const shrunk = shrinkToLimits(r('cpus:3;cpus(eng):2;mem:512;ports:[1-2]'), { cpus: 2.5 }, { cpus: 0.5 });
    expect(shrunk.scalar('cpus')).toBe(2);
    expect(shrunk.reservedTo('eng').scalar('cpus')).toBe(2);
    expect(shrunk.scalar('mem')).toBe(512);
    expect(shrunk.contains(r('ports:[1-2]'))).toBe(true);
  });

  test('GIVEN reservations alone over the limit THEN they are cut too', () => {
    expect(shrinkToLimits(r('cpus(eng):3'), { cpus: 1 }, {}).scalar('cpus')).toBe(1);
  });

  test('a guarantee above its limit or a negative amount is refused', () => {
    expect(quotaProblem({ guarantees: { cpus: 3 }, limits: { cpus: 2 } })).toMatch(/guarantees.cpus \(3\) exceeds limits.cpus \(2\)/);
    expect(quotaProblem({ guarantees: {}, limits: { mem: -1 } })).toMatch(/limits.mem must be a non-negative number/);
    expect(quotaProblem({ guarantees: { cpus: 1 }, limits: { cpus: 1 } })).toBeUndefined();
  });
});

describe('hierarchical allocator with quota', () => {
  test('GIVEN a cpus limit of 6 on 4 agents of 4 cpus WHEN allocating THEN the role is offered 6 cpus and all the memory it can', () => {
    const allocator = cluster(4);
    allocator.setQuota('web', { guarantees: {}, limits: { cpus: 6 } });
    allocator.addFramework({ id: 'f', roles: ['web'] });

    const offers = allocator.allocate(0);

    expect(sum(offers, 'cpus')).toBe(6);
    expect(sum(offers, 'mem')).toBe(4096);
    expect(allocator.allocate(1)).toHaveLength(0);
  });

  test('GIVEN a role at its limit WHEN another role wants resources THEN the other role gets the rest', () => {
    const allocator = cluster(2);
    allocator.setQuota('small', { guarantees: {}, limits: { cpus: 1, mem: 128 } });
    allocator.addFramework({ id: 's', roles: ['small'] });
    allocator.addFramework({ id: 'b', roles: ['big'] });

    allocator.allocate(0);

    expect(allocator.allocatedTo('s').scalar('cpus')).toBe(1);
    expect(allocator.allocatedTo('b').scalar('cpus')).toBe(7);
  });

  test('GIVEN offers recovered WHEN allocating again THEN the limit still holds, and raising it lets more through', () => {
    const allocator = cluster(3);
    allocator.setQuota('web', { guarantees: {}, limits: { cpus: 5 } });
    allocator.addFramework({ id: 'f', roles: ['web'] });
    for (const offer of allocator.allocate(0)) allocator.recoverResources('f', offer.agentId, offer.resources, 0);
    expect(sum(allocator.allocate(1), 'cpus')).toBe(5);

    allocator.setQuota('web', { guarantees: {}, limits: { cpus: 9 } });
    expect(sum(allocator.allocate(2), 'cpus')).toBe(4);
    allocator.setQuota('web', undefined);
    expect(sum(allocator.allocate(3), 'cpus')).toBe(3);
  });

  test('GIVEN a role below its guarantee THEN it is served before a role with a lower share', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'other', roles: ['other'] });
    allocator.addFramework({ id: 'g', roles: ['guaranteed'] });
    allocator.addUsed('g', 'a0', r('cpus:1'));
    allocator.setQuota('guaranteed', { guarantees: { cpus: 3 }, limits: {} });

    const [offer] = allocator.allocate(0);

    expect(offer.frameworkId).toBe('g');
  });
});

describe('property: no role is ever offered beyond its limit', () => {
  type Op =
    | { kind: 'allocate' }
    | { kind: 'recoverOne'; index: number }
    | { kind: 'setLimit'; role: string; cpus: number; mem: number }
    | { kind: 'toggleAgent'; agent: number };
  const ROLES = ['r1', 'r2', 'r3'];
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'allocate' as const }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('recoverOne' as const), index: fc.nat(30) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('setLimit' as const), role: fc.constantFrom(...ROLES),
        cpus: fc.integer({ min: 0, max: 40 }).map((n) => n / 4), mem: fc.integer({ min: 0, max: 4096 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('toggleAgent' as const), agent: fc.nat(3) }) },
  );

  test('offered plus used stays within every limit, or never grows past it when the limit was lowered', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const allocator = cluster(4, 'cpus:4;cpus(r1):1;mem:1024;ports:[1-10]');
      const frameworks: Record<string, string[]> = { f1: ['r1'], f2: ['r2'], f3: ['r3'], f4: ['r1', 'r2'] };
      for (const [id, roles] of Object.entries(frameworks)) allocator.addFramework({ id, roles });
      const limits = new Map<string, Record<string, number>>();
      const held: Allocation[] = [];
      const active = [true, true, true, true];
      const roleTotal = (role: string) => quantitiesOf(held.filter((a) => a.role === role).reduce((s, a) => s.plus(a.resources), Resources.empty()));
      let now = 0;
      for (const op of ops) {
        now += 1000;
        if (op.kind === 'allocate') {
          const before = new Map(ROLES.map((role) => [role, roleTotal(role)]));
          held.push(...allocator.allocate(now));
          for (const [role, limit] of limits) {
            const after = roleTotal(role);
            for (const name in limit) {
              const allowed = Math.max(limit[name], before.get(role)?.[name] ?? 0);
              if ((after[name] ?? 0) > allowed + 1e-9) return false;
            }
          }
        } else if (op.kind === 'recoverOne') {
          if (held.length === 0) continue;
          const [gone] = held.splice(op.index % held.length, 1);
          allocator.recoverResources(gone.frameworkId, gone.agentId, gone.resources, now, undefined, gone.role);
        } else if (op.kind === 'setLimit') {
          const limit = { cpus: op.cpus, mem: op.mem };
          limits.set(op.role, limit);
          allocator.setQuota(op.role, { guarantees: {}, limits: limit });
        } else {
          active[op.agent] = !active[op.agent];
          if (active[op.agent]) allocator.activateAgent(`a${op.agent}`);
          else allocator.deactivateAgent(`a${op.agent}`);
        }
      }
      return true;
    }), { numRuns: 1000 });
  });
});
