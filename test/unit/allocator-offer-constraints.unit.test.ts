/**
 * Offer constraints as Mesos's offer_constraints_filter.cpp evaluates them, and the allocator
 * honouring them (including UPDATE_FRAMEWORK's role changes).
 */
import { compileOfferConstraints, createAllocator, type ConstrainedAgent, type OfferConstraintsFilter } from '../../cluster/allocator';
import { fullMatchRegex } from '../../cluster/allocator/offer-constraints';
import { parseAttributes } from '../../cluster/protocol/attributes';
import { Resources } from '../../cluster/protocol/resources';
import type { AttributeConstraint, OfferConstraints } from '../../cluster/protocol/types';

const agent = (hostname: string, attributes = '', domain?: ConstrainedAgent['domain']): ConstrainedAgent => ({ hostname, attributes: parseAttributes(attributes), domain });

function filterOf(constraints: OfferConstraints): OfferConstraintsFilter {
  const compiled = compileOfferConstraints(constraints);
  if (!compiled.ok) throw new Error(`${compiled.field}: ${compiled.message}`);
  return compiled.filter!;
}

/** One role, `groups` of constraints. */
const constraintsOf = (groups: AttributeConstraint[][], role = 'web'): OfferConstraints =>
  ({ role_constraints: { [role]: { groups: groups.map((attribute_constraints) => ({ attribute_constraints })) } } });

const attr = (attribute_name: string, predicate: AttributeConstraint['predicate']): AttributeConstraint => ({ selector: { attribute_name }, predicate });
const pseudo = (pseudoattribute_type: string, predicate: AttributeConstraint['predicate']): AttributeConstraint => ({ selector: { pseudoattribute_type }, predicate });

const admits = (constraint: AttributeConstraint, on: ConstrainedAgent) => !filterOf(constraintsOf([[constraint]])).excludes('web', on);

describe('offer constraint predicates (offer_constraints_filter.cpp)', () => {
  const text = agent('h1', 'rack:r1');
  const scalar = agent('h1', 'rack:2');
  const ranges = agent('h1', 'rack:[1-3]');
  const none = agent('h1', 'zone:z');

  test.each([
    // predicate,                                   TEXT r1, SCALAR, RANGES, missing
    ['exists', { exists: {} }, true, true, true, false],
    ['not_exists', { not_exists: {} }, false, false, false, true],
    ['text_equals r1', { text_equals: { value: 'r1' } }, true, true, true, false],
    ['text_equals r2', { text_equals: { value: 'r2' } }, false, true, true, false],
    ['text_not_equals r1', { text_not_equals: { value: 'r1' } }, false, true, true, true],
    ['text_matches r.', { text_matches: { regex: 'r.' } }, true, true, true, false],
    ['text_matches r (whole value only)', { text_matches: { regex: 'r' } }, false, true, true, false],
    ['text_not_matches r.', { text_not_matches: { regex: 'r.' } }, false, true, true, true],
  ] as const)('%s on a TEXT, SCALAR, RANGES and missing attribute', (_name, predicate, onText, onScalar, onRanges, onMissing) => {
    const constraint = attr('rack', predicate as AttributeConstraint['predicate']);
    expect([admits(constraint, text), admits(constraint, scalar), admits(constraint, ranges), admits(constraint, none)])
      .toEqual([onText, onScalar, onRanges, onMissing]);
  });

  test('the first attribute of a name is the one looked at', () => {
    expect(admits(attr('rack', { text_equals: { value: 'b' } }), agent('h', 'rack:a;rack:b'))).toBe(false);
    expect(admits(attr('rack', { text_equals: { value: 'a' } }), agent('h', 'rack:a;rack:b'))).toBe(true);
  });

  test('HOSTNAME is always there; REGION and ZONE only with a fault domain', () => {
    const plain = agent('node-7.example');
    const placed = agent('node-7.example', '', { fault_domain: { region: { name: 'eu-west-1' }, zone: { name: 'eu-west-1a' } } });
    expect(admits(pseudo('HOSTNAME', { text_matches: { regex: 'node-[0-9]+\\.example' } }), plain)).toBe(true);
    expect(admits(pseudo('HOSTNAME', { text_equals: { value: 'other' } }), plain)).toBe(false);
    expect(admits(pseudo('REGION', { exists: {} }), plain)).toBe(false);
    expect(admits(pseudo('REGION', { text_not_equals: { value: 'x' } }), plain)).toBe(true);
    expect(admits(pseudo('REGION', { text_equals: { value: 'eu-west-1' } }), placed)).toBe(true);
    expect(admits(pseudo('ZONE', { text_matches: { regex: 'eu-west-1[ab]' } }), placed)).toBe(true);
  });

  test('groups are OR-ed, the constraints of a group AND-ed, roles without constraints take any agent', () => {
    // (hostname == foo) OR (rack != X AND rack != Y): the example of scheduler.proto.
    const filter = filterOf(constraintsOf([
      [pseudo('HOSTNAME', { text_equals: { value: 'foo' } })],
      [attr('rack', { text_not_equals: { value: 'X' } }), attr('rack', { text_not_equals: { value: 'Y' } })],
    ]));
    expect(filter.excludes('web', agent('foo', 'rack:X'))).toBe(false);
    expect(filter.excludes('web', agent('bar', 'rack:X'))).toBe(true);
    expect(filter.excludes('web', agent('bar', 'rack:Y'))).toBe(true);
    expect(filter.excludes('web', agent('bar', 'rack:Z'))).toBe(false);
    expect(filter.excludes('batch', agent('bar', 'rack:X'))).toBe(false);
  });

  test('empty constraints compile to no filter at all', () => {
    expect(compileOfferConstraints({})).toEqual({ ok: true, filter: undefined });
    expect(compileOfferConstraints({ role_constraints: {} })).toEqual({ ok: true, filter: undefined });
    expect(compileOfferConstraints(undefined)).toEqual({ ok: true, filter: undefined });
  });
});

