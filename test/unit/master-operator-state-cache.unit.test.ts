/**
 * GET_STATE is served from renderings kept between calls (operator-state-cache.ts), in JSON and in
 * protobuf. Whatever happens to the cluster, each must say what GET_TASKS, GET_EXECUTORS,
 * GET_FRAMEWORKS and GET_AGENTS say at the same moment, under master.proto's field names.
 */
import fc from 'fast-check';
import type { MasterCore } from '../../cluster/master/core';
import { OperatorStateCache, type StateEncoding } from '../../cluster/master/views/operator-state-cache';
import { getAgents, getExecutors, getFrameworks, getTasks } from '../../cluster/master/views/operator-views';
import { UsageCache } from '../../cluster/master/views/usage-cache';
import descriptor from '../../cluster/protocol/proto/mesos-v1.json';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { apply, changeArb } from '../helpers/cluster-changes';
import { createMasterHarness, registerCall } from '../helpers/master-harness';

type Json = Record<string, unknown>;

async function served(cache: OperatorStateCache, encoding: StateEncoding): Promise<Buffer> {
  const { chunks, length } = await cache.body(encoding);
  const bytes = Buffer.concat(chunks);
  expect(bytes.length).toBe(length);
  return bytes;
}

/** What the single-view calls answer now, as the parts of a GetState. */
function singleViews(core: MasterCore): Json {
  return {
    get_tasks: getTasks(core),
    get_executors: getExecutors(core),
    get_frameworks: getFrameworks(core),
    get_agents: getAgents(core),
  };
}

/** A Response read back from protobuf (enums as names, 64-bit numbers as numbers), as a client decodes it. */
function decoded(bytes: Buffer): Json {
  const result = decodeProtobuf(V1_MESSAGES.masterResponse, bytes);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

/** Each GET_STATE encoding against the single views, each view sent through the same encoding. */
async function expectAgrees(cache: OperatorStateCache, core: MasterCore): Promise<void> {
  const views = singleViews(core);
  expectDocumentAgrees(await served(cache, 'json'), 'json', views);
  expectDocumentAgrees(await served(cache, 'protobuf'), 'protobuf', views);
}

/** One served document against the single views. */
function expectDocumentAgrees(bytes: Buffer, encoding: StateEncoding, views: Json): void {
  if (encoding === 'json') {
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(JSON.parse(JSON.stringify({ type: 'GET_STATE', get_state: views })));
    return;
  }
  const state = decoded(bytes);
  expect(state.type).toBe('GET_STATE');
  const parts = state.get_state as Json;
  for (const [field, view] of Object.entries(views)) {
    const alone = decoded(encodeProtobuf(V1_MESSAGES.masterResponse, { type: field.toUpperCase(), [field]: view }));
    expect({ [field]: parts[field] }).toEqual({ [field]: alone[field] });
  }
}

/** The field names master.proto gives a message of Response. */
function protoFields(message: string): string[] {
  type Ns = { nested?: Record<string, Ns>; fields?: Record<string, unknown> };
  const response = (descriptor as Ns).nested!.mesos.nested!.v1.nested!.master.nested!.Response;
  return Object.keys(response.nested![message].fields!).sort();
}

describe('GET_STATE from kept renderings', () => {
  test('after any sequence of changes, both encodings say what the single views say', async () => {
    await fc.assert(fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 20 }), async (changes) => {
      const master = createMasterHarness();
      const { core } = master;
      try {
        const cache = new OperatorStateCache(core, new UsageCache());
        const next = { agent: 0 };
        for (let i = 0; i < 30; i++) master.register(registerCall(next.agent++, i % 5));
        await expectAgrees(cache, core);
        for (const change of changes) {
          apply(master, change, next);
          await master.turn();
          // A stale rendering of what just changed would make the two disagree.
          await expectAgrees(cache, core);
        }
      } finally {
        master.stop();
      }
    }), { numRuns: 12 });
  });

  test('the JSON uses master.proto\'s field names for GetState and every list in it', async () => {
    const master = createMasterHarness();
    try {
      for (let i = 0; i < 5; i++) master.register(registerCall(i, 2));
      const json = JSON.parse((await served(new OperatorStateCache(master.core, new UsageCache()), 'json')).toString('utf8'));
      expect(Object.keys(json.get_state).sort()).toEqual(protoFields('GetState'));
      expect(Object.keys(json.get_state.get_tasks).sort()).toEqual(protoFields('GetTasks'));
      expect(Object.keys(json.get_state.get_executors).sort()).toEqual(protoFields('GetExecutors'));
      expect(Object.keys(json.get_state.get_frameworks).sort()).toEqual(protoFields('GetFrameworks'));
      expect(Object.keys(json.get_state.get_agents).sort()).toEqual(protoFields('GetAgents'));
      expect(json.get_state.get_tasks.tasks).toHaveLength(10);
      expect(json.get_state.get_agents.agents).toHaveLength(5);
    } finally {
      master.stop();
    }
  });

  test('changes while a build yields still end in a document of one instant, and an unchanged cluster is answered from the cache', async () => {
    const master = createMasterHarness();
    const { core } = master;
    try {
      // Slices of 0 ms: the build yields at every check, so the changes below land in the middle of it.
      const cache = new OperatorStateCache(core, new UsageCache(), 0);
      const next = { agent: 0 };
      for (let i = 0; i < 200; i++) master.register(registerCall(next.agent++, 10));
      for (let round = 0; round < 6; round++) {
        const encoding: StateEncoding = round % 2 ? 'protobuf' : 'json';
        const pending = cache.body(encoding);
        for (let k = 0; k < 4; k++) setImmediate(() => apply(master, { kind: k % 2 ? 'status' : 'register', pick: round * 7 + k }, next));
        // The document built while the changes landed, not a later one: it must be the cluster as it is now.
        const { chunks } = await pending;
        expectDocumentAgrees(Buffer.concat(chunks), encoding, singleViews(core));
        await expectAgrees(cache, core);
      }
      const [a, b] = await Promise.all([cache.body('json'), cache.body('json')]);
      expect(b).toBe(a);
      expect(await cache.body('json')).toBe(a);
    } finally {
      master.stop();
    }
  });
});
