import fc from 'fast-check';
import {
  InvalidResourceError, ResourceParseError, Resources, resourcesFromV1Checked,
} from '../../cluster/protocol/resources';
import type { Resource } from '../../cluster/protocol/types';
import { rangesContain, rangesDifference, rangesUnion } from '../../cluster/protocol/values';

function parseError(text: string): ResourceParseError {
  try {
    Resources.parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ResourceParseError);
    return err as ResourceParseError;
  }
  throw new Error(`expected '${text}' to be rejected`);
}

describe('Resources.parse', () => {
  it('parses the default agent resources into v1 JSON', () => {
    const r = Resources.parse('cpus:2;mem:1024;disk:4096;ports:[31000-32000]');
    expect(r.toV1()).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 4096 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ]);
    expect(r.toString()).toBe('cpus:2;mem:1024;disk:4096;ports:[31000-32000]');
  });

  it('keeps reserved and unreserved resources apart', () => {
    const r = Resources.parse('cpus(role1):2;cpus:1;mem:512');
    expect(r.scalar('cpus')).toBe(3);
    expect(r.reservedTo('role1').toString()).toBe('cpus(role1):2');
    expect(r.unreserved().toString()).toBe('cpus:1;mem:512');
    expect(r.toV1()).toContainEqual({
      name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'role1', reservations: [{ type: 'STATIC', role: 'role1' }],
    });
  });

  it('applies the default role to resources written without one', () => {
    const r = Resources.parse('cpus:1;mem(other):2', 'web');
    expect(r.reservedTo('web').toString()).toBe('cpus(web):1');
    expect(r.reservedTo('other').toString()).toBe('mem(other):2');
  });

  it('parses sets, de-duplicating items', () => {
    const r = Resources.parse('zones:{b, a, a}');
    expect(r.toV1()).toEqual([{ name: 'zones', type: 'SET', set: { item: ['a', 'b'] } }]);
  });

  it('merges ranges and entries of the same name and role', () => {
    expect(Resources.parse('ports:[8000-9000, 80-80];ports:[9001-9100];cpus:1;cpus:0.5').toString())
      .toBe('cpus:1.5;ports:[80-80,8000-9100]');
  });

  it('ignores whitespace and empty tokens, and accepts , between scalars', () => {
    expect(Resources.parse('  cpus : 1 ; ; mem:128 ;').toString()).toBe('cpus:1;mem:128');
    expect(Resources.parse('cpus:1,mem:128').toString()).toBe('cpus:1;mem:128');
    expect(Resources.parse('   ').isEmpty()).toBe(true);
  });

  it('rounds scalars to three decimals and drops zero quantities', () => {
    expect(Resources.parse('cpus:1.23456').scalar('cpus')).toBe(1.235);
    expect(Resources.parse('cpus:0.0004;gpus:0').isEmpty()).toBe(true);
    expect(Resources.parse('cpus:0.1').plus(Resources.parse('cpus:0.2')).scalar('cpus')).toBe(0.3);
  });

  it('accepts a JSON array of v1 resources', () => {
    const r = Resources.parse('[{"name":"cpus","type":"SCALAR","scalar":{"value":1}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":2}]}}]');
    expect(r.toString()).toBe('cpus:1;ports:[1-2]');
  });

  it.each([
    ['cpus:abc', "invalid resource 'cpus:abc' at position 0: 'abc' is not a number", 0],
    ['mem:1;cpus:-1', "invalid resource 'cpus:-1' at position 6: '-1' is negative", 6],
    ['cpus:NaN', "invalid resource 'cpus:NaN' at position 0: 'NaN' is not a number", 0],
    [':2', "invalid resource ':2' at position 0: empty resource name", 0],
    ['cpus', "invalid resource 'cpus' at position 0: expected name:value, e.g. cpus:2", 0],
    ['cpus:', "invalid resource 'cpus:' at position 0: missing value after ':'", 0],
    ['cpus():1', "invalid resource 'cpus():1' at position 0: empty role", 0],
    ['ports:[5-3]', "invalid resource 'ports:[5-3]' at position 0: range '5-3' has begin > end", 0],
    ['ports:[1-5,3-8]', "invalid resource 'ports:[1-5,3-8]' at position 0: ranges 1-5 and 3-8 overlap", 0],
    ['ports:[1-5];ports:[5-6]', "invalid resource 'ports:[5-6]' at position 12: ranges 1-5 and 5-6 overlap", 12],
    ['ports:[a-b]', "invalid resource 'ports:[a-b]' at position 0: 'a-b' is not a range (expected begin-end, e.g. 31000-32000)", 0],
    ['ports:(1-2)', "invalid resource 'ports:(1-2)' at position 0: unknown bracket '(' (ranges use [a-b], sets use {a,b})", 0],
    ['cpus:1; ports:[1-2', "invalid resource 'ports:[1-2' at position 8: unclosed '['", 8],
    ['cpus:1]', "invalid resource 'cpus:1]' at position 0: unexpected ']'", 0],
    ['s:{a,,b}', "invalid resource 's:{a,,b}' at position 0: empty item in set '{a,,b}'", 0],
    ['x:1;x:[1-2]', "invalid resource 'x:[1-2]' at position 4: resource 'x' is both SCALAR and RANGES; one name must have one type", 4],
  ])('rejects %s', (text, message, position) => {
    const err = parseError(text);
    expect(err.message).toBe(message);
    expect(err.position).toBe(position);
    expect(err.input).toBe(text);
  });

  it('rejects invalid JSON and invalid v1 entries in JSON', () => {
    expect(parseError('[{"name":"cpus"').message).toMatch(/^invalid resources JSON at position 0: /);
    expect(parseError('[{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}]').message)
      .toBe('invalid resources JSON: resources[0].scalar.value: must be a non-negative number, got -1');
  });
});

