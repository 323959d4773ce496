/**
 * JSON read as Mesos reads it (stout's protobuf.hpp): `null` is an unset field and a `null` array
 * element is skipped, unknown fields are ignored, an unknown enum name in an optional or repeated
 * field is dropped and in a required one refused. Each property takes a valid call (the documented
 * ones and calls of our own), puts nulls and unknown fields into it, and checks that the call is
 * still accepted and means the same: the validated object is the same, the unknown fields aside.
 */
import fc from 'fast-check';
import { normalizeJson, V1_MESSAGES, type V1MessageName } from '../../cluster/protocol/wire-codec';
import { updateWeightsCall } from '../../cluster/protocol/operator-admin-calls';
import { validateAgentCall, validateOperatorCall, validateSchedulerCall, validateWith, type Validated } from '../../cluster/protocol/validate';
import { DOCUMENTED_OPERATOR_CALLS, DOCUMENTED_SCHEDULER_CALLS } from '../helpers/mesos-doc-examples';

/** Keys no Mesos message has: what a property adds as "unknown" and removes again before comparing. */
const UNKNOWN_PREFIX = 'zz_not_in_mesos_';

/** Optional fields of Mesos messages; a property sets the absent ones to null wherever it likes. */
const OPTIONAL_NAMES = ['role', 'labels', 'executor', 'filters', 'hostname', 'principal', 'data', 'kill_policy', 'agent_id', 'source', 'reason', 'refuse_seconds', 'checkpoint', 'capabilities', 'container', 'uris', 'environment'];

type Json = unknown;

/** Map fields: their keys are entries (a role's offer constraints), not fields, so none is added to them. */
const MAP_FIELDS = ['role_constraints'];

/** Every object and array inside `value`, as paths (maps only looked into). */
function containers(value: Json, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return out;
  if (!MAP_FIELDS.includes(String(path[path.length - 1]))) out.push(path);
  for (const [k, v] of Object.entries(value)) containers(v, [...path, Array.isArray(value) ? Number(k) : k], out);
  return out;
}

function at(value: Json, path: (string | number)[]): Json {
  return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], value);
}

interface Mutation { where: number; kind: 'null-field' | 'unknown-field' | 'null-element'; name: number; extra: Json }

const mutation = fc.record({
  where: fc.nat(),
  kind: fc.constantFrom<Mutation['kind']>('null-field', 'unknown-field', 'null-element'),
  name: fc.nat(),
  extra: fc.jsonValue({ maxDepth: 3 }),
});

/** `call` with the mutations applied (a copy): nulls and unknown fields that must change nothing. */
function mutate(call: Json, mutations: Mutation[]): Json {
  const copy = structuredClone(call);
  for (const m of mutations) {
    const places = containers(copy);
    const node = at(copy, places[m.where % places.length]) as Record<string, Json> | Json[];
    if (Array.isArray(node)) {
      if (m.kind === 'null-element') node.splice(m.name % (node.length + 1), 0, null);
      continue;
    }
    if (m.kind === 'unknown-field') {
      node[`${UNKNOWN_PREFIX}${m.name % 5}`] = m.extra;
    } else {
      const name = OPTIONAL_NAMES[m.name % OPTIONAL_NAMES.length];
      if (!(name in node)) node[name] = null;
    }
  }
  return copy;
}

/** The validated call with the added unknown fields taken out again. */
function withoutUnknown(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutUnknown);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith(UNKNOWN_PREFIX)).map(([k, v]) => [k, withoutUnknown(v)]));
}

function sameMeaning<T>(calls: Record<string, Json>, message: V1MessageName | undefined, validate: (body: Json) => Validated<T>): void {
  for (const [type, call] of Object.entries(calls)) {
    const original = validate(normalizeJson(structuredClone(call), message));
    if (!original.ok) throw new Error(`${type}: the example itself is refused: ${original.message}`);
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
      const mutated = validate(normalizeJson(mutate(call, mutations), message));
      if (!mutated.ok) throw new Error(`${type}: refused after ${JSON.stringify(mutations)}: ${mutated.message}`);
      expect(withoutUnknown(mutated.call)).toEqual(original.call);
    }), { numRuns: 60 });
  }
}

/** Calls of our own, beyond the documents: a task with most of TaskInfo, an executor, labels, environment. */
const OUR_SCHEDULER_CALLS: Record<string, Json> = {
  'SUBSCRIBE with everything': {
    type: 'SUBSCRIBE',
    subscribe: {
      framework_info: {
        user: 'root', name: 'fw', id: { value: 'f1' }, failover_timeout: 60, checkpoint: true, role: 'web', hostname: 'h', principal: 'p',
        webui_url: 'http://h', capabilities: [{ type: 'PARTITION_AWARE' }], labels: { labels: [{ key: 'k', value: 'v' }] },
      },
    },
    framework_id: { value: 'f1' },
  },
  'ACCEPT LAUNCH_GROUP': {
    framework_id: { value: 'f1' },
    type: 'ACCEPT',
    accept: {
      offer_ids: [{ value: 'o1' }],
      operations: [{
        type: 'LAUNCH_GROUP',
        launch_group: {
          executor: { type: 'DEFAULT', executor_id: { value: 'e' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] },
          task_group: {
            tasks: [{
              name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' },
              resources: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] }, reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'p' }] }],
              command: { value: 'sleep 1', environment: { variables: [{ name: 'A', type: 'VALUE', value: '1' }] }, uris: [{ value: 'http://x/y.tgz', extract: true }] },
              kill_policy: { grace_period: { nanoseconds: 1000000000 } },
              labels: { labels: [{ key: 'k' }] },
            }],
          },
        },
      }],
    },
  },
};