describe('offer constraint validation (refused as Mesos refuses them)', () => {
  test.each([
    ['a role with no groups', { role_constraints: { web: { groups: [] } } }, 'role_constraints.web.groups', 'no groups'],
    ['an empty group', constraintsOf([[]]), 'role_constraints.web.groups[0].attribute_constraints', 'is empty'],
    ['a selector with nothing set', constraintsOf([[{ selector: {}, predicate: { exists: {} } }]]), 'role_constraints.web.groups[0].attribute_constraints[0].selector', "exactly one of 'attribute_name' or 'pseudoattribute_type'"],
    ['an unknown pseudoattribute', constraintsOf([[pseudo('RACK', { exists: {} })]]), 'role_constraints.web.groups[0].attribute_constraints[0].selector.pseudoattribute_type', "unknown pseudoattribute type 'RACK'"],
    ['a predicate with nothing set', constraintsOf([[attr('a', {})]]), 'role_constraints.web.groups[0].attribute_constraints[0].predicate', 'must be set'],
    ['a regex that does not compile', constraintsOf([[attr('a', { text_matches: { regex: 'r[' } })]]), 'role_constraints.web.groups[0].attribute_constraints[0].predicate.text_matches.regex', "failed to construct regex from pattern 'r['"],
    ['a lookahead (RE2 has none)', constraintsOf([[attr('a', { text_not_matches: { regex: '(?!x).*' } })]]), 'role_constraints.web.groups[0].attribute_constraints[0].predicate.text_not_matches.regex', 'lookaround'],
    ['a backreference (RE2 has none)', constraintsOf([[attr('a', { text_matches: { regex: '(a)\\1' } })]]), 'role_constraints.web.groups[0].attribute_constraints[0].predicate.text_matches.regex', 'backreferences'],
  ])('%s', (_name, constraints, field, message) => {
    const compiled = compileOfferConstraints(constraints as OfferConstraints);
    expect(compiled.ok).toBe(false);
    expect(compiled).toMatchObject({ field });
    expect((compiled as { message: string }).message).toContain(message);
  });

  test('RE2 spellings JavaScript lacks are translated', () => {
    expect((fullMatchRegex('(?i)RACK-[0-9]') as RegExp).test('rack-1')).toBe(true);
    expect((fullMatchRegex('(?P<n>a+)b') as RegExp).test('aab')).toBe(true);
    expect((fullMatchRegex('\\Aab\\z') as RegExp).test('ab')).toBe(true);
    expect((fullMatchRegex('a|b') as RegExp).test('ab')).toBe(false);
  });
});

