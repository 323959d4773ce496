/**
 * Operator calls that change the cluster, against a real master and real agents over HTTP: weights,
 * quota limits as schedulers see them in offers, teardown, deactivation, draining, gone agents,
 * KILL_TASK, and the 400/404 answers to bad calls.
 */
import type { Offer, TaskInfo } from '../../cluster/protocol/types';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson, request } from '../helpers/http';
import { commandTask, frameworkInfo, RawScheduler, scalarOf } from '../helpers/scheduler';

describe('master: operator administration', () => {
  let cluster: TestCluster | undefined;
  const schedulers: RawScheduler[] = [];

  afterEach(async () => {
    for (const s of schedulers.splice(0)) s.close();
    await cluster?.close();
    cluster = undefined;
  });

  const operator = async (body: unknown) => request(`${cluster!.url}/api/v1`, { body });
  const ok = async (body: unknown, status = 200) => {
    const res = await operator(body);
    if (res.status !== status) throw new Error(`${JSON.stringify(body)} answered ${res.status}: ${res.text}`);
    return res.text ? JSON.parse(res.text) : undefined;
  };
  const subscribe = async (extra: Parameters<typeof frameworkInfo>[0] = {}) => {
    const scheduler = (await RawScheduler.subscribe(cluster!.url, frameworkInfo(extra))).autoAcknowledge();
    schedulers.push(scheduler);
    return scheduler;
  };
  const agentIds = async (): Promise<string[]> =>
    (await ok({ type: 'GET_AGENTS' })).get_agents.agents.map((a: { agent_info: { id: { value: string } } }) => a.agent_info.id.value);
  const agentView = async (id: string) =>
    (await ok({ type: 'GET_AGENTS' })).get_agents.agents.find((a: { agent_info: { id: { value: string } } }) => a.agent_info.id.value === id);
  const declineAll = (scheduler: RawScheduler, offers: Offer[]) =>
    scheduler.expectAccepted({ type: 'DECLINE', decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: 0 } } });
  const launchOn = async (scheduler: RawScheduler, offer: Offer, task: TaskInfo) => {
    const mark = scheduler.events.length;
    await scheduler.launch([offer], [task], { refuse_seconds: 0 });
    await scheduler.update(task.task_id.value, 'TASK_RUNNING', { from: mark });
  };

  test('UPDATE_WEIGHTS, GET_WEIGHTS and GET_ROLES', async () => {
    cluster = await startCluster({ agents: 1 });
    const scheduler = await subscribe({ role: 'analytics' });
    await scheduler.nextOffers();

    await ok({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'analytics', weight: 2.5 }, { role: 'web', weight: 3 }] } });

    expect((await ok({ type: 'GET_WEIGHTS' })).get_weights.weight_infos).toEqual([{ role: 'analytics', weight: 2.5 }, { role: 'web', weight: 3 }]);
    const roles = (await ok({ type: 'GET_ROLES' })).get_roles.roles;
    const analytics = roles.find((r: { name: string }) => r.name === 'analytics');
    expect(analytics).toMatchObject({ weight: 2.5, frameworks: [{ value: scheduler.frameworkId }] });
    expect(analytics.offered.some((r: { name: string }) => r.name === 'cpus')).toBe(true);
    expect(roles.find((r: { name: string }) => r.name === 'web')).toMatchObject({ weight: 3, frameworks: [] });
  });

  test('UPDATE_QUOTA limits are enforced in offers; GET_QUOTA and GET_ROLES report them', async () => {
    cluster = await startCluster({ agents: 2 });
    await ok({
      type: 'UPDATE_QUOTA',
      update_quota: { quota_configs: [{ role: 'limited', guarantees: { cpus: { value: 0.5 } }, limits: { cpus: { value: 1.5 }, mem: { value: 512 } } }] },
    });
    const scheduler = await subscribe({ role: 'limited' });
    const offers = await scheduler.nextOffers();
    const cpus = offers.reduce((s, o) => s + scalarOf(o, 'cpus'), 0);
    const mem = offers.reduce((s, o) => s + scalarOf(o, 'mem'), 0);
    expect(cpus).toBeLessThanOrEqual(1.5);
    expect(mem).toBeLessThanOrEqual(512);

    // Declined and offered again: still within the limit.
    let mark = scheduler.events.length;
    await declineAll(scheduler, offers);
    const again = await scheduler.nextOffers({ from: mark });
    expect(again.reduce((s, o) => s + scalarOf(o, 'cpus'), 0)).toBeLessThanOrEqual(1.5);

    const quota = await ok({ type: 'GET_QUOTA' });
    expect(quota.get_quota.status.configs).toEqual([{ role: 'limited', guarantees: { cpus: { value: 0.5 } }, limits: { cpus: { value: 1.5 }, mem: { value: 512 } } }]);
    const role = (await ok({ type: 'GET_ROLES' })).get_roles.roles.find((r: { name: string }) => r.name === 'limited');
    expect(role.quota.limit).toEqual({ cpus: { value: 1.5 }, mem: { value: 512 } });
    expect(role.quota.consumed.cpus.value).toBeLessThanOrEqual(1.5);

    // Raising the limit shows in the next offers.
    mark = scheduler.events.length;
    await ok({ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'limited', limits: { cpus: { value: 4 } } }] } });
    await declineAll(scheduler, again);
    await eventually(async () => {
      const total = scheduler.events.slice(mark).flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : []));
      return total.reduce((s, o) => s + scalarOf(o, 'cpus'), 0) > 1.5;
    }, 'offers beyond the old limit');

    const overCapacity = await operator({ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'big', guarantees: { cpus: { value: 100 } } }] } });
    expect(overCapacity.status).toBe(409);
    expect(overCapacity.text).toContain('update_quota.force');
    await ok({ type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'big', guarantees: { cpus: { value: 100 } } }] } });
  });

  test('TEARDOWN kills the framework tasks and completes it; KILL_TASK kills one task', async () => {
    cluster = await startCluster({ agents: 1 });
    const scheduler = await subscribe({ name: 'doomed' });
    const [offer] = await scheduler.nextOffers();
    let mark = scheduler.events.length;
    await scheduler.launch([offer], [commandTask(offer, 'victim', 'sleep 1000'), commandTask(offer, 'long', 'sleep 1000')], { refuse_seconds: 0 });
    await scheduler.update('victim', 'TASK_RUNNING', { from: mark });
    await scheduler.update('long', 'TASK_RUNNING', { from: mark });

    mark = scheduler.events.length;
    await ok({ type: 'KILL_TASK', kill_task: { task_id: { value: 'victim' } } }, 202);
    await scheduler.update('victim', 'TASK_KILLED', { from: mark });
    expect((await operator({ type: 'KILL_TASK', kill_task: { task_id: { value: 'victim' } } })).status).toBe(409);

    await ok({ type: 'TEARDOWN', teardown: { framework_id: { value: scheduler.frameworkId } } });
    const frameworks = (await ok({ type: 'GET_FRAMEWORKS' })).get_frameworks;
    expect(frameworks.frameworks).toEqual([]);
    expect(frameworks.completed_frameworks.map((f: { framework_info: { id: { value: string } } }) => f.framework_info.id.value)).toEqual([scheduler.frameworkId]);
    await eventually(async () => {
      const state = await getJson(`${cluster!.url}/state`);
      return state.slaves[0].used_resources.cpus === 0;
    }, 'the torn-down framework resources back');
  });

  test('DEACTIVATE_AGENT stops offers from it and rescinds its offers; REACTIVATE_AGENT resumes them', async () => {
    cluster = await startCluster({ agents: 2 });
    const scheduler = await subscribe();
    const offers = await eventually(() => {
      const all = scheduler.events.flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : []));
      return all.length >= 2 ? all : undefined;
    }, 'offers from both agents');
    const [target, other] = await agentIds();
    const targetOffer = offers.find((o) => o.agent_id.value === target)!;

    let mark = scheduler.events.length;
    await ok({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: target } } });
    await scheduler.waitFor((e) => e.type === 'RESCIND' && e.rescind.offer_id.value === targetOffer.id.value, 'RESCIND of the offer on the deactivated agent', { from: mark });
    expect(await agentView(target)).toMatchObject({ deactivated: true, active: true });
    expect((await getJson(`${cluster.url}/state`)).slaves.find((s: { id: string }) => s.id === target).deactivated).toBe(true);

    mark = scheduler.events.length;
    await declineAll(scheduler, offers.filter((o) => o.agent_id.value === other));
    const next = await scheduler.nextOffers({ from: mark });
    expect(next.map((o) => o.agent_id.value)).toEqual([other]);

    mark = scheduler.events.length;
    await ok({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: target } } });
    await scheduler.waitFor((e) => e.type === 'OFFERS' && e.offers.offers.some((o) => o.agent_id.value === target), 'offers from the reactivated agent', { from: mark });
    expect((await agentView(target)).deactivated).toBe(false);
  });

  test('DRAIN_AGENT kills its tasks within the max grace period, then the agent is DRAINED and gets no offers', async () => {
    cluster = await startCluster({ agents: 1 });
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    // The task ignores SIGTERM and asks for a minute of grace: only the drain's 200 ms lets it die soon.
    const stubborn = { ...commandTask(offer, 'stubborn', 'trap "" TERM; sleep 1000'), kill_policy: { grace_period: { nanoseconds: 60e9 } } };
    await launchOn(scheduler, offer, stubborn);
    const [agentId] = await agentIds();

    const mark = scheduler.events.length;
    await ok({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentId }, max_grace_period: { nanoseconds: 200e6 } } });
    const draining = await agentView(agentId);
    expect(draining.deactivated).toBe(true);
    expect(['DRAINING', 'DRAINED']).toContain(draining.drain_info.state);
    expect(draining.drain_info.config).toEqual({ max_grace_period: { nanoseconds: 200e6 }, mark_gone: false });

    await scheduler.update('stubborn', 'TASK_KILLED', { from: mark, timeoutMs: 20_000 });
    await eventually(async () => (await agentView(agentId)).drain_info.state === 'DRAINED', 'DRAINED');
    expect((await getJson(`${cluster.url}/state`)).slaves[0].drain_info.state).toBe('DRAINED');
    expect(scheduler.events.slice(mark).some((e) => e.type === 'OFFERS')).toBe(false);
  });

  test('MARK_AGENT_GONE: its tasks are TASK_GONE_BY_OPERATOR and it may not re-register', async () => {
    cluster = await startCluster({ agents: 1 });
    const scheduler = await subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    const [offer] = await scheduler.nextOffers();
    await launchOn(scheduler, offer, commandTask(offer, 'stranded', 'sleep 1000'));
    const [agentId] = await agentIds();

    const mark = scheduler.events.length;
    await ok({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } });
    const status = await scheduler.update('stranded', 'TASK_GONE_BY_OPERATOR', { from: mark });
    expect(status.reason).toBe('REASON_AGENT_REMOVED_BY_OPERATOR');
    expect(await agentIds()).toEqual([]);

    const reregister = await request(`${cluster.url}/api/v1/agent`, {
      headers: { Accept: 'application/recordio' },
      body: {
        type: 'REGISTER',
        register: { agent_info: { id: { value: agentId }, hostname: '127.0.0.1', resources: [] }, version: 'test', pid: '127.0.0.1:1' },
      },
    });
    expect(reregister.status).toBe(403);
    expect(reregister.text).toContain(agentId);
    // Marking it gone again is harmless; other agent calls on it are 404s.
    await ok({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } });
    const deactivate = await operator({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentId } } });
    expect(deactivate.status).toBe(404);
    expect(deactivate.text).toContain('marked gone');
  });

  test('bad input answers 400 naming the field; unknown ids 404 naming the id', async () => {
    cluster = await startCluster({ agents: 1 });
    const bad: [unknown, string][] = [
      [{ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a', weight: 0 }] } }, "'update_weights.weight_infos[0].weight'"],
      [{ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a b', weight: 1 }] } }, "'update_weights.weight_infos[0].role'"],
      [{ type: 'UPDATE_WEIGHTS' }, "'update_weights'"],
      [{ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'r', guarantees: { cpus: { value: 2 } }, limits: { cpus: { value: 1 } } }] } }, "'update_quota.quota_configs[0].guarantees.cpus.value'"],
      [{ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'r', limits: { cpus: { value: -1 } } }] } }, "'update_quota.quota_configs[0].limits.cpus.value'"],
      [{ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'r' }, { role: 'r' }] } }, "'update_quota.quota_configs[1].role'"],
      [{ type: 'TEARDOWN', teardown: {} }, "'teardown.framework_id'"],
      [{ type: 'MARK_AGENT_GONE' }, "'mark_agent_gone'"],
      [{ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: '' } } }, "'deactivate_agent.agent_id.value'"],
      [{ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: 'x' } }, "'reactivate_agent.agent_id'"],
      [{ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'x' }, max_grace_period: { nanoseconds: -1 } } }, "'drain_agent.max_grace_period.nanoseconds'"],
      [{ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'x' }, mark_gone: 'yes' } }, "'drain_agent.mark_gone'"],
      [{ type: 'KILL_TASK', kill_task: { framework_id: { value: 'f' } } }, "'kill_task.task_id'"],
      [{ type: 'LIST_FILES', list_files: {} }, "'list_files.path'"],
    ];
    for (const [body, field] of bad) {
      const res = await operator(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.text).toContain(field);
    }
    const unknown: [unknown, string][] = [
      [{ type: 'TEARDOWN', teardown: { framework_id: { value: 'no-such-framework' } } }, 'no-such-framework'],
      [{ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'no-such-agent' } } }, 'no-such-agent'],
      [{ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: 'no-such-agent' } } }, 'no-such-agent'],
      [{ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: 'no-such-agent' } } }, 'no-such-agent'],
      [{ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'no-such-agent' } } }, 'no-such-agent'],
      [{ type: 'KILL_TASK', kill_task: { task_id: { value: 'no-such-task' } } }, 'no-such-task'],
      [{ type: 'KILL_TASK', kill_task: { task_id: { value: 't' }, framework_id: { value: 'no-such-framework' } } }, 'no-such-framework'],
    ];
    for (const [body, id] of unknown) {
      const res = await operator(body);
      expect({ body, status: res.status }).toEqual({ body, status: 404 });
      expect(res.text).toContain(`'${id}'`);
    }
  });
});