describe('Resources arithmetic', () => {
  const agent = Resources.parse('cpus:4;mem:8192;ports:[31000-32000];zones:{a,b}');

  it('subtracts what a task uses and adds it back', () => {
    const task = Resources.parse('cpus:1.5;mem:1024;ports:[31000-31001];zones:{a}');
    const left = agent.minus(task);
    expect(left.toString()).toBe('cpus:2.5;mem:7168;ports:[31002-32000];zones:{b}');
    expect(left.plus(task).equals(agent)).toBe(true);
  });

  it('minus throws when the subtrahend is not contained; subtractClamped does not', () => {
    const big = Resources.parse('cpus:5;gpus:1');
    expect(agent.contains(big)).toBe(false);
    expect(() => agent.minus(big)).toThrow(/cannot subtract 'cpus:5;gpus:1' from/);
    expect(agent.subtractClamped(big).toString()).toBe('mem:8192;ports:[31000-32000];zones:{a,b}');
  });

  it('does not let resources reserved to one role satisfy another', () => {
    const reserved = Resources.parse('cpus(web):2');
    expect(reserved.contains(Resources.parse('cpus:1'))).toBe(false);
    expect(reserved.contains(Resources.parse('cpus(web):1'))).toBe(true);
  });

  it('offers unreserved resources and those of the role and its ancestors', () => {
    const r = Resources.parse('cpus:1;cpus(eng):2;cpus(eng/ci):3;cpus(engineering):4;cpus(ops):5');
    expect(r.allocatableTo('eng/ci').scalar('cpus')).toBe(6);
    expect(r.allocatableTo('eng').scalar('cpus')).toBe(3);
    expect(r.allocatableTo('dev').scalar('cpus')).toBe(1);
  });

  it('lists scalar names and sums scalars across roles', () => {
    const r = Resources.parse('cpus:1;cpus(a):2;mem:3;ports:[1-2]');
    expect(r.scalarNames()).toEqual(['cpus', 'mem']);
    expect(r.scalar('cpus')).toBe(3);
    expect(r.scalar('gpus')).toBe(0);
  });

  it('picks the lowest free ports', () => {
    const r = Resources.parse('ports:[31000-31001,31005-31010]');
    expect(r.pickPorts(3)).toEqual([31000, 31001, 31005]);
    expect(r.pickPorts(0)).toEqual([]);
    expect(r.pickPorts(9)).toBeUndefined();
    expect(Resources.empty().pickPorts(1)).toBeUndefined();
  });

  it('renders the legacy /state shape', () => {
    expect(Resources.parse('cpus:1;cpus(a):1;mem:128;ports:[1-2,5-6];zones:{x,y}').toLegacyJson()).toEqual({
      cpus: 2, disk: 0, gpus: 0, mem: 128, ports: '[1-2, 5-6]', zones: '{x, y}',
    });
  });

  it('adds allocation_info when given an allocation role', () => {
    expect(Resources.parse('cpus:1').toV1('web')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'web' } },
    ]);
  });
});

