/**
 * The agent's operator endpoints through its real HTTP port, against tasks it really runs:
 * /metrics/snapshot (Mesos's slave/* and system/* names), /monitor/statistics and /containers (a
 * task burning cpu, without cgroups and with the kernel's), the fields /state gained, and every
 * call of POST /api/v1 (agent.proto) in JSON and in protobuf, with the 400s, 415 and 406 for calls it
 * must refuse.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAgent, type Agent } from '../../cluster/agent';
import { AGENT_DEFAULTS } from '../../cluster/agent/options';
import { createIsolator, DEFAULT_CGROUPS_MOUNT } from '../../cluster/agent/cgroups';
import { silentLogger } from '../../cluster/util/log';
import type { Resource } from '../../cluster/protocol/types';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { cgroupsUsable } from '../helpers/cgroups';
import { eventually, getJson, request } from '../helpers/http';
import { agentWithFakeMaster, FakeMaster } from './agent-fake-master';

const MB = 1024 * 1024;
const FRAMEWORK = { framework_id: { value: 'fw' }, framework_info: { user: 'root', name: 'operator-api-test' } };

function scalars(spec: Record<string, number>): Resource[] {
  return Object.entries(spec).map(([name, value]) => ({ name, type: 'SCALAR' as const, scalar: { value } }));
}

function runTask(master: FakeMaster, id: string, command: string, resources: Record<string, number> = {}): void {
  master.send({
    type: 'RUN_TASK',
    run_task: { ...FRAMEWORK, task: { name: id, task_id: { value: id }, agent_id: { value: 'fake-master-S0' }, resources: scalars(resources), command: { value: command } } },
  });
}

/** Burns cpu until killed: the shell itself spins, so the task's own process accumulates user time. */
const BURN = 'while :; do :; done';

let scratch: string;
let master: FakeMaster;
let agent: Agent;

beforeAll(async () => {
  ({ scratch, master, agent } = await agentWithFakeMaster('agent-operator-api-'));
  runTask(master, 'done', 'echo hello; echo oops >&2', { cpus: 0.1, mem: 16 });
  runTask(master, 'fails', 'exit 3', { cpus: 0.1, mem: 16 });
  await master.waitFor(() => master.states('done').includes('TASK_FINISHED') && master.states('fails').includes('TASK_FAILED'), 'both short tasks to end');
  runTask(master, 'burner', BURN, { cpus: 0.5, mem: 64 });
  await master.waitFor(() => master.states('burner').includes('TASK_RUNNING'), 'the burner to run');
});

