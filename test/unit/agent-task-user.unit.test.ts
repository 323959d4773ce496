import { decideRunAs, lookupUserCached, parseIdOutput, requestedUser, USER_LOOKUP_TTL_MS, type RunAsPolicy, type UserIdentity } from '../../cluster/agent/task-user';
import { environmentScript } from '../../cluster/agent/task-process';
import { defaultTaskUser } from '../../cli/commands/exec';

const rootAgent: RunAsPolicy = { switchUser: true, allowRootTasks: false, agentUid: 0, agentUser: 'root' };
const nobody: UserIdentity = { name: 'nobody', uid: 65534, gid: 65534, groups: [65534] };
const root: UserIdentity = { name: 'root', uid: 0, gid: 0, groups: [0] };

describe('which user a task asks for', () => {
  it('is CommandInfo.user, else the executor command user, else FrameworkInfo.user', () => {
    const task = (user?: string) => ({ name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, resources: [], command: { value: 'x', ...(user ? { user } : {}) } });
    expect(requestedUser(task('alice'), { user: 'bob', name: 'f' })).toBe('alice');
    expect(requestedUser(task(), { user: 'bob', name: 'f' }, { executor_id: { value: 'e' }, command: { value: '', user: 'carol' } } as never)).toBe('carol');
    expect(requestedUser(task(), { user: 'bob', name: 'f' })).toBe('bob');
    expect(requestedUser(task(), { user: '', name: 'f' })).toBeUndefined();
  });
});

describe('what a task runs as', () => {
  it('switches a root agent to the named user', () => {
    expect(decideRunAs(rootAgent, 'nobody', nobody)).toEqual({ ok: true, user: nobody });
  });

  it('fails an unknown user, naming it', () => {
    expect(decideRunAs(rootAgent, 'ghost', undefined)).toEqual({
      ok: false,
      refusal: expect.objectContaining({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: expect.stringContaining("'ghost'") }),
    });
  });

  it('refuses root on a root agent unless root tasks are allowed, whether asked for by name, by an empty user or through --no-switch_user', () => {
    const refused = { ok: false, refusal: expect.objectContaining({ state: 'TASK_ERROR', reason: 'REASON_TASK_UNAUTHORIZED', message: expect.stringContaining('--allow_root_tasks') }) };
    expect(decideRunAs(rootAgent, 'root', root)).toEqual(refused);
    expect(decideRunAs(rootAgent, undefined, undefined)).toEqual(refused);
    expect(decideRunAs({ ...rootAgent, switchUser: false }, 'nobody', undefined)).toEqual(refused);
    const allowed = { ...rootAgent, allowRootTasks: true };
    expect(decideRunAs(allowed, 'root', root)).toEqual({ ok: true });
    expect(decideRunAs({ ...allowed, switchUser: false }, 'nobody', undefined)).toEqual({ ok: true });
  });

  it("runs as the agent's own user without a switch on a non-root agent, and fails any other user there", () => {
    const agent = { ...rootAgent, agentUid: 1000, agentUser: 'me' };
    expect(decideRunAs(agent, 'me', { name: 'me', uid: 1000, gid: 1000, groups: [] })).toEqual({ ok: true });
    expect(decideRunAs({ ...agent, switchUser: false }, 'nobody', undefined)).toEqual({ ok: true });
    expect(decideRunAs(agent, 'nobody', nobody)).toEqual({ ok: false, refusal: expect.objectContaining({ state: 'TASK_FAILED', message: expect.stringContaining('not as root') }) });
  });
});

describe('reading the host user database and handing over the environment', () => {
  it('parses id output, groups without names included', () => {
    expect(parseIdOutput('u', 'uid=1001(u) gid=100(users) groups=100(users),27(sudo),4242\n')).toEqual({ name: 'u', uid: 1001, gid: 100, groups: [100, 27, 4242] });
    expect(parseIdOutput('u', 'id: nothing')).toBeUndefined();
  });

  it('asks the host once for the launches of a burst, again once the answer is stale, and keeps no "no such user"', async () => {
    const asked: string[] = [];
    const host = async (name: string) => {
      asked.push(name);
      return name === 'cache-nobody' ? { ...nobody, name } : undefined;
    };
    const t0 = 1_000_000;
    const burst = await Promise.all([1, 2, 3].map(() => lookupUserCached('cache-nobody', t0, host)));
    expect(burst).toEqual([1, 2, 3].map(() => ({ ...nobody, name: 'cache-nobody' })));
    expect(await lookupUserCached('cache-nobody', t0 + USER_LOOKUP_TTL_MS - 1, host)).toEqual({ ...nobody, name: 'cache-nobody' });
    expect(asked).toEqual(['cache-nobody']);
    await lookupUserCached('cache-nobody', t0 + USER_LOOKUP_TTL_MS, host);
    expect(asked).toEqual(['cache-nobody', 'cache-nobody']);
    expect(await lookupUserCached('cache-ghost', t0, host)).toBeUndefined();
    expect(await lookupUserCached('cache-ghost', t0 + 1, host)).toBeUndefined();
    expect(asked.filter((n) => n === 'cache-ghost')).toHaveLength(2);
  });

  it('quotes every value so that nothing in it is interpreted, and leaves out names a shell cannot export', () => {
    expect(environmentScript({ A: "it's $HOME `x`", 'not-a-name': 'v', B_2: '' })).toBe("export A='it'\\''s $HOME `x`'\nexport B_2=''\n");
  });

  it('exec sends the invoking user, or nobody for root', () => {
    expect(defaultTaskUser('alice')).toBe('alice');
    expect(defaultTaskUser('root')).toBe('nobody');
  });
});
