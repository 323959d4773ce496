/**
 * Conformance with Mesos's description of the operator API (apache/mesos docs/operator-http-api.md)
 * and of GET /state (docs/endpoints/master/state.md, and the field names Mesos's /state writer uses):
 * each documented request is sent with its documented headers and the answer is compared with the
 * documented example by shape, field names and nesting included, then on the values that matter.
 *
 * The cluster is set up like the one the examples came from: an agent with cpus:2;mem:1024;disk:1024
 * and ports 31000-32000, a framework "default" with a principal, a running task and a finished one
 * launched on a custom executor called "default", whose statuses carry container network info.
 */
import { createMaster, MASTER_VERSION, type Master } from '../../cluster/master';
import { Resources } from '../../cluster/protocol/resources';
import type { TaskStatus } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { getJson, request } from '../helpers/http';
import { shapeMismatches } from '../helpers/json-shape';
import {
  DOCUMENTED_DEFAULT_FLAGS, DOCUMENTED_OPERATOR_CALLS, OPERATOR_RESPONSES, STATE, STATE_FRAMEWORK, STATE_SLAVE, STATE_TASK,
} from '../helpers/mesos-doc-examples';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES, type V1MessageName } from '../../cluster/protocol/wire-codec';
import { RecordStream } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { RawScheduler } from '../helpers/scheduler';

