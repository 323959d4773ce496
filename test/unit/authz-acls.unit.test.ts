/**
 * The local authorizer against the examples of Mesos's docs/authorization.md (each example's prose
 * is the expectation), its match/allow matrices, hierarchical roles, and the strict reading of --acls.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aclActions, AclsError, parseAcls } from '../../cluster/authz/acls';
import { authorizerFromFlag, readAclsFlag } from '../../cluster/authz/acls-flag';
import { Authorizer } from '../../cluster/authz/authorizer';
import fc from 'fast-check';

const authorizer = (json: unknown) => new Authorizer(parseAcls(JSON.stringify(json)));

describe('the local authorizer on Mesos\'s documented examples', () => {
  it('only foo may register frameworks with the analytics role; everyone may use the other roles', () => {
    const a = authorizer({
      register_frameworks: [
        { principals: { values: ['foo'] }, roles: { values: ['analytics'] } },
        { principals: { type: 'NONE' }, roles: { values: ['analytics'] } },
      ],
    });
    expect(a.authorizedAll('register_frameworks', 'foo', ['analytics'])).toBe(true);
    expect(a.authorizedAll('register_frameworks', 'bar', ['analytics'])).toBe(false);
    expect(a.authorizedAll('register_frameworks', undefined, ['analytics'])).toBe(false);
    expect(a.authorizedAll('register_frameworks', 'bar', ['ads'])).toBe(true);
    expect(a.authorizedAll('register_frameworks', 'foo', ['ads'])).toBe(true);
    // Every role of a multi-role framework must be allowed.
    expect(a.authorizedAll('register_frameworks', 'bar', ['ads', 'analytics'])).toBe(false);
  });

  it('foo may register with analytics and ads and no other role; others with any', () => {
    const a = authorizer({
      register_frameworks: [
        { principals: { values: ['foo'] }, roles: { values: ['analytics', 'ads'] } },
        { principals: { values: ['foo'] }, roles: { type: 'NONE' } },
      ],
    });
    expect(a.authorizedAll('register_frameworks', 'foo', ['analytics', 'ads'])).toBe(true);
    expect(a.authorizedAll('register_frameworks', 'foo', ['*'])).toBe(false);
    expect(a.authorizedAll('register_frameworks', 'bar', ['*'])).toBe(true);
    expect(a.authorizedAll('register_frameworks', undefined, ['dev'])).toBe(true);
  });

  it('not permissive: foo may register with analytics and no one may use any other role, * included', () => {
    const a = authorizer({ permissive: false, register_frameworks: [{ principals: { values: ['foo'] }, roles: { values: ['analytics'] } }] });
    expect(a.authorizedAll('register_frameworks', 'foo', ['analytics'])).toBe(true);
    expect(a.authorizedAll('register_frameworks', 'foo', ['*'])).toBe(false);
    expect(a.authorizedAll('register_frameworks', 'bar', ['analytics'])).toBe(false);
  });

  it('not permissive: any principal may run tasks as guest or bar only', () => {
    const a = authorizer({ permissive: false, run_tasks: [{ principals: { type: 'ANY' }, users: { values: ['guest', 'bar'] } }] });
    expect(a.authorized('run_tasks', 'foo', 'guest')).toBe(true);
    expect(a.authorized('run_tasks', 'foo', 'bar')).toBe(true);
    expect(a.authorized('run_tasks', undefined, 'guest')).toBe(true);
    expect(a.authorized('run_tasks', 'foo', 'root')).toBe(false);
  });

  it('not permissive: foo and bar may run tasks as alice only; no one else runs tasks', () => {
    const a = authorizer({ permissive: false, run_tasks: [{ principals: { values: ['foo', 'bar'] }, users: { values: ['alice'] } }] });
    expect(a.authorized('run_tasks', 'foo', 'alice')).toBe(true);
    expect(a.authorized('run_tasks', 'bar', 'alice')).toBe(true);
    expect(a.authorized('run_tasks', 'baz', 'alice')).toBe(false);
    expect(a.authorized('run_tasks', undefined, 'alice')).toBe(false);
    expect(a.authorized('run_tasks', 'foo', 'guest')).toBe(false);
  });

  it('foo may run tasks only as guest; anyone else (or no principal) as any user', () => {
    const a = authorizer({
      run_tasks: [
        { principals: { values: ['foo'] }, users: { values: ['guest'] } },
        { principals: { values: ['foo'] }, users: { type: 'NONE' } },
      ],
    });
    expect(a.authorized('run_tasks', 'foo', 'guest')).toBe(true);
    expect(a.authorized('run_tasks', 'foo', 'root')).toBe(false);
    expect(a.authorized('run_tasks', 'bar', 'root')).toBe(true);
    expect(a.authorized('run_tasks', undefined, 'root')).toBe(true);
  });

  it('no principal may run tasks as root; any other user is fine', () => {
    const a = authorizer({ run_tasks: [{ principals: { type: 'NONE' }, users: { values: ['root'] } }] });
    expect(a.authorized('run_tasks', 'foo', 'root')).toBe(false);
    expect(a.authorized('run_tasks', undefined, 'root')).toBe(false);
    expect(a.authorized('run_tasks', 'foo', 'nobody')).toBe(true);
  });

  it('rules are tried in order: a NONE rule first forbids everyone, the admin rule after it included', () => {
    const wrong = authorizer({
      teardown_frameworks: [
        { principals: { type: 'NONE' }, framework_principals: { type: 'ANY' } },
        { principals: { values: ['admin'] }, framework_principals: { type: 'ANY' } },
      ],
    });
    expect(wrong.authorized('teardown_frameworks', 'admin', 'web')).toBe(false);
    const fixed = authorizer({
      teardown_frameworks: [
        { principals: { values: ['admin'] }, framework_principals: { type: 'ANY' } },
        { principals: { type: 'NONE' }, framework_principals: { type: 'ANY' } },
      ],
    });
    expect(fixed.authorized('teardown_frameworks', 'admin', 'web')).toBe(true);
    expect(fixed.authorized('teardown_frameworks', 'ops', 'web')).toBe(false);
  });

  it('not permissive: ops may tear down any framework, no one else', () => {
    const a = authorizer({ permissive: false, teardown_frameworks: [{ principals: { values: ['ops'] }, framework_principals: { type: 'ANY' } }] });
    expect(a.authorized('teardown_frameworks', 'ops', 'web')).toBe(true);
    expect(a.authorized('teardown_frameworks', 'ops', undefined)).toBe(true);
    expect(a.authorized('teardown_frameworks', 'web', 'web')).toBe(false);
  });

  it('not permissive: ops may update quota for any role, foo only for foo-role', () => {
    const a = authorizer({
      permissive: false,
      update_quotas: [
        { principals: { values: ['ops'] }, roles: { type: 'ANY' } },
        { principals: { values: ['foo'] }, roles: { values: ['foo-role'] } },
      ],
    });
    expect(a.authorizedAll('update_quotas', 'ops', ['any-role'])).toBe(true);
    expect(a.authorizedAll('update_quotas', 'foo', ['foo-role'])).toBe(true);
    expect(a.authorizedAll('update_quotas', 'foo', ['foo-role', 'other'])).toBe(false);
    expect(a.authorizedAll('update_quotas', 'bar', ['foo-role'])).toBe(false);
  });

  it('not permissive: ops may GET every endpoint, foo /logging/toggle and /monitor/statistics only', () => {
    const a = authorizer({
      permissive: false,
      get_endpoints: [
        { principals: { values: ['ops'] }, paths: { type: 'ANY' } },
        { principals: { values: ['foo'] }, paths: { values: ['/logging/toggle', '/monitor/statistics'] } },
      ],
    });
    expect(a.authorized('get_endpoints', 'ops', '/metrics/snapshot')).toBe(true);
    expect(a.authorized('get_endpoints', 'foo', '/monitor/statistics')).toBe(true);
    expect(a.authorized('get_endpoints', 'foo', '/metrics/snapshot')).toBe(false);
    expect(a.authorized('get_endpoints', undefined, '/metrics/snapshot')).toBe(false);
  });
});

describe('matching as Mesos matches', () => {
  it('a request without a principal matches only rules for ANY (or NONE) principals and is granted only by ANY', () => {
    const some = authorizer({ permissive: false, view_flags: [{ principals: { values: ['ops'] }, flags: { type: 'ANY' } }] });
    expect(some.authorized('view_flags', undefined)).toBe(false);
    const any = authorizer({ permissive: false, view_flags: [{ principals: { type: 'ANY' }, flags: { type: 'ANY' } }] });
    expect(any.authorized('view_flags', undefined)).toBe(true);
    expect(any.authorized('view_flags', 'ops')).toBe(true);
    const none = authorizer({ permissive: true, view_flags: [{ principals: { type: 'NONE' }, flags: { type: 'ANY' } }] });
    expect(none.authorized('view_flags', undefined)).toBe(false);
  });

  it('a request about any object matches only rules whose object is ANY (or NONE)', () => {
    const a = authorizer({ teardown_frameworks: [{ principals: { values: ['ops'] }, framework_principals: { values: ['web'] } }] });
    // No rule matches "every framework": the permissive default decides.
    expect(a.authorized('teardown_frameworks', 'ops', undefined)).toBe(true);
    const strict = authorizer({ permissive: false, teardown_frameworks: [{ principals: { values: ['ops'] }, framework_principals: { values: ['web'] } }] });
    expect(strict.authorized('teardown_frameworks', 'ops', undefined)).toBe(false);
    expect(strict.authorized('teardown_frameworks', 'ops', 'web')).toBe(true);
  });

  it('without --acls everything is allowed; an empty file allows everything too', () => {
    expect(authorizerFromFlag(undefined).authorized('run_tasks', undefined, 'root')).toBe(true);
    expect(authorizerFromFlag(undefined).restricts('view_tasks')).toBe(false);
    const empty = authorizerFromFlag('{}');
    expect(empty.authorized('teardown_frameworks', 'x', 'y')).toBe(true);
    expect(authorizerFromFlag('{"permissive": false}').authorized('view_frameworks', 'ops', 'alice')).toBe(false);
  });

  it('hierarchical roles: eng/% covers the roles below eng/, not eng itself', () => {
    const a = authorizer({
      permissive: false,
      register_frameworks: [{ principals: { values: ['eng'] }, roles: { values: ['eng/%', 'shared'] } }],
    });
    expect(a.authorizedAll('register_frameworks', 'eng', ['eng/dev'])).toBe(true);
    expect(a.authorizedAll('register_frameworks', 'eng', ['eng/dev/a'])).toBe(true);
    expect(a.authorizedAll('register_frameworks', 'eng', ['shared'])).toBe(true);
    expect(a.authorizedAll('register_frameworks', 'eng', ['eng'])).toBe(false);
    expect(a.authorizedAll('register_frameworks', 'eng', ['engineering'])).toBe(false);
    expect(a.authorizedAll('register_frameworks', 'ops', ['eng/dev'])).toBe(false);
  });
});

describe('reading --acls strictly', () => {
  const fails = (text: string, message: RegExp) => expect(() => parseAcls(text)).toThrow(message);

  it('names an unknown action, an unknown field, a wrong entity type, a missing entity', () => {
    fails('{"run_task": []}', /unknown ACL action 'run_task'/);
    fails('{"run_tasks": [{"principals": {"type": "ANY"}, "user": {"type": "ANY"}}]}', /run_tasks\[0\]: unknown field 'user'/);
    fails('{"run_tasks": [{"principals": {"type": "ANY"}}]}', /run_tasks\[0\]\.users is required/);
    fails('{"teardown_frameworks": [{"principals": {"type": "admin"}, "framework_principals": {"type": "ANY"}}]}', /teardown_frameworks\[0\]\.principals\.type must be ANY, NONE or SOME/);
    fails('{"run_tasks": [{"principals": {"values": "foo"}, "users": {"type": "ANY"}}]}', /run_tasks\[0\]\.principals\.values must be a list of strings/);
    fails('{"run_tasks": [{"principals": {}, "users": {"type": "ANY"}}]}', /run_tasks\[0\]\.principals: give 'values'/);
    fails('{"run_tasks": [{"principals": {"type": "ANY", "values": ["a"]}, "users": {"type": "ANY"}}]}', /'values' cannot go with type ANY/);
    fails('{"permissive": "no"}', /'permissive' must be true or false/);
    fails('{"run_tasks": {}}', /'run_tasks' must be a list of rules/);
    fails('[]', /expected a JSON object/);
    fails('{"run_tasks": [', /not valid JSON/);
  });

  it('refuses values for implied objects and paths get_endpoints cannot guard, as Mesos does', () => {
    fails('{"view_flags": [{"principals": {"type": "ANY"}, "flags": {"values": ["x"]}}]}', /view_flags\[0\]\.flags: the object of view_flags is implied/);
    fails('{"mark_agents_gone": [{"principals": {"type": "ANY"}, "agents": {"values": ["a1"]}}]}', /implied/);
    fails('{"get_endpoints": [{"principals": {"type": "ANY"}, "paths": {"values": ["/state"]}}]}', /'\/state' is not an authorizable path/);
  });

  it('knows every action of acls.proto', () => {
    for (const action of ['register_frameworks', 'run_tasks', 'teardown_frameworks', 'view_frameworks', 'view_tasks', 'view_executors',
      'access_sandboxes', 'update_weights', 'update_quotas', 'get_quotas', 'view_roles', 'view_flags', 'get_endpoints',
      'mark_agents_gone', 'drain_agents', 'deactivate_agents', 'reactivate_agents', 'access_mesos_logs', 'register_agents']) {
      expect(aclActions()).toContain(action);
    }
  });

  it('takes inline JSON, a path and a file:// URL; a missing file is named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acls-'));
    try {
      const file = path.join(dir, 'acls.json');
      fs.writeFileSync(file, '{"permissive": false}');
      expect(readAclsFlag(file).permissive).toBe(false);
      expect(readAclsFlag(`file://${file}`).permissive).toBe(false);
      expect(readAclsFlag(' {"permissive": false} ').permissive).toBe(false);
      expect(() => readAclsFlag(path.join(dir, 'missing.json'))).toThrow(/cannot read .*missing\.json: ENOENT/);
      fs.writeFileSync(file, '{"run_taks": []}');
      expect(() => readAclsFlag(file)).toThrow(AclsError);
      expect(() => readAclsFlag(file)).toThrow(new RegExp(`${file}: unknown ACL action 'run_taks'`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reading hostile ACLs', () => {
  it('answers any JSON value with ACLs or an AclsError, nothing else', () => {
    const entity = fc.oneof(
      fc.record({ type: fc.constantFrom('ANY', 'NONE', 'SOME', 'admin', null, 3) }, { requiredKeys: [] }),
      fc.record({ values: fc.oneof(fc.array(fc.string()), fc.string(), fc.constant(null)) }, { requiredKeys: [] }),
      fc.jsonValue(),
    );
    const rule = fc.dictionary(fc.constantFrom('principals', 'users', 'roles', 'flags', 'paths', 'agents', '__proto__', 'x'), entity);
    const acls = fc.dictionary(fc.constantFrom(...aclActions(), 'permissive', 'constructor', 'toString', 'run_task'), fc.oneof(fc.array(rule), fc.jsonValue()));
    fc.assert(fc.property(fc.oneof(acls, fc.jsonValue()), (json) => {
      try {
        const parsed = parseAcls(JSON.stringify(json));
        const a = new Authorizer(parsed);
        for (const action of aclActions()) a.authorized(action, 'p', 'o');
      } catch (err) {
        if (!(err instanceof AclsError)) throw err;
      }
    }), { numRuns: 2000 });
  });
});
