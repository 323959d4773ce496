import { createAllocator, quantitiesOf } from '../../cluster/allocator';
import type { Allocation, Allocator } from '../../cluster/allocator';
import { Resources } from '../../cluster/protocol/resources';

const r = (text: string) => Resources.parse(text);
const AGENT = 'cpus:4;mem:1024;disk:1024;ports:[31000-31099]';

function cluster(agents: number, total = AGENT, seed = 7): Allocator {
  const allocator = createAllocator({ seed });
  for (let i = 0; i < agents; i++) allocator.addAgent({ id: `a${i}`, hostname: `host${i}`, total: r(total) });
  return allocator;
}

function offeredTo(allocations: Allocation[], frameworkId: string): Allocation[] {
  return allocations.filter((a) => a.frameworkId === frameworkId);
}

function cpus(allocator: Allocator, frameworkId: string): number {
  return allocator.allocatedTo(frameworkId).scalar('cpus');
}

describe('hierarchical allocator', () => {
  test('GIVEN two frameworks in one role WHEN a cycle runs THEN each gets half of the agents, all of each agent', () => {
    const allocator = cluster(4);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.addFramework({ id: 'f2', roles: ['web'] });

    const offers = allocator.allocate(0);

    expect(offers).toHaveLength(4);
    expect(offeredTo(offers, 'f1')).toHaveLength(2);
    expect(offeredTo(offers, 'f2')).toHaveLength(2);
    for (const offer of offers) {
      expect(offer.role).toBe('web');
      expect(offer.resources.equals(r(AGENT))).toBe(true);
      expect(allocator.available(offer.agentId).isEmpty()).toBe(true);
    }
    expect(new Set(offers.map((o) => o.agentId)).size).toBe(4);
  });

  test('GIVEN roles weighted 2:1 WHEN the cluster is allocated THEN they get 2:1 of it', () => {
    const allocator = cluster(6);
    allocator.setWeight('gold', 2);
    allocator.addFramework({ id: 'g', roles: ['gold'] });
    allocator.addFramework({ id: 's', roles: ['silver'] });

    allocator.allocate(0);

    expect(cpus(allocator, 'g')).toBe(16);
    expect(cpus(allocator, 's')).toBe(8);
  });

  test('GIVEN roles with different numbers of frameworks THEN roles are fair first, then frameworks within a role', () => {
    const allocator = cluster(8);
    allocator.addFramework({ id: 'a1', roles: ['a'] });
    allocator.addFramework({ id: 'a2', roles: ['a'] });
    allocator.addFramework({ id: 'b1', roles: ['b'] });

    allocator.allocate(0);

    expect(cpus(allocator, 'b1')).toBe(16);
    expect(cpus(allocator, 'a1')).toBe(8);
    expect(cpus(allocator, 'a2')).toBe(8);
  });

  test('GIVEN a decline with a refuse filter WHEN cycles run THEN the framework is not offered the agent again until it expires', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    const [offer] = allocator.allocate(0);

    allocator.recoverResources('f1', offer.agentId, offer.resources, 0, 5);

    expect(allocator.available('a0').equals(r(AGENT))).toBe(true);
    expect(allocator.allocate(1000)).toEqual([]);
    expect(allocator.allocate(4999)).toEqual([]);
    const again = allocator.allocate(5000);
    expect(again).toHaveLength(1);
    expect(again[0].frameworkId).toBe('f1');
  });

  test('GIVEN one framework filtered an agent THEN another framework is offered it meanwhile', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.addFramework({ id: 'f2', roles: ['web'] });
    const [first] = allocator.allocate(0);
    const other = first.frameworkId === 'f1' ? 'f2' : 'f1';

    allocator.recoverResources(first.frameworkId, 'a0', first.resources, 0, 5);
    const [second] = allocator.allocate(1);

    expect(second.frameworkId).toBe(other);
  });

  test('GIVEN every framework filtered an agent WHEN one filter expires THEN that framework is offered it again', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.addFramework({ id: 'f2', roles: ['web'] });
    const [first] = allocator.allocate(0);
    allocator.recoverResources(first.frameworkId, 'a0', first.resources, 0, 5);
    const [second] = allocator.allocate(1);
    allocator.recoverResources(second.frameworkId, 'a0', second.resources, 1, 60);
    expect(allocator.allocate(2)).toEqual([]);
    expect(allocator.allocate(3)).toEqual([]);

    const offers = allocator.allocate(5000);

    expect(offers.map((o) => o.frameworkId)).toEqual([first.frameworkId]);
  });

  test('GIVEN every framework filtered an agent WHEN a new framework subscribes THEN it is offered the agent', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    const [offer] = allocator.allocate(0);
    allocator.recoverResources('f1', 'a0', offer.resources, 0, 60);
    expect(allocator.allocate(1)).toEqual([]);

    allocator.addFramework({ id: 'f2', roles: ['web'] });

    expect(allocator.allocate(2).map((o) => o.frameworkId)).toEqual(['f2']);
  });

  test('GIVEN a filter on part of an agent WHEN more becomes available there THEN the larger offer is not filtered', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    const [offer] = allocator.allocate(0);
    const task = r('cpus:3;mem:512');
    allocator.recoverResources('f1', 'a0', offer.resources.minus(task), 0, 60);
    expect(allocator.allocate(1)).toEqual([]);

    allocator.recoverResources('f1', 'a0', task, 2); // the task ended
    const [again] = allocator.allocate(3);

    expect(again.resources.equals(r(AGENT))).toBe(true);
  });

  test('GIVEN a suppressed framework THEN it gets nothing until revived, and revive clears its filters', () => {
    const allocator = cluster(2);
    allocator.addFramework({ id: 'f1', roles: ['web'], suppressedRoles: ['web'] });
    expect(allocator.allocate(0)).toEqual([]);

    allocator.revive('f1');
    const offers = allocator.allocate(1);
    expect(offers).toHaveLength(2);

    for (const o of offers) allocator.recoverResources('f1', o.agentId, o.resources, 2, 3600);
    expect(allocator.allocate(3)).toEqual([]);
    allocator.suppress('f1');
    allocator.revive('f1', ['web']);
    expect(allocator.allocate(4)).toHaveLength(2);
  });

  test('GIVEN a framework suppressed in one of its roles THEN it is offered only in the other', () => {
    const allocator = cluster(2);
    allocator.addFramework({ id: 'f1', roles: ['web', 'batch'] });
    allocator.suppress('f1', ['web']);

    const offers = allocator.allocate(0);

    expect(offers.map((o) => o.role)).toEqual(['batch', 'batch']);
  });

  test('GIVEN a deactivated agent THEN it is not offered until activated again', () => {
    const allocator = cluster(2);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.deactivateAgent('a1');

    expect(allocator.allocate(0).map((o) => o.agentId)).toEqual(['a0']);

    allocator.activateAgent('a1');
    expect(allocator.allocate(1).map((o) => o.agentId)).toEqual(['a1']);
  });

  test('GIVEN a deactivated framework THEN it keeps its allocation and gets no offers until activated', () => {
    const allocator = cluster(2);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.allocate(0);
    allocator.recoverResources('f1', 'a0', r(AGENT), 1);
    allocator.deactivateFramework('f1');

    expect(allocator.allocate(2)).toEqual([]);
    expect(cpus(allocator, 'f1')).toBe(4);

    allocator.activateFramework('f1');
    expect(allocator.allocate(3).map((o) => o.agentId)).toEqual(['a0']);
  });

  test('GIVEN resources reserved to a role THEN only that role is offered them', () => {
    const allocator = cluster(1, 'cpus(ads):2;mem(ads):512;cpus:2;mem:512');
    allocator.addFramework({ id: 'ads1', roles: ['ads'], suppressedRoles: ['ads'] });
    allocator.addFramework({ id: 'web1', roles: ['web'] });

    const [web] = allocator.allocate(0);
    expect(web.frameworkId).toBe('web1');
    expect(web.resources.equals(r('cpus:2;mem:512'))).toBe(true);

    allocator.revive('ads1');
    const [ads] = allocator.allocate(1);
    expect(ads.frameworkId).toBe('ads1');
    expect(ads.resources.equals(r('cpus(ads):2;mem(ads):512'))).toBe(true);
  });

  test('GIVEN a role that wins an agent with a reservation for another role THEN both are offered in the same cycle', () => {
    const allocator = cluster(1, 'cpus(ads):2;cpus:2;mem:512');
    allocator.addFramework({ id: 'web1', roles: ['web'] });
    allocator.addFramework({ id: 'ads1', roles: ['ads'] });
    allocator.addUsed('ads1', 'a0', r('cpus(ads):1')); // ads has a share now, so web comes first

    const offers = allocator.allocate(0);

    expect(offers.map((o) => [o.frameworkId, o.resources.toString()])).toEqual([
      ['web1', 'cpus:2;mem:512'],
      ['ads1', 'cpus(ads):1'],
    ]);
  });

  test('GIVEN an agent holding only resources reserved to another role THEN nothing is offered', () => {
    const allocator = cluster(1, 'cpus(ads):2;mem(ads):512');
    allocator.addFramework({ id: 'web1', roles: ['web'] });

    expect(allocator.allocate(0)).toEqual([]);
  });

  test('GIVEN an offer WHEN its resources are recovered without a filter THEN they return to the pool and are offered again', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    const [offer] = allocator.allocate(0);
    expect(cpus(allocator, 'f1')).toBe(4);

    allocator.recoverResources('f1', 'a0', offer.resources, 1);

    expect(cpus(allocator, 'f1')).toBe(0);
    expect(allocator.available('a0').equals(r(AGENT))).toBe(true);
    expect(allocator.allocate(2)).toHaveLength(1);
  });

  test('GIVEN a recover of more than was allocated THEN only what was allocated comes back', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.addUsed('f1', 'a0', r('cpus:1;mem:100'));

    allocator.recoverResources('f1', 'a0', r('cpus:3;mem:100;gpus:1'), 0);
    allocator.recoverResources('f1', 'a0', r('cpus:1'), 0);

    expect(allocator.available('a0').equals(r(AGENT))).toBe(true);
  });

  test('GIVEN resources used through addUsed THEN they count towards the share', () => {
    const allocator = cluster(4);
    allocator.addFramework({ id: 'busy', roles: ['web'] });
    allocator.addFramework({ id: 'idle', roles: ['web'] });
    allocator.addUsed('busy', 'a0', r(AGENT));
    allocator.addUsed('busy', 'a1', r(AGENT));

    const offers = allocator.allocate(0);

    expect(offers.map((o) => o.frameworkId)).toEqual(['idle', 'idle']);
    expect(cpus(allocator, 'busy')).toBe(8);
  });

  test('GIVEN a re-registered agent with tasks of a framework not yet back THEN they are held once, also after the framework returns', () => {
    const allocator = createAllocator();
    const used = new Map([['f1', r('cpus:3;mem:512')]]);
    allocator.addAgent({ id: 'a0', hostname: 'h', total: r(AGENT), used });
    expect(allocator.available('a0').scalar('cpus')).toBe(1);

    allocator.addFramework({ id: 'f1', roles: ['web'], used: new Map([['a0', r('cpus:3;mem:512')]]) });

    expect(allocator.available('a0').scalar('cpus')).toBe(1);
    expect(cpus(allocator, 'f1')).toBe(3);
    allocator.recoverResources('f1', 'a0', r('cpus:3;mem:512'), 0);
    expect(allocator.available('a0').equals(r(AGENT))).toBe(true);
  });

  test('GIVEN a framework is removed THEN what it held goes back to the agents', () => {
    const allocator = cluster(2);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.allocate(0);

    allocator.removeFramework('f1');
    allocator.addFramework({ id: 'f2', roles: ['web'] });

    expect(allocator.allocatedTo('f1').isEmpty()).toBe(true);
    expect(allocator.allocate(1)).toHaveLength(2);
  });

  test('GIVEN an agent is removed THEN its allocations no longer count and it is not offered', () => {
    const allocator = cluster(2);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.allocate(0);

    allocator.removeAgent('a0');

    expect(cpus(allocator, 'f1')).toBe(4);
    allocator.recoverResources('f1', 'a1', r(AGENT), 1);
    expect(allocator.allocate(2).map((o) => o.agentId)).toEqual(['a1']);
  });

  test('GIVEN an agent whose total grows THEN the extra is offered, and used resources stay allocated', () => {
    const allocator = cluster(1);
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.addUsed('f1', 'a0', r('cpus:4'));

    allocator.updateAgentTotal('a0', r('cpus:8;mem:1024;disk:1024;ports:[31000-31099]'));
    const [offer] = allocator.allocate(0);

    expect(offer.resources.scalar('cpus')).toBe(4);
    expect(cpus(allocator, 'f1')).toBe(8);
  });

  test('GIVEN shares THEN only scalar resources count, ports do not', () => {
    expect(quantitiesOf(r('cpus:1;mem:64;ports:[1-100];zones:{a,b}'))).toEqual({ cpus: 1, mem: 64 });
  });

  test('GIVEN bad input THEN it is refused with a message naming it', () => {
    const allocator = cluster(1);
    expect(() => allocator.setWeight('web', -1)).toThrow(/weight of role web must be a positive number, got -1/);
    expect(() => allocator.addAgent({ id: 'a0', hostname: 'x', total: r(AGENT) })).toThrow(/agent a0 is already added/);
    allocator.addFramework({ id: 'f', roles: ['web'] });
    expect(() => allocator.addFramework({ id: 'f', roles: ['web'] })).toThrow(/framework f is already added/);
    // Unknown ids are ignored rather than crashing the master.
    expect(() => allocator.recoverResources('nope', 'nope', r('cpus:1'), 0, 5)).not.toThrow();
    expect(allocator.available('nope').isEmpty()).toBe(true);
  });

  test('GIVEN the same seed THEN the same offers are made', () => {
    const run = () => {
      const allocator = cluster(20, AGENT, 42);
      for (let i = 0; i < 3; i++) allocator.addFramework({ id: `f${i}`, roles: ['web'] });
      return allocator.allocate(0).map((o) => `${o.frameworkId}@${o.agentId}`);
    };
    expect(run()).toEqual(run());
  });
});