describe('Resources.fromV1', () => {
  it('takes the role from role or from the last reservation', () => {
    const r = Resources.fromV1([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'a' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'p' }, { type: 'STATIC', role: 'p/c' }] },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*' },
      { name: 'ports', type: 'RANGES', ranges: { range: [] } },
    ]);
    // A refined stack is its own identity (Mesos's stringify shows it whole).
    expect(r.toString()).toBe('cpus:4;cpus(a):1;cpus(reservations: [(STATIC,p),(STATIC,p/c)]):2');
    expect(r.allocatableTo('p/c').scalar('cpus')).toBe(6);
  });

  it.each<[unknown, string]>([
    ['nope', "task.resources: must be an array of resources, got 'nope'"],
    [[1], 'task.resources[0]: must be a resource object, got 1'],
    [[{ type: 'SCALAR', scalar: { value: 1 } }], 'task.resources[0].name: required string, got undefined'],
    [[{ name: '', type: 'SCALAR', scalar: { value: 1 } }], 'task.resources[0].name: empty resource name'],
    [[{ name: 'cpus', type: 'TEXT' }], "task.resources[0].type: must be one of SCALAR, RANGES, SET, got 'TEXT'"],
    [[{ name: 'cpus', type: 'SCALAR' }], 'task.resources[0].scalar: required for type SCALAR, got undefined'],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: 'x' } }], "task.resources[0].scalar.value: must be a non-negative number, got 'x'"],
    [[{ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 5, end: 1 }] } }], 'task.resources[0].ranges.range[0]: begin 5 > end 1'],
    [[{ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 1.5, end: 3 }] } }], 'task.resources[0].ranges.range[0].begin: must be a non-negative integer, got 1.5'],
    [[{ name: 'p', type: 'RANGES', ranges: { range: [{ begin: 1, end: 5 }, { begin: 2, end: 3 }] } }], 'task.resources[0].ranges: ranges 1-5 and 2-3 overlap'],
    [[{ name: 's', type: 'SET', set: { item: ['a', 3] } }], 'task.resources[0].set.item[1]: must be a non-empty string, got 3'],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'a', reservations: [{ role: 'b' }] }], "task.resources[0].role: 'a' differs from the reservation role 'b'"],
    [[{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '/a' }], "task.resources[0].role: role '/a' has an empty path component"],
  ])('rejects %j naming the field', (list, message) => {
    let caught: unknown;
    try {
      resourcesFromV1Checked(list, 'task.resources');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidResourceError);
    expect((caught as Error).message).toBe(message);
  });

  it('fromV1 names the entry under "resources"', () => {
    expect(() => Resources.fromV1([{ name: 'cpus', type: 'SCALAR', scalar: { value: -2 } } as Resource]))
      .toThrow('resources[0].scalar.value: must be a non-negative number, got -2');
  });
});

// ---- properties ----

const SCALAR_NAMES = ['cpus', 'mem', 'disk', 'gpus', 'foo'];
const RANGE_NAMES = ['ports', 'bar'];
const SET_NAMES = ['zones'];
const ROLES = ['*', 'web', 'eng/ci'];

type Atom =
  | { kind: 'scalar'; name: string; role: string; milli: number }
  | { kind: 'range'; name: string; role: string; unit: number }
  | { kind: 'set'; name: string; role: string; item: string };

const atom: fc.Arbitrary<Atom> = fc.oneof(
  fc.record({ kind: fc.constant('scalar' as const), name: fc.constantFrom(...SCALAR_NAMES), role: fc.constantFrom(...ROLES), milli: fc.integer({ min: 1, max: 10_000_000 }) }),
  fc.record({ kind: fc.constant('range' as const), name: fc.constantFrom(...RANGE_NAMES), role: fc.constantFrom(...ROLES), unit: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('set' as const), name: fc.constantFrom(...SET_NAMES), role: fc.constantFrom(...ROLES), item: fc.constantFrom('a', 'b', 'c', 'd', 'e-1', 'f_2') }),
);

