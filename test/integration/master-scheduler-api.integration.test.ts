/**
 * The v1 scheduler API over real HTTP, against a master with wire-level agents (no task processes):
 * subscription, negotiation and errors, offers, decline/revive/suppress, launch validation,
 * reconciliation, teardown and failover.
 */
import { createMaster, type Master } from '../../cluster/master';
import type { FrameworkInfo, Offer } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { eventually, getJson, request } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { commandTask, frameworkInfo, RawScheduler, SCHEDULER_PATH, scalarOf } from '../helpers/scheduler';

describe('master scheduler API', () => {
  let master: Master;
  let agent: RawAgent;
  const schedulers: RawScheduler[] = [];

  const subscribe = async (info?: FrameworkInfo) => {
    const s = await RawScheduler.subscribe(master.url, info);
    schedulers.push(s);
    return s;
  };

  beforeEach(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, heartbeatIntervalSeconds: 0.2, allocationIntervalMs: 50 });
    await master.listen();
    agent = await RawAgent.register(master.url, { resources: 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]' });
  });

  afterEach(async () => {
    for (const s of schedulers.splice(0)) s.close();
    agent.disconnect();
    await master.close();
  });

  test('SUBSCRIBE streams SUBSCRIBED with a stream id, then offers and heartbeats', async () => {
    const scheduler = await subscribe(frameworkInfo({ name: 'first' }));
    expect(scheduler.stream.status).toBe(200);
    expect(scheduler.stream.headers['content-type']).toBe('application/json');
    expect(scheduler.streamId).toMatch(/^[0-9a-f-]{36}$/);
    const subscribed = scheduler.events[0];
    expect(subscribed.type).toBe('SUBSCRIBED');
    if (subscribed.type !== 'SUBSCRIBED') return;
    expect(subscribed.subscribed.framework_id.value).toBe(`${master.id}-0000`);
    expect(subscribed.subscribed.heartbeat_interval_seconds).toBe(0.2);
    expect(subscribed.subscribed.master_info).toMatchObject({ id: master.id, port: master.port, ip: 16777343, address: { ip: '127.0.0.1' } });

    const [offer] = await scheduler.nextOffers();
    expect(offer).toMatchObject({
      framework_id: { value: scheduler.frameworkId },
      agent_id: { value: agent.agentId },
      hostname: '127.0.0.1',
      url: { scheme: 'http', address: { ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' },
      allocation_info: { role: '*' },
    });
    expect(offer.id.value).toMatch(new RegExp(`^${master.id}-O\\d+$`));
    expect(scalarOf(offer, 'cpus')).toBe(4);
    expect(scalarOf(offer, 'mem')).toBe(4096);
    expect(offer.attributes).toEqual([{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }]);
    await scheduler.waitFor((e) => e.type === 'HEARTBEAT', 'HEARTBEAT');
  });

  test('bad bodies are 400 with a message naming the field', async () => {
    const url = `${master.url}${SCHEDULER_PATH}`;
    const noName = await request(url, { body: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u' } } } });
    expect(noName.status).toBe(400);
    expect(noName.text).toContain('subscribe.framework_info.name');

    const badType = await request(url, { body: { type: 'LAUNCH_EVERYTHING' } });
    expect(badType.status).toBe(400);
    expect(badType.text).toContain('type');

    const notJson = await request(url, { body: '{not json' });
    expect(notJson.status).toBe(400);

    const scheduler = await subscribe();
    const noAccept = await scheduler.call({ type: 'ACCEPT' });
    expect(noAccept.status).toBe(400);
    expect(noAccept.text).toContain("'accept'");
    const badAck = await scheduler.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: 't' }, uuid: 7 } });
    expect(badAck.status).toBe(400);
    expect(badAck.text).toContain('acknowledge.uuid');
  });

  test('content negotiation: 415 for bodies neither JSON nor protobuf, 406 when neither is acceptable', async () => {
    const url = `${master.url}${SCHEDULER_PATH}`;
    const body = { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo() } };
    const wrongType = await request(url, { body, headers: { 'Content-Type': 'text/plain' } });
    expect(wrongType.status).toBe(415);
    const wrongAccept = await request(url, { body, headers: { Accept: 'text/html' } });
    expect(wrongAccept.status).toBe(406);
    const noMessageType = await request(url, { body, headers: { Accept: 'application/recordio', 'Message-Accept': 'text/html' } });
    expect(noMessageType.status).toBe(406);
    expect(noMessageType.text).toContain("'Message-Accept'");
  });

  test('calls need the framework\'s current stream id', async () => {
    const scheduler = await subscribe();
    const wrong = await scheduler.call({ type: 'REVIVE' }, { streamId: '00000000-0000-0000-0000-000000000000' });
    expect(wrong.status).toBe(403);
    expect(wrong.text).toContain('00000000-0000-0000-0000-000000000000');

    const unknownFramework = await request(`${master.url}${SCHEDULER_PATH}`, {
      body: { type: 'REVIVE', framework_id: { value: 'no-such-framework' } },
      headers: { 'Mesos-Stream-Id': scheduler.streamId },
    });
    expect(unknownFramework.status).toBe(403);
    expect(unknownFramework.text).toContain('no-such-framework');

    const missing = await request(`${master.url}${SCHEDULER_PATH}`, { body: { type: 'REVIVE', framework_id: { value: scheduler.frameworkId } } });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Mesos-Stream-Id');

    expect((await scheduler.call({ type: 'REVIVE' })).status).toBe(202);
  });

  test('declined resources come back only after REVIVE (refuse_seconds)', async () => {
    const scheduler = await subscribe();
    const offers = await scheduler.nextOffers();
    const mark = scheduler.events.length;
    await scheduler.expectAccepted({ type: 'DECLINE', decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: 3600 } } });
    // Let allocation ticks pass (heartbeats mark the time): nothing is offered.
    await scheduler.waitFor((e) => e.type === 'HEARTBEAT', 'a heartbeat', { from: mark });
    await scheduler.waitFor((e) => e.type === 'HEARTBEAT', 'another heartbeat', { from: scheduler.events.length });
    const revived = scheduler.events.length;
    await scheduler.expectAccepted({ type: 'REVIVE' });
    const again = await scheduler.nextOffers({ from: revived });
    expect(scalarOf(again[0], 'cpus')).toBe(4);
    // Nothing was offered between the decline and the revive.
    expect(scheduler.events.slice(mark, revived).filter((e) => e.type === 'OFFERS')).toEqual([]);
  });

  test('SUPPRESS stops offers; REVIVE brings them back', async () => {
    const scheduler = await subscribe();
    const offers = await scheduler.nextOffers();
    await scheduler.expectAccepted({ type: 'SUPPRESS' });
    await scheduler.expectAccepted({ type: 'DECLINE', decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: 0 } } });
    const mark = scheduler.events.length;
    // Let several heartbeats (and allocation ticks) pass: still no offers.
    await scheduler.waitFor((e) => e.type === 'HEARTBEAT', 'a heartbeat', { from: mark });
    await scheduler.waitFor((e) => e.type === 'HEARTBEAT', 'more heartbeats', { from: scheduler.events.length });
    expect(scheduler.events.slice(mark).filter((e) => e.type === 'OFFERS')).toEqual([]);
    await scheduler.expectAccepted({ type: 'REVIVE' });
    await scheduler.nextOffers({ from: mark });
  });

  test('ACCEPT launches valid tasks, rejects invalid ones with TASK_ERROR, and returns the rest', async () => {
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    const tooBig = commandTask(offer, 'too-big', 'true', 'cpus:64;mem:32');
    const ok = commandTask(offer, 'ok', 'true', 'cpus:1;mem:128');
    const dup = commandTask(offer, 'ok', 'true', 'cpus:1;mem:128');
    const mark = scheduler.events.length;
    await scheduler.launch([offer], [tooBig, ok, dup], { refuse_seconds: 0 });

    const run = await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');
    expect(run).toMatchObject({ type: 'RUN_TASK', run_task: { framework_id: { value: scheduler.frameworkId }, task: { task_id: { value: 'ok' } } } });
    const tooBigStatus = await scheduler.update('too-big', 'TASK_ERROR', { from: mark });
    expect(tooBigStatus).toMatchObject({ reason: 'REASON_TASK_INVALID', source: 'SOURCE_MASTER' });
    expect(tooBigStatus.message).toContain('Task uses more resources');
    expect(tooBigStatus.uuid).toBeUndefined();
    const dupStatus = await scheduler.waitFor(
      (e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'ok' && e.update.status.state === 'TASK_ERROR', 'duplicate rejected', { from: mark },
    );
    expect(JSON.stringify(dupStatus)).toContain('duplicate ID');

    // What the launch left is offered again: 4 cpus minus the 1 in use.
    const rest = await scheduler.nextOffers({ from: mark });
    expect(scalarOf(rest[0], 'cpus')).toBe(3);
  });

  test('ACCEPT with an unknown offer drops its tasks with REASON_INVALID_OFFERS', async () => {
    const scheduler = await subscribe(frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }));
    const [offer] = await scheduler.nextOffers();
    const mark = scheduler.events.length;
    const fake: Offer = { ...offer, id: { value: 'no-such-offer' } };
    await scheduler.launch([fake], [commandTask(offer, 't1', 'true')]);
    const status = await scheduler.update('t1', 'TASK_DROPPED', { from: mark });
    expect(status.reason).toBe('REASON_INVALID_OFFERS');
    expect(status.message).toContain('no-such-offer');
  });

  test('status updates are forwarded with their uuid, acknowledgements go back to the agent', async () => {
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [commandTask(offer, 'job', 'sleep 100', 'cpus:1;mem:64')]);
    await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');
    const sent = await agent.sendUpdate(scheduler.frameworkId, 'job', 'TASK_RUNNING');
    const running = await scheduler.update('job', 'TASK_RUNNING');
    expect(running.uuid).toBe(sent.uuid);
    await scheduler.acknowledge(running);
    const ack = await agent.waitFor((e) => e.type === 'ACKNOWLEDGE', 'ACKNOWLEDGE');
    expect(ack).toEqual({ type: 'ACKNOWLEDGE', acknowledge: { framework_id: { value: scheduler.frameworkId }, task_id: { value: 'job' }, uuid: sent.uuid } });

    const mark = scheduler.events.length;
    await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'job' } } });
    await agent.waitFor((e) => e.type === 'KILL_TASK' && e.kill_task.task_id.value === 'job', 'KILL_TASK');
    await agent.sendUpdate(scheduler.frameworkId, 'job', 'TASK_KILLED');
    await scheduler.acknowledge(await scheduler.update('job', 'TASK_KILLED', { from: mark }));
    // Its resources are free again.
    const state = await getJson(`${master.url}/state`);
    expect(state.slaves[0].used_resources.cpus).toBe(0);
    expect(state.frameworks[0].used_resources.cpus).toBe(0);
    expect(state.frameworks[0].completed_tasks.map((t: { id: string; state: string }) => [t.id, t.state])).toEqual([['job', 'TASK_KILLED']]);
  });

  test('KILL of an unknown task answers with a TASK_LOST update', async () => {
    const scheduler = await subscribe();
    await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'ghost' } } });
    const status = await scheduler.update('ghost', 'TASK_LOST');
    expect(status).toMatchObject({ reason: 'REASON_RECONCILIATION', source: 'SOURCE_MASTER' });
  });

  test('explicit and implicit reconciliation', async () => {
    const scheduler = await subscribe(frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }));
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [commandTask(offer, 'a', 'sleep 100'), commandTask(offer, 'b', 'sleep 100')]);
    await agent.waitFor((e) => e.type === 'RUN_TASK' && e.run_task.task.task_id.value === 'b', 'RUN_TASK b');
    await scheduler.acknowledge(await (async () => {
      await agent.sendUpdate(scheduler.frameworkId, 'a', 'TASK_RUNNING');
      return scheduler.update('a', 'TASK_RUNNING');
    })());

    let mark = scheduler.events.length;
    await scheduler.expectAccepted({
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 'a' } }, { task_id: { value: 'nope' } }, { task_id: { value: 'nope2' }, agent_id: { value: agent.agentId } }] },
    });
    const a = await scheduler.update('a', 'TASK_RUNNING', { from: mark });
    expect(a.reason).toBe('REASON_RECONCILIATION');
    expect(a.uuid).toBeUndefined();
    expect((await scheduler.update('nope', 'TASK_UNKNOWN', { from: mark })).reason).toBe('REASON_RECONCILIATION');
    await scheduler.update('nope2', 'TASK_GONE', { from: mark });

    mark = scheduler.events.length;
    await scheduler.expectAccepted({ type: 'RECONCILE', reconcile: { tasks: [] } });
    await scheduler.update('a', 'TASK_RUNNING', { from: mark });
    await scheduler.update('b', 'TASK_STAGING', { from: mark });
  });

  test('TEARDOWN kills the tasks, ends the stream and completes the framework', async () => {
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [commandTask(offer, 'doomed', 'sleep 100')]);
    await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');
    await scheduler.expectAccepted({ type: 'TEARDOWN' });
    await agent.waitFor((e) => e.type === 'SHUTDOWN_FRAMEWORK' && e.shutdown_framework.framework_id.value === scheduler.frameworkId, 'SHUTDOWN_FRAMEWORK');
    await eventually(() => scheduler.stream.ended, 'the end of the stream');

    const state = await getJson(`${master.url}/state`);
    expect(state.frameworks).toEqual([]);
    expect(state.completed_frameworks).toHaveLength(1);
    expect(state.completed_frameworks[0].completed_tasks[0]).toMatchObject({ id: 'doomed', state: 'TASK_KILLED' });

    // A late update from the agent for the removed framework is acknowledged on its behalf.
    const late = await agent.sendUpdate(scheduler.frameworkId, 'doomed', 'TASK_KILLED');
    await agent.waitFor((e) => e.type === 'ACKNOWLEDGE' && e.acknowledge.uuid === late.uuid, 'ack of the late update');

    const again = await request(`${master.url}${SCHEDULER_PATH}`, {
      body: { type: 'SUBSCRIBE', framework_id: { value: scheduler.frameworkId }, subscribe: { framework_info: frameworkInfo({ id: { value: scheduler.frameworkId } }) } },
    });
    expect(again.text).toContain('Framework has been removed');
  });

  test('a framework that re-subscribes within its failover timeout keeps its tasks', async () => {
    const info = frameworkInfo({ failover_timeout: 60 });
    const first = await subscribe(info);
    const [offer] = await first.nextOffers();
    await first.launch([offer], [commandTask(offer, 'survivor', 'sleep 100')]);
    await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');

    const second = await subscribe({ ...info, id: { value: first.frameworkId } });
    expect(second.frameworkId).toBe(first.frameworkId);
    expect(second.streamId).not.toBe(first.streamId);
    const error = await first.waitFor((e) => e.type === 'ERROR', 'ERROR on the old stream');
    expect(error).toEqual({ type: 'ERROR', error: { message: 'Framework failed over' } });
    expect((await first.call({ type: 'REVIVE' })).status).toBe(403);

    second.close();
    // Disconnected but within the failover timeout: still there, inactive, task kept.
    const state = await eventually(async () => {
      const s = await getJson(`${master.url}/state`);
      return s.frameworks[0] && !s.frameworks[0].connected ? s : undefined;
    }, 'the framework to show as disconnected');
    expect(state.frameworks[0]).toMatchObject({ id: first.frameworkId, active: false, connected: false });
    expect(state.frameworks[0].tasks.map((t: { id: string }) => t.id)).toEqual(['survivor']);

    const third = await subscribe({ ...info, id: { value: first.frameworkId } });
    const mark = third.events.length;
    await third.expectAccepted({ type: 'RECONCILE', reconcile: { tasks: [] } });
    await third.update('survivor', 'TASK_STAGING', { from: mark });
  });

  test('a framework without failover timeout is removed when it disconnects', async () => {
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [commandTask(offer, 'short-lived', 'sleep 100')]);
    await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');
    scheduler.close();
    await agent.waitFor((e) => e.type === 'SHUTDOWN_FRAMEWORK', 'SHUTDOWN_FRAMEWORK');
    const state = await getJson(`${master.url}/state`);
    expect(state.frameworks).toEqual([]);
    expect(state.completed_frameworks[0].id).toBe(scheduler.frameworkId);
  });
});
