/**
 * An agent cut off from the master registers again and reports what it holds, including tasks that
 * ended while it was away and whose terminal update nobody has acknowledged yet. The master must take
 * that end from the agent's own update instead of declaring the task gone first: the framework hears
 * of the task's end once, as it really happened.
 *
 * The cut is a real one: the agent dials the master through a TCP proxy that breaks the connection
 * and holds new ones until the network "comes back", so the task can end while the agent has no
 * master to tell.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findSandboxInState } from '../../cluster/client/agent-files';
import { isTerminalState } from '../../cluster/protocol/types';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson } from '../helpers/http';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';
import { TcpProxy } from '../helpers/tcp-proxy';

describe('cluster: an agent re-registering after its stream to the master dropped', () => {
  let cluster: TestCluster | undefined;
  let proxy: TcpProxy | undefined;
  let scheduler: RawScheduler | undefined;

  afterEach(async () => {
    scheduler?.close();
    await cluster?.close();
    await proxy?.close();
    cluster = proxy = scheduler = undefined;
  });

  test('a task that finished meanwhile is reported TASK_FINISHED once, never TASK_GONE or TASK_LOST', async () => {
    cluster = await startCluster({ agents: 0 });
    proxy = await TcpProxy.start(cluster.url);
    // Retries an hour apart: the only re-send of the update is the one that follows the re-registration.
    const agent = await cluster.addAgent({ master: proxy.url, statusUpdateRetrySeconds: 3600 });
    const masterState = () => getJson(`${cluster!.url}/state`);
    const masterAgent = async () => (await masterState()).slaves.find((s: { id: string }) => s.id === agent.agentId);
    const agentTaskState = async (taskId: string): Promise<string | undefined> => {
      const state = await getJson(`${agent.url}/state`);
      const executors = state.frameworks.flatMap((f: { executors: unknown[] }) => f.executors) as { tasks: { id: string; state: string }[] }[];
      return executors.flatMap((e) => e.tasks).find((t) => t.id === taskId)?.state;
    };

    // GIVEN a running task that ends once a file appears in its sandbox
    scheduler = await RawScheduler.subscribe(cluster.url, frameworkInfo());
    const frameworkId = scheduler.frameworkId;
    const [offer] = await scheduler.nextOffers({ timeoutMs: 30_000 });
    await scheduler.launch([offer], [commandTask(offer, 'waiter', 'while [ ! -e release ]; do sleep 0.05; done', 'cpus:1;mem:64')]);
    for (const state of ['TASK_STARTING', 'TASK_RUNNING'] as const) {
      await scheduler.acknowledge(await scheduler.update('waiter', state, { timeoutMs: 30_000 }));
    }

    // WHEN the agent's stream to the master drops and the master sees the agent disconnected
    proxy.partition();
    await eventually(async () => (await masterAgent())?.active === false, 'the master to see the agent disconnected');
    // AND the task finishes while the agent cannot tell the master
    const sandbox = await eventually(async () => findSandboxInState(await getJson(`${agent.url}/state`), frameworkId, 'waiter'), 'the task\'s sandbox');
    fs.writeFileSync(path.join(sandbox, 'release'), '');
    await eventually(async () => (await agentTaskState('waiter')) === 'TASK_FINISHED', 'the agent to see the task finish');
    // AND the agent registers again
    proxy.heal();

    // THEN the framework hears TASK_FINISHED, the real end, and no other terminal state
    const finished = await scheduler.update('waiter', 'TASK_FINISHED', { timeoutMs: 30_000 });
    expect(await masterAgent()).toMatchObject({ active: true, reregistered_time: expect.any(Number) });
    expect(scheduler.updates('waiter').filter((s) => isTerminalState(s.state)).map((s) => s.state)).toEqual(['TASK_FINISHED']);
    // AND until acknowledged, the master keeps the task, but its resources are free
    const before = (await masterState()).frameworks.find((f: { id: string }) => f.id === frameworkId);
    expect(before.tasks).toEqual([expect.objectContaining({ id: 'waiter', state: 'TASK_FINISHED' })]);
    expect(before.used_resources.cpus).toBe(0);

    // WHEN the framework acknowledges it
    await scheduler.acknowledge(finished);

    // THEN the task is among the completed ones, and it ended only once
    const after = await eventually(async () => {
      const framework = (await masterState()).frameworks.find((f: { id: string }) => f.id === frameworkId);
      return framework.tasks.length === 0 && framework;
    }, 'the task to leave the live tasks');
    expect(after.completed_tasks).toEqual([expect.objectContaining({ id: 'waiter', state: 'TASK_FINISHED' })]);
    expect(scheduler.updates('waiter').filter((s) => isTerminalState(s.state)).map((s) => s.state)).toEqual(['TASK_FINISHED']);
  });
});