afterAll(async () => {
  await agent.close({ killTasks: true });
  await master.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const api = (body: unknown, headers: Record<string, string> = {}) => request(`${agent.url}/api/v1`, { body, headers });

async function call(body: Record<string, unknown>): Promise<any> {
  const res = await api(body);
  expect({ status: res.status, text: res.text.slice(0, 300) }).toEqual({ status: 200, text: expect.any(String) });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(res.text);
}

describe('GET /metrics/snapshot', () => {
  it('reports the running task, the ended ones and the agent under Mesos names', async () => {
    // The short tasks' terminal updates are acknowledged by then; the counters already saw them.
    const m = await getJson<Record<string, number>>(`${agent.url}/metrics/snapshot`);
    expect(m).toMatchObject({
      'slave/registered': 1,
      'slave/tasks_running': 1,
      'slave/tasks_staging': 0,
      'slave/tasks_starting': 0,
      'slave/tasks_finished': 1,
      'slave/tasks_failed': 1,
      'slave/tasks_killed': 0,
      'slave/tasks_lost': 0,
      'slave/executors_running': 1,
      'slave/executors_terminated': 2,
      'slave/frameworks_active': 1,
      'slave/cpus_total': 1,
      'slave/cpus_used': 0.5,
      'slave/cpus_percent': 0.5,
      'slave/mem_total': 256,
      'slave/mem_used': 64,
      'slave/mem_percent': 0.25,
      'slave/disk_total': 256,
      'slave/disk_used': 0,
      'slave/gpus_total': 0,
      'slave/invalid_status_updates': 0,
      'slave/recovery_errors': 0,
      'system/cpus_total': os.cpus().length,
      'system/mem_total_bytes': os.totalmem(),
    });
    // Every distinct update the master received was counted once (retries resend the same uuid).
    const uuids = new Set(master.updates().map((s) => s.uuid));
    expect(m['slave/valid_status_updates']).toBe(uuids.size);
    expect(m['slave/uptime_secs']).toBeGreaterThan(0);
    expect(m['system/mem_free_bytes']).toBeGreaterThan(0);
    expect(m['system/load_1min']).toBeGreaterThanOrEqual(0);
  });

  it('counts a killed task and its ended executor when it happens', async () => {
    runTask(master, 'sleeper', 'sleep 600', { cpus: 0.1, mem: 8 });
    await master.waitFor(() => master.states('sleeper').includes('TASK_RUNNING'), 'the sleeper to run');
    const before = await getJson<Record<string, number>>(`${agent.url}/metrics/snapshot`);
    expect(before['slave/tasks_running']).toBe(2);
    master.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw' }, task_id: { value: 'sleeper' } } });
    await master.waitFor(() => master.states('sleeper').includes('TASK_KILLED'), 'the sleeper to be killed');
    const after = await eventually(async () => {
      const m = await getJson<Record<string, number>>(`${agent.url}/metrics/snapshot`);
      return m['slave/tasks_running'] === 1 ? m : undefined;
    }, 'the kill to show');
    expect(after['slave/tasks_killed']).toBe(before['slave/tasks_killed'] + 1);
    expect(after['slave/executors_terminated']).toBe(before['slave/executors_terminated'] + 1);
  });
});

describe('GET /monitor/statistics', () => {
  it("shows the burning task's executor with its limits and growing cpu time, from /proc without cgroups", async () => {
    const first = await getJson<any[]>(`${agent.url}/monitor/statistics`);
    expect(first).toHaveLength(1);
    const entry = first[0];
    expect(entry).toMatchObject({
      executor_id: 'burner',
      executor_name: expect.stringContaining('Command Executor (Task: burner)'),
      framework_id: 'fw',
      source: 'burner',
      statistics: { cpus_limit: 0.5, mem_limit_bytes: 64 * MB, processes: expect.any(Number), threads: expect.any(Number) },
    });
    expect(entry.statistics.processes).toBeGreaterThanOrEqual(1);
    expect(entry.statistics.mem_rss_bytes).toBeGreaterThan(0);
    expect(entry.statistics.timestamp).toBeGreaterThan(Date.now() / 1000 - 60);
    // The shell spins: its user time keeps growing.
    await eventually(async () => {
      const [now] = await getJson<any[]>(`${agent.url}/monitor/statistics.json`);
      return now.statistics.cpus_user_time_secs > entry.statistics.cpus_user_time_secs + 0.05;
    }, 'cpus_user_time_secs to grow');
  });

  it('answers /containers with the same statistics and the container status', async () => {
    const containers = await getJson<any[]>(`${agent.url}/containers`);
    const burner = containers.find((c) => c.executor_id === 'burner');
    expect(burner).toMatchObject({ framework_id: 'fw', container_id: expect.any(String), status: { container_id: { value: burner.container_id }, executor_pid: expect.any(Number) } });
    expect(burner.statistics.cpus_user_time_secs).toBeGreaterThan(0);
  });
});

describe('GET /state', () => {
  it('has the fields of Mesos agent /state: build, capabilities, full and allocated resources', async () => {
    const state = await getJson<any>(`${agent.url}/state`);
    expect(state).toMatchObject({
      version: expect.stringMatching(/^1\.11\.0/),
      build_date: expect.any(String),
      build_time: expect.any(Number),
      build_user: expect.any(String),
      start_time: expect.any(Number),
      capabilities: [],
      resources: { cpus: 1, mem: 256, disk: 256 },
      unreserved_resources: { cpus: 1, mem: 256, disk: 256 },
      reserved_resources: {},
      reserved_resources_full: {},
      reserved_resources_allocated: {},
      unreserved_resources_allocated: { cpus: 0.5, mem: 64, disk: 0, gpus: 0 },
      resource_providers: [],
    });
    expect(state.unreserved_resources_full).toEqual(expect.arrayContaining([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' }]));
  });
});

describe('POST /api/v1', () => {
  it('GET_HEALTH, GET_VERSION, GET_FLAGS', async () => {
    expect(await call({ type: 'GET_HEALTH' })).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    const version = await call({ type: 'GET_VERSION' });
    expect(version).toMatchObject({ type: 'GET_VERSION', get_version: { version_info: { version: expect.stringMatching(/^1\.11\.0/), build_time: expect.any(Number) } } });
    const flags = await call({ type: 'GET_FLAGS' });
    expect(flags.type).toBe('GET_FLAGS');
    expect(flags.get_flags.flags).toEqual(expect.arrayContaining([{ name: 'work_dir', value: path.join(scratch, 'work') }]));
  });

  it('GET_METRICS lists the snapshot by name, with or without a timeout', async () => {
    for (const body of [{ type: 'GET_METRICS' }, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5e9 } } }]) {
      const res = await call(body);
      const metrics = new Map<string, number>(res.get_metrics.metrics.map((m: { name: string; value: number }) => [m.name, m.value]));
      expect(metrics.get('slave/registered')).toBe(1);
      expect(metrics.get('slave/cpus_used')).toBe(0.5);
    }
  });

  it('GET_TASKS sorts tasks into launched and completed, as mesos.proto Task', async () => {
    const res = await call({ type: 'GET_TASKS' });
    const tasks = res.get_tasks;
    expect(Object.keys(tasks).sort()).toEqual(['completed_tasks', 'launched_tasks', 'pending_tasks', 'queued_tasks', 'terminated_tasks']);
    expect(tasks.launched_tasks.map((t: any) => t.task_id.value)).toEqual(['burner']);
    // An ended task is terminated until the master acknowledges its last update, completed after.
    const ended = [...tasks.completed_tasks, ...tasks.terminated_tasks].map((t: any) => t.task_id.value);
    expect(ended.sort()).toEqual(['done', 'fails', 'sleeper']);
    const burner = tasks.launched_tasks[0];
    expect(burner).toMatchObject({
      name: 'burner', framework_id: { value: 'fw' }, agent_id: { value: agent.agentId }, state: 'TASK_RUNNING',
      status_update_state: 'TASK_RUNNING', command: { value: BURN },
    });
    expect(burner.resources).toEqual(expect.arrayContaining([{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: '*' }]));
    expect(burner.executor_id).toBeUndefined();
    expect(burner.statuses.map((s: any) => s.state)).toContain('TASK_RUNNING');
  });

  it('GET_EXECUTORS, GET_FRAMEWORKS, GET_AGENT', async () => {
    const executors = (await call({ type: 'GET_EXECUTORS' })).get_executors;
    expect(executors.executors.map((e: any) => e.executor_info.executor_id.value)).toEqual(['burner']);
    expect(executors.executors[0].executor_info).toMatchObject({ framework_id: { value: 'fw' }, command: { value: BURN, shell: true }, name: expect.stringContaining('Command Executor') });
    expect(executors.completed_executors.map((e: any) => e.executor_info.executor_id.value)).toEqual(expect.arrayContaining(['done', 'fails']));

    const frameworks = (await call({ type: 'GET_FRAMEWORKS' })).get_frameworks;
    expect(frameworks.frameworks).toEqual([{ framework_info: expect.objectContaining({ id: { value: 'fw' }, name: 'operator-api-test', user: 'root', checkpoint: false, failover_timeout: 0 }) }]);
    expect(frameworks.completed_frameworks).toEqual([]);

    const info = (await call({ type: 'GET_AGENT' })).get_agent.agent_info;
    expect(info).toMatchObject({ id: { value: agent.agentId }, port: agent.port, hostname: expect.any(String) });
    expect(info.resources).toEqual(expect.arrayContaining([{ name: 'mem', type: 'SCALAR', scalar: { value: 256 } }]));
  });

  it('GET_STATE holds GET_TASKS, GET_EXECUTORS and GET_FRAMEWORKS', async () => {
    const state = (await call({ type: 'GET_STATE' })).get_state;
    expect(Object.keys(state).sort()).toEqual(['get_executors', 'get_frameworks', 'get_tasks']);
    expect(state.get_tasks.launched_tasks.map((t: any) => t.task_id.value)).toEqual(['burner']);
  });

  it('GET_CONTAINERS carries the resource statistics of each running container', async () => {
    const { containers } = (await call({ type: 'GET_CONTAINERS', get_containers: { show_nested: true, show_standalone: false } })).get_containers;
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({
      framework_id: { value: 'fw' }, executor_id: { value: 'burner' }, executor_name: expect.any(String), container_id: { value: expect.any(String) },
      container_status: { executor_pid: expect.any(Number) },
      resource_statistics: { timestamp: expect.any(Number), cpus_limit: 0.5, mem_limit_bytes: 64 * MB },
    });
  });

  it('LIST_FILES and READ_FILE read a sandbox', async () => {
    const state = await getJson<any>(`${agent.url}/state`);
    const done = state.frameworks[0].completed_executors.find((e: any) => e.id === 'done');
    const listing = (await call({ type: 'LIST_FILES', list_files: { path: done.directory } })).list_files.file_infos;
    const stdout = listing.find((f: any) => f.path === path.join(done.directory, 'stdout'));
    expect(stdout).toMatchObject({ nlink: 1, size: expect.any(Number), mtime: { nanoseconds: expect.any(Number) }, uid: expect.any(String), gid: expect.any(String) });
    // st_mode as a number: a regular file.
    expect(stdout.mode & 0o170000).toBe(0o100000);
    const read = (await call({ type: 'READ_FILE', read_file: { path: path.join(done.directory, 'stderr'), offset: 0 } })).read_file;
    expect(Buffer.from(read.data, 'base64').toString('utf8')).toContain('oops');
    expect(read.size).toBe(fs.statSync(path.join(done.directory, 'stderr')).size);
    const tail = (await call({ type: 'READ_FILE', read_file: { path: path.join(done.directory, 'stderr'), offset: 1, length: 2 } })).read_file;
    expect(Buffer.from(tail.data, 'base64').toString('utf8')).toBe('op');
  });

  it.each([
    [{}, 'type'],
    [{ type: '' }, 'type'],
    [{ type: 'SET_LOGGING_LEVEL' }, "'SET_LOGGING_LEVEL' is not supported by this agent"],
    [{ type: 'toString' }, "'toString' is not supported"],
    [{ type: 'LIST_FILES' }, 'list_files'],
    [{ type: 'LIST_FILES', list_files: { path: 7 } }, 'list_files.path'],
    [{ type: 'READ_FILE', read_file: { path: '/x' } }, 'read_file.offset'],
    [{ type: 'READ_FILE', read_file: { path: '/x', offset: -1 } }, 'read_file.offset'],
    [{ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 'soon' } } }, 'get_metrics.timeout.nanoseconds'],
    [{ type: 'GET_CONTAINERS', get_containers: { show_nested: 'yes' } }, 'get_containers.show_nested'],
    [[1, 2], 'object'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const res = await api(body);
    expect(res.status).toBe(400);
    expect(res.text).toContain(field);
  });

  it('answers a sandbox path that does not exist with 404 and one outside the sandboxes with 403', async () => {
    const missing = await api({ type: 'LIST_FILES', list_files: { path: path.join(scratch, 'work', 'slaves', 'nope') } });
    expect(missing.status).toBe(404);
    const outside = await api({ type: 'READ_FILE', read_file: { path: '/etc/passwd', offset: 0 } });
    expect(outside.status).toBe(403);
  });

  it('negotiates as the master does: 415 without a body type or with another, 406 when neither JSON nor protobuf is accepted', async () => {
    const noType = await request(`${agent.url}/api/v1`, { method: 'POST', body: '{"type":"GET_HEALTH"}', headers: { 'Content-Type': '' } });
    expect(noType.status).toBe(415);
    const text = await api({ type: 'GET_HEALTH' }, { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
    const accept = await api({ type: 'GET_HEALTH' }, { Accept: 'text/html' });
    expect(accept.status).toBe(406);
    const stream = await api({ type: 'GET_STATE' }, { Accept: 'application/recordio', 'Message-Accept': 'application/json' });
    expect(stream.status).toBe(406);
  });

  const protobufCall = (body: Record<string, unknown>, accept = 'application/x-protobuf') => request(`${agent.url}/api/v1`, {
    body: encodeProtobuf(V1_MESSAGES.agentCall, body),
    headers: { 'Content-Type': 'application/x-protobuf', Accept: accept },
  });
  const decodedResponse = (bytes: Buffer) => {
    const result = decodeProtobuf(V1_MESSAGES.agentResponse, bytes);
    if (!result.ok) throw new Error(result.message);
    return result.value;
  };

  it.each(['GET_HEALTH', 'GET_VERSION', 'GET_STATE', 'GET_TASKS', 'GET_EXECUTORS', 'GET_FRAMEWORKS', 'GET_AGENT', 'GET_CONTAINERS'])(
    '%s in protobuf: a mesos.v1.agent.Response holding what the JSON answer holds', async (type) => {
      const res = await protobufCall({ type });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-protobuf');
      const answer = decodedResponse(res.bytes);
      expect(answer.type).toBe(type);
      const json = await call({ type });
      // The JSON answer as far as protobuf carries it (no empty lists; only what agent.proto defines).
      // Containers' statistics move between the two calls: compare their ids only.
      if (type === 'GET_CONTAINERS') {
        const ids = (r: any) => r.get_containers.containers.map((c: any) => c.container_id.value).sort();
        expect(ids(answer)).toEqual(ids(json));
      } else {
        expect(answer).toEqual(decodedResponse(encodeProtobuf(V1_MESSAGES.agentResponse, json)));
      }
    });

  it('answers a protobuf call in JSON when the client accepts JSON, and a bad protobuf body with 400', async () => {
    const res = await protobufCall({ type: 'GET_HEALTH' }, 'application/json');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    const garbage = await request(`${agent.url}/api/v1`, { body: Buffer.from([0x0a, 0xff, 0xff]), headers: { 'Content-Type': 'application/x-protobuf' } });
    expect(garbage.status).toBe(400);
  });
});

describe('a task group under the default executor', () => {
  it('is one executor and one container: in the metrics, the monitor and the API', async () => {
    const before = await getJson<Record<string, number>>(`${agent.url}/metrics/snapshot`);
    const executor = { type: 'DEFAULT' as const, executor_id: { value: 'pod' }, framework_id: { value: 'fw' }, name: 'pod executor', resources: scalars({ cpus: 0.1, mem: 16 }) };
    const tasks = ['pod-a', 'pod-b'].map((id) => ({ name: id, task_id: { value: id }, agent_id: { value: 'fake-master-S0' }, resources: scalars({ cpus: 0.1, mem: 16 }), command: { value: 'sleep 600' } }));
    master.send({ type: 'RUN_TASK_GROUP', run_task_group: { ...FRAMEWORK, executor, task_group: { tasks } } });
    await master.waitFor(() => master.states('pod-a').includes('TASK_RUNNING') && master.states('pod-b').includes('TASK_RUNNING'), 'the group to run');

    const after = await getJson<Record<string, number>>(`${agent.url}/metrics/snapshot`);
    expect(after['slave/tasks_running']).toBe(before['slave/tasks_running'] + 2);
    expect(after['slave/executors_running']).toBe(before['slave/executors_running'] + 1);
    // The executor's resources are in use too.
    expect(after['slave/cpus_used']).toBeCloseTo(before['slave/cpus_used'] + 0.3, 9);

    const pod = (await getJson<any[]>(`${agent.url}/monitor/statistics`)).find((e) => e.executor_id === 'pod');
    expect(pod).toMatchObject({ executor_name: 'pod executor', source: '', framework_id: 'fw', statistics: { mem_limit_bytes: 48 * MB } });
    expect(pod.statistics.cpus_limit).toBeCloseTo(0.3, 9);
    expect(pod.statistics.processes).toBeGreaterThanOrEqual(2);

    const { get_tasks, get_executors } = (await call({ type: 'GET_STATE' })).get_state;
    const launched = get_tasks.launched_tasks.filter((t: any) => t.task_id.value.startsWith('pod-'));
    expect(launched.map((t: any) => t.executor_id)).toEqual([{ value: 'pod' }, { value: 'pod' }]);
    expect(get_executors.executors.find((e: any) => e.executor_info.executor_id.value === 'pod').executor_info).toMatchObject({ type: 'DEFAULT', name: 'pod executor' });

    // Killing one task takes the group down: one executor ends.
    master.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw' }, task_id: { value: 'pod-a' } } });
    await master.waitFor(() => ['pod-a', 'pod-b'].every((id) => master.states(id).some((s) => s === 'TASK_KILLED')), 'the group to be killed');
    const ended = await eventually(async () => {
      const m = await getJson<Record<string, number>>(`${agent.url}/metrics/snapshot`);
      return m['slave/tasks_running'] === before['slave/tasks_running'] ? m : undefined;
    }, 'the group to end');
    expect(ended['slave/executors_terminated']).toBe(before['slave/executors_terminated'] + 1);
  });
});

describe('authentication', () => {
  it('guards the new endpoints as the other read-only ones with --authenticate_http_readonly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-operator-auth-'));
    const credentials = path.join(dir, 'credentials.json');
    fs.writeFileSync(credentials, JSON.stringify({ credentials: [{ principal: 'ops', secret: 's3cret' }] }));
    const fake = await FakeMaster.start();
    const guarded = createAgent({
      ...AGENT_DEFAULTS, port: 0, master: fake.url, workDir: path.join(dir, 'work'), cgroups: 'none', resources: 'cpus:1;mem:64',
      logger: silentLogger, httpCredentials: credentials, authenticateHttpReadonly: true,
    });
    try {
      await guarded.start();
      const basic = { Authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` };
      for (const endpoint of ['/metrics/snapshot', '/monitor/statistics', '/containers']) {
        expect((await request(`${guarded.url}${endpoint}`)).status).toBe(401);
        expect((await request(`${guarded.url}${endpoint}`, { headers: basic })).status).toBe(200);
      }
      expect((await request(`${guarded.url}/api/v1`, { body: { type: 'GET_HEALTH' } })).status).toBe(401);
      expect((await request(`${guarded.url}/api/v1`, { body: { type: 'GET_HEALTH' }, headers: basic })).status).toBe(200);
    } finally {
      await guarded.close();
      await fake.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('/monitor/statistics with the kernel cgroups', () => {
  it("reads the burning task's container from its cgroups", async () => {
    const rootName = `mesoscloud-monitor-test-${process.pid}`;
    const isolator = await createIsolator('auto', { rootName });
    if (!cgroupsUsable(isolator, 'monitor with cgroups')) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-monitor-cgroups-'));
    const fake = await FakeMaster.start();
    const withCgroups = createAgent({
      ...AGENT_DEFAULTS, port: 0, master: fake.url, workDir: path.join(dir, 'work'), cgroups: 'auto', cgroupsRoot: rootName,
      resources: 'cpus:1;mem:256;disk:64', logger: silentLogger, allowRootTasks: true,
    });
    try {
      await withCgroups.start();
      await withCgroups.whenRegistered();
      runTask(fake, 'hot', BURN, { cpus: 0.5, mem: 64 });
      await fake.waitFor(() => fake.states('hot').includes('TASK_RUNNING'), 'the task to run');
      const first = await eventually(async () => {
        const [entry] = await getJson<any[]>(`${withCgroups.url}/monitor/statistics`);
        return entry?.statistics.mem_total_bytes !== undefined ? entry : undefined;
      }, 'cgroup memory counters');
      expect(first.statistics).toMatchObject({
        // The kernel's limit, read back from the cgroup.
        mem_limit_bytes: 64 * MB,
        mem_total_bytes: expect.any(Number),
        mem_rss_bytes: expect.any(Number),
        cpus_limit: 0.5,
        processes: expect.any(Number),
      });
      expect(first.statistics.processes).toBeGreaterThanOrEqual(1);
      await eventually(async () => {
        const [now] = await getJson<any[]>(`${withCgroups.url}/monitor/statistics`);
        return now.statistics.cpus_user_time_secs > first.statistics.cpus_user_time_secs + 0.05;
      }, 'cpus_user_time_secs to grow');
    } finally {
      await withCgroups.close({ killTasks: true });
      await fake.close();
      fs.rmSync(dir, { recursive: true, force: true });
      // The agent leaves its root cgroups (as Mesos does); this suite's are its own to remove.
      for (const controller of ['memory', 'cpu', 'cpuacct', '']) {
        try {
          fs.rmdirSync(path.join(DEFAULT_CGROUPS_MOUNT, controller, rootName));
        } catch {
          // not there on this kernel's layout
        }
      }
    }
  });
});