describe('conformance with docs/operator-http-api.md and /state', () => {
  let master: Master;
  let agent: RawAgent;
  let scheduler: RawScheduler;
  let finished: TaskStatus;

  const operatorCall = async (type: string) => {
    const res = await request(`${master.url}/api/v1`, {
      body: JSON.stringify({ type }),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    return JSON.parse(res.text);
  };

  const containerStatus = { network_infos: [{ ip_addresses: [{ ip_address: '127.0.1.1' }] }] };

  beforeAll(async () => {
    // Mesos's defaults for the flags the examples show, except the port.
    // A short heartbeat: the operator stream's first HEARTBEAT comes one interval after SUBSCRIBED, as in Mesos.
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, cluster: 'test-cluster', heartbeatIntervalSeconds: 1 });
    await master.listen();
    agent = await RawAgent.register(master.url, { resources: 'cpus:2;mem:1024;disk:1024;ports:[31000-32000]', hostname: 'myhost' });
    scheduler = await RawScheduler.subscribe(master.url, { name: 'default', user: 'root', principal: 'my-principal', hostname: 'abcdev', role: '*' });
    const [offer] = await scheduler.nextOffers();
    const executor = {
      executor_id: { value: 'default' },
      command: { value: '' },
      resources: Resources.parse('cpus:0.1;mem:32').toV1(),
    };
    const task = (id: string, resources: string) => ({
      name: id, task_id: { value: id }, agent_id: offer.agent_id, executor, resources: Resources.parse(resources).toV1(),
    });
    // Like the documented tasks, each holds some of every resource, ports included.
    await scheduler.launch([offer], [task('test', 'cpus:1;mem:512;disk:100;ports:[31000-31000]'), task('test-task', 'cpus:0.5;mem:256;disk:100;ports:[31001-31001]')]);
    await agent.waitFor((e) => e.type === 'RUN_TASK' && e.run_task.task.task_id.value === 'test-task', 'RUN_TASK');
    // Network info is part of ContainerStatus in mesos.proto though this project's types leave it out.
    const extra: Partial<TaskStatus> = { executor_id: { value: 'default' }, container_status: containerStatus as unknown as TaskStatus['container_status'] };
    await agent.sendUpdate(scheduler.frameworkId, 'test', 'TASK_RUNNING', extra);
    await scheduler.acknowledge(await scheduler.update('test', 'TASK_RUNNING'));
    await agent.sendUpdate(scheduler.frameworkId, 'test-task', 'TASK_RUNNING', extra);
    await scheduler.acknowledge(await scheduler.update('test-task', 'TASK_RUNNING'));
    await agent.sendUpdate(scheduler.frameworkId, 'test-task', 'TASK_FINISHED', extra);
    finished = await scheduler.update('test-task', 'TASK_FINISHED');
    await scheduler.acknowledge(finished);
  });

  afterAll(async () => {
    scheduler.close();
    agent.disconnect();
    await master.close();
  });

  test.each(Object.keys(OPERATOR_RESPONSES))('%s answers 200 with the documented shape', async (type) => {
    const answer = await operatorCall(type);
    expect(answer.type).toBe(type);
    expect(shapeMismatches(OPERATOR_RESPONSES[type], answer)).toEqual([]);
  });

  test('GET_HEALTH is exactly the documented answer', async () => {
    expect(await operatorCall('GET_HEALTH')).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
  });

  test('GET_FLAGS shows the shared flags as Mesos writes them', async () => {
    const { flags } = (await operatorCall('GET_FLAGS')).get_flags;
    const byName = Object.fromEntries(flags.map((f: { name: string; value: string }) => [f.name, f.value]));
    expect(byName).toMatchObject(DOCUMENTED_DEFAULT_FLAGS);
  });

  test('GET_AGENTS: unreserved resources carry role "*", the pid is a libprocess pid', async () => {
    const [a] = (await operatorCall('GET_AGENTS')).get_agents.agents;
    expect(a).toMatchObject({ active: true, pid: 'slave(1)@myhost:5051', agent_info: { hostname: 'myhost', port: 5051, id: { value: agent.agentId } } });
    for (const list of [a.agent_info.resources, a.total_resources]) {
      expect(list.map((r: { role?: string }) => r.role)).toEqual(['*', '*', '*', '*']);
    }
    expect(a.total_resources).toContainEqual({ name: 'ports', type: 'RANGES', role: '*', ranges: { range: [{ begin: 31000, end: 32000 }] } });
  });

  test('GET_FRAMEWORKS fills FrameworkInfo defaults and reports re-registration time as Mesos does', async () => {
    const [f] = (await operatorCall('GET_FRAMEWORKS')).get_frameworks.frameworks;
    expect(f.framework_info).toMatchObject({
      checkpoint: false, failover_timeout: 0, hostname: 'abcdev', name: 'default', principal: 'my-principal', role: '*', user: 'root',
      id: { value: scheduler.frameworkId },
    });
    expect(f.reregistered_time).toEqual(f.registered_time);
  });

  test('GET_EXECUTORS: the executor as launched, with CommandInfo.shell defaulted to true', async () => {
    const { executors } = (await operatorCall('GET_EXECUTORS')).get_executors;
    expect(executors).toEqual([{
      agent_id: { value: agent.agentId },
      executor_info: expect.objectContaining({
        command: { shell: true, value: '' }, executor_id: { value: 'default' }, framework_id: { value: scheduler.frameworkId },
      }),
    }]);
  });

  test('GET_TASKS: status_update_state/uuid name the latest update, also after it was acknowledged', async () => {
    const { tasks, completed_tasks: completed } = (await operatorCall('GET_TASKS')).get_tasks;
    const [running] = tasks;
    expect(running).toMatchObject({ name: 'test', state: 'TASK_RUNNING', status_update_state: 'TASK_RUNNING', executor_id: { value: 'default' } });
    expect(running.statuses[0]).toMatchObject({ container_status: containerStatus, source: 'SOURCE_EXECUTOR', state: 'TASK_RUNNING' });
    const [done] = completed;
    expect(done).toMatchObject({ name: 'test-task', state: 'TASK_FINISHED', status_update_state: 'TASK_FINISHED', status_update_uuid: finished.uuid });
    expect(done.statuses.map((s: TaskStatus) => s.state)).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(done.resources.every((r: { role?: string }) => r.role === '*')).toBe(true);
  });

  test('GET_MASTER: master_info with address, pid and version', async () => {
    const { master_info: info } = (await operatorCall('GET_MASTER')).get_master;
    expect(info).toMatchObject({
      address: { ip: '127.0.0.1', port: master.port }, id: master.id, ip: 16777343, pid: `master@127.0.0.1:${master.port}`,
      port: master.port, version: MASTER_VERSION,
    });
  });

  test('GET /state has the documented top level and Mesos\'s field names for agents, frameworks, tasks, executors', async () => {
    const state = await getJson(`${master.url}/state`);
    expect(shapeMismatches(STATE, state)).toEqual([]);
    expect(state).toMatchObject({ recovered_slaves: [], capabilities: [], unreachable_slaves: 0 });
    expect(state.flags).toMatchObject({ allocation_interval: '1secs', max_completed_frameworks: '50', max_completed_tasks_per_framework: '1000' });
    const [slave] = state.slaves;
    expect(shapeMismatches(STATE_SLAVE, slave)).toEqual([]);
    expect(slave).toMatchObject({ pid: 'slave(1)@myhost:5051', resources: { cpus: 2, mem: 1024, disk: 1024, gpus: 0, ports: '[31000-32000]' } });
    const [framework] = state.frameworks;
    expect(shapeMismatches(STATE_FRAMEWORK, framework)).toEqual([]);
    expect(framework.roles).toBeUndefined();
    expect(framework.reregistered_time).toBeUndefined();
    expect(framework.executors[0]).toMatchObject({ executor_id: 'default', command: { value: '', argv: [], uris: [] }, role: '*', slave_id: agent.agentId });
    expect(shapeMismatches(STATE_TASK, framework.completed_tasks[0])).toEqual([]);
    expect(framework.tasks[0]).toMatchObject({ id: 'test', executor_id: 'default', slave_id: agent.agentId, role: '*', resources: { cpus: 1, mem: 512, disk: 100, ports: '[31000-31000]' } });
  });
  // ---- the same calls in protobuf (mesos.v1.master.Call / Response / Event) ----

  const decoded = (name: V1MessageName, bytes: Buffer) => {
    const result = decodeProtobuf(name, bytes);
    if (!result.ok) throw new Error(result.message);
    return result.value;
  };
  const protobufCall = (body: Record<string, unknown>, headers: Record<string, string> = {}) => request(`${master.url}/api/v1`, {
    body: encodeProtobuf(V1_MESSAGES.masterCall, body),
    headers: { 'Content-Type': 'application/x-protobuf', Accept: 'application/x-protobuf', ...headers },
  });

  test.each(Object.keys(OPERATOR_RESPONSES))('%s in protobuf: 200, a mesos.v1.master.Response with what the JSON answer holds', async (type) => {
    const res = await protobufCall(DOCUMENTED_OPERATOR_CALLS[type] ?? { type });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    const answer = decoded(V1_MESSAGES.masterResponse, res.bytes);
    expect(answer.type).toBe(type);
    // The JSON answer, as far as protobuf can carry it (no empty lists, only fields master.proto defines).
    const json = await operatorCall(type);
    expect(answer).toEqual(decoded(V1_MESSAGES.masterResponse, encodeProtobuf(V1_MESSAGES.masterResponse, json)));
    expect(Object.keys(answer[type.toLowerCase()] as object).length).toBeGreaterThan(0);
  });

  test('the encodings mix: a JSON call answered in protobuf, a protobuf call answered in JSON', async () => {
    const jsonIn = await request(`${master.url}/api/v1`, { body: { type: 'GET_HEALTH' }, headers: { Accept: 'application/x-protobuf' } });
    expect(decoded(V1_MESSAGES.masterResponse, jsonIn.bytes)).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    const protobufIn = await protobufCall({ type: 'GET_HEALTH' }, { Accept: 'application/json' });
    expect(protobufIn.headers['content-type']).toBe('application/json');
    expect(JSON.parse(protobufIn.text)).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
  });

  test('JSON as Mesos reads it: nulls are unset, unknown fields ignored', async () => {
    const body = { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'null-role', weight: 2, principal_of_the_future: null }, null] }, get_metrics: null, extra: { a: null } };
    expect((await request(`${master.url}/api/v1`, { body })).status).toBe(200);
    const metrics = await request(`${master.url}/api/v1`, { body: { type: 'GET_METRICS', get_metrics: { timeout: null } } });
    expect(metrics.status).toBe(200);
  });

  test('a call that changes the cluster, in protobuf: UPDATE_WEIGHTS, then GET_WEIGHTS shows it', async () => {
    expect((await protobufCall({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'proto-role', weight: 3 }] } })).status).toBe(200);
    const weights = decoded(V1_MESSAGES.masterResponse, (await protobufCall({ type: 'GET_WEIGHTS' })).bytes);
    expect(weights).toMatchObject({ type: 'GET_WEIGHTS', get_weights: { weight_infos: expect.arrayContaining([{ role: 'proto-role', weight: 3 }]) } });
  });

  test('application/recordio is for the stream only: GET_STATE asking for it is 406', async () => {
    const res = await protobufCall({ type: 'GET_STATE' }, { Accept: 'application/recordio', 'Message-Accept': 'application/x-protobuf' });
    expect(res.status).toBe(406);
  });

  test.each([
    [{ Accept: 'application/recordio', 'Message-Accept': 'application/x-protobuf' }, { 'content-type': 'application/recordio', 'message-content-type': 'application/x-protobuf' }],
    [{ Accept: 'application/x-protobuf' }, { 'content-type': 'application/x-protobuf' }],
  ])('SUBSCRIBE with %j: a RecordIO stream of mesos.v1.master.Event, SUBSCRIBED with the state, then HEARTBEAT', async (headers, expected) => {
    const stream = await new RecordStream<Record<string, any>>(`${master.url}/api/v1`, encodeProtobuf(V1_MESSAGES.masterCall, { type: 'SUBSCRIBE' }), {
      'Content-Type': 'application/x-protobuf', ...headers,
    }, (record) => decoded(V1_MESSAGES.masterEvent, record)).response();
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers).toMatchObject(expected);
      await stream.waitFor((e) => e.type === 'HEARTBEAT', 'HEARTBEAT');
      const [subscribed] = stream.records;
      expect(subscribed.type).toBe('SUBSCRIBED');
      expect(subscribed.subscribed.heartbeat_interval_seconds).toBeGreaterThan(0);
      expect(subscribed.subscribed.get_state.get_agents.agents[0].agent_info.id).toEqual({ value: agent.agentId });
      expect(subscribed.subscribed.get_state.get_tasks.tasks.map((t: { name: string }) => t.name)).toEqual(['test']);
    } finally {
      stream.close();
    }
  });
});
