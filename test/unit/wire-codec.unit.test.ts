/**
 * The protobuf codec against bytes written by hand from the field numbers of Mesos's .proto files
 * (include/mesos/v1/scheduler/scheduler.proto, mesos.proto, master/master.proto), not by our encoder;
 * proto2's rules for unknown fields and enums; and JSON <-> protobuf round trips of the calls and
 * events the master takes and sends.
 */
import fc from 'fast-check';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES, type V1MessageName } from '../../cluster/protocol/wire-codec';

/** A length-delimited field: tag (field << 3 | 2), length, bytes. Lengths here stay under 128 (one byte). */
const len = (field: number, ...body: number[][]): number[] => [(field << 3) | 2, body.flat().length, ...body.flat()];
const str = (field: number, text: string): number[] => len(field, [...Buffer.from(text)]);
const varint = (field: number, value: number): number[] => [field << 3, value];
const id = (field: number, value: string): number[] => len(field, str(1, value));

function decoded(name: V1MessageName, bytes: number[] | Buffer): Record<string, unknown> {
  const result = decodeProtobuf(name, Uint8Array.from(bytes));
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe('golden bytes', () => {
  // Call { type = 2: SUBSCRIBE (1); subscribe = 3 { framework_info = 1 { user = 1: "u"; name = 2: "n" } } }
  const SUBSCRIBE = [0x10, 0x01, 0x1a, 0x08, 0x0a, 0x06, 0x0a, 0x01, 0x75, 0x12, 0x01, 0x6e];
  const subscribeJson = { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } };

  test('a SUBSCRIBE written byte by byte decodes to the JSON form, and encodes to the same bytes', () => {
    expect(SUBSCRIBE).toEqual([...varint(2, 1), ...len(3, len(1, str(1, 'u'), str(2, 'n')))]);
    expect(decoded(V1_MESSAGES.schedulerCall, SUBSCRIBE)).toEqual(subscribeJson);
    expect([...encodeProtobuf(V1_MESSAGES.schedulerCall, subscribeJson)]).toEqual(SUBSCRIBE);
  });

  test('ACKNOWLEDGE: bytes fields become base64, as the JSON form has them', () => {
    const uuid = Array.from({ length: 16 }, (_, i) => i);
    // Call { framework_id = 1; type = 2: ACKNOWLEDGE (8); acknowledge = 8 { agent_id = 1; task_id = 2; uuid = 3 } }
    const bytes = [...id(1, 'f'), ...varint(2, 8), ...len(8, id(1, 'a'), id(2, 't'), len(3, uuid))];
    expect(bytes.slice(0, 9)).toEqual([0x0a, 0x03, 0x0a, 0x01, 0x66, 0x10, 0x08, 0x42, 0x1c]);
    const json = {
      framework_id: { value: 'f' },
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AAECAwQFBgcICQoLDA0ODw==' },
    };
    expect(decoded(V1_MESSAGES.schedulerCall, bytes)).toEqual(json);
    expect([...encodeProtobuf(V1_MESSAGES.schedulerCall, json)]).toEqual(bytes);
  });

  test('a Resource: the SCALAR enum (0) written out, a double, and uint64 ranges as numbers', () => {
    const half = [...Buffer.from(new Float64Array([0.5]).buffer)];
    // Resource { name = 1: "cpus"; type = 2: SCALAR (0); scalar = 3 { value = 1 (fixed64): 0.5 } }
    const cpus = [...str(1, 'cpus'), ...varint(2, 0), ...len(3, [0x09, ...half])];
    // Resource { name = 1: "ports"; type = 2: RANGES (1); ranges = 4 { range = 1 { begin = 1: 31000; end = 2: 32000 } } }
    const ports = [...str(1, 'ports'), ...varint(2, 1), ...len(4, len(1, [0x08, 0x98, 0xf2, 0x01, 0x10, 0x80, 0xfa, 0x01]))];
    // Call.Request { requests = 1 { resources = 2 [cpus, ports] } } inside Call { type = 2: REQUEST (11); request = 11 }
    const bytes = [...varint(2, 11), ...len(11, len(1, len(2, cpus), len(2, ports)))];
    expect(decoded(V1_MESSAGES.schedulerCall, bytes)).toEqual({
      type: 'REQUEST',
      request: {
        requests: [{
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
            { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
          ],
        }],
      },
    });
  });

  test('an operator GET_STATE call (master.proto Call.type = 1: GET_STATE (9))', () => {
    expect(decoded(V1_MESSAGES.masterCall, [0x08, 0x09])).toEqual({ type: 'GET_STATE' });
    expect([...encodeProtobuf(V1_MESSAGES.masterResponse, { type: 'GET_HEALTH', get_health: { healthy: true } })])
      .toEqual([0x08, 0x01, 0x12, 0x02, 0x08, 0x01]);
  });
});

