/**
 * LAUNCH_GROUP through a real master to a real agent, as a scheduler sees it on the wire: every task
 * of the group reports its states and writes its output in its own sandbox, a failing task takes its
 * sibling down, and the resources of the executor and of the tasks are free again once the group is over.
 */
import { AgentFilesClient } from '../../cluster/client/agent-files';
import type { Offer } from '../../cluster/protocol/types';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson } from '../helpers/http';
import { frameworkInfo, RawScheduler, launchGroup as launchTaskGroup } from '../helpers/scheduler';

describe('cluster: task groups', () => {
  let cluster: TestCluster | undefined;
  let scheduler: RawScheduler | undefined;

  afterEach(async () => {
    scheduler?.close();
    scheduler = undefined;
    await cluster?.close();
    cluster = undefined;
  });

  const launchGroup = (offer: Offer, executorId: string, tasks: [string, string][]) => launchTaskGroup(scheduler!, offer, executorId, tasks);

  test('a group runs to the end, and a failing task takes its sibling down; the resources come back', async () => {
    cluster = await startCluster({ agents: 1 });
    scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'pods' }))).autoAcknowledge();
    let [offer] = await scheduler.nextOffers();

    let mark = scheduler.events.length;
    await launchGroup(offer, 'pod-ok', [['ok-a', 'echo a'], ['ok-b', 'echo b']]);
    for (const id of ['ok-a', 'ok-b']) {
      for (const state of ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'] as const) {
        const status = await scheduler.update(id, state, { from: mark, timeoutMs: 30_000 });
        expect(status.executor_id).toEqual({ value: 'pod-ok' });
      }
    }

    // Each task's output is where a client following it looks (exec --stream): its own sandbox in the executor's.
    const files = new AgentFilesClient(cluster.agents[0].url);
    try {
      for (const [id, text] of [['ok-a', 'a\n'], ['ok-b', 'b\n']]) {
        const sandbox = await files.findSandbox(scheduler.frameworkId, id);
        expect(sandbox).toMatch(new RegExp(`/tasks/${id}$`));
        expect((await files.read(`${sandbox}/stdout`, 0))?.data).toBe(text);
      }
    } finally {
      files.close();
    }

    // What the first group did not take is offered again.
    [offer] = await scheduler.nextOffers({ from: mark, timeoutMs: 30_000 });
    mark = scheduler.events.length;
    await launchGroup(offer, 'pod-bad', [['bad', 'sleep 0.5; exit 1'], ['victim', 'sleep 60']]);
    const failed = await scheduler.update('bad', 'TASK_FAILED', { from: mark, timeoutMs: 30_000 });
    expect(failed.message).toBe('Command exited with status 1');
    const killed = await scheduler.update('victim', 'TASK_KILLED', { from: mark, timeoutMs: 30_000 });
    expect(killed.executor_id).toEqual({ value: 'pod-bad' });

    const state = await eventually(async () => {
      const s = await getJson(`${cluster!.url}/state`);
      return s.frameworks[0]?.completed_tasks?.length === 4 && s.slaves[0].used_resources.cpus === 0 ? s : undefined;
    }, 'every task completed and nothing in use');
    expect(state.slaves[0].used_resources.mem).toBe(0);
  });
});
