/**
 * How the master relays status updates between a wire-level agent and a scheduler: TASK_KILLING only
 * for frameworks that declared TASK_KILLING_STATE, and retries of the same update (same uuid) after
 * the agent re-registers or arriving late, which must never reach the scheduler twice out of order;
 * and tasks an agent reports ended when it re-registers, their terminal update not yet acknowledged.
 */
import { createMaster, type Master } from '../../cluster/master';
import { newStatusUuid } from '../../cluster/protocol/ids';
import type { Task, TaskState, TaskStatus } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { getJson, RecordStream, request } from '../helpers/http';
import type { OperatorEvent } from '../../cluster/protocol/operator';
import { RawAgent } from '../helpers/raw-agent';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';
import { wirePeers } from '../helpers/wire-peers';

describe('master: relaying status updates', () => {
  let master: Master;
  const peers = wirePeers(() => master.url);
  const { registerAgent, subscribe } = peers;

  const startMaster = async (opts: Parameters<typeof createMaster>[0] = {}) => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, allocationIntervalMs: 50, ...opts });
    await master.listen();
  };

  afterEach(async () => {
    peers.closeAll();
    await master.close();
  });

  /** Launches `taskId` on the agent (the rest of the offer goes to other frameworks); returns once the agent has been told to run it. */
  const launch = async (scheduler: RawScheduler, agent: RawAgent, taskId: string) => {
    const offers = await scheduler.nextOffers({ from: 0 });
    const offer = offers.find((o) => o.agent_id.value === agent.agentId)!;
    await scheduler.launch([offer], [commandTask(offer, taskId, 'sleep 1000', 'cpus:1;mem:64')], { refuse_seconds: 60 });
    await agent.waitFor((e) => e.type === 'RUN_TASK' && e.run_task.task.task_id.value === taskId, `RUN_TASK ${taskId}`);
  };
  const statesOf = (scheduler: RawScheduler, taskId: string) => scheduler.updates(taskId).map((s) => s.state);
  const ackFromMaster = (agent: RawAgent, uuid: string, from: number) =>
    agent.waitFor((e) => e.type === 'ACKNOWLEDGE' && e.acknowledge.uuid === uuid, `ACKNOWLEDGE ${uuid}`, { from });
  const tasksView = async () => JSON.parse((await request(`${master.url}/api/v1`, { body: { type: 'GET_TASKS' } })).text).get_tasks;
  const runningTask = (agent: { agentId: string }, frameworkId: string, taskId: string, state: TaskState = 'TASK_RUNNING'): Task => ({
    name: taskId, task_id: { value: taskId }, framework_id: { value: frameworkId }, agent_id: { value: agent.agentId },
    state, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], statuses: [],
  });
  /** A task that ended on the agent, as the agent reports it while its terminal update `status` is unacknowledged. */
  const endedTask = (agentId: string, frameworkId: string, status: TaskStatus): Task => ({
    name: status.task_id.value, task_id: status.task_id, framework_id: { value: frameworkId }, agent_id: { value: agentId },
    state: status.state, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], statuses: [status],
    status_update_state: status.state, status_update_uuid: status.uuid,
  });
  const agentStatus = (agentId: string, taskId: string, state: TaskState): TaskStatus => ({
    task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', agent_id: { value: agentId }, timestamp: Date.now() / 1000, uuid: newStatusUuid(),
  });
  const frameworkState = async (frameworkId: string) => (await getJson(`${master.url}/state`)).frameworks.find((f: { id: string }) => f.id === frameworkId);

  test('TASK_KILLING reaches only frameworks with TASK_KILLING_STATE; for the others the master acknowledges it', async () => {
    await startMaster();
    const agent = await registerAgent();
    const plain = await subscribe(frameworkInfo({ name: 'plain' }));
    await launch(plain, agent, 'plain-task');
    const aware = await subscribe(frameworkInfo({ name: 'aware', capabilities: [{ type: 'TASK_KILLING_STATE' }] }));
    await launch(aware, agent, 'aware-task');

    // GIVEN both tasks running and acknowledged
    for (const [scheduler, taskId] of [[plain, 'plain-task'], [aware, 'aware-task']] as const) {
      await agent.sendUpdate(scheduler.frameworkId, taskId, 'TASK_RUNNING');
      await scheduler.acknowledge(await scheduler.update(taskId, 'TASK_RUNNING'));
    }

    // WHEN the agent reports both being killed
    const mark = agent.events.length;
    const plainKilling = await agent.sendUpdate(plain.frameworkId, 'plain-task', 'TASK_KILLING');
    const awareKilling = await agent.sendUpdate(aware.frameworkId, 'aware-task', 'TASK_KILLING');

    // THEN the aware framework hears TASK_KILLING and acknowledges it itself
    const heard = await aware.update('aware-task', 'TASK_KILLING');
    expect(heard.uuid).toBe(awareKilling.uuid);
    // AND the plain one does not, but the agent is acknowledged at once, so its queue moves on
    await ackFromMaster(agent, plainKilling.uuid!, mark);
    expect(agent.events.slice(mark).some((e) => e.type === 'ACKNOWLEDGE' && e.acknowledge.uuid === awareKilling.uuid)).toBe(false);
    // AND reconciliation shows the plain framework a running task, as it never knew TASK_KILLING
    const reconcileMark = plain.events.length;
    await plain.expectAccepted({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'plain-task' } }] } });
    expect((await plain.update('plain-task', 'TASK_RUNNING', { from: reconcileMark })).reason).toBe('REASON_RECONCILIATION');

    await agent.sendUpdate(plain.frameworkId, 'plain-task', 'TASK_KILLED');
    await plain.update('plain-task', 'TASK_KILLED');
    expect(statesOf(plain, 'plain-task')).toEqual(['TASK_RUNNING', 'TASK_RUNNING', 'TASK_KILLED']);
    await aware.acknowledge(heard);
    await ackFromMaster(agent, awareKilling.uuid!, mark);
  });

  test('an update the scheduler acknowledged while its agent was away is not forwarded again when the agent retries it', async () => {
    await startMaster();
    const agent = await registerAgent();
    const scheduler = await subscribe(frameworkInfo({ failover_timeout: 60 }));
    await launch(scheduler, agent, 'task');
    const running = await agent.sendUpdate(scheduler.frameworkId, 'task', 'TASK_RUNNING');
    const forwarded = await scheduler.update('task', 'TASK_RUNNING');

    // GIVEN the agent drops off before the acknowledgement reaches it
    agent.disconnect();
    await scheduler.acknowledge(forwarded);

    // WHEN it re-registers and retries the update with the same uuid
    const back = await registerAgent({ agentId: agent.agentId, tasks: [runningTask(agent, scheduler.frameworkId, 'task')] });
    await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_RUNNING', { uuid: running.uuid, timestamp: running.timestamp });

    // THEN the master acknowledges it on the scheduler's behalf instead of forwarding it
    await ackFromMaster(back, running.uuid!, 0);
    // AND the next update is forwarded once, after the first, with nothing in between
    const finished = await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_FINISHED');
    await scheduler.acknowledge(await scheduler.update('task', 'TASK_FINISHED'));
    await ackFromMaster(back, finished.uuid!, 0);
    expect(statesOf(scheduler, 'task')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    const { completed_tasks: completed } = await tasksView();
    expect(completed.map((t: { task_id: { value: string }; state: string }) => [t.task_id.value, t.state])).toEqual([['task', 'TASK_FINISHED']]);
  });

  test('a retry still awaiting acknowledgement is forwarded again; a late retry behind a newer update is not', async () => {
    await startMaster();
    const agent = await registerAgent();
    const scheduler = await subscribe(frameworkInfo({ failover_timeout: 60 }));
    await launch(scheduler, agent, 'task');
    const starting = await agent.sendUpdate(scheduler.frameworkId, 'task', 'TASK_STARTING');
    await scheduler.update('task', 'TASK_STARTING');

    // GIVEN an update nobody acknowledged, retried by the agent after it re-registers
    agent.disconnect();
    const back = await registerAgent({ agentId: agent.agentId, tasks: [runningTask(agent, scheduler.frameworkId, 'task', 'TASK_STARTING')] });
    const mark = scheduler.events.length;
    await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_STARTING', { uuid: starting.uuid, timestamp: starting.timestamp });
    // THEN the scheduler gets it again, same uuid, and acknowledges it
    const again = await scheduler.update('task', 'TASK_STARTING', { from: mark });
    expect(again.uuid).toBe(starting.uuid);
    await scheduler.acknowledge(again);
    await ackFromMaster(back, starting.uuid!, 0);

    // WHEN the task moves on and a stale retry of the earlier update arrives after the newer one
    const running = await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_RUNNING');
    await scheduler.update('task', 'TASK_RUNNING');
    const ackMark = back.events.length;
    await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_STARTING', { uuid: starting.uuid, timestamp: starting.timestamp });

    // THEN it is acknowledged again, not forwarded, and the task stays running
    await ackFromMaster(back, starting.uuid!, ackMark);
    const { tasks } = await tasksView();
    expect(tasks[0]).toMatchObject({ state: 'TASK_RUNNING', status_update_state: 'TASK_RUNNING', status_update_uuid: running.uuid });
    await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_RUNNING', { uuid: running.uuid, timestamp: running.timestamp });
    await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_FAILED', { uuid: undefined });
    await scheduler.update('task', 'TASK_FAILED');
    // The retry of the unacknowledged TASK_RUNNING was forwarded again (same uuid); nothing older came after it.
    expect(statesOf(scheduler, 'task')).toEqual(['TASK_STARTING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_FAILED']);
  });

  test('after the agent was unreachable, a stale retry is acknowledged by the master, not forwarded after TASK_RUNNING', async () => {
    await startMaster({ agentPingTimeoutSeconds: 0.1, maxAgentPingTimeouts: 2 });
    const agent = await registerAgent();
    const scheduler = await subscribe(frameworkInfo({ failover_timeout: 60, capabilities: [{ type: 'PARTITION_AWARE' }] }));
    await launch(scheduler, agent, 'task');
    const starting = await agent.sendUpdate(scheduler.frameworkId, 'task', 'TASK_STARTING');
    await scheduler.update('task', 'TASK_STARTING');

    // GIVEN the agent goes silent before TASK_STARTING is acknowledged, and is written off
    agent.answerPings = false;
    await scheduler.update('task', 'TASK_UNREACHABLE');
    agent.disconnect();
    // WHEN it comes back with the task running, then retries its unacknowledged TASK_STARTING
    const back = await registerAgent({ agentId: agent.agentId, tasks: [runningTask(agent, scheduler.frameworkId, 'task')] });
    const rereg = await scheduler.update('task', 'TASK_RUNNING');
    expect(rereg.reason).toBe('REASON_AGENT_REREGISTERED');
    const afterRereg = scheduler.events.length;
    await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_STARTING', { uuid: starting.uuid, timestamp: starting.timestamp });

    // THEN the master acknowledges the stale update itself, and the agent's next one follows in order
    await ackFromMaster(back, starting.uuid!, 0);
    const running = await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_RUNNING');
    expect((await scheduler.update('task', 'TASK_RUNNING', { from: afterRereg })).uuid).toBe(running.uuid);
    expect(statesOf(scheduler, 'task')).toEqual(['TASK_STARTING', 'TASK_UNREACHABLE', 'TASK_RUNNING', 'TASK_RUNNING']);
  });
  test('a task the agent reports ended when it re-registers is kept, free of resources, until its terminal update is acknowledged', async () => {
    await startMaster();
    const agent = await registerAgent();
    const scheduler = await subscribe();
    await launch(scheduler, agent, 'task');
    await agent.sendUpdate(scheduler.frameworkId, 'task', 'TASK_RUNNING');
    await scheduler.acknowledge(await scheduler.update('task', 'TASK_RUNNING'));
    expect((await frameworkState(scheduler.frameworkId)).used_resources.cpus).toBe(1);

    // GIVEN the task finished while its agent was away, so the master never heard
    agent.disconnect();
    const finished = agentStatus(agent.agentId, 'task', 'TASK_FINISHED');
    // WHEN the agent re-registers reporting it with its terminal update unacknowledged
    const back = await registerAgent({ agentId: agent.agentId, tasks: [endedTask(agent.agentId, scheduler.frameworkId, finished)] });

    // THEN the master keeps the task, ended, and its resources are free at once
    const kept = await frameworkState(scheduler.frameworkId);
    expect(kept.tasks).toEqual([expect.objectContaining({ id: 'task', state: 'TASK_FINISHED' })]);
    expect(kept.used_resources.cpus).toBe(0);
    // AND the framework hears of the end from the agent's update, and of nothing else
    await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_FINISHED', { uuid: finished.uuid, timestamp: finished.timestamp });
    await scheduler.acknowledge(await scheduler.update('task', 'TASK_FINISHED'));
    await ackFromMaster(back, finished.uuid!, 0);
    expect(statesOf(scheduler, 'task')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    const done = await frameworkState(scheduler.frameworkId);
    expect(done.tasks).toEqual([]);
    expect(done.completed_tasks).toEqual([expect.objectContaining({ id: 'task', state: 'TASK_FINISHED' })]);
  });

  test('a task completed here whose acknowledgement the agent missed is not brought back when the agent reports it', async () => {
    await startMaster();
    const agent = await registerAgent();
    const scheduler = await subscribe();
    await launch(scheduler, agent, 'task');
    const finished = await agent.sendUpdate(scheduler.frameworkId, 'task', 'TASK_FINISHED');
    const forwarded = await scheduler.update('task', 'TASK_FINISHED');

    // GIVEN the scheduler acknowledged TASK_FINISHED while the agent was away
    agent.disconnect();
    await scheduler.acknowledge(forwarded);
    // WHEN the agent re-registers still reporting the task, then retries the update
    const back = await registerAgent({ agentId: agent.agentId, tasks: [endedTask(agent.agentId, scheduler.frameworkId, finished)] });
    await back.sendUpdate(scheduler.frameworkId, 'task', 'TASK_FINISHED', { uuid: finished.uuid, timestamp: finished.timestamp });

    // THEN the master acknowledges the retry itself; the task stays completed, once
    await ackFromMaster(back, finished.uuid!, 0);
    const framework = await frameworkState(scheduler.frameworkId);
    expect(framework.tasks).toEqual([]);
    expect(framework.completed_tasks.map((t: { id: string }) => t.id)).toEqual(['task']);
    expect(statesOf(scheduler, 'task')).toEqual(['TASK_FINISHED']);
  });

  test('a master that never knew a task the agent reports ended adopts it without counting its resources', async () => {
    await startMaster();
    const frameworkId = 'fw-from-before';
    const finished = agentStatus('agent-from-before', 'ended', 'TASK_FINISHED');
    // GIVEN an agent of an earlier master with one running task and one ended, not yet acknowledged
    const agent = await registerAgent({
      agentId: 'agent-from-before',
      tasks: [runningTask({ agentId: 'agent-from-before' }, frameworkId, 'running'), endedTask('agent-from-before', frameworkId, finished)],
      frameworks: [{ id: { value: frameworkId }, name: 'veteran', user: 'ops', failover_timeout: 600 }],
    });

    // THEN both are known, but only the running one holds resources
    const recovered = await frameworkState(frameworkId);
    expect(recovered.tasks.map((t: { id: string; state: string }) => [t.id, t.state]).sort()).toEqual([['ended', 'TASK_FINISHED'], ['running', 'TASK_RUNNING']]);
    expect(recovered.used_resources.cpus).toBe(1);
    // AND once the framework is back, the ended task's update reaches it and its acknowledgement completes the task
    const scheduler = await subscribe(frameworkInfo({ id: { value: frameworkId }, failover_timeout: 600 }));
    await agent.sendUpdate(frameworkId, 'ended', 'TASK_FINISHED', { uuid: finished.uuid, timestamp: finished.timestamp });
    await scheduler.acknowledge(await scheduler.update('ended', 'TASK_FINISHED'));
    await ackFromMaster(agent, finished.uuid!, 0);
    expect((await frameworkState(frameworkId)).completed_tasks).toEqual([expect.objectContaining({ id: 'ended', state: 'TASK_FINISHED' })]);
  });
  test('operators hear of a change of health, not of every unhealthy report an executor repeats', async () => {
    await startMaster();
    const agent = await registerAgent();
    const scheduler = (await subscribe(frameworkInfo({ name: 'health' }))).autoAcknowledge();
    await launch(scheduler, agent, 'web');
    const events = await new RecordStream<OperatorEvent>(`${master.url}/api/v1`, { type: 'SUBSCRIBE' }).response();
    try {
      await events.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
      const health = { reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' as const };
      await agent.sendUpdate(scheduler.frameworkId, 'web', 'TASK_RUNNING');
      for (const healthy of [true, false, false, false, true]) await agent.sendUpdate(scheduler.frameworkId, 'web', 'TASK_RUNNING', { ...health, healthy });
      await agent.sendUpdate(scheduler.frameworkId, 'web', 'TASK_FINISHED');
      await events.waitFor((e) => e.type === 'TASK_UPDATED' && e.task_updated.state === 'TASK_FINISHED', 'TASK_UPDATED TASK_FINISHED');
      const seen = events.records.flatMap((e) => (e.type === 'TASK_UPDATED' ? [[e.task_updated.state, e.task_updated.status.healthy]] : []));
      expect(seen).toEqual([['TASK_RUNNING', undefined], ['TASK_RUNNING', true], ['TASK_RUNNING', false], ['TASK_RUNNING', true], ['TASK_FINISHED', undefined]]);
      // The scheduler is told every one, as Mesos tells it.
      expect(scheduler.updates('web').filter((u) => u.reason === health.reason).map((u) => u.healthy)).toEqual([true, false, false, false, true]);
    } finally {
      events.close();
    }
  });
});