describe('proto2 rules', () => {
  test('unknown fields are skipped', () => {
    // Field 100 as a varint (tag 800 = a0 06) and field 99 as bytes, around a known type.
    expect(decoded(V1_MESSAGES.masterCall, [0xa0, 0x06, 0x01, 0x08, 0x09, 0x9a, 0x06, 0x02, 0x61, 0x62])).toEqual({ type: 'GET_STATE' });
  });

  test('an unknown enum number is dropped from an optional field, and from a repeated one', () => {
    expect(decoded(V1_MESSAGES.masterCall, [0x08, 0x63])).toEqual({});
    // FrameworkInfo.capabilities: [{ type: 99 }, { type: MULTI_ROLE (6) }]
    const info = len(1, str(1, 'u'), str(2, 'n'), len(10, varint(1, 99)), len(10, varint(1, 6)));
    expect(decoded(V1_MESSAGES.schedulerCall, [...varint(2, 1), ...len(3, info)])).toEqual({
      type: 'SUBSCRIBE',
      subscribe: { framework_info: { user: 'u', name: 'n', capabilities: [{}, { type: 'MULTI_ROLE' }] } },
    });
  });

  test('an unknown number in a required enum is dropped too: the validators then find it missing', () => {
    // Event { type = 1: UPDATE (4); update = 5 { status = 1 { task_id = 1; state = 2: 99 } } }
    const bytes = [...varint(1, 4), ...len(5, len(1, id(1, 't'), varint(2, 99)))];
    expect(decoded(V1_MESSAGES.schedulerEvent, bytes)).toEqual({ type: 'UPDATE', update: { status: { task_id: { value: 't' } } } });
  });

  test('missing required fields decode (the validators name them), truncated bytes do not', () => {
    expect(decoded(V1_MESSAGES.schedulerCall, [0x10, 0x01, 0x1a, 0x00])).toEqual({ type: 'SUBSCRIBE', subscribe: {} });
    const truncated = decodeProtobuf(V1_MESSAGES.schedulerCall, Uint8Array.from([0x1a, 0x08, 0x0a]));
    expect(truncated).toEqual({ ok: false, message: expect.stringMatching(/^Failed to parse body into mesos\.v1\.scheduler\.Call: /) });
  });

  test('a message nested past the depth bound is refused', () => {
    let container = str(1, 'c');
    for (let i = 0; i < 70; i++) container = [...str(1, 'c'), ...lenLong(2, container)];
    // agent.proto has no ContainerID call; executor Event.Subscribed.container_id = 4 carries one.
    const bytes = [...varint(1, 1), ...lenLong(2, lenLong(4, container))];
    const result = decodeProtobuf(V1_MESSAGES.executorEvent, Uint8Array.from(bytes));
    expect(result).toEqual({ ok: false, message: expect.stringContaining('nested deeper than 64 levels') });
  });
});