const OUR_AGENT_CALLS: Record<string, Json> = {
  UPDATE: {
    type: 'UPDATE',
    agent_id: { value: 'a1' },
    update: { framework_id: { value: 'f1' }, status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: 'AAECAwQFBgcICQoLDA0ODw==' } },
  },
};

describe('null and unknown fields change nothing', () => {
  test('documented scheduler calls', () => {
    sameMeaning(DOCUMENTED_SCHEDULER_CALLS, V1_MESSAGES.schedulerCall, validateSchedulerCall);
  });

  test('scheduler calls of our own', () => {
    sameMeaning(OUR_SCHEDULER_CALLS, V1_MESSAGES.schedulerCall, validateSchedulerCall);
  });

  test('documented operator calls, and an operator call with a sub-message schema', () => {
    sameMeaning(DOCUMENTED_OPERATOR_CALLS, V1_MESSAGES.masterCall, validateOperatorCall);
    sameMeaning({ UPDATE_WEIGHTS: DOCUMENTED_OPERATOR_CALLS.UPDATE_WEIGHTS }, V1_MESSAGES.masterCall, (body) => validateWith(updateWeightsCall, body));
  });

  test('calls on the internal agent channel (no published definition: nulls only)', () => {
    sameMeaning(OUR_AGENT_CALLS, undefined, validateAgentCall);
  });
});

describe('the error that started it', () => {
  test("'capabilities': null is no longer 'must be an array, got null'", () => {
    const call = { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', capabilities: null, id: null }, suppressed_roles: null } };
    const result = validateSchedulerCall(normalizeJson(call, V1_MESSAGES.schedulerCall));
    expect(result).toEqual({ ok: true, call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } } });
  });

  test('null is still not a value for a required field: it is missing, and said so', () => {
    const call = { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: null } } };
    expect(validateSchedulerCall(normalizeJson(call, V1_MESSAGES.schedulerCall))).toEqual({
      ok: false, message: "'subscribe.framework_info.name': required string, got undefined",
    });
  });
});

describe('unknown enum names', () => {
  const subscribe = (info: Record<string, unknown>) => ({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', ...info } } });

  test('dropped from an optional field (Capability.type) and from a repeated one', () => {
    const result = validateSchedulerCall(normalizeJson(subscribe({ capabilities: [{ type: 'FROM_THE_FUTURE' }, { type: 'MULTI_ROLE' }], roles: ['a'] }), V1_MESSAGES.schedulerCall));
    expect(result).toEqual({ ok: true, call: subscribe({ capabilities: [{}, { type: 'MULTI_ROLE' }], roles: ['a'] }) });
  });

  test('dropped deep inside a task (ExecutorInfo.type, Environment.Variable.type)', () => {
    const task = (executorType?: string, variableType?: string) => ({
      framework_id: { value: 'f' },
      type: 'ACCEPT',
      accept: {
        offer_ids: [{ value: 'o' }],
        operations: [{
          type: 'LAUNCH',
          launch: {
            task_infos: [{
              name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, resources: [],
              executor: { executor_id: { value: 'e' }, ...(executorType ? { type: executorType } : {}), command: { value: 'x', environment: { variables: [{ name: 'A', value: '1', ...(variableType ? { type: variableType } : {}) }] } } },
            }],
          },
        }],
      },
    });
    const mutated = validateSchedulerCall(normalizeJson(task('NEWER', 'PLAIN'), V1_MESSAGES.schedulerCall));
    const plain = validateSchedulerCall(normalizeJson(task(), V1_MESSAGES.schedulerCall));
    expect(mutated).toEqual(plain);
    expect(mutated.ok).toBe(true);
  });

  test('refused in a required field (Resource.type), naming it', () => {
    const call = {
      framework_id: { value: 'f' }, type: 'ACCEPT',
      accept: { offer_ids: [], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, resources: [{ name: 'cpus', type: 'SCALARISH', scalar: { value: 1 } }] }] } }] },
    };
    const result = validateSchedulerCall(normalizeJson(call, V1_MESSAGES.schedulerCall));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain('accept.operations[0].launch.task_infos[0].resources[0]');
    expect(!result.ok && result.message).toContain('SCALARISH');
  });

  test("an unknown call type is refused with the types this master takes (Mesos: 'type' unset, then missing)", () => {
    const result = validateSchedulerCall(normalizeJson({ type: 'ACCEPT_INVERSE_OFFERS_V2' }, V1_MESSAGES.schedulerCall));
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/^'type': must be one of SUBSCRIBE, /) });
  });
});
