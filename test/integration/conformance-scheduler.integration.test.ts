/**
 * Conformance with Mesos's own description of the v1 scheduler API (apache/mesos
 * docs/scheduler-http-api.md, include/mesos/v1/scheduler/scheduler.proto): each documented request
 * body is sent as written, with ids swapped for real ones only where the call must name something
 * that exists, and the answer is checked against the documented status, headers, RecordIO framing
 * and event shapes. The agent is a wire-level one, so what the master sends it is visible too.
 *
 * The calls run in the documented order against one subscription, each test building on the last.
 */
import { createMaster, type Master } from '../../cluster/master';
import { newStatusUuid } from '../../cluster/protocol/ids';
import type { Offer, SchedulerEvent, TaskStatus } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { RecordStream, request, type HttpResult } from '../helpers/http';
import { shapeMismatches } from '../helpers/json-shape';
import {
  DOCUMENTED_SCHEDULER_CALLS, ERROR_EVENT, FAILURE_EVENT, HEARTBEAT_EVENT, OFFERS_EVENT, RESCIND_EVENT, SUBSCRIBED_EVENT, UPDATE_EVENT,
} from '../helpers/mesos-doc-examples';
import { RawAgent } from '../helpers/raw-agent';
import { frameworkInfo, SCHEDULER_PATH } from '../helpers/scheduler';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { wirePeers } from '../helpers/wire-peers';

/** The documented SUBSCRIBE body, as written: its offer constraints want agents with an attribute `foo` for role test1. */
const DOCUMENTED_SUBSCRIBE = `{
   "type"		: "SUBSCRIBE",
   "subscribe"	: {
      "framework_info"	: {
        "user" :  "foo",
        "name" :  "Example HTTP Framework",
        "roles": ["test1", "test2"],
        "capabilities" : [{"type": "MULTI_ROLE"}]
      },
      "suppressed_roles" : ["test2"],
      "offer_constraints" : {
        "role_constraints": {
          "test1": {
            "groups": [{
              "attribute_constraints": [{
                "selector": {"attribute_name": "foo"},
                "predicate": {"exists": {}}
              }]
            }]
          }
        }
      }
   }
}`;

/** The documented request headers of SUBSCRIBE (Host is set by the client). */
const SUBSCRIBE_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json', Connection: 'close' };

const UUID_HEADER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Splits a RecordIO body strictly by the documented grammar (record = record-size LF record-data),
 * without the project's own decoder: every record must be complete and its size exact.
 */
function splitRecordIO(bytes: Buffer, parse: (record: Buffer) => unknown = (r) => JSON.parse(r.toString('utf8'))): unknown[] {
  const records: unknown[] = [];
  let at = 0;
  while (at < bytes.length) {
    const newline = bytes.indexOf(0x0a, at);
    if (newline < 0) throw new Error(`record size without LF at byte ${at}`);
    const size = bytes.subarray(at, newline).toString('ascii');
    if (!/^[1-9][0-9]*$/.test(size)) throw new Error(`bad record size '${size}' at byte ${at}`);
    const end = newline + 1 + Number(size);
    if (end > bytes.length) throw new Error(`record at byte ${at} is cut short`);
    records.push(parse(bytes.subarray(newline + 1, end)));
    at = end;
  }
  return records;
}

