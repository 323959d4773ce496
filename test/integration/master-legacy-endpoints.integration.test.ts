/**
 * Mesos's legacy JSON endpoints (/state-summary, /slaves, /frameworks, /tasks, /roles, /flags and
 * their /master/ twins) and the metrics (/metrics/snapshot, /metrics in Prometheus text) against a
 * real cluster where one task has finished and one is running.
 */
import { startCluster, type TestCluster } from '../helpers/cluster';
import { getJson, request } from '../helpers/http';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

describe('master legacy endpoints and metrics', () => {
  let cluster: TestCluster;
  let scheduler: RawScheduler;
  let agentId: string;

  beforeAll(async () => {
    cluster = await startCluster({ agents: 1, agentResources: 'cpus:2;mem:1024;disk:1024;ports:[31000-31099]', master: { cluster: 'legacy-test' } });
    agentId = cluster.agents[0].agentId!;
    scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'legacy', role: 'ops' }))).autoAcknowledge();
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [
      commandTask(offer, 'done', 'echo done', 'cpus:0.5;mem:64'),
      commandTask(offer, 'sleeper', 'sleep 1000', 'cpus:0.5;mem:128'),
    ]);
    await scheduler.update('done', 'TASK_FINISHED');
    await scheduler.update('sleeper', 'TASK_RUNNING');
    // The finished task leaves the live list once its update is acknowledged.
    for (let i = 0; i < 100; i++) {
      const tasks = (await getJson(`${cluster.url}/tasks`)).tasks as { id: string; state: string }[];
      const frameworks = await getJson(`${cluster.url}/frameworks`);
      if (tasks.length === 2 && frameworks.frameworks[0].completed_tasks.length === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    scheduler.close();
    await cluster.close();
  });

  test('/state-summary counts tasks per agent and per framework', async () => {
    const summary = await getJson(`${cluster.url}/state-summary`);
    expect(summary.cluster).toBe('legacy-test');
    expect(typeof summary.hostname).toBe('string');
    expect(summary.slaves).toHaveLength(1);
    expect(summary.slaves[0]).toMatchObject({
      id: agentId,
      active: true,
      resources: { cpus: 2, mem: 1024, disk: 1024 },
      used_resources: { cpus: 1 - 0.5, mem: 128 },
      TASK_RUNNING: 1,
      TASK_FINISHED: 1,
      TASK_STAGING: 0,
      TASK_FAILED: 0,
      framework_ids: [scheduler.frameworkId],
    });
    expect(summary.frameworks).toEqual([expect.objectContaining({
      id: scheduler.frameworkId,
      name: 'legacy',
      active: true,
      connected: true,
      TASK_RUNNING: 1,
      TASK_FINISHED: 1,
      TASK_KILLED: 0,
      slave_ids: [agentId],
      used_resources: expect.objectContaining({ cpus: 0.5, mem: 128 }),
    })]);
    // Summaries never list tasks.
    expect(JSON.stringify(summary)).not.toContain('sleeper');
  });

  test('/slaves lists registered agents, one with slave_id', async () => {
    const slaves = await getJson(`${cluster.url}/slaves`);
    expect(slaves.recovered_slaves).toEqual([]);
    expect(slaves.slaves).toEqual([expect.objectContaining({
      id: agentId,
      hostname: '127.0.0.1',
      active: true,
      resources: expect.objectContaining({ cpus: 2, mem: 1024, disk: 1024, ports: '[31000-31099]' }),
      used_resources: expect.objectContaining({ cpus: 0.5, mem: 128 }),
    })]);
    expect((await getJson(`${cluster.url}/slaves?slave_id=${agentId}`)).slaves).toHaveLength(1);
    expect((await getJson(`${cluster.url}/slaves?slave_id=unknown`)).slaves).toEqual([]);
  });

  test('/frameworks: live tasks, completed tasks, framework_id filter', async () => {
    const body = await getJson(`${cluster.url}/frameworks`);
    expect(body.completed_frameworks).toEqual([]);
    expect(body.unregistered_frameworks).toEqual([]);
    const [framework] = body.frameworks;
    expect(framework).toMatchObject({ id: scheduler.frameworkId, name: 'legacy', role: 'ops', active: true });
    expect(framework.tasks.map((t: { id: string }) => t.id)).toEqual(['sleeper']);
    expect(framework.completed_tasks.map((t: { id: string; state: string }) => [t.id, t.state])).toEqual([['done', 'TASK_FINISHED']]);
    expect((await getJson(`${cluster.url}/frameworks?framework_id=nope`)).frameworks).toEqual([]);
  });

  test('/tasks pages with limit, offset and order', async () => {
    const all = (await getJson(`${cluster.url}/tasks`)).tasks;
    expect(all.map((t: { id: string }) => t.id).sort()).toEqual(['done', 'sleeper']);
    expect(all[0]).toMatchObject({ framework_id: scheduler.frameworkId, slave_id: agentId, role: 'ops' });
    expect(all[0].statuses.length).toBeGreaterThan(0);
    const asc = (await getJson(`${cluster.url}/tasks?order=asc`)).tasks.map((t: { id: string }) => t.id);
    const des = (await getJson(`${cluster.url}/tasks?order=des`)).tasks.map((t: { id: string }) => t.id);
    expect(des).toEqual([...asc].reverse());
    expect((await getJson(`${cluster.url}/tasks?limit=1&order=asc`)).tasks.map((t: { id: string }) => t.id)).toEqual([asc[0]]);
    expect((await getJson(`${cluster.url}/tasks?limit=1&offset=1&order=asc`)).tasks.map((t: { id: string }) => t.id)).toEqual([asc[1]]);
    expect((await getJson(`${cluster.url}/tasks?offset=5`)).tasks).toEqual([]);
    expect((await getJson(`${cluster.url}/tasks?task_id=sleeper`)).tasks.map((t: { state: string }) => t.state)).toEqual(['TASK_RUNNING']);
  });

  test.each([
    ['limit=-1', 'limit'],
    ['limit=ten', 'limit'],
    ['offset=1.5', 'offset'],
    ['order=up', 'order'],
    ['framework_id=', 'framework_id'],
  ])('/tasks?%s is a 400 naming %s', async (query, name) => {
    const res = await request(`${cluster.url}/tasks?${query}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain(`'${name}'`);
  });

  test('/roles shows the framework\'s role and what it holds', async () => {
    const { roles } = await getJson(`${cluster.url}/roles`);
    const ops = roles.find((r: { name: string }) => r.name === 'ops');
    expect(ops).toMatchObject({ name: 'ops', weight: 1, frameworks: [scheduler.frameworkId] });
    expect(ops.allocated).toMatchObject({ cpus: 0.5, mem: 128 });
  });

  test('/flags', async () => {
    const { flags } = await getJson(`${cluster.url}/flags`);
    expect(flags).toMatchObject({ cluster: 'legacy-test', ip: '127.0.0.1', port: String(new URL(cluster.url).port) });
  });

  test.each(['state-summary', 'slaves', 'frameworks', 'tasks', 'roles', 'flags'])('/master/%s is the same as /%s', async (path) => {
    const [plain, twin] = await Promise.all([request(`${cluster.url}/${path}`), request(`${cluster.url}/master/${path}`)]);
    expect(twin.status).toBe(200);
    expect(Object.keys(JSON.parse(twin.text))).toEqual(Object.keys(JSON.parse(plain.text)));
  });

  test('/metrics/snapshot has Mesos\'s names and the cluster\'s figures', async () => {
    const metrics = await getJson(`${cluster.url}/metrics/snapshot`);
    expect(metrics).toMatchObject({
      'master/elected': 1,
      'master/tasks_running': 1,
      'master/tasks_finished': 1,
      'master/tasks_failed': 0,
      'master/tasks_killed': 0,
      'master/tasks_staging': 0,
      'master/cpus_total': 2,
      'master/cpus_used': 0.5,
      'master/cpus_percent': 0.25,
      'master/mem_total': 1024,
      'master/mem_used': 128,
      'master/mem_percent': 0.125,
      'master/disk_total': 1024,
      'master/slaves_active': 1,
      'master/slaves_connected': 1,
      'master/slaves_disconnected': 0,
      'master/slaves_inactive': 0,
      'master/slaves_unreachable': 0,
      'master/frameworks_active': 1,
      'master/frameworks_connected': 1,
      'allocator/mesos/resources/cpus/total': 2,
    });
    expect(metrics['master/uptime_secs']).toBeGreaterThan(0);
    expect(metrics['allocator/mesos/allocation_runs']).toBeGreaterThan(0);
    expect(typeof metrics['allocator/mesos/allocation_run_ms/p99']).toBe('number');
  });

  test('/metrics is Prometheus text derived from the same snapshot', async () => {
    const res = await request(`${cluster.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text.endsWith('\n')).toBe(true);
    const samples = new Map<string, number>();
    const types = new Map<string, string>();
    for (const line of res.text.slice(0, -1).split('\n')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/.exec(line);
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
      if (type) types.set(type[1], type[2]);
      else if (sample) samples.set(sample[1], Number(sample[2]));
      else throw new Error(`not exposition format: ${JSON.stringify(line)}`);
    }
    expect(samples.get('mesos_master_tasks_running')).toBe(1);
    expect(samples.get('mesos_master_tasks_finished')).toBe(1);
    expect(samples.get('mesos_master_cpus_total')).toBe(2);
    expect(samples.get('mesos_master_slaves_active')).toBe(1);
    expect(types.get('mesos_master_tasks_finished')).toBe('counter');
    expect(types.get('mesos_master_tasks_running')).toBe('gauge');
    for (const name of samples.keys()) expect(types.has(name)).toBe(true);
  });
});
