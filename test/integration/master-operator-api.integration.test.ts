/** The operator API (POST /api/v1) and the plain GET endpoints (/health, /version, /state). */
import { isDeepStrictEqual } from 'node:util';
import { createMaster, MASTER_VERSION, type Master } from '../../cluster/master';
import { decodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { silentLogger } from '../../cluster/util/log';
import { getJson, request } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

describe('master operator API', () => {
  let master: Master;
  let agent: RawAgent;
  let scheduler: RawScheduler;

  const operator = async (body: unknown) => request(`${master.url}/api/v1`, { body });

  beforeAll(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, cluster: 'test-cluster' });
    await master.listen();
    agent = await RawAgent.register(master.url, { resources: 'cpus:4;mem:2048;disk:100;ports:[31000-31009]' });
    scheduler = await RawScheduler.subscribe(master.url, frameworkInfo({ name: 'ops-view', failover_timeout: 30, checkpoint: true }));
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [commandTask(offer, 'long', 'sleep 1000', 'cpus:1;mem:256'), commandTask(offer, 'short', 'true', 'cpus:1;mem:64')], { refuse_seconds: 0 });
    await agent.waitFor((e) => e.type === 'RUN_TASK' && e.run_task.task.task_id.value === 'short', 'RUN_TASK short');
    await agent.sendUpdate(scheduler.frameworkId, 'long', 'TASK_RUNNING');
    await scheduler.acknowledge(await scheduler.update('long', 'TASK_RUNNING'));
    await agent.sendUpdate(scheduler.frameworkId, 'short', 'TASK_FINISHED');
    await scheduler.acknowledge(await scheduler.update('short', 'TASK_FINISHED'));
  });

  afterAll(async () => {
    scheduler.close();
    agent.disconnect();
    await master.close();
  });

  test('GET /health, /version', async () => {
    const health = await request(`${master.url}/health`);
    expect(health.status).toBe(200);
    expect(health.text).toBe('');
    expect(await getJson(`${master.url}/version`)).toMatchObject({ version: MASTER_VERSION });
    expect(MASTER_VERSION).toMatch(/^1\.11\.0-mesoscloud/);
  });

  test('GET /metrics/snapshot has Mesos\'s metric names', async () => {
    const metrics = await getJson(`${master.url}/metrics/snapshot`);
    expect(metrics).toMatchObject({
      'master/elected': 1,
      'master/slaves_connected': 1,
      'master/slaves_active': 1,
      'master/frameworks_connected': 1,
      'master/frameworks_active': 1,
      'master/tasks_running': 1,
    });
    expect(metrics['allocator/mesos/allocation_runs']).toBeGreaterThan(0);
    expect(metrics['allocator/mesos/allocation_run_ms/count']).toBe(metrics['allocator/mesos/allocation_runs']);
    expect(typeof metrics['allocator/mesos/allocation_run_ms/p50']).toBe('number');
  });

  test('GET_HEALTH and GET_VERSION', async () => {
    expect(JSON.parse((await operator({ type: 'GET_HEALTH' })).text)).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    const version = JSON.parse((await operator({ type: 'GET_VERSION' })).text);
    expect(version).toMatchObject({ type: 'GET_VERSION', get_version: { version_info: { version: MASTER_VERSION, build_user: '' } } });
    expect(version.get_version.version_info.build_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(typeof version.get_version.version_info.build_time).toBe('number');
  });

  test('GET_AGENTS', async () => {
    const res = JSON.parse((await operator({ type: 'GET_AGENTS' })).text);
    expect(res.type).toBe('GET_AGENTS');
    expect(res.get_agents.recovered_agents).toEqual([]);
    const [a] = res.get_agents.agents;
    expect(a).toMatchObject({
      agent_info: { id: { value: agent.agentId }, hostname: '127.0.0.1' },
      active: true,
      version: 'raw-agent',
      pid: 'slave(1)@127.0.0.1:5051',
    });
    expect(a.registered_time.nanoseconds).toBeGreaterThan(0);
    const cpus = (list: { name: string; scalar?: { value: number } }[]) => list.filter((r) => r.name === 'cpus').reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
    expect(cpus(a.total_resources)).toBe(4);
    expect(cpus(a.allocated_resources)).toBe(1);
    expect(Array.isArray(a.offered_resources)).toBe(true);
  });

  test('GET_FRAMEWORKS and GET_TASKS', async () => {
    const frameworks = JSON.parse((await operator({ type: 'GET_FRAMEWORKS' })).text).get_frameworks;
    expect(frameworks.frameworks).toHaveLength(1);
    expect(frameworks.frameworks[0]).toMatchObject({
      framework_info: { id: { value: scheduler.frameworkId }, name: 'ops-view' },
      active: true,
      connected: true,
      recovered: false,
    });
    expect(frameworks.completed_frameworks).toEqual([]);

    const tasks = JSON.parse((await operator({ type: 'GET_TASKS' })).text).get_tasks;
    expect(tasks.tasks.map((t: { task_id: { value: string }; state: string }) => [t.task_id.value, t.state])).toEqual([['long', 'TASK_RUNNING']]);
    expect(tasks.completed_tasks.map((t: { task_id: { value: string }; state: string }) => [t.task_id.value, t.state])).toEqual([['short', 'TASK_FINISHED']]);
    expect(tasks.tasks[0]).toMatchObject({ framework_id: { value: scheduler.frameworkId }, agent_id: { value: agent.agentId } });
  });

  test('GET_STATE holds tasks, executors, frameworks and agents', async () => {
    const res = JSON.parse((await operator({ type: 'GET_STATE' })).text);
    expect(Object.keys(res.get_state).sort()).toEqual(['get_agents', 'get_executors', 'get_frameworks', 'get_tasks']);
    expect(res.get_state.get_agents.agents).toHaveLength(1);
  });

  test('unknown or malformed operator calls are 400 naming the problem', async () => {
    // A call Mesos has that this master does not serve (no persistent volumes here).
    const unknown = await operator({ type: 'GROW_VOLUME', grow_volume: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('GROW_VOLUME');
    const incomplete = await operator({ type: 'START_MAINTENANCE' });
    expect(incomplete.status).toBe(400);
    expect(incomplete.text).toContain("'start_maintenance'");
    const missing = await operator({});
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('type');
  });

  test('/state has the legacy shape', async () => {
    for (const path of ['/state', '/master/state']) {
      const state = await getJson(`${master.url}${path}`);
      expect(state).toMatchObject({
        version: MASTER_VERSION,
        id: master.id,
        pid: `master@127.0.0.1:${master.port}`,
        hostname: '127.0.0.1',
        cluster: 'test-cluster',
        leader: `master@127.0.0.1:${master.port}`,
        leader_info: { id: master.id, port: master.port },
        activated_slaves: 1,
        deactivated_slaves: 0,
        unreachable_slaves: 0,
        completed_frameworks: [],
        orphan_tasks: [],
        unregistered_frameworks: [],
      });
      expect(state.flags).toMatchObject({ port: String(master.port), cluster: 'test-cluster' });
      expect(typeof state.start_time).toBe('number');
      expect(typeof state.elected_time).toBe('number');

      const [slave] = state.slaves;
      expect(slave).toMatchObject({
        id: agent.agentId,
        pid: 'slave(1)@127.0.0.1:5051',
        hostname: '127.0.0.1',
        port: 5051,
        resources: { cpus: 4, mem: 2048, disk: 100, ports: '[31000-31009]' },
        used_resources: { cpus: 1, mem: 256 },
        unreserved_resources: { cpus: 4, mem: 2048 },
        attributes: { rack: 'r1' },
        active: true,
      });
      expect(typeof slave.registered_time).toBe('number');
      expect(slave.offered_resources).toBeDefined();

      const [framework] = state.frameworks;
      expect(framework).toMatchObject({
        id: scheduler.frameworkId,
        name: 'ops-view',
        user: 'tester',
        role: '*',
        active: true,
        connected: true,
        failover_timeout: 30,
        checkpoint: true,
        capabilities: [],
        used_resources: { cpus: 1, mem: 256 },
      });
      // Like Mesos, `roles` only for MULTI_ROLE frameworks, and no re-registration time before one.
      expect(framework.roles).toBeUndefined();
      expect(framework.reregistered_time).toBeUndefined();
      expect(framework.tasks).toHaveLength(1);
      expect(framework.tasks[0]).toMatchObject({
        id: 'long', name: 'long', framework_id: scheduler.frameworkId, slave_id: agent.agentId, state: 'TASK_RUNNING',
        resources: { cpus: 1, mem: 256 },
      });
      expect(framework.tasks[0].statuses.map((s: { state: string }) => s.state)).toEqual(['TASK_RUNNING']);
      expect(typeof framework.tasks[0].statuses[0].timestamp).toBe('number');
      expect(framework.completed_tasks.map((t: { id: string; state: string }) => [t.id, t.state])).toEqual([['short', 'TASK_FINISHED']]);
      expect(Array.isArray(framework.offers)).toBe(true);
      expect(framework.executors).toEqual([]);
    }
  });

  test('/state reflects changes (it is cached, but never stale)', async () => {
    const before = await getJson(`${master.url}/state`);
    expect(before.frameworks[0].tasks).toHaveLength(1);
    const mark = scheduler.events.length;
    await agent.sendUpdate(scheduler.frameworkId, 'long', 'TASK_FAILED');
    await scheduler.update('long', 'TASK_FAILED', { from: mark });
    const after = await getJson(`${master.url}/state`);
    expect(after.frameworks[0].tasks[0].state).toBe('TASK_FAILED');
    expect(after.slaves[0].used_resources.cpus).toBe(0);
  });

  // Last: the health report below adds a status that the tests above do not expect.
  test('GET_STATE in JSON and protobuf says what GET_TASKS, GET_EXECUTORS, GET_FRAMEWORKS and GET_AGENTS say, also after a task changes', async () => {
    const protobuf = { Accept: 'application/x-protobuf' };
    const single = ['get_tasks', 'get_executors', 'get_frameworks', 'get_agents'];
    const answer = async (type: string, headers?: Record<string, string>) => {
      const res = await request(`${master.url}/api/v1`, { body: { type }, headers });
      expect(res.status).toBe(200);
      if (!headers) return JSON.parse(res.text);
      expect(res.headers['content-type']).toBe('application/x-protobuf');
      const decoded = decodeProtobuf(V1_MESSAGES.masterResponse, res.bytes);
      if (!decoded.ok) throw new Error(decoded.message);
      return decoded.value;
    };
    // Offers come and go between calls: compare views taken while GET_STATE stayed the same around them.
    const expectAgrees = async () => {
      for (const headers of [undefined, protobuf]) {
        for (let attempt = 1; ; attempt++) {
          const before = (await answer('GET_STATE', headers)).get_state;
          const views = Object.fromEntries(await Promise.all(single.map(async (field) => [field, (await answer(field.toUpperCase(), headers))[field]])));
          const after = (await answer('GET_STATE', headers)).get_state;
          if (!isDeepStrictEqual(before, after) && attempt < 20) continue;
          for (const field of single) expect({ [field]: after[field] }).toEqual({ [field]: views[field] });
          break;
        }
      }
    };
    await expectAgrees();
    // A health report changes the task's statuses: a kept rendering of the task must not be served.
    await agent.sendUpdate(scheduler.frameworkId, 'long', 'TASK_RUNNING', { healthy: true });
    await scheduler.acknowledge(await scheduler.update('long', 'TASK_RUNNING'));
    const statuses = (await answer('GET_STATE')).get_state.get_tasks.tasks[0].statuses;
    expect(statuses[statuses.length - 1]).toMatchObject({ state: 'TASK_RUNNING', healthy: true });
    await expectAgrees();
  });
});