describe('conformance with docs/scheduler-http-api.md', () => {
  let master: Master;
  let agent: RawAgent;
  let stream: RecordStream<SchedulerEvent>;
  let frameworkId: string;
  let streamId: string;
  let offers: Offer[];
  let running: TaskStatus;
  const TASK_ID = '12220-3440-12532-my-task';
  const EXECUTOR_ID = '12214-23523-my-executor';

  const url = () => `${master.url}${SCHEDULER_PATH}`;
  /** A documented call: the body as text, with the headers the document shows. */
  const call = (body: unknown, headers: Record<string, string> = { 'Mesos-Stream-Id': streamId }): Promise<HttpResult> =>
    request(url(), { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });
  const events = () => stream.records;
  const waitFor = (match: (e: SchedulerEvent) => boolean, what: string, from = 0) => stream.waitFor(match, what, { from });
  const expectAccepted = (res: HttpResult) => {
    expect({ status: res.status, text: res.text }).toEqual({ status: 202, text: '' });
  };
  const expectShape = (documented: unknown, actual: unknown) => expect(shapeMismatches(documented, actual)).toEqual([]);

  beforeAll(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, allocationIntervalMs: 50 });
    await master.listen();
    agent = await RawAgent.register(master.url, { resources: 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]', attributes: 'rack:r1;foo:bar' });
  });

  afterAll(async () => {
    stream?.close();
    agent.disconnect();
    await master.close();
  });

  test('SUBSCRIBE: 200, chunked RecordIO with a Mesos-Stream-Id, SUBSCRIBED first', async () => {
    stream = await new RecordStream<SchedulerEvent>(url(), DOCUMENTED_SUBSCRIBE, SUBSCRIBE_HEADERS).response();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('application/json');
    expect(stream.headers['transfer-encoding']).toBe('chunked');
    expect(stream.headers['content-length']).toBeUndefined();
    streamId = String(stream.headers['mesos-stream-id']);
    expect(streamId).toMatch(UUID_HEADER);
    expect(Buffer.byteLength(streamId)).toBeLessThanOrEqual(128);

    const subscribed = await waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    expect(events()[0]).toBe(subscribed);
    expectShape(SUBSCRIBED_EVENT, subscribed);
    if (subscribed.type !== 'SUBSCRIBED') return;
    frameworkId = subscribed.subscribed.framework_id.value;
    expect(subscribed.subscribed.heartbeat_interval_seconds).toBe(15);
    expect(subscribed.subscribed.master_info).toMatchObject({ id: master.id, port: master.port });
  });

  test('OFFERS: offers.offers[] with resources[].scalar.value, role "*" and the unsuppressed role only', async () => {
    const event = await waitFor((e) => e.type === 'OFFERS', 'OFFERS');
    expectShape(OFFERS_EVENT, event);
    if (event.type !== 'OFFERS') return;
    offers = event.offers.offers;
    for (const offer of offers) {
      expect(offer.allocation_info).toEqual({ role: 'test1' });
      expect(offer.framework_id.value).toBe(frameworkId);
      expect(offer.agent_id.value).toBe(agent.agentId);
      for (const resource of offer.resources) {
        expect(resource).toMatchObject({ role: '*', allocation_info: { role: 'test1' } });
      }
      const cpus = offer.resources.find((r) => r.name === 'cpus');
      expect(cpus).toMatchObject({ type: 'SCALAR', scalar: { value: 4 } });
      expect(offer.resources.find((r) => r.name === 'ports')).toMatchObject({ type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } });
    }
  });

  test('the stream is RecordIO exactly as the document\'s grammar has it', async () => {
    const received = events().length;
    await stream.waitFor(() => true, 'records', { from: received - 1 });
    expect(splitRecordIO(Buffer.concat(stream.rawChunks))).toEqual(events());
  });

  test('DECLINE as documented (offer ids that are no longer valid too): 202', async () => {
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'DECLINE',
      decline: { offer_ids: [{ value: '12220-3440-12532-O12' }, { value: '12220-3440-12532-O13' }], filters: { refuse_seconds: 5.0 } },
    }));
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'DECLINE',
      decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: 5.0 } },
    }));
  });

  test('REVIVE as documented ({"role": ...}): 202, filters cleared and offers come again', async () => {
    const mark = events().length;
    expectAccepted(await call({ framework_id: { value: frameworkId }, type: 'REVIVE', revive: { role: 'test2' } }));
    const event = await waitFor((e) => e.type === 'OFFERS', 'OFFERS after REVIVE', mark);
    if (event.type === 'OFFERS') offers = event.offers.offers;
  });

  test('SUPPRESS as documented: 202', async () => {
    expectAccepted(await call({ framework_id: { value: frameworkId }, type: 'SUPPRESS', suppress: { roles: ['test2'] } }));
  });

  test('ACCEPT as documented (LAUNCH with an executor, allocation_info, limits, filters): 202 and the task goes to the agent', async () => {
    const offer = offers[0];
    const role = offer.allocation_info!.role;
    const mark = agent.events.length;
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{
          type: 'LAUNCH',
          launch: {
            task_infos: [{
              name: 'My Task',
              task_id: { value: TASK_ID },
              agent_id: offer.agent_id,
              executor: { command: { shell: true, value: 'sleep 1000' }, executor_id: { value: EXECUTOR_ID } },
              resources: [
                { allocation_info: { role }, name: 'cpus', role: '*', type: 'SCALAR', scalar: { value: 1.0 } },
                { allocation_info: { role }, name: 'mem', role: '*', type: 'SCALAR', scalar: { value: 128.0 } },
              ],
              limits: { cpus: 'Infinity', mem: 512.0 },
            }],
          },
        }],
        filters: { refuse_seconds: 5.0 },
      },
    }));
    const run = await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK', { from: mark });
    if (run.type !== 'RUN_TASK') return;
    expect(run.run_task.framework_id.value).toBe(frameworkId);
    expect(run.run_task.task).toMatchObject({ name: 'My Task', task_id: { value: TASK_ID }, executor: { executor_id: { value: EXECUTOR_ID } } });
  });

  test('UPDATE: update.status with task_id.value, state, source and a base64 uuid', async () => {
    const sent = await agent.sendUpdate(frameworkId, TASK_ID, 'TASK_RUNNING', { executor_id: { value: EXECUTOR_ID } });
    const event = await waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === TASK_ID, 'UPDATE');
    expectShape(UPDATE_EVENT, event);
    if (event.type !== 'UPDATE') return;
    running = event.update.status;
    expect(running).toMatchObject({ state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agent_id: { value: agent.agentId }, uuid: sent.uuid });
    expect(running.uuid).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(Buffer.from(running.uuid!, 'base64')).toHaveLength(16);
  });

  test('ACKNOWLEDGE as documented: 202, and the agent receives the acknowledgement', async () => {
    const mark = agent.events.length;
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: TASK_ID }, uuid: running.uuid },
    }));
    const ack = await agent.waitFor((e) => e.type === 'ACKNOWLEDGE', 'ACKNOWLEDGE', { from: mark });
    expect(ack).toEqual({
      type: 'ACKNOWLEDGE',
      acknowledge: { framework_id: { value: frameworkId }, task_id: { value: TASK_ID }, uuid: running.uuid },
    });
  });

  test('RECONCILE as documented (an unknown task on an unknown agent): 202, then TASK_LOST', async () => {
    const mark = events().length;
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: '312325' }, agent_id: { value: '123535' } }] },
    }));
    const event = await waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === '312325', 'UPDATE of 312325', mark);
    expectShape({ type: '', update: { status: { task_id: { value: '' }, state: '' } } }, event);
    if (event.type !== 'UPDATE') return;
    expect(event.update.status).toMatchObject({ state: 'TASK_LOST', reason: 'REASON_RECONCILIATION', source: 'SOURCE_MASTER', agent_id: { value: '123535' } });
    expect(event.update.status.uuid).toBeUndefined();

    const all = events().length;
    expectAccepted(await call({ framework_id: { value: frameworkId }, type: 'RECONCILE', reconcile: { tasks: [] } }));
    const known = await waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === TASK_ID, 'UPDATE of the known task', all);
    if (known.type === 'UPDATE') expect(known.update.status).toMatchObject({ state: 'TASK_RUNNING', reason: 'REASON_RECONCILIATION' });
  });

  test('MESSAGE as documented: 202, and the data reaches the agent unchanged', async () => {
    const mark = agent.events.length;
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'MESSAGE',
      message: { agent_id: { value: agent.agentId }, executor_id: { value: 'my-framework-executor' }, data: 'adaf838jahd748jnaldf' },
    }));
    const message = await agent.waitFor((e) => e.type === 'FRAMEWORK_MESSAGE', 'FRAMEWORK_MESSAGE', { from: mark });
    expect(message).toEqual({
      type: 'FRAMEWORK_MESSAGE',
      framework_message: { framework_id: { value: frameworkId }, executor_id: { value: 'my-framework-executor' }, data: 'adaf838jahd748jnaldf' },
    });
  });

  test('REQUEST as documented (top-level "requests") and as scheduler.proto nests it: 202', async () => {
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'REQUEST',
      requests: [{ agent_id: { value: '12220-3440-12532-S1233' }, resources: {} }],
    }));
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'REQUEST',
      request: { requests: [{ agent_id: { value: agent.agentId }, resources: [] }] },
    }));
  });

  test('KILL as documented: 202; an unknown task is answered TASK_LOST, a known one is killed by its agent', async () => {
    const mark = events().length;
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'KILL',
      kill: { task_id: { value: '12220-3440-12532-no-such-task' }, agent_id: { value: '12220-3440-12532-S1233' } },
    }));
    const lost = await waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === '12220-3440-12532-no-such-task', 'TASK_LOST', mark);
    if (lost.type === 'UPDATE') expect(lost.update.status.state).toBe('TASK_LOST');

    const agentMark = agent.events.length;
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'KILL',
      kill: { task_id: { value: TASK_ID }, agent_id: { value: agent.agentId } },
    }));
    const kill = await agent.waitFor((e) => e.type === 'KILL_TASK', 'KILL_TASK', { from: agentMark });
    expect(kill).toMatchObject({ kill_task: { framework_id: { value: frameworkId }, task_id: { value: TASK_ID } } });
  });

  test('SHUTDOWN as documented: 202 for an unknown executor; the tasks of a known one are killed', async () => {
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'SHUTDOWN',
      shutdown: { executor_id: { value: '123450-2340-1232-my-executor' }, agent_id: { value: agent.agentId } },
    }));
    const mark = agent.events.length;
    expectAccepted(await call({
      framework_id: { value: frameworkId },
      type: 'SHUTDOWN',
      shutdown: { executor_id: { value: EXECUTOR_ID }, agent_id: { value: agent.agentId } },
    }));
    await agent.waitFor((e) => e.type === 'KILL_TASK' && e.kill_task.task_id.value === TASK_ID, 'KILL_TASK', { from: mark });
    const terminal = await agent.sendUpdate(frameworkId, TASK_ID, 'TASK_KILLED');
    const event = await waitFor((e) => e.type === 'UPDATE' && e.update.status.state === 'TASK_KILLED', 'TASK_KILLED');
    if (event.type === 'UPDATE') expect(event.update.status.uuid).toBe(terminal.uuid);
  });

  test('non-SUBSCRIBE calls must carry Mesos-Stream-Id (400); SUBSCRIBE must not (400)', async () => {
    const missing = await call({ framework_id: { value: frameworkId }, type: 'REVIVE' }, {});
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Mesos-Stream-Id');
    const subscribeWithId = await request(url(), { body: DOCUMENTED_SUBSCRIBE, headers: { ...SUBSCRIBE_HEADERS, 'Mesos-Stream-Id': streamId } });
    expect(subscribeWithId.status).toBe(400);
    expect(subscribeWithId.text).toContain('Mesos-Stream-Id');
  });

  test('TEARDOWN as documented: 202, the stream closes, the agent shuts the framework down, calls are 403 after', async () => {
    const mark = agent.events.length;
    expectAccepted(await call({ framework_id: { value: frameworkId }, type: 'TEARDOWN' }));
    await agent.waitFor((e) => e.type === 'SHUTDOWN_FRAMEWORK', 'SHUTDOWN_FRAMEWORK', { from: mark });
    await expect(stream.waitFor(() => false, 'the end of the stream', { timeoutMs: 5000 })).rejects.toThrow(/stream ended/);
    const after = await call({ framework_id: { value: frameworkId }, type: 'REVIVE' });
    expect(after.status).toBe(403);
  });
});

