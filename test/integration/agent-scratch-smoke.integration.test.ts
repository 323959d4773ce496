import { startCluster } from '../helpers/cluster';
import { RawScheduler, commandTask, frameworkInfo } from '../helpers/scheduler';

test('smoke: real master + real agent', async () => {
  const cluster = await startCluster({ agents: 1, master: { allocationIntervalMs: 50 } });
  try {
    const s = await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'smoke' }));
    const offers = await s.nextOffers();
    await s.launch(offers, [commandTask(offers[0], 't1', 'echo hi; sleep 0.2'), commandTask(offers[0], 't2', 'sleep 100')]);
    for (const st of ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'] as const) {
      const u = await s.update('t1', st);
      console.log('t1', st, JSON.stringify(u).slice(0, 300));
      await s.acknowledge(u);
    }
    await s.acknowledge(await s.update('t2', 'TASK_STARTING'));
    await s.acknowledge(await s.update('t2', 'TASK_RUNNING'));
    await s.call({ type: 'KILL', kill: { task_id: { value: 't2' } } });
    const k = await s.update('t2', 'TASK_KILLED');
    console.log('t2 killed', JSON.stringify(k).slice(0, 300));
    const state = await (await fetch(`${cluster.url}/state`)).json();
    console.log(JSON.stringify(state.slaves?.[0] ?? state.agents?.[0]).slice(0, 600));
    s.close();
  } finally {
    await cluster.close();
  }
});