/** Range units and set items are de-duplicated first: a unit listed twice is rejected as overlap. */
function build(atoms: Atom[]): Resources {
  const seen = new Set<string>();
  const list: Resource[] = [];
  for (const a of atoms) {
    const role = a.role === '*' ? {} : { role: a.role };
    if (a.kind === 'scalar') {
      list.push({ name: a.name, type: 'SCALAR', scalar: { value: a.milli / 1000 }, ...role });
      continue;
    }
    const id = `${a.name}|${a.role}|${a.kind === 'range' ? a.unit : a.item}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (a.kind === 'range') list.push({ name: a.name, type: 'RANGES', ranges: { range: [{ begin: a.unit, end: a.unit }] }, ...role });
    else list.push({ name: a.name, type: 'SET', set: { item: [a.item] }, ...role });
  }
  return Resources.fromV1(list);
}

const resources = fc.array(atom, { maxLength: 25 }).map(build);

/** Two resources whose ranges and sets do not overlap (scalars may), so a+b loses nothing. */
const disjointPair = fc.array(fc.tuple(atom, fc.boolean()), { maxLength: 30 }).map((tagged) => {
  const owner = new Map<string, boolean>();
  const a: Atom[] = [];
  const b: Atom[] = [];
  for (const [at, toA] of tagged) {
    let side = toA;
    if (at.kind !== 'scalar') {
      const id = `${at.name}|${at.role}|${at.kind === 'range' ? at.unit : at.item}`;
      side = owner.get(id) ?? toA;
      owner.set(id, side);
    }
    (side ? a : b).push(at);
  }
  return [build(a), build(b)] as const;
});

describe('Resources properties', () => {
  it('parse(toString(r)) equals r', () => {
    fc.assert(fc.property(resources, (r) => Resources.parse(r.toString()).equals(r)));
  });

  it('fromV1(toV1(r)) equals r', () => {
    fc.assert(fc.property(resources, (r) => Resources.fromV1(r.toV1('x')).equals(r)));
  });

  it('(a + b) - b equals a when ranges and sets are disjoint', () => {
    fc.assert(fc.property(disjointPair, ([a, b]) => a.plus(b).minus(b).equals(a)));
  });

  it('a contains a - b, and a + b contains both', () => {
    fc.assert(fc.property(resources, resources, (a, b) => {
      const sum = a.plus(b);
      return a.contains(a.subtractClamped(b)) && sum.contains(a) && sum.contains(b);
    }));
  });

  it('plus is commutative and associative', () => {
    fc.assert(fc.property(resources, resources, resources, (a, b, c) =>
      a.plus(b).equals(b.plus(a)) && a.plus(b).plus(c).equals(a.plus(b.plus(c)))));
  });

  it('(a - (a - b)) + (a - b) equals a, and minus agrees with subtractClamped', () => {
    fc.assert(fc.property(resources, resources, (a, b) => {
      const rest = a.subtractClamped(b);
      return a.subtractClamped(rest).plus(rest).equals(a) && (!a.contains(b) || a.minus(b).equals(rest));
    }));
  });

  it('scalar sums add up', () => {
    fc.assert(fc.property(resources, resources, (a, b) =>
      SCALAR_NAMES.every((n) => Math.round(a.plus(b).scalar(n) * 1000) === Math.round((a.scalar(n) + b.scalar(n)) * 1000))));
  });
});

describe('range arithmetic against a set-of-units model', () => {
  const units = fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { maxLength: 40 });
  const toRanges = (xs: number[]): number[] => {
    const out: number[] = [];
    for (const x of [...xs].sort((p, q) => p - q)) {
      if (out.length > 0 && out[out.length - 1] + 1 === x) out[out.length - 1] = x;
      else out.push(x, x);
    }
    return out;
  };

  it('union, difference and containment match sets of units', () => {
    fc.assert(fc.property(units, units, (xs, ys) => {
      const a = toRanges(xs);
      const b = toRanges(ys);
      const union = toRanges([...new Set([...xs, ...ys])]);
      const diff = toRanges(xs.filter((x) => !ys.includes(x)));
      expect(rangesUnion(a, b)).toEqual(union);
      expect(rangesDifference(a, b)).toEqual(diff);
      expect(rangesContain(a, b)).toBe(ys.every((y) => xs.includes(y)));
    }), { numRuns: 500 });
  });
});
