import fc from 'fast-check';
import { DRFSorter } from '../../cluster/allocator/drf-sorter';
import { ScalarPool } from '../../cluster/allocator/quantities';

function sorterWithTotal(total: Record<string, number>): DRFSorter {
  const sorter = new DRFSorter();
  sorter.addTotal(total);
  return sorter;
}

describe('DRF sorter', () => {
  test('GIVEN two clients WHEN one holds more of its dominant resource THEN the other comes first', () => {
    const sorter = sorterWithTotal({ cpus: 100, mem: 100 });
    sorter.add('a');
    sorter.add('b');
    sorter.allocated('a', { cpus: 5, mem: 5 });
    sorter.allocated('b', { cpus: 6, mem: 6 });
    expect(sorter.sort()).toEqual(['a', 'b']);
    expect(sorter.share('a')).toBeCloseTo(0.05);

    sorter.add('c');
    expect(sorter.sort()).toEqual(['c', 'a', 'b']);

    sorter.allocated('c', { cpus: 10, mem: 10 });
    sorter.unallocated('a', { cpus: 5, mem: 5 });
    expect(sorter.sort()).toEqual(['a', 'b', 'c']);
  });

  test('GIVEN allocations of different resources THEN the share is the largest fraction of any one', () => {
    const sorter = sorterWithTotal({ cpus: 10, mem: 1000 });
    sorter.add('cpu-heavy');
    sorter.add('mem-heavy');
    sorter.allocated('cpu-heavy', { cpus: 5, mem: 100 }); // 50% cpus
    sorter.allocated('mem-heavy', { cpus: 1, mem: 400 }); // 40% mem
    expect(sorter.share('cpu-heavy')).toBeCloseTo(0.5);
    expect(sorter.share('mem-heavy')).toBeCloseTo(0.4);
    expect(sorter.sort()).toEqual(['mem-heavy', 'cpu-heavy']);
  });

  test('GIVEN weights 2:1 WHEN both hold the same THEN the heavier client has half the share and comes first', () => {
    const sorter = sorterWithTotal({ cpus: 100 });
    sorter.add('light');
    sorter.add('heavy', { weight: 2 });
    sorter.allocated('light', { cpus: 20 });
    sorter.allocated('heavy', { cpus: 20 });
    expect(sorter.share('heavy')).toBeCloseTo(0.1);
    expect(sorter.share('light')).toBeCloseTo(0.2);
    expect(sorter.sort()).toEqual(['heavy', 'light']);

    sorter.setWeight('heavy', 0.5);
    expect(sorter.sort()).toEqual(['light', 'heavy']);
  });

  test('GIVEN a resource absent from the pool THEN it does not count towards shares', () => {
    const sorter = sorterWithTotal({ cpus: 10, gpus: 0 });
    sorter.add('a');
    sorter.allocated('a', { cpus: 1, gpus: 3, bogus: 7 });
    expect(sorter.share('a')).toBeCloseTo(0.1);
  });

  test('GIVEN equal shares THEN the client allocated to fewer times comes first, then the name', () => {
    const sorter = sorterWithTotal({ cpus: 10 });
    sorter.add('b');
    sorter.add('a');
    expect(sorter.sort()).toEqual(['a', 'b']);
    sorter.allocated('a', { cpus: 1 });
    sorter.unallocated('a', { cpus: 1 });
    expect(sorter.sort()).toEqual(['b', 'a']);
  });

  test('GIVEN an inactive client THEN it is left out of the order but keeps its allocation', () => {
    const sorter = sorterWithTotal({ cpus: 10 });
    sorter.add('a');
    sorter.add('b', { active: false });
    sorter.allocated('b', { cpus: 2 });
    expect(sorter.sort()).toEqual(['a']);
    sorter.deactivate('a');
    expect(sorter.first()).toBeUndefined();
    sorter.activate('b');
    expect(sorter.sort()).toEqual(['b']);
    expect(sorter.allocation('b')).toEqual({ cpus: 2 });
  });

  test('GIVEN the pool grows WHEN shares are read THEN they are fractions of the new total', () => {
    const sorter = sorterWithTotal({ cpus: 10, mem: 100 });
    sorter.add('a');
    sorter.add('b');
    sorter.allocated('a', { cpus: 5 }); // 50%
    sorter.allocated('b', { mem: 40 }); // 40%
    expect(sorter.sort()).toEqual(['b', 'a']);
    sorter.addTotal({ cpus: 90 }); // a now holds 5%
    expect(sorter.share('a')).toBeCloseTo(0.05);
    expect(sorter.sort()).toEqual(['a', 'b']);
    sorter.removeTotal({ cpus: 90 });
    expect(sorter.sort()).toEqual(['b', 'a']);
  });

  test('GIVEN two sorters on one pool WHEN the pool changes THEN both see it', () => {
    const pool = new ScalarPool();
    const roles = new DRFSorter(pool);
    const frameworks = new DRFSorter(pool);
    roles.add('r');
    frameworks.add('f');
    roles.allocated('r', { cpus: 1 });
    frameworks.allocated('f', { cpus: 1 });
    pool.add({ cpus: 4 });
    expect(roles.share('r')).toBeCloseTo(0.25);
    expect(frameworks.share('f')).toBeCloseTo(0.25);
  });

  test('GIVEN a predicate WHEN firstMatching walks the order THEN it visits lowest share first and stops at the first match', () => {
    const sorter = sorterWithTotal({ cpus: 100 });
    for (let i = 0; i < 20; i++) {
      sorter.add(`c${i}`);
      sorter.allocated(`c${i}`, { cpus: (i * 7) % 20 });
    }
    const visited: string[] = [];
    const found = sorter.firstMatching((name) => {
      visited.push(name);
      return visited.length === 6;
    });
    expect(visited).toEqual(sorter.sort().slice(0, 6));
    expect(found).toBe(visited[5]);
    expect(sorter.firstMatching(() => false)).toBeUndefined();
  });

  test('GIVEN bad input THEN it is refused with a message', () => {
    const sorter = new DRFSorter();
    expect(() => sorter.add('a', { weight: 0 })).toThrow(/weight must be a positive number, got 0/);
    sorter.add('a');
    expect(() => sorter.add('a')).toThrow(/already exists/);
    expect(() => sorter.allocated('nobody', { cpus: 1 })).toThrow(/unknown sorter client: nobody/);
  });

  describe('properties', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const amount = fc.integer({ min: 0, max: 50 });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('alloc' as const), name: fc.constantFrom(...names), cpus: amount, mem: amount }),
      fc.record({ kind: fc.constant('unalloc' as const), name: fc.constantFrom(...names), cpus: amount, mem: amount }),
      fc.record({ kind: fc.constant('toggle' as const), name: fc.constantFrom(...names) }),
      fc.record({ kind: fc.constant('weight' as const), name: fc.constantFrom(...names), weight: fc.constantFrom(0.5, 1, 2, 3) }),
      fc.record({ kind: fc.constant('total' as const), cpus: fc.integer({ min: 1, max: 100 }) }),
    );

    test('the order always equals a full sort by (share, allocation count, name)', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
          const sorter = sorterWithTotal({ cpus: 100, mem: 400 });
          const model = new Map(names.map((n) => [n, { cpus: 0, mem: 0, weight: 1, count: 0, active: true }]));
          const total = { cpus: 100, mem: 400 };
          names.forEach((n) => sorter.add(n));
          for (const o of ops) {
            if (o.kind === 'total') {
              sorter.addTotal({ cpus: o.cpus });
              total.cpus += o.cpus;
              continue;
            }
            const m = model.get(o.name)!;
            if (o.kind === 'alloc') {
              sorter.allocated(o.name, { cpus: o.cpus, mem: o.mem });
              m.cpus += o.cpus;
              m.mem += o.mem;
              m.count++;
            } else if (o.kind === 'unalloc') {
              sorter.unallocated(o.name, { cpus: o.cpus, mem: o.mem });
              m.cpus = Math.max(0, m.cpus - o.cpus);
              m.mem = Math.max(0, m.mem - o.mem);
            } else if (o.kind === 'toggle') {
              if (m.active) sorter.deactivate(o.name);
              else sorter.activate(o.name);
              m.active = !m.active;
            } else {
              sorter.setWeight(o.name, o.weight);
              m.weight = o.weight;
            }
            const share = (n: string) => {
              const x = model.get(n)!;
              return Math.max(x.cpus / total.cpus, x.mem / total.mem) / x.weight;
            };
            const expected = names
              .filter((n) => model.get(n)!.active)
              .sort((x, y) => share(x) - share(y) || model.get(x)!.count - model.get(y)!.count || (x < y ? -1 : 1));
            expect(sorter.sort()).toEqual(expected);
            expect(sorter.first()).toBe(expected[0]);
            const wanted = new Set(names.filter((_, i) => (i + ops.length) % 3 === 0));
            expect(sorter.firstMatching((n) => wanted.has(n))).toBe(expected.find((n) => wanted.has(n)));
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});
