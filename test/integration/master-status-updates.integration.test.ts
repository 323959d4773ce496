/**
 * How the master relays status updates between a wire-level agent and a scheduler: TASK_KILLING only
 * for frameworks that declared TASK_KILLING_STATE, and retries of the same update (same uuid) after
 * the agent re-registers or arriving late, which must never reach the scheduler twice out of order.
 */
import { createMaster, type Master } from '../../cluster/master';
import type { Task, TaskState } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { request } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

describe('master: relaying status updates', () => {
  let master: Master;
  const agents: RawAgent[] = [];
  const schedulers: RawScheduler[] = [];

  const startMaster = async (opts: Parameters<typeof createMaster>[0] = {}) => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, allocationIntervalMs: 50, ...opts });
    await master.listen();
  };

  afterEach(async () => {
    for (const s of schedulers.splice(0)) s.close();
    for (const a of agents.splice(0)) a.disconnect();
    await master.close();
  });

  const registerAgent = async (opts: Parameters<typeof RawAgent.register>[1] = {}) => {
    const agent = await RawAgent.register(master.url, opts);
    agents.push(agent);
    return agent;
  };
  const subscribe = async (info = frameworkInfo()) => {
    const scheduler = await RawScheduler.subscribe(master.url, info);
    schedulers.push(scheduler);
    return scheduler;
  };
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
  const runningTask = (agent: RawAgent, frameworkId: string, taskId: string, state: TaskState = 'TASK_RUNNING'): Task => ({
    name: taskId, task_id: { value: taskId }, framework_id: { value: frameworkId }, agent_id: { value: agent.agentId },
    state, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], statuses: [],
  });

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
});
