/**
 * A real cluster in one process (master + agents running real task processes), driven through the
 * scheduler API on the wire: launch, status updates and acknowledgements, kill, /state, and an agent
 * that goes silent.
 */
import type { TaskState, TaskStatus } from '../../cluster/protocol/types';
import { killGroupOrProcess, waitForExit } from '../../infra/machine/processes';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson } from '../helpers/http';
import { commandTask, frameworkInfo, RawScheduler, scalarOf } from '../helpers/scheduler';

describe('cluster: tasks end to end', () => {
  let cluster: TestCluster | undefined;
  const schedulers: RawScheduler[] = [];
  /** Process groups of tasks whose agent was stopped without killing them; killed after each test. */
  const orphanGroups: number[] = [];

  afterEach(async () => {
    for (const s of schedulers.splice(0)) s.close();
    // Orphans first, so nothing writes into the work dirs once the cluster has removed them.
    const orphans = orphanGroups.splice(0);
    for (const pgid of orphans) killGroupOrProcess(pgid, 'SIGKILL');
    const left = await waitForExit(orphans, 15_000);
    if (left.length > 0) throw new Error(`task processes ${left.join(', ')} outlived SIGKILL`);
    await cluster?.close();
    cluster = undefined;
  });

  const subscribe = async (info = frameworkInfo()) => {
    const scheduler = await RawScheduler.subscribe(cluster!.url, info);
    schedulers.push(scheduler);
    return scheduler.autoAcknowledge();
  };

  /** Waits for each state in turn (the agent sends the next after the previous is acknowledged). */
  const followStates = async (scheduler: RawScheduler, taskId: string, states: TaskState[], from: number): Promise<TaskStatus[]> => {
    const seen: TaskStatus[] = [];
    for (const state of states) seen.push(await scheduler.update(taskId, state, { from, timeoutMs: 30_000 }));
    return seen;
  };

  test('echo hello runs to TASK_FINISHED and shows in /state as a completed task', async () => {
    cluster = await startCluster({ agents: 2 });
    const scheduler = await subscribe(frameworkInfo({ name: 'hello' }));
    const offered = () => scheduler.events.flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : []));
    await eventually(() => new Set(offered().map((o) => o.agent_id.value)).size === 2, 'offers from both agents');
    const offer = offered()[0];
    expect(scalarOf(offer, 'cpus')).toBe(2);
    expect(scalarOf(offer, 'mem')).toBe(1024);

    const mark = scheduler.events.length;
    await scheduler.launch([offer], [commandTask(offer, 'hello', 'echo hello', 'cpus:0.5;mem:64')]);
    const statuses = await followStates(scheduler, 'hello', ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'], mark);
    for (const status of statuses) {
      expect(status.uuid).toEqual(expect.any(String));
      expect(status.agent_id?.value).toBe(offer.agent_id.value);
    }
    expect(new Set(statuses.map((s) => s.uuid)).size).toBe(3);

    // Once the final update is acknowledged the task is completed and its resources are free.
    const state = await eventually(async () => {
      const s = await getJson(`${cluster!.url}/state`);
      return s.frameworks[0].completed_tasks.length === 1 ? s : undefined;
    }, 'the task to be completed');
    expect(state.slaves).toHaveLength(2);
    const [framework] = state.frameworks;
    expect(framework.tasks).toEqual([]);
    expect(framework.completed_tasks[0]).toMatchObject({ id: 'hello', state: 'TASK_FINISHED', slave_id: offer.agent_id.value });
    expect(framework.completed_tasks[0].statuses.map((s: { state: string }) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const slave = state.slaves.find((s: { id: string }) => s.id === offer.agent_id.value);
    expect(slave.used_resources.cpus).toBe(0);
  });

  test('KILL of a running sleep task ends in TASK_KILLED', async () => {
    cluster = await startCluster({ agents: 1 });
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    const mark = scheduler.events.length;
    await scheduler.launch([offer], [commandTask(offer, 'sleeper', 'sleep 300')]);
    await followStates(scheduler, 'sleeper', ['TASK_STARTING', 'TASK_RUNNING'], mark);
    const state = await getJson(`${cluster.url}/state`);
    expect(state.frameworks[0].tasks[0]).toMatchObject({ id: 'sleeper', state: 'TASK_RUNNING' });

    await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'sleeper' }, agent_id: offer.agent_id } });
    await scheduler.update('sleeper', 'TASK_KILLED', { from: mark, timeoutMs: 30_000 });
    const after = await eventually(async () => {
      const s = await getJson(`${cluster!.url}/state`);
      return s.frameworks[0].completed_tasks.length === 1 ? s : undefined;
    }, 'the killed task to be completed');
    expect(after.frameworks[0].completed_tasks.map((t: { id: string; state: string }) => [t.id, t.state])).toEqual([['sleeper', 'TASK_KILLED']]);
  });

  test('an agent that goes silent: its tasks become TASK_LOST, or TASK_UNREACHABLE for partition-aware frameworks', async () => {
    cluster = await startCluster({ agents: 1, master: { agentPingTimeoutSeconds: 0.2, maxAgentPingTimeouts: 3 } });
    const [agent] = cluster.agents;
    const plain = await subscribe(frameworkInfo({ name: 'plain', failover_timeout: 300 }));
    const aware = await subscribe(frameworkInfo({ name: 'aware', failover_timeout: 300, capabilities: [{ type: 'PARTITION_AWARE' }] }));

    const launchOn = async (scheduler: RawScheduler, taskId: string) => {
      const offer = await eventually(
        () => scheduler.events.flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : [])).find((o) => scalarOf(o, 'cpus') >= 0.5 && !launched.has(o.id.value)),
        `an offer for ${taskId}`,
      );
      launched.add(offer.id.value);
      const mark = scheduler.events.length;
      await scheduler.launch([offer], [commandTask(offer, taskId, 'sleep 300', 'cpus:0.5;mem:64')], { refuse_seconds: 0 });
      const [, running] = await followStates(scheduler, taskId, ['TASK_STARTING', 'TASK_RUNNING'], mark);
      if (running.container_status?.executor_pid) orphanGroups.push(running.container_status.executor_pid);
    };
    const launched = new Set<string>();
    await launchOn(plain, 'plain-sleeper');
    await launchOn(aware, 'aware-sleeper');
    const plainMark = plain.events.length;
    const awareMark = aware.events.length;

    // The agent stops without killing its tasks, as after a crash: nobody answers the master's pings.
    await cluster.stopAgent(agent, false);
    const lost = await plain.update('plain-sleeper', 'TASK_LOST', { from: plainMark, timeoutMs: 30_000 });
    expect(lost).toMatchObject({ source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REMOVED', agent_id: { value: agent.agentId } });
    const unreachable = await aware.update('aware-sleeper', 'TASK_UNREACHABLE', { from: awareMark, timeoutMs: 30_000 });
    expect(unreachable.reason).toBe('REASON_AGENT_REMOVED');
    await plain.waitFor((e) => e.type === 'FAILURE' && e.failure.agent_id?.value === agent.agentId, 'FAILURE', { from: plainMark });
    const state = await getJson(`${cluster.url}/state`);
    expect(state.unreachable_slaves).toBe(1);
    expect(state.slaves).toEqual([]);
    const awareState = state.frameworks.find((f: { name: string }) => f.name === 'aware');
    expect(awareState.unreachable_tasks.map((t: { id: string; state: string }) => [t.id, t.state])).toEqual([['aware-sleeper', 'TASK_UNREACHABLE']]);
  });
});