describe('conformance: the other documented events and content negotiation', () => {
  let master: Master;
  const peers = wirePeers(() => master.url);
  const { subscribe } = peers;
  const register = () => peers.registerAgent();

  beforeEach(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, heartbeatIntervalSeconds: 0.1, allocationIntervalMs: 50 });
    await master.listen();
  });

  afterEach(async () => {
    peers.closeAll();
    await master.close();
  });


  test('HEARTBEAT is {"type": "HEARTBEAT"}: one right after SUBSCRIBED (as Mesos\'s heartbeater does), then every interval', async () => {
    const scheduler = await subscribe();
    const heartbeat = await scheduler.waitFor((e) => e.type === 'HEARTBEAT', 'HEARTBEAT');
    expect(scheduler.events.slice(0, 2).map((e) => e.type)).toEqual(['SUBSCRIBED', 'HEARTBEAT']);
    expect(heartbeat).toEqual({ type: 'HEARTBEAT' });
    expect(shapeMismatches(HEARTBEAT_EVENT, heartbeat)).toEqual([]);
    await scheduler.waitFor((e) => e.type === 'HEARTBEAT', 'the next HEARTBEAT', { from: 2 });
  });

  test('RESCIND when the offer\'s agent goes away, FAILURE when the agent is removed', async () => {
    const agent = await register();
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    expect((await agent.call({ type: 'UNREGISTER' })).status).toBe(202);
    const rescind = await scheduler.waitFor((e) => e.type === 'RESCIND', 'RESCIND');
    expect(shapeMismatches(RESCIND_EVENT, rescind)).toEqual([]);
    expect(rescind).toEqual({ type: 'RESCIND', rescind: { offer_id: offer.id } });
    const failure = await scheduler.waitFor((e) => e.type === 'FAILURE', 'FAILURE');
    expect(shapeMismatches(FAILURE_EVENT, failure)).toEqual([]);
    expect(failure).toEqual({ type: 'FAILURE', failure: { agent_id: { value: agent.agentId } } });
  });

  test('ERROR (as scheduler.proto nests it) on the old stream when the framework subscribes again elsewhere', async () => {
    const first = await subscribe(frameworkInfo({ failover_timeout: 60 }));
    await subscribe(frameworkInfo({ failover_timeout: 60, id: { value: first.frameworkId } }));
    const error = await first.waitFor((e) => e.type === 'ERROR', 'ERROR');
    expect(shapeMismatches(ERROR_EVENT, error)).toEqual([]);
  });

  test('415 and 406 only for what Mesos refuses: neither JSON nor protobuf; the internal agent channel takes JSON only', async () => {
    const url = `${master.url}${SCHEDULER_PATH}`;
    const notAcceptable = await request(url, { body: DOCUMENTED_SUBSCRIBE, headers: { ...SUBSCRIBE_HEADERS, Accept: 'text/html' } });
    expect(notAcceptable.status).toBe(406);
    expect(notAcceptable.text).toContain('application/x-protobuf');
    const unsupported = await request(url, { body: DOCUMENTED_SUBSCRIBE, headers: { 'Content-Type': 'text/plain' } });
    expect(unsupported.status).toBe(415);
    expect(unsupported.text).toContain('application/x-protobuf');
    // A SUBSCRIBE call as protobuf bytes: type (field 2) = SUBSCRIBE (1).
    const agentChannel = await request(`${master.url}/api/v1/agent`, { body: Buffer.from([0x10, 0x01]), headers: { 'Content-Type': 'application/x-protobuf' } });
    expect(agentChannel.status).toBe(415);
  });

  test('JSON as Mesos reads it: nulls are unset fields, unknown fields and unknown capability names are ignored', async () => {
    const body = {
      type: 'SUBSCRIBE',
      framework_id: null,
      subscribe: {
        framework_info: { user: 'foo', name: 'nulls', id: null, capabilities: null, labels: null, hostname: null, from_a_newer_mesos: { x: 1 } },
        suppressed_roles: [null],
      },
    };
    const stream = await new RecordStream<SchedulerEvent>(`${master.url}${SCHEDULER_PATH}`, body, SUBSCRIBE_HEADERS).response();
    try {
      expect(stream.status).toBe(200);
      const subscribed = await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
      expect(subscribed.type === 'SUBSCRIBED' && subscribed.subscribed.framework_id.value).toMatch(/./);
    } finally {
      stream.close();
    }
    const unknownCapability = { ...body, subscribe: { framework_info: { user: 'foo', name: 'caps', capabilities: [{ type: 'FROM_A_NEWER_MESOS' }, { type: 'PARTITION_AWARE' }] } } };
    const second = await new RecordStream<SchedulerEvent>(`${master.url}${SCHEDULER_PATH}`, unknownCapability, SUBSCRIBE_HEADERS).response();
    try {
      expect(second.status).toBe(200);
      await second.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    } finally {
      second.close();
    }
  });

  test('a status update\'s data and uuid pass through as base64', async () => {
    const agent = await register();
    const scheduler = await subscribe();
    const [offer] = await scheduler.nextOffers();
    await scheduler.launch([offer], [{
      name: 't', task_id: { value: 't' }, agent_id: offer.agent_id, command: { value: 'true' },
      resources: offer.resources.filter((r) => r.name === 'cpus'),
    }]);
    const data = Buffer.from('hello \u00e9').toString('base64');
    const uuid = newStatusUuid();
    await agent.sendUpdate(scheduler.frameworkId, 't', 'TASK_RUNNING', { data, uuid });
    const status = await scheduler.update('t', 'TASK_RUNNING');
    expect(status.data).toBe(data);
    expect(status.uuid).toBe(uuid);
  });
});

