/**
 * The master's side of the agent channel over real HTTP, with wire-level agents: registration, pings,
 * disconnection, unreachability (TASK_LOST / TASK_UNREACHABLE), re-registration and unregistration.
 */
import { createMaster, type Master } from '../../cluster/master';
import { AGENT_CHANNEL_PATH } from '../../cluster/protocol/agent-channel';
import type { Task } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { eventually, getJson, request } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';
import { wirePeers } from '../helpers/wire-peers';

describe('master agent channel', () => {
  let master: Master;
  const peers = wirePeers(() => master.url);
  const { registerAgent, subscribe } = peers;

  const startMaster = async (pingSeconds = 0.1) => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, agentPingTimeoutSeconds: pingSeconds, maxAgentPingTimeouts: 3 });
    await master.listen();
  };
  /** Launches a task through the scheduler and has the agent report it running (acknowledged). */
  const runTask = async (scheduler: RawScheduler, agent: RawAgent, taskId: string) => {
    const offers = await scheduler.nextOffers({ from: 0 });
    const offer = offers.find((o) => o.agent_id.value === agent.agentId)!;
    const mark = scheduler.events.length;
    await scheduler.launch([offer], [commandTask(offer, taskId, 'sleep 1000', 'cpus:1;mem:64')]);
    await agent.waitFor((e) => e.type === 'RUN_TASK' && e.run_task.task.task_id.value === taskId, `RUN_TASK ${taskId}`);
    await agent.sendUpdate(scheduler.frameworkId, taskId, 'TASK_RUNNING');
    await scheduler.acknowledge(await scheduler.update(taskId, 'TASK_RUNNING', { from: mark }));
  };

  afterEach(async () => {
    peers.closeAll();
    await master.close();
  });

  test('REGISTER streams REGISTERED with a new agent id, then PINGs', async () => {
    await startMaster();
    const agent = await registerAgent();
    expect(agent.stream.headers['mesos-stream-id']).toBeDefined();
    expect(agent.agentId).toBe(`${master.id}-S0`);
    expect(agent.events[0]).toMatchObject({
      type: 'REGISTERED',
      registered: { agent_id: { value: agent.agentId }, master_info: { id: master.id, port: master.port }, ping_interval_seconds: 0.1 },
    });
    await agent.waitFor((e) => e.type === 'PING', 'PING');
    expect((await agent.call({ type: 'PONG' })).status).toBe(202);
  });

  test('calls need a registered agent and its stream id; bad bodies name the field', async () => {
    await startMaster();
    const agent = await registerAgent();
    const url = `${master.url}${AGENT_CHANNEL_PATH}`;
    const wrongStream = await request(url, { body: { type: 'PONG', agent_id: { value: agent.agentId } }, headers: { 'Mesos-Stream-Id': 'other' } });
    expect(wrongStream.status).toBe(403);
    const unknownAgent = await request(url, { body: { type: 'PONG', agent_id: { value: 'nobody' } }, headers: { 'Mesos-Stream-Id': agent.streamId } });
    expect(unknownAgent.status).toBe(403);
    const noPid = await request(url, { body: { type: 'REGISTER', register: { agent_info: { hostname: 'h', resources: [] }, version: '1' } } });
    expect(noPid.status).toBe(400);
    expect(noPid.text).toContain('register.pid');
    const badResources = await request(url, {
      body: { type: 'REGISTER', register: { agent_info: { hostname: 'h', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] }, version: '1', pid: 'h:1' } },
    });
    expect(badResources.status).toBe(400);
    expect(badResources.text).toContain('resources');
  });

  test('an agent that stops answering pings becomes unreachable: TASK_LOST, or TASK_UNREACHABLE for partition-aware frameworks', async () => {
    await startMaster();
    const agent = await registerAgent();
    const plain = await subscribe(frameworkInfo({ name: 'plain', failover_timeout: 60 }));
    await runTask(plain, agent, 'plain-task');
    const aware = await subscribe(frameworkInfo({ name: 'aware', failover_timeout: 60, capabilities: [{ type: 'PARTITION_AWARE' }] }));
    await runTask(aware, agent, 'aware-task');
    const plainMark = plain.events.length;
    const awareMark = aware.events.length;

    agent.answerPings = false;
    const lost = await plain.update('plain-task', 'TASK_LOST', { from: plainMark });
    expect(lost).toMatchObject({ reason: 'REASON_AGENT_REMOVED', source: 'SOURCE_MASTER', agent_id: { value: agent.agentId } });
    expect(lost.uuid).toBeUndefined();
    const unreachable = await aware.update('aware-task', 'TASK_UNREACHABLE', { from: awareMark });
    expect(unreachable.reason).toBe('REASON_AGENT_REMOVED');
    await plain.waitFor((e) => e.type === 'FAILURE' && e.failure.agent_id?.value === agent.agentId, 'FAILURE', { from: plainMark });

    const state = await getJson(`${master.url}/state`);
    expect(state.unreachable_slaves).toBe(1);
    expect(state.slaves).toEqual([]);
    await eventually(() => agent.stream.ended, 'the master to end the unreachable agent\'s stream');

    // The agent comes back with its id and its task still running.
    const running: Task = {
      name: 'aware-task', task_id: { value: 'aware-task' }, framework_id: { value: aware.frameworkId },
      agent_id: { value: agent.agentId }, state: 'TASK_RUNNING', resources: [], statuses: [],
    };
    const plainTask: Task = { ...running, name: 'plain-task', task_id: { value: 'plain-task' }, framework_id: { value: plain.frameworkId } };
    const back = await registerAgent({ agentId: agent.agentId, tasks: [running, plainTask] });
    expect(back.agentId).toBe(agent.agentId);
    const again = await aware.update('aware-task', 'TASK_RUNNING', { from: awareMark });
    expect(again).toMatchObject({ source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REREGISTERED' });
    expect(again.uuid).toBeUndefined();
    expect((await plain.update('plain-task', 'TASK_RUNNING', { from: plainMark })).reason).toBe('REASON_AGENT_REREGISTERED');
    const after = await getJson(`${master.url}/state`);
    expect(after.unreachable_slaves).toBe(0);
    expect(after.slaves.map((s: { id: string; active: boolean }) => [s.id, s.active])).toEqual([[agent.agentId, true]]);
  });

  test('a dropped stream rescinds the agent\'s offers at once; re-registering in time keeps it reachable', async () => {
    await startMaster(1);
    const agent = await registerAgent();
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    agent.disconnect();
    await scheduler.waitFor((e) => e.type === 'RESCIND' && e.rescind.offer_id.value === offer.id.value, 'RESCIND');
    const state = await getJson(`${master.url}/state`);
    expect(state.deactivated_slaves).toBe(1);

    const mark = scheduler.events.length;
    await registerAgent({ agentId: agent.agentId });
    const [fresh] = await scheduler.nextOffers({ from: mark });
    expect(fresh.agent_id.value).toBe(agent.agentId);
    expect((await getJson(`${master.url}/state`)).activated_slaves).toBe(1);
  });

  test('a re-registering agent with tasks of frameworks this master never saw records those frameworks', async () => {
    await startMaster();
    const task: Task = {
      name: 'old', task_id: { value: 'old' }, framework_id: { value: 'fw-from-before' }, agent_id: { value: 'agent-from-before' },
      state: 'TASK_RUNNING', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], statuses: [],
    };
    const agent = await registerAgent({
      agentId: 'agent-from-before',
      tasks: [task],
      frameworks: [{ id: { value: 'fw-from-before' }, name: 'veteran', user: 'ops', failover_timeout: 600 }],
    });
    expect(agent.agentId).toBe('agent-from-before');
    const state = await getJson(`${master.url}/state`);
    expect(state.frameworks).toHaveLength(1);
    expect(state.frameworks[0]).toMatchObject({ id: 'fw-from-before', name: 'veteran', active: false, connected: false, recovered: true });
    expect(state.frameworks[0].tasks[0]).toMatchObject({ id: 'old', state: 'TASK_RUNNING', slave_id: 'agent-from-before' });
    expect(state.slaves[0].used_resources.cpus).toBe(1);

    // The framework subscribes with its id and finds its task.
    const scheduler = await subscribe(frameworkInfo({ id: { value: 'fw-from-before' }, failover_timeout: 600 }));
    await scheduler.expectAccepted({ type: 'RECONCILE', reconcile: { tasks: [] } });
    await scheduler.update('old', 'TASK_RUNNING');
  });

  test('UNREGISTER removes the agent; its tasks are lost', async () => {
    await startMaster();
    const agent = await registerAgent();
    const scheduler = await subscribe();
    await runTask(scheduler, agent, 'gone-with-it');
    const mark = scheduler.events.length;
    expect((await agent.call({ type: 'UNREGISTER' })).status).toBe(202);
    const status = await scheduler.update('gone-with-it', 'TASK_LOST', { from: mark });
    expect(status.reason).toBe('REASON_AGENT_REMOVED');
    const state = await getJson(`${master.url}/state`);
    expect(state.slaves).toEqual([]);
    expect(state.frameworks[0].completed_tasks[0]).toMatchObject({ id: 'gone-with-it', state: 'TASK_GONE' });
  });
});
