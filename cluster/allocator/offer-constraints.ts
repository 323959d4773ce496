/**
 * Offer constraints (scheduler.proto OfferConstraints, Mesos 1.11): which agents a framework wants
 * offers from, per role. A role's groups are OR-ed, the attribute constraints of a group AND-ed; a
 * role without constraints takes any agent. Pure: compiled once per SUBSCRIBE/UPDATE_FRAMEWORK,
 * then asked per (role, agent) by the allocator.
 *
 * Semantics follow Mesos's offer_constraints_filter.cpp:
 * - a selector picks the first attribute with that name, or a pseudoattribute (HOSTNAME; REGION and
 *   ZONE from AgentInfo.domain.fault_domain, absent when the agent has no fault domain);
 * - `exists`/`not_exists` test presence;
 * - the text predicates compare TEXT attributes and pseudoattributes; on an attribute of another type
 *   (SCALAR, RANGES, SET) every text predicate is true, so the scheduler filters those itself;
 *   on a missing (pseudo)attribute `text_equals`/`text_matches` are false and the `not` ones true;
 * - regexes must match the whole value (RE2::FullMatch).
 *
 * Regexes: Mesos uses RE2; here a JavaScript RegExp anchored as `^(?:re)$`. What RE2 refuses and
 * JavaScript would take (lookaround, backreferences) is refused; RE2's `(?P<name>`, `\A`, `\z` and a
 * leading `(?i)`/`(?s)` are translated. RE2 features JavaScript lacks (POSIX classes `[[:alpha:]]`,
 * `\pN` without braces, `(?U)`) are not supported. RE2 matches in linear time and JavaScript
 * backtracks, so patterns are bounded in length (MAX_REGEX_LENGTH) where Mesos bounds RE2's program size.
 */
import type { Attribute, AttributeConstraint, OfferConstraints } from '../protocol/types';

export const MAX_REGEX_LENGTH = 1024;

/** What a constraint looks at on an agent. */
export interface ConstrainedAgent {
  hostname: string;
  attributes?: readonly Attribute[];
  /** AgentInfo.domain (mesos.proto DomainInfo); agents without a fault domain have no REGION or ZONE. */
  domain?: { fault_domain?: { region?: { name?: string }; zone?: { name?: string } } };
}

const PSEUDOATTRIBUTES = ['HOSTNAME', 'REGION', 'ZONE'] as const;
type Pseudoattribute = typeof PSEUDOATTRIBUTES[number];

/** The value a selector finds: nothing, a pseudoattribute's string, or an attribute. */
type Selected = { kind: 'none' } | { kind: 'string'; value: string } | { kind: 'attribute'; attribute: Attribute };

type Test = (selected: Selected) => boolean;
interface Evaluator { select: (agent: ConstrainedAgent) => Selected; test: Test }
type Group = Evaluator[];

/** A compiled OfferConstraints: `excludes(role, agent)` is Mesos's isAgentExcluded. */
export class OfferConstraintsFilter {
  constructor(private readonly byRole: ReadonlyMap<string, readonly Group[]>) {}

  get roles(): string[] { return [...this.byRole.keys()] }

  excludes(role: string, agent: ConstrainedAgent): boolean {
    const groups = this.byRole.get(role);
    if (!groups) return false;
    return !groups.some((group) => group.every((e) => e.test(e.select(agent))));
  }
}

export type Compiled = { ok: true; filter: OfferConstraintsFilter | undefined } | { ok: false; field: string; message: string };

/**
 * Checks and compiles constraints, refusing what Mesos refuses: an empty group list or an empty
 * group, a selector or predicate with none of its choices set, an unknown pseudoattribute, a regex
 * that does not compile. `field` is the path inside OfferConstraints of what is wrong. Constraints
 * with no role in them compile to no filter at all.
 */
export function compileOfferConstraints(constraints: OfferConstraints | undefined): Compiled {
  const byRole = new Map<string, Group[]>();
  for (const [role, roleConstraints] of Object.entries(constraints?.role_constraints ?? {})) {
    const base = `role_constraints.${role}.groups`;
    const groupsIn = roleConstraints?.groups ?? [];
    if (groupsIn.length === 0) return { ok: false, field: base, message: `role '${role}' has no groups; give at least one group or leave the role out` };
    const groups: Group[] = [];
    for (const [g, group] of groupsIn.entries()) {
      const list = group?.attribute_constraints ?? [];
      if (list.length === 0) return { ok: false, field: `${base}[${g}].attribute_constraints`, message: `group ${g} of role '${role}' is empty; a group needs at least one constraint` };
      const evaluators: Evaluator[] = [];
      for (const [c, constraint] of list.entries()) {
        const compiled = compileConstraint(constraint, `${base}[${g}].attribute_constraints[${c}]`);
        if ('field' in compiled) return { ok: false, ...compiled };
        evaluators.push(compiled);
      }
      groups.push(evaluators);
    }
    byRole.set(role, groups);
  }
  return { ok: true, filter: byRole.size === 0 ? undefined : new OfferConstraintsFilter(byRole) };
}