/** A length-delimited field whose length may need more than one varint byte. */
function lenLong(field: number, body: number[]): number[] {
  const length: number[] = [];
  let n = body.length;
  while (n >= 0x80) {
    length.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  length.push(n);
  return [(field << 3) | 2, ...length, ...body];
}

// ---- round trips ----

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const idOf = name.map((value) => ({ value }));
const scalar = fc.record({ name: fc.constantFrom('cpus', 'mem', 'disk'), type: fc.constant('SCALAR'), scalar: fc.record({ value: fc.integer({ min: 1, max: 100_000 }).map((n) => n / 1000) }) });
const ranges = fc.record({
  name: fc.constant('ports'),
  type: fc.constant('RANGES'),
  ranges: fc.record({ range: fc.array(fc.record({ begin: fc.integer({ min: 0, max: 2 ** 40 }), end: fc.integer({ min: 0, max: 2 ** 40 }) }), { minLength: 1, maxLength: 3 }) }),
  reservations: fc.array(fc.record({ type: fc.constantFrom('STATIC', 'DYNAMIC'), role: name, principal: name }), { maxLength: 2 }).filter((r) => r.length > 0),
});
const resource = fc.oneof(scalar, ranges, fc.record({ name: fc.constant('disk'), type: fc.constant('SCALAR'), scalar: fc.record({ value: fc.constant(10) }), disk: fc.record({ persistence: fc.record({ id: name }), source: fc.record({ type: fc.constant('PATH'), path: fc.record({ root: name }) }) }) }));
const bytes = fc.uint8Array({ minLength: 1, maxLength: 24 }).map((b) => Buffer.from(b).toString('base64'));
const taskInfo = fc.record({
  name,
  task_id: idOf,
  agent_id: idOf,
  resources: fc.array(resource, { minLength: 1, maxLength: 3 }),
  command: fc.record({ value: name, shell: fc.boolean(), environment: fc.record({ variables: fc.array(fc.record({ name, type: fc.constant('VALUE'), value: name }), { minLength: 1, maxLength: 2 }) }) }, { requiredKeys: ['value'] }),
  data: bytes,
  kill_policy: fc.record({ grace_period: fc.record({ nanoseconds: fc.integer({ min: 0, max: 2 ** 50 }) }) }),
  labels: fc.record({ labels: fc.array(fc.record({ key: name, value: name }), { minLength: 1, maxLength: 2 }) }),
}, { requiredKeys: ['name', 'task_id', 'agent_id', 'resources'] });

const schedulerCall = fc.oneof(
  fc.record({
    type: fc.constant('SUBSCRIBE'),
    subscribe: fc.record({
      framework_info: fc.record({
        user: name, name, failover_timeout: fc.integer({ min: 0, max: 10 ** 6 }), checkpoint: fc.boolean(), roles: fc.array(name, { minLength: 1, maxLength: 3 }),
        capabilities: fc.array(fc.record({ type: fc.constantFrom('MULTI_ROLE', 'PARTITION_AWARE', 'TASK_KILLING_STATE') }), { minLength: 1, maxLength: 2 }),
      }, { requiredKeys: ['user', 'name'] }),
      suppressed_roles: fc.array(name, { minLength: 1, maxLength: 2 }),
    }, { requiredKeys: ['framework_info'] }),
  }),
  fc.record({
    framework_id: idOf,
    type: fc.constant('ACCEPT'),
    accept: fc.record({
      offer_ids: fc.array(idOf, { minLength: 1, maxLength: 2 }),
      operations: fc.array(fc.record({ type: fc.constant('LAUNCH'), launch: fc.record({ task_infos: fc.array(taskInfo, { minLength: 1, maxLength: 2 }) }) }), { minLength: 1, maxLength: 2 }),
      filters: fc.record({ refuse_seconds: fc.integer({ min: 0, max: 1000 }) }),
    }),
  }),
  fc.record({ framework_id: idOf, type: fc.constant('ACKNOWLEDGE'), acknowledge: fc.record({ agent_id: idOf, task_id: idOf, uuid: bytes }) }),
  fc.record({ framework_id: idOf, type: fc.constant('KILL'), kill: fc.record({ task_id: idOf, agent_id: idOf }) }),
  fc.record({ framework_id: idOf, type: fc.constantFrom('REVIVE', 'SUPPRESS'), revive: fc.record({ roles: fc.array(name, { minLength: 1, maxLength: 2 }) }) }),
);

const taskStatus = fc.record({
  task_id: idOf,
  state: fc.constantFrom('TASK_RUNNING', 'TASK_FINISHED', 'TASK_LOST', 'TASK_STARTING'),
  source: fc.constantFrom('SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR'),
  reason: fc.constantFrom('REASON_RECONCILIATION', 'REASON_AGENT_DRAINING', 'REASON_COMMAND_EXECUTOR_FAILED'),
  uuid: bytes,
  timestamp: fc.integer({ min: 0, max: 2 ** 31 }).map((n) => n + 0.25),
  agent_id: idOf,
}, { requiredKeys: ['task_id', 'state'] });

const schedulerEvent = fc.oneof(
  fc.record({ type: fc.constant('SUBSCRIBED'), subscribed: fc.record({ framework_id: idOf, heartbeat_interval_seconds: fc.constant(15) }) }),
  fc.record({ type: fc.constant('UPDATE'), update: fc.record({ status: taskStatus }) }),
  fc.record({
    type: fc.constant('OFFERS'),
    offers: fc.record({ offers: fc.array(fc.record({ id: idOf, framework_id: idOf, agent_id: idOf, hostname: name, resources: fc.array(resource, { minLength: 1, maxLength: 3 }), allocation_info: fc.record({ role: name }) }), { minLength: 1, maxLength: 2 }) }),
  }),
  fc.constant({ type: 'HEARTBEAT' }),
);

const executorCall = fc.record({
  executor_id: idOf,
  framework_id: idOf,
  type: fc.constant('UPDATE'),
  update: fc.record({ status: taskStatus }),
});

describe('JSON <-> protobuf round trips', () => {
  test.each([
    ['scheduler calls', V1_MESSAGES.schedulerCall, schedulerCall],
    ['scheduler events', V1_MESSAGES.schedulerEvent, schedulerEvent],
    ['executor UPDATE calls', V1_MESSAGES.executorCall, executorCall],
  ] as const)('%s: encoding the JSON form and decoding it gives it back', (_what, message, arbitrary) => {
    fc.assert(fc.property(arbitrary as fc.Arbitrary<object>, (json) => {
      expect(decoded(message, encodeProtobuf(message, json))).toEqual(json);
    }), { numRuns: 150 });
  });

  test('fields a message does not define are left out of its encoding', () => {
    const bytes = encodeProtobuf(V1_MESSAGES.masterResponse, { type: 'GET_HEALTH', get_health: { healthy: true, extra: 1 }, made_up: { a: 1 } });
    expect(decoded(V1_MESSAGES.masterResponse, bytes)).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
  });
});
