/** Offers on the wire: timeouts, roles, task groups and messages, with wire-level agents. */
import { createMaster, type Master, type MasterOptions } from '../../cluster/master';
import { Resources } from '../../cluster/protocol/resources';
import { silentLogger } from '../../cluster/util/log';
import { getJson } from '../helpers/http';
import { commandTask, frameworkInfo, scalarOf } from '../helpers/scheduler';
import { wirePeers } from '../helpers/wire-peers';

describe('master offers', () => {
  let master: Master;
  const peers = wirePeers(() => master.url);
  const { subscribe } = peers;

  const start = async (opts: Partial<MasterOptions> = {}, agentResources: string[] = ['cpus:4;mem:4096']) => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, ...opts });
    await master.listen();
    const agents = [];
    for (const resources of agentResources) agents.push(await peers.registerAgent({ resources }));
    return agents;
  };

  afterEach(async () => {
    peers.closeAll();
    await master.close();
  });

  test('an offer left unanswered past --offer_timeout is rescinded and offered again', async () => {
    await start({ offerTimeoutSeconds: 0.3 });
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await scheduler.waitFor((e) => e.type === 'RESCIND' && e.rescind.offer_id.value === offer.id.value, 'RESCIND');
    const mark = scheduler.events.length;
    const [again] = await scheduler.nextOffers({ from: mark });
    expect(again.id.value).not.toBe(offer.id.value);
    expect(scalarOf(again, 'cpus')).toBe(4);
    // Accepting the rescinded offer is a launch on an invalid offer.
    await scheduler.launch([offer], [commandTask(offer, 'late', 'true')]);
    expect((await scheduler.update('late', 'TASK_LOST', { from: mark })).reason).toBe('REASON_INVALID_OFFERS');
  });

  test('each agent\'s resources are offered once, to one framework at a time', async () => {
    await start({}, ['cpus:2;mem:1024', 'cpus:2;mem:1024', 'cpus:2;mem:1024']);
    const a = await subscribe(frameworkInfo({ name: 'a' }));
    const aOffers = await a.nextOffers();
    const b = await subscribe(frameworkInfo({ name: 'b' }));
    // What a declines (for a long while) goes to b.
    await a.expectAccepted({ type: 'DECLINE', decline: { offer_ids: [aOffers[0].id], filters: { refuse_seconds: 600 } } });
    const [bOffer] = await b.nextOffers();
    expect(bOffer.agent_id.value).toBe(aOffers[0].agent_id.value);
    const state = await getJson(`${master.url}/state`);
    const offered = state.frameworks.flatMap((f: { offers: { slave_id: string }[] }) => f.offers.map((o) => o.slave_id));
    // No agent is in two outstanding offers.
    expect(new Set(offered).size).toBe(offered.length);
    for (const slave of state.slaves) expect(slave.offered_resources.cpus).toBeLessThanOrEqual(2);
  });

  test('MULTI_ROLE frameworks get offers for their roles, with allocation_info', async () => {
    await start();
    const scheduler = await subscribe(frameworkInfo({ roles: ['analytics'], capabilities: [{ type: 'MULTI_ROLE' }] }));
    const [offer] = await scheduler.nextOffers();
    expect(offer.allocation_info).toEqual({ role: 'analytics' });
    expect(offer.resources.every((r) => r.allocation_info?.role === 'analytics')).toBe(true);
    const state = await getJson(`${master.url}/state`);
    expect(state.frameworks[0].roles).toEqual(['analytics']);
  });

  test('LAUNCH_GROUP sends one RUN_TASK_GROUP; an invalid group fails as a whole', async () => {
    const [agent] = await start();
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    const executor = { type: 'DEFAULT', executor_id: { value: 'group-exec' }, resources: Resources.parse('cpus:0.1;mem:32').toV1() };
    const group = (ids: string[], cpus: number) => ({
      type: 'LAUNCH_GROUP',
      launch_group: { executor, task_group: { tasks: ids.map((id) => commandTask(offer, id, 'sleep 100', `cpus:${cpus};mem:32`)) } },
    });
    await scheduler.expectAccepted({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [group(['g1', 'g2'], 1), group(['h1', 'h2'], 100)], filters: { refuse_seconds: 0 } },
    });
    const run = await agent.waitFor((e) => e.type === 'RUN_TASK_GROUP', 'RUN_TASK_GROUP');
    if (run.type !== 'RUN_TASK_GROUP') throw new Error('unreachable');
    expect(run.run_task_group.task_group.tasks.map((t) => t.task_id.value)).toEqual(['g1', 'g2']);
    expect(run.run_task_group.executor.executor_id.value).toBe('group-exec');
    for (const id of ['h1', 'h2']) {
      const status = await scheduler.update(id, 'TASK_ERROR');
      expect(status.message).toContain('more resources');
      expect(status.reason).toBe('REASON_TASK_GROUP_INVALID');
    }
    const state = await getJson(`${master.url}/state`);
    expect(state.frameworks[0].tasks.map((t: { id: string; executor_id: string }) => [t.id, t.executor_id])).toEqual([['g1', 'group-exec'], ['g2', 'group-exec']]);
    expect(state.frameworks[0].executors).toEqual([expect.objectContaining({ executor_id: 'group-exec', slave_id: agent.agentId })]);
    // Executor resources and both tasks are in use.
    expect(state.slaves[0].used_resources.cpus).toBeCloseTo(2.1);
  });

  test('MESSAGE reaches the agent as FRAMEWORK_MESSAGE; SHUTDOWN kills the executor\'s tasks', async () => {
    const [agent] = await start();
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [commandTask(offer, 'listener', 'sleep 100')]);
    await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');
    const data = Buffer.from('hello executor').toString('base64');
    await scheduler.expectAccepted({ type: 'MESSAGE', message: { agent_id: offer.agent_id, executor_id: { value: 'listener' }, data } });
    const message = await agent.waitFor((e) => e.type === 'FRAMEWORK_MESSAGE', 'FRAMEWORK_MESSAGE');
    expect(message).toEqual({
      type: 'FRAMEWORK_MESSAGE',
      framework_message: { framework_id: { value: scheduler.frameworkId }, executor_id: { value: 'listener' }, data },
    });
    await scheduler.expectAccepted({ type: 'SHUTDOWN', shutdown: { agent_id: offer.agent_id, executor_id: { value: 'listener' } } });
    await agent.waitFor((e) => e.type === 'KILL_TASK' && e.kill_task.task_id.value === 'listener', 'KILL_TASK');
  });

  test('REQUEST is accepted and ignored', async () => {
    await start();
    const scheduler = await subscribe();
    expect((await scheduler.call({ type: 'REQUEST', request: { requests: [] } })).status).toBe(202);
  });
});
