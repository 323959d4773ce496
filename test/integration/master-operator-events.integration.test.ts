/**
 * The operator event stream (POST /api/v1 SUBSCRIBE) against a real cluster: a master, agents that
 * run real task processes, and a scheduler on the v1 API. What an operator's UI would see.
 */
import type { OperatorEvent } from '../../cluster/protocol/operator';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson, RecordStream, request } from '../helpers/http';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

type Event = OperatorEvent;

describe('operator event stream', () => {
  let cluster: TestCluster;
  const open: RecordStream<Event>[] = [];

  const subscribe = async (): Promise<RecordStream<Event>> => {
    const stream = await new RecordStream<Event>(`${cluster.url}/api/v1`, { type: 'SUBSCRIBE' }).response();
    open.push(stream);
    return stream;
  };
  const subscribers = async () => (await getJson(`${cluster.url}/metrics/snapshot`))['master/operator_event_stream_subscribers'];

  beforeAll(async () => {
    cluster = await startCluster({ agents: 1, master: { heartbeatIntervalSeconds: 1 } });
  });

  afterAll(async () => {
    for (const stream of open) stream.close();
    await cluster.close();
  });

  // When the first HEARTBEAT goes (one interval later) is tested with a fake clock: master-fake-clock.integration.test.ts.
  test('starts with SUBSCRIBED holding the GET_STATE snapshot', async () => {
    const stream = await subscribe();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/application\/json/);
    const first = await stream.waitFor(() => true, 'first event');
    expect(first.type).toBe('SUBSCRIBED');
    if (first.type !== 'SUBSCRIBED') return;
    expect(first.subscribed.heartbeat_interval_seconds).toBe(1);
    const state = JSON.parse((await request(`${cluster.url}/api/v1`, { body: { type: 'GET_STATE' } })).text).get_state;
    expect(first.subscribed.get_state).toEqual(state);
    expect(first.subscribed.get_state.get_agents?.agents.map((a) => a.agent_info.id?.value)).toEqual([cluster.agents[0].agentId]);
    stream.close();
  });

  test('HEARTBEAT every interval', async () => {
    const stream = await subscribe();
    await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    await eventually(() => stream.records.filter((e) => e.type === 'HEARTBEAT').length >= 3, 'three heartbeats');
    stream.close();
  });

  test('a framework comes, runs a task to the end, disconnects and is torn down', async () => {
    const stream = await subscribe();
    await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');

    const scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'events-test', failover_timeout: 60 }))).autoAcknowledge();
    const added = await stream.waitFor((e) => e.type === 'FRAMEWORK_ADDED', 'FRAMEWORK_ADDED');
    if (added.type !== 'FRAMEWORK_ADDED') return;
    expect(added.framework_added.framework).toMatchObject({
      framework_info: { id: { value: scheduler.frameworkId }, name: 'events-test', failover_timeout: 60 },
      active: true,
      connected: true,
    });

    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [commandTask(offer, 'say-hi', 'echo hi')]);
    const taskAdded = await stream.waitFor((e) => e.type === 'TASK_ADDED', 'TASK_ADDED');
    if (taskAdded.type !== 'TASK_ADDED') return;
    expect(taskAdded.task_added.task).toMatchObject({
      name: 'say-hi',
      task_id: { value: 'say-hi' },
      framework_id: { value: scheduler.frameworkId },
      agent_id: { value: cluster.agents[0].agentId },
      state: 'TASK_STAGING',
    });
    const updateOf = (state: string) => stream.waitFor(
      (e) => e.type === 'TASK_UPDATED' && e.task_updated.status.task_id.value === 'say-hi' && e.task_updated.state === state,
      `TASK_UPDATED ${state}`,
    );
    const running = await updateOf('TASK_RUNNING');
    const finished = await updateOf('TASK_FINISHED');
    if (running.type !== 'TASK_UPDATED' || finished.type !== 'TASK_UPDATED') return;
    expect(running.task_updated).toMatchObject({ framework_id: { value: scheduler.frameworkId }, status: { state: 'TASK_RUNNING', agent_id: { value: cluster.agents[0].agentId } } });
    expect(finished.task_updated.status.state).toBe('TASK_FINISHED');
    const types = stream.records.map((e) => e.type);
    expect(types.indexOf('TASK_ADDED')).toBeLessThan(types.indexOf('TASK_UPDATED'));

    scheduler.close();
    const updated = await stream.waitFor((e) => e.type === 'FRAMEWORK_UPDATED', 'FRAMEWORK_UPDATED');
    if (updated.type !== 'FRAMEWORK_UPDATED') return;
    expect(updated.framework_updated.framework).toMatchObject({ framework_info: { id: { value: scheduler.frameworkId } }, connected: false, active: false });

    const again = await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'events-test', failover_timeout: 60, id: { value: scheduler.frameworkId } }));
    const from = stream.records.length;
    expect((await again.call({ type: 'TEARDOWN' })).status).toBe(202);
    const removed = await stream.waitFor((e) => e.type === 'FRAMEWORK_REMOVED', 'FRAMEWORK_REMOVED', { from });
    if (removed.type !== 'FRAMEWORK_REMOVED') return;
    expect(removed.framework_removed.framework_info).toMatchObject({ id: { value: scheduler.frameworkId }, name: 'events-test' });
    again.close();
    stream.close();
  });

  test('agents added and removed', async () => {
    const stream = await subscribe();
    await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    const agent = await cluster.addAgent();
    const added = await stream.waitFor((e) => e.type === 'AGENT_ADDED' && e.agent_added.agent.agent_info.id?.value === agent.agentId, 'AGENT_ADDED');
    if (added.type !== 'AGENT_ADDED') return;
    expect(added.agent_added.agent).toMatchObject({ active: true, agent_info: { hostname: '127.0.0.1' } });
    expect(added.agent_added.agent.total_resources?.find((r) => r.name === 'cpus')?.scalar?.value).toBe(2);

    await cluster.stopAgent(agent, true);
    const removed = await stream.waitFor((e) => e.type === 'AGENT_REMOVED', 'AGENT_REMOVED');
    expect(removed).toEqual({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agent.agentId } } });
    stream.close();
  });

  test('many subscribers get the same events; one that disconnects leaves the others unaffected', async () => {
    await eventually(async () => (await subscribers()) === 0, 'earlier subscribers gone');
    const streams = await Promise.all(Array.from({ length: 25 }, () => subscribe()));
    await Promise.all(streams.map((s) => s.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED')));
    expect(await subscribers()).toBe(25);

    const leaver = streams.pop()!;
    leaver.close();
    await eventually(async () => (await subscribers()) === 24, 'the closed subscriber dropped');

    const scheduler = await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'crowd' }));
    const events = await Promise.all(streams.map((s) => s.waitFor(
      (e) => e.type === 'FRAMEWORK_ADDED' && e.framework_added.framework.framework_info.name === 'crowd', 'FRAMEWORK_ADDED crowd',
    )));
    for (const event of events) expect(event).toEqual(events[0]);
    scheduler.close();
    await Promise.all(streams.map((s) => s.waitFor((e) => e.type === 'FRAMEWORK_REMOVED', 'FRAMEWORK_REMOVED')));
    expect((await request(`${cluster.url}/health`)).status).toBe(200);
    for (const stream of streams) stream.close();
    await eventually(async () => (await subscribers()) === 0, 'all subscribers gone');
  });

  test('bad SUBSCRIBE media is refused before any stream starts', async () => {
    const res = await request(`${cluster.url}/api/v1`, { body: { type: 'SUBSCRIBE' }, headers: { Accept: 'text/html' } });
    expect(res.status).toBe(406);
    const messages = await request(`${cluster.url}/api/v1`, { body: { type: 'SUBSCRIBE' }, headers: { Accept: 'application/recordio', 'Message-Accept': 'text/plain' } });
    expect(messages.status).toBe(406);
  });

  test('GET_METRICS answers every metric by name', async () => {
    const res = await request(`${cluster.url}/api/v1`, { body: { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5e9 } } } });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.type).toBe('GET_METRICS');
    const metrics = new Map<string, number>(body.get_metrics.metrics.map((m: { name: string; value: number }) => [m.name, m.value]));
    expect(metrics.get('master/elected')).toBe(1);
    expect(metrics.get('master/slaves_connected')).toBe(1);
    expect(metrics.get('master/tasks_finished')).toBe(1);
    expect(metrics.get('master/cpus_total')).toBe(2);

    const bad = await request(`${cluster.url}/api/v1`, { body: { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 'soon' } } } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('get_metrics.timeout.nanoseconds');
  });
});
