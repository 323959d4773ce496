/**
 * TASK_KILLING with real agents: the agent reports it whenever a task is killed, and the master passes
 * it on only to frameworks that declared TASK_KILLING_STATE. For the others it acknowledges the
 * update itself; otherwise the agent, which sends a task's updates in order, would hold back the
 * terminal TASK_KILLED waiting for an acknowledgement that never comes.
 */
import { startCluster, type TestCluster } from '../helpers/cluster';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

describe('cluster: killing a task', () => {
  let cluster: TestCluster | undefined;
  const schedulers: RawScheduler[] = [];

  afterEach(async () => {
    for (const s of schedulers.splice(0)) s.close();
    await cluster?.close();
    cluster = undefined;
  });

  /** Subscribes, runs `sleep 100` and waits until it is running; the driver acknowledges every update. */
  const runSleeper = async (name: string, capabilities: { type: string }[]) => {
    const scheduler = (await RawScheduler.subscribe(cluster!.url, frameworkInfo({ name, capabilities }))).autoAcknowledge();
    schedulers.push(scheduler);
    const [offer] = await scheduler.nextOffers({ timeoutMs: 30_000 });
    await scheduler.launch([offer], [commandTask(offer, `${name}-sleeper`, 'sleep 100')]);
    await scheduler.update(`${name}-sleeper`, 'TASK_RUNNING', { timeoutMs: 30_000 });
    return { scheduler, agentId: offer.agent_id };
  };

  test('TASK_KILLING only for frameworks with TASK_KILLING_STATE; TASK_KILLED reaches both', async () => {
    cluster = await startCluster({ agents: 2 });
    const plain = await runSleeper('plain', []);
    const aware = await runSleeper('aware', [{ type: 'TASK_KILLING_STATE' }]);

    for (const { scheduler, agentId } of [plain, aware]) {
      const taskId = `${scheduler === plain.scheduler ? 'plain' : 'aware'}-sleeper`;
      await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: taskId }, agent_id: agentId } });
    }
    await plain.scheduler.update('plain-sleeper', 'TASK_KILLED', { timeoutMs: 30_000 });
    await aware.scheduler.update('aware-sleeper', 'TASK_KILLED', { timeoutMs: 30_000 });

    const states = (s: RawScheduler, taskId: string) => s.updates(taskId).map((u) => u.state);
    const plainStates = states(plain.scheduler, 'plain-sleeper');
    expect(plainStates).not.toContain('TASK_KILLING');
    expect(plainStates.slice(-2)).toEqual(['TASK_RUNNING', 'TASK_KILLED']);
    expect(states(aware.scheduler, 'aware-sleeper').slice(-3)).toEqual(['TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
  });
});
