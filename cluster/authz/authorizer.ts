/**
 * Mesos's local authorizer: may `principal` do `action` to `object`? The rules of the action are
 * tried in order; the first whose subject and object both *match* the request decides, by whether
 * they *allow* it; when none matches, `permissive` decides. The two matrices are Mesos's
 * (src/authorizer/local/authorizer.cpp):
 *
 *   matches (request x rule)   SOME     NONE   ANY        allows     SOME     NONE   ANY
 *   SOME                       subset   yes    yes                   subset   no     yes
 *   ANY                        no       yes    yes                   no       no     yes
 *
 * A request without a principal (an unauthenticated one) is the subject ANY, so only rules whose
 * principals are `{"type": "ANY"}` can grant it something; a request about no particular object
 * (say, "may this principal tear down every framework") is the object ANY.
 *
 * Roles are hierarchical for the role actions: a rule value `eng/%` covers every role below `eng/`
 * (not `eng` itself), and a framework must be allowed every role it subscribes with.
 */
import { isRoleAction, type AclAction, type AclRule, type Acls, type Entity } from './acls';

/** What a request is about: one value (a user, a role, a principal, a path) or anything (undefined). */
export type AclObject = string | undefined;

const ANY: Entity = { type: 'ANY', values: [] };

function requestEntity(value: string | undefined): Entity {
  return value === undefined ? ANY : { type: 'SOME', values: [value] };
}

function subset(request: Entity, rule: Entity): boolean {
  return request.values.every((v) => rule.values.includes(v));
}

function matches(request: Entity, rule: Entity): boolean {
  if (request.type === 'NONE') return rule.type === 'NONE';
  if (rule.type === 'ANY' || rule.type === 'NONE') return true;
  return request.type === 'SOME' && subset(request, rule);
}

function allows(request: Entity, rule: Entity): boolean {
  if (request.type === 'NONE') return rule.type === 'NONE';
  if (rule.type === 'ANY') return true;
  if (rule.type === 'NONE') return false;
  return request.type === 'SOME' && subset(request, rule);
}

/** A rule split for hierarchical roles: a `x/%` value stands alone and covers the roles below `x/`. */
interface RoleRule extends AclRule {
  readonly below?: string;
}

function splitRoleRules(rules: readonly AclRule[]): RoleRule[] {
  const out: RoleRule[] = [];
  for (const rule of rules) {
    if (rule.objects.type !== 'SOME') {
      out.push(rule);
      continue;
    }
    // The split rules stay in place and in order, so the first match is the same as before the split.
    const plain = rule.objects.values.filter((v) => !v.endsWith('/%'));
    for (const value of rule.objects.values) {
      if (value.endsWith('/%')) out.push({ principals: rule.principals, objects: ANY, below: value.slice(0, -1) });
    }
    if (plain.length > 0) out.push({ principals: rule.principals, objects: { type: 'SOME', values: plain } });
  }
  return out;
}

export class Authorizer {
  private readonly rules = new Map<AclAction, readonly RoleRule[]>();

  constructor(readonly acls: Acls) {
    for (const [action, rules] of acls.rules) this.rules.set(action, isRoleAction(action) ? splitRoleRules(rules) : rules);
  }

  /** May `principal` (undefined: unauthenticated) do `action` to `object` (undefined: anything)? */
  authorized(action: AclAction, principal: string | undefined, object?: AclObject): boolean {
    const subject = requestEntity(principal);
    const target = requestEntity(object);
    for (const rule of this.rules.get(action) ?? []) {
      if (rule.below !== undefined) {
        // Mesos: a recursive rule is considered only for a named role below its prefix.
        if (object === undefined || !object.startsWith(rule.below)) continue;
      }
      if (matches(subject, rule.principals) && matches(target, rule.objects)) {
        return allows(subject, rule.principals) && allows(target, rule.objects);
      }
    }
    return this.acls.permissive;
  }

  /** Every one of `objects` allowed (a framework's roles); none given asks about anything. */
  authorizedAll(action: AclAction, principal: string | undefined, objects: readonly string[]): boolean {
    if (objects.length === 0) return this.authorized(action, principal, undefined);
    return objects.every((object) => this.authorized(action, principal, object));
  }

  /** True when the file names `action` at all, or is not permissive: otherwise every request is allowed. */
  restricts(action: AclAction): boolean {
    return !this.acls.permissive || (this.rules.get(action)?.length ?? 0) > 0;
  }

  /** True when view_frameworks, view_tasks or view_executors may hide something from someone. */
  filtersViews(): boolean {
    return this.restricts('view_frameworks') || this.restricts('view_tasks') || this.restricts('view_executors');
  }
}