describe('the allocator honours offer constraints', () => {
  const r = (text: string) => Resources.parse(text);
  function twoRacks() {
    const allocator = createAllocator({ seed: 3 });
    allocator.addAgent({ id: 'a1', hostname: 'h1', total: r('cpus:2;mem:256'), attributes: parseAttributes('rack:r1') });
    allocator.addAgent({ id: 'a2', hostname: 'h2', total: r('cpus:2;mem:256'), attributes: parseAttributes('rack:r2') });
    return allocator;
  }
  const onRack1 = filterOf(constraintsOf([[attr('rack', { text_equals: { value: 'r1' } })]]));

  test('GIVEN a framework constrained to rack r1 WHEN a cycle runs THEN it is offered only a1, and another framework of the role gets a2', () => {
    const allocator = twoRacks();
    allocator.addFramework({ id: 'f1', roles: ['web'], offerConstraints: onRack1 });
    expect(allocator.allocate(0).map((a) => [a.frameworkId, a.agentId])).toEqual([['f1', 'a1']]);

    allocator.addFramework({ id: 'f2', roles: ['web'] });
    expect(allocator.allocate(1).map((a) => [a.frameworkId, a.agentId])).toEqual([['f2', 'a2']]);
  });

  test('GIVEN constraints for one role THEN the framework still takes any agent in its other role', () => {
    const allocator = twoRacks();
    allocator.addFramework({ id: 'f1', roles: ['web', 'batch'], offerConstraints: onRack1 });
    const offers = allocator.allocate(0);
    expect(offers.find((a) => a.agentId === 'a2')).toMatchObject({ frameworkId: 'f1', role: 'batch' });
  });

  test('GIVEN constraints lifted by updateFramework THEN the excluded agent is offered at once', () => {
    const allocator = twoRacks();
    allocator.addFramework({ id: 'f1', roles: ['web'], offerConstraints: onRack1 });
    expect(allocator.allocate(0).map((a) => a.agentId)).toEqual(['a1']);
    allocator.updateFramework({ id: 'f1', roles: ['web'] });
    expect(allocator.allocate(1).map((a) => a.agentId)).toEqual(['a2']);
  });

  test('GIVEN an agent whose attributes change THEN constraints see the new ones', () => {
    const allocator = twoRacks();
    allocator.addFramework({ id: 'f1', roles: ['web'], offerConstraints: onRack1 });
    allocator.allocate(0);
    allocator.updateAgentInfo('a2', { hostname: 'h2', attributes: parseAttributes('rack:r1') });
    expect(allocator.allocate(1).map((a) => a.agentId)).toEqual(['a2']);
  });

  test('GIVEN a framework that leaves a role it holds resources in THEN it keeps them counted there and gets offers only in its new role', () => {
    const allocator = twoRacks();
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    const first = allocator.allocate(0);
    expect(first.every((a) => a.role === 'web')).toBe(true);
    const [kept, returned] = first;

    allocator.updateFramework({ id: 'f1', roles: ['batch'] });
    allocator.recoverResources('f1', returned.agentId, returned.resources, 1, 0, 'web');
    const next = allocator.allocate(2);
    expect(next).toEqual([{ frameworkId: 'f1', agentId: returned.agentId, role: 'batch', resources: returned.resources }]);
    expect(allocator.allocatedTo('f1').equals(kept.resources.plus(returned.resources))).toBe(true);

    // What it held in the old role comes back; the role is forgotten and nothing is lost.
    allocator.recoverResources('f1', kept.agentId, kept.resources, 3, 0, 'web');
    expect(allocator.allocate(4)).toEqual([{ frameworkId: 'f1', agentId: kept.agentId, role: 'batch', resources: kept.resources }]);
  });

  test('GIVEN suppressed roles in an update THEN they get no offers until revived', () => {
    const allocator = twoRacks();
    allocator.addFramework({ id: 'f1', roles: ['web'] });
    allocator.updateFramework({ id: 'f1', roles: ['web', 'batch'], suppressedRoles: ['web'] });
    expect(new Set(allocator.allocate(0).map((a) => a.role))).toEqual(new Set(['batch']));
  });
});