function compileConstraint(constraint: AttributeConstraint, path: string): Evaluator | { field: string; message: string } {
  const selector = constraint?.selector ?? {};
  let select: Evaluator['select'];
  if (selector.attribute_name !== undefined && selector.pseudoattribute_type !== undefined) {
    return { field: `${path}.selector`, message: "set only one of 'attribute_name' and 'pseudoattribute_type'" };
  } else if (selector.attribute_name !== undefined) {
    const name = selector.attribute_name;
    select = (agent) => {
      const attribute = agent.attributes?.find((a) => a.name === name);
      return attribute ? { kind: 'attribute', attribute } : { kind: 'none' };
    };
  } else if (selector.pseudoattribute_type !== undefined) {
    const type = selector.pseudoattribute_type;
    if (!(PSEUDOATTRIBUTES as readonly string[]).includes(type)) {
      return { field: `${path}.selector.pseudoattribute_type`, message: `unknown pseudoattribute type '${type}'; one of ${PSEUDOATTRIBUTES.join(', ')}` };
    }
    select = pseudoattribute(type as Pseudoattribute);
  } else {
    return { field: `${path}.selector`, message: "exactly one of 'attribute_name' or 'pseudoattribute_type' must be set" };
  }
  const test = compilePredicate(constraint?.predicate ?? {}, `${path}.predicate`);
  return 'field' in test ? test : { select, test: test.test };
}

function pseudoattribute(type: Pseudoattribute): Evaluator['select'] {
  const found = (value: string | undefined): Selected => (value === undefined ? { kind: 'none' } : { kind: 'string', value });
  switch (type) {
    case 'HOSTNAME': return (agent) => ({ kind: 'string', value: agent.hostname });
    case 'REGION': return (agent) => (agent.domain?.fault_domain ? found(agent.domain.fault_domain.region?.name ?? '') : { kind: 'none' });
    case 'ZONE': return (agent) => (agent.domain?.fault_domain ? found(agent.domain.fault_domain.zone?.name ?? '') : { kind: 'none' });
  }
}

/**
 * A text predicate: true on an attribute that is not TEXT (Mesos leaves those to the scheduler);
 * on a missing (pseudo)attribute, false for the positive predicates and true for the `not_` ones.
 */
function textTest(positive: (text: string) => boolean, negated: boolean): Test {
  return (selected) => {
    if (selected.kind === 'none') return negated;
    if (selected.kind === 'attribute' && selected.attribute.type !== 'TEXT') return true;
    const text = selected.kind === 'string' ? selected.value : (selected.attribute.text?.value ?? '');
    return positive(text) !== negated;
  };
}

function compilePredicate(predicate: AttributeConstraint['predicate'], path: string): { test: Test } | { field: string; message: string } {
  const set = (Object.keys(predicate) as (keyof AttributeConstraint['predicate'])[]).filter((k) => predicate[k] !== undefined && PREDICATES.includes(k));
  if (set.length !== 1) {
    return { field: path, message: set.length === 0 ? `one of ${PREDICATES.join(', ')} must be set` : `only one predicate may be set, got ${set.join(', ')}` };
  }
  const kind = set[0];
  switch (kind) {
    case 'exists': return { test: (s) => s.kind !== 'none' };
    case 'not_exists': return { test: (s) => s.kind === 'none' };
    case 'text_equals': {
      const value = predicate.text_equals!.value;
      return { test: textTest((t) => t === value, false) };
    }
    case 'text_not_equals': {
      const value = predicate.text_not_equals!.value;
      return { test: textTest((t) => t === value, true) };
    }
    case 'text_matches':
    case 'text_not_matches': {
      const regex = predicate[kind]!.regex;
      const compiled = fullMatchRegex(regex);
      if (typeof compiled === 'string') return { field: `${path}.${kind}.regex`, message: compiled };
      return { test: textTest((t) => compiled.test(t), kind === 'text_not_matches') };
    }
    default:
      return { field: path, message: `unknown predicate ${kind}` };
  }
}

const PREDICATES: (keyof AttributeConstraint['predicate'])[] = ['exists', 'not_exists', 'text_equals', 'text_not_equals', 'text_matches', 'text_not_matches'];

/** RE2 syntax JavaScript would read differently or that RE2 refuses. */
const RE2_REFUSES: [RegExp, string][] = [
  [/\(\?<?[=!]/, 'lookaround assertions are not supported by RE2'],
  [/\\[1-9]|\\k</, 'backreferences are not supported by RE2'],
];

/** A RegExp matching the whole string as RE2::FullMatch does, or why the pattern is refused. */
export function fullMatchRegex(pattern: string): RegExp | string {
  if (pattern.length > MAX_REGEX_LENGTH) return `regex is ${pattern.length} characters long; at most ${MAX_REGEX_LENGTH} are allowed`;
  for (const [re, why] of RE2_REFUSES) if (re.test(pattern)) return `failed to construct regex from pattern '${pattern}': ${why}`;
  let flags = '';
  let body = pattern.replace(/^\(\?([is]+)\)/, (_m, f: string) => {
    flags = [...new Set(f)].join('');
    return '';
  });
  body = body.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch (err) {
    return `failed to construct regex from pattern '${pattern}': ${(err as Error).message}`;
  }
}