/** A record of a protobuf stream, as a client decodes it with the published definitions. */
function schedulerEvent(record: Buffer): SchedulerEvent {
  const decoded = decodeProtobuf(V1_MESSAGES.schedulerEvent, record);
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.value as SchedulerEvent;
}

const PROTOBUF_HEADERS = { 'Content-Type': 'application/x-protobuf', Accept: 'application/x-protobuf', Connection: 'close' };

describe('conformance in protobuf: the documented calls as mesos.v1.scheduler.Call, events read from the protobuf RecordIO stream', () => {
  let master: Master;
  let agent: RawAgent;
  let stream: RecordStream<SchedulerEvent>;
  let frameworkId: string;
  let streamId: string;
  let offers: Offer[];
  const TASK_ID = '12220-3440-12532-my-task';

  const url = () => `${master.url}${SCHEDULER_PATH}`;
  /** A documented call with the real framework id, sent as protobuf. */
  const call = (documented: Record<string, unknown>, changes: Record<string, unknown> = {}): Promise<HttpResult> =>
    request(url(), {
      body: encodeProtobuf(V1_MESSAGES.schedulerCall, { ...documented, framework_id: { value: frameworkId }, ...changes }),
      headers: { 'Content-Type': 'application/x-protobuf', 'Mesos-Stream-Id': streamId },
    });
  const expectAccepted = (res: HttpResult) => expect({ status: res.status, text: res.text }).toEqual({ status: 202, text: '' });
  const waitFor = (match: (e: SchedulerEvent) => boolean, what: string, from = 0) => stream.waitFor(match, what, { from });

  beforeAll(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, allocationIntervalMs: 50 });
    await master.listen();
    agent = await RawAgent.register(master.url, { resources: 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]', attributes: 'rack:r1;foo:bar' });
  });

  afterAll(async () => {
    stream?.close();
    agent.disconnect();
    await master.close();
  });

  test('SUBSCRIBE in protobuf: 200, Content-Type application/x-protobuf, RecordIO of Event records: SUBSCRIBED, HEARTBEAT, OFFERS', async () => {
    const body = encodeProtobuf(V1_MESSAGES.schedulerCall, DOCUMENTED_SCHEDULER_CALLS.SUBSCRIBE);
    stream = await new RecordStream<SchedulerEvent>(url(), body, PROTOBUF_HEADERS, schedulerEvent).response();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('application/x-protobuf');
    streamId = String(stream.headers['mesos-stream-id']);
    expect(streamId).toMatch(UUID_HEADER);
    const subscribed = await waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    expect(shapeMismatches(SUBSCRIBED_EVENT, subscribed)).toEqual([]);
    if (subscribed.type !== 'SUBSCRIBED') return;
    frameworkId = subscribed.subscribed.framework_id.value;
    expect(subscribed.subscribed.master_info).toMatchObject({ id: master.id, port: master.port });
    const event = await waitFor((e) => e.type === 'OFFERS', 'OFFERS');
    // protobuf has no empty list: an offer without executors has no executor_ids at all.
    expect(shapeMismatches(OFFERS_EVENT, event).filter((m) => !m.endsWith('executor_ids: missing'))).toEqual([]);
    if (event.type !== 'OFFERS') return;
    offers = event.offers.offers;
    expect(offers[0]).toMatchObject({ allocation_info: { role: 'test1' }, framework_id: { value: frameworkId }, agent_id: { value: agent.agentId } });
    expect(offers[0].resources.find((r) => r.name === 'ports')).toMatchObject({ type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } });
    expect(stream.records.slice(0, 2).map((e) => e.type)).toEqual(['SUBSCRIBED', 'HEARTBEAT']);
    expect(splitRecordIO(Buffer.concat(stream.rawChunks), schedulerEvent)).toEqual(stream.records);
  });

  test('Accept: application/recordio with Message-Accept: application/x-protobuf streams the same records', async () => {
    const other = await new RecordStream<SchedulerEvent>(url(), encodeProtobuf(V1_MESSAGES.schedulerCall, { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo() } }), {
      'Content-Type': 'application/x-protobuf', Accept: 'application/recordio', 'Message-Accept': 'application/x-protobuf',
    }, schedulerEvent).response();
    try {
      expect(other.status).toBe(200);
      expect(other.headers['content-type']).toBe('application/recordio');
      expect(other.headers['message-content-type']).toBe('application/x-protobuf');
      expect((await other.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED')).type).toBe('SUBSCRIBED');
    } finally {
      other.close();
    }
  });

  test('ACCEPT in protobuf (the documented LAUNCH): 202 and the task reaches the agent', async () => {
    const offer = offers[0];
    const role = offer.allocation_info!.role;
    const documented = DOCUMENTED_SCHEDULER_CALLS.ACCEPT as { accept: { operations: { launch: { task_infos: Record<string, unknown>[] } }[] } };
    const documentedTask = documented.accept.operations[0].launch.task_infos[0];
    const resources = (documentedTask.resources as Record<string, unknown>[]).map((r) => ({ ...r, allocation_info: { role } }));
    const task = { ...documentedTask, agent_id: offer.agent_id, resources };
    const mark = agent.events.length;
    expectAccepted(await call(DOCUMENTED_SCHEDULER_CALLS.ACCEPT, {
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: 5 } },
    }));
    const run = await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK', { from: mark });
    if (run.type !== 'RUN_TASK') return;
    expect(run.run_task.task).toMatchObject({ name: 'My Task', task_id: { value: TASK_ID }, executor: { command: { shell: true, value: 'sleep 1000' } } });
  });

  test('UPDATE arrives as a protobuf Event with its uuid; ACKNOWLEDGE in protobuf: 202, and the agent receives it', async () => {
    const sent = await agent.sendUpdate(frameworkId, TASK_ID, 'TASK_RUNNING', { executor_id: { value: '12214-23523-my-executor' }, data: Buffer.from('hi').toString('base64') });
    const update = await waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === TASK_ID, 'UPDATE');
    expect(shapeMismatches(UPDATE_EVENT, update)).toEqual([]);
    if (update.type !== 'UPDATE') return;
    expect(update.update.status).toMatchObject({ state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: sent.uuid, data: Buffer.from('hi').toString('base64') });
    const mark = agent.events.length;
    expectAccepted(await call(DOCUMENTED_SCHEDULER_CALLS.ACKNOWLEDGE, { acknowledge: { agent_id: { value: agent.agentId }, task_id: { value: TASK_ID }, uuid: sent.uuid } }));
    const ack = await agent.waitFor((e) => e.type === 'ACKNOWLEDGE', 'ACKNOWLEDGE', { from: mark });
    expect(ack).toEqual({ type: 'ACKNOWLEDGE', acknowledge: { framework_id: { value: frameworkId }, task_id: { value: TASK_ID }, uuid: sent.uuid } });
  });

  test('DECLINE, REVIVE, SUPPRESS, RECONCILE, MESSAGE, SHUTDOWN and KILL as documented, in protobuf: 202 each', async () => {
    for (const type of ['DECLINE', 'REVIVE', 'SUPPRESS', 'RECONCILE', 'MESSAGE', 'SHUTDOWN']) {
      const res = await call(DOCUMENTED_SCHEDULER_CALLS[type]);
      expect({ type, status: res.status, text: res.text }).toEqual({ type, status: 202, text: '' });
    }
    const mark = stream.records.length;
    expectAccepted(await call(DOCUMENTED_SCHEDULER_CALLS.KILL, { kill: { task_id: { value: 'no-such-task' } } }));
    const lost = await waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'no-such-task', 'TASK_LOST for an unknown task', mark);
    expect(lost.type === 'UPDATE' && lost.update.status.state).toBe('TASK_LOST');
  });

  test('bytes that are not a Call are 400 naming the message; a Call missing a required field is 400 naming the field', async () => {
    const garbage = await request(url(), { body: Buffer.from([0x1a, 0x08, 0x0a]), headers: { 'Content-Type': 'application/x-protobuf', 'Mesos-Stream-Id': streamId } });
    expect(garbage.status).toBe(400);
    expect(garbage.text).toContain('mesos.v1.scheduler.Call');
    const missing = await call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agent.agentId }, uuid: 'AAECAwQFBgcICQoLDA0ODw==' } });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain("'acknowledge.task_id'");
  });

  test('TEARDOWN in protobuf: 202, and the stream ends', async () => {
    expectAccepted(await call(DOCUMENTED_SCHEDULER_CALLS.TEARDOWN));
    await expect(stream.waitFor(() => false, 'the end of the stream', { timeoutMs: 5000 })).rejects.toThrow(/stream ended/);
  });
});
