/**
 * Every scheduler call type, every operator call type and the agent channel's calls, with mutated bodies, against a master over
 * real HTTP: values replaced by nulls, wrong types, huge strings and values nested past the limit,
 * prototype keys added, fields removed, call types naming Object.prototype's properties, JSON cut
 * short. The master never answers 500 and never fails to answer; afterwards its state reads whole,
 * the operator stream works and a new framework subscribes and launches a task.
 */
import * as http from 'node:http';
import fc from 'fast-check';
import { createMaster, type Master } from '../../cluster/master';
import { SUPPORTED_OPERATOR_CALLS } from '../../cluster/master/api/operator-api';
import { SCHEDULER_CALL_TYPES } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { getJson, RecordStream, request } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { commandTask, frameworkInfo, RawScheduler, SCHEDULER_PATH } from '../helpers/scheduler';

/** Mutated bodies per call type. */
const RUNS_PER_SCHEDULER_CALL = 120;
const RUNS_PER_OPERATOR_CALL = 60;
const RUNS_PER_AGENT_CALL = 60;

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];
const DEEP = '<deep>';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

type Mutation =
  | { kind: 'replace'; pick: number; value: Json }
  | { kind: 'remove'; pick: number }
  | { kind: 'prototype-key'; pick: number; key: string; value: Json }
  | { kind: 'deep'; pick: number; depth: number }
  | { kind: 'type'; value: string }
  | { kind: 'truncate'; at: number };

const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.string({ maxLength: 50 }),
  fc.integer({ min: 1, max: 2 * 1024 * 1024 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom<Json>(-1, 0, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', [], {}, true, false),
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.constantFrom(...PROTOTYPE_NAMES).map((k): Json => JSON.parse(`{"${k}": {"polluted": true, "value": "x"}}`)),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: hostileValue }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('prototype-key' as const), pick: fc.nat(), key: fc.constantFrom(...PROTOTYPE_NAMES), value: hostileValue }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('deep' as const), pick: fc.nat(), depth: fc.integer({ min: 60, max: 20_000 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('type' as const), value: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ maxLength: 20 })) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }), weight: 1 },
);

/** Every path in `value` (the root is []). */
function paths(value: Json, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

function containerAt(root: Json, path: Path): { parent: any; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let parent: any = root;
  for (const key of path.slice(0, -1)) parent = parent?.[key];
  return parent !== null && typeof parent === 'object' ? { parent, key: path[path.length - 1] } : undefined;
}

function copyOf(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

/** The body text after the mutations (applied in order to a copy of `template`). */
function mutate(template: Json, mutations: Mutation[]): string {
  const body = JSON.parse(JSON.stringify(template)) as Json;
  let truncateAt: number | undefined;
  let deepDepth = 0;
  for (const m of mutations) {
    const all = paths(body);
    const slot = 'pick' in m ? containerAt(body, all[m.pick % all.length]) : undefined;
    switch (m.kind) {
      case 'replace':
        // A copy: hostile values include shared constants, which a later mutation must not change.
        if (slot) slot.parent[slot.key] = copyOf(m.value);
        break;
      case 'remove':
        if (slot) {
          if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
          else delete slot.parent[slot.key];
        }
        break;
      case 'prototype-key': {
        const objects = all.map((p) => (p.length === 0 ? body : containerAt(body, p)?.parent?.[p[p.length - 1]]))
          .filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
        const target = objects[m.pick % Math.max(objects.length, 1)];
        if (target) Object.defineProperty(target, m.key, { value: copyOf(m.value), enumerable: true, configurable: true, writable: true });
        break;
      }
      case 'deep':
        if (slot) slot.parent[slot.key] = DEEP;
        deepDepth = m.depth;
        break;
      case 'type':
        if (body && typeof body === 'object' && !Array.isArray(body)) body.type = m.value;
        break;
      case 'truncate':
        truncateAt = m.at;
        break;
    }
  }
  let text = JSON.stringify(body);
  if (deepDepth > 0) text = text.replace(JSON.stringify(DEEP), '{"k":['.repeat(deepDepth / 2) + '0' + ']}'.repeat(deepDepth / 2));
  return truncateAt === undefined ? text : text.slice(0, truncateAt % Math.max(text.length, 1));
}

/** POSTs `text` as JSON; answers the status (a stream is closed as soon as its status is in). */
function post(url: string, text: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      const status = res.statusCode ?? 0;
      if (res.headers['content-length'] === undefined) {
        // A RecordIO stream (SUBSCRIBE): the status is all this test needs.
        req.destroy();
        resolve(status);
        return;
      }
      res.resume();
      res.on('end', () => resolve(status));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer within 30 s to ${text.slice(0, 200)}`)));
    req.on('error', reject);
    req.end(text);
  });
}

describe('fuzzed calls against a master', () => {
  let master: Master;
  let agent: RawAgent;
  let scheduler: RawScheduler;
  const outcomes: Record<string, Record<string, number>> = { scheduler: {}, operator: {}, agent: {} };
  let inputs = 0;

  const count = (api: 'scheduler' | 'operator' | 'agent', status: number) => {
    inputs++;
    outcomes[api][status] = (outcomes[api][status] ?? 0) + 1;
  };

  beforeAll(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, allocationIntervalMs: 50, heartbeatIntervalSeconds: 5 });
    await master.listen();
    agent = await RawAgent.register(master.url, { resources: 'cpus:64;mem:65536;disk:100000;ports:[31000-32000]' });
    scheduler = await RawScheduler.subscribe(master.url, frameworkInfo({ name: 'fuzzed', failover_timeout: 3600 }));
  });

  afterAll(async () => {
    process.stdout.write(`fuzzed calls: ${inputs} inputs; statuses: ${JSON.stringify(outcomes)}\n`);
    scheduler.close();
    agent.disconnect();
    await master.close();
  });

  /** A valid call of each scheduler type for the fuzzed framework (offer ids are whatever it was offered last). */
  function schedulerTemplate(type: string): Json {
    const offers = scheduler.events.filter((e) => e.type === 'OFFERS').flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : []));
    const offer = offers[offers.length - 1];
    const framework_id = { value: scheduler.frameworkId };
    const agent_id = { value: agent.agentId };
    const task = offer ? commandTask(offer, `fuzz-${inputs}`, 'true') : { name: 'x', task_id: { value: 'x' }, agent_id, resources: [] };
    const calls: Record<string, unknown> = {
      SUBSCRIBE: { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo({ name: 'fuzz-subscriber', webui_url: 'http://x' }) } },
      TEARDOWN: { type: 'TEARDOWN', framework_id: { value: 'not-this-framework' } },
      ACCEPT: { type: 'ACCEPT', framework_id, accept: { offer_ids: offer ? [offer.id] : [], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: 0 } } },
      DECLINE: { type: 'DECLINE', framework_id, decline: { offer_ids: offer ? [offer.id] : [], filters: { refuse_seconds: 0 } } },
      REVIVE: { type: 'REVIVE', framework_id, revive: { roles: ['*'] } },
      SUPPRESS: { type: 'SUPPRESS', framework_id, suppress: { roles: ['other'] } },
      KILL: { type: 'KILL', framework_id, kill: { task_id: { value: 'fuzz-1' }, agent_id, kill_policy: { grace_period: { nanoseconds: 1000 } } } },
      SHUTDOWN: { type: 'SHUTDOWN', framework_id, shutdown: { executor_id: { value: 'e' }, agent_id } },
      ACKNOWLEDGE: { type: 'ACKNOWLEDGE', framework_id, acknowledge: { agent_id, task_id: { value: 't' }, uuid: 'AAECAwQFBgcICQoLDA0ODw==' } },
      RECONCILE: { type: 'RECONCILE', framework_id, reconcile: { tasks: [{ task_id: { value: 't' }, agent_id }] } },
      MESSAGE: { type: 'MESSAGE', framework_id, message: { agent_id, executor_id: { value: 'e' }, data: 'aGVsbG8=' } },
      REQUEST: { type: 'REQUEST', framework_id, request: { requests: [{ agent_id, resources: [] }] } },
      ACCEPT_INVERSE_OFFERS: { type: 'ACCEPT_INVERSE_OFFERS', framework_id, accept_inverse_offers: { inverse_offer_ids: [{ value: 'no-such-inverse-offer' }] } },
      DECLINE_INVERSE_OFFERS: { type: 'DECLINE_INVERSE_OFFERS', framework_id, decline_inverse_offers: { inverse_offer_ids: [{ value: 'no-such-inverse-offer' }], filters: { refuse_seconds: 1 } } },
      UPDATE_FRAMEWORK: {
        type: 'UPDATE_FRAMEWORK',
        framework_id,
        update_framework: {
          framework_info: { ...frameworkInfo({ name: 'fuzzed', failover_timeout: 3600 }), id: framework_id },
          offer_constraints: { role_constraints: { '*': { groups: [{ attribute_constraints: [{ selector: { pseudoattribute_type: 'HOSTNAME' }, predicate: { text_matches: { regex: '.*' } } }] }] } } },
        },
      },
    };
    return calls[type] as Json;
  }

  function operatorTemplate(type: string): Json {
    const agent_id = { value: 'no-such-agent' };
    const bodies: Record<string, object> = {
      UPDATE_WEIGHTS: { update_weights: { weight_infos: [{ role: 'fuzz', weight: 2 }] } },
      UPDATE_QUOTA: { update_quota: { force: true, quota_configs: [{ role: 'fuzz', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }] } },
      TEARDOWN: { teardown: { framework_id: { value: 'no-such-framework' } } },
      KILL_TASK: { kill_task: { task_id: { value: 'no-such-task' }, framework_id: { value: 'no-such-framework' } } },
      MARK_AGENT_GONE: { mark_agent_gone: { agent_id } },
      DEACTIVATE_AGENT: { deactivate_agent: { agent_id } },
      REACTIVATE_AGENT: { reactivate_agent: { agent_id } },
      DRAIN_AGENT: { drain_agent: { agent_id, max_grace_period: { nanoseconds: 1000 }, mark_gone: false } },
      LIST_FILES: { list_files: { path: '/frameworks/no-such-framework/executors/x/runs/latest' } },
      READ_FILE: { read_file: { path: '/frameworks/no-such-framework/executors/x/runs/latest/stdout', offset: 0, length: 10 } },
      UPDATE_MAINTENANCE_SCHEDULE: {
        update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: 'fuzz-machine', ip: '10.9.9.9' }], unavailability: { start: { nanoseconds: 1 }, duration: { nanoseconds: 1 } } }] } },
      },
      START_MAINTENANCE: { start_maintenance: { machines: [{ hostname: 'fuzz-machine', ip: '10.9.9.9' }] } },
      STOP_MAINTENANCE: { stop_maintenance: { machines: [{ hostname: 'fuzz-machine', ip: '10.9.9.9' }] } },
      SET_LOGGING_LEVEL: { set_logging_level: { level: 1, duration: { nanoseconds: 1000 } } },
    };
    return { type, ...bodies[type] } as Json;
  }

  /** The internal agent channel: a registration of a new agent, and calls of the registered one (none that unregisters it). */
  function agentTemplate(type: string): Json {
    const agent_id = { value: agent.agentId };
    const calls: Record<string, unknown> = {
      REGISTER: {
        type, register: {
          agent_info: { hostname: 'fuzz-agent', port: 5051, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r' } }] },
          tasks: [], frameworks: [], version: 'fuzz', pid: 'fuzz-agent:5051',
        },
      },
      UPDATE: {
        type, agent_id, update: {
          framework_id: { value: scheduler.frameworkId },
          status: { task_id: { value: 'fuzz-1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agent_id, uuid: 'AAECAwQFBgcICQoLDA0ODw==', timestamp: 1 },
        },
      },
      PONG: { type, agent_id },
      UNREGISTER: { type, agent_id: { value: 'no-such-agent' } },
    };
    return calls[type] as Json;
  }

  it.each(['REGISTER', 'UPDATE', 'PONG', 'UNREGISTER'])('agent channel call %s: never a 500', async (type) => {
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
      const status = await post(`${master.url}/api/v1/agent`, mutate(agentTemplate(type), mutations), { 'Mesos-Stream-Id': agent.streamId });
      count('agent', status);
      expect(status).toBeLessThan(500);
    }), { numRuns: RUNS_PER_AGENT_CALL });
  });

  it.each([...SCHEDULER_CALL_TYPES])('scheduler call %s: never a 500', async (type) => {
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
      const status = await post(`${master.url}${SCHEDULER_PATH}`, mutate(schedulerTemplate(type), mutations), { 'Mesos-Stream-Id': scheduler.streamId });
      count('scheduler', status);
      expect(status).toBeLessThan(500);
    }), { numRuns: RUNS_PER_SCHEDULER_CALL });
  });

  it.each(SUPPORTED_OPERATOR_CALLS)('operator call %s: never a 500', async (type) => {
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
      const status = await post(`${master.url}/api/v1`, mutate(operatorTemplate(type), mutations));
      count('operator', status);
      expect(status).toBeLessThan(500);
    }), { numRuns: RUNS_PER_OPERATOR_CALL });
  });

  it('leaves the master whole: state reads, the operator stream works, a new framework subscribes and launches', async () => {
    expect((await request(`${master.url}/api/v1`, { body: { type: 'GET_STATE' } })).status).toBe(200);
    expect((await request(`${master.url}/api/v1`, { body: { type: 'GET_FRAMEWORKS' } })).status).toBe(200);
    const state = await getJson(`${master.url}/state`);
    expect(state.slaves.map((s: any) => s.id)).toContain(agent.agentId);

    // The fuzzed framework steps aside (an UPDATE_FRAMEWORK of the fuzz may have unsuppressed it), so the new agent goes to the new framework.
    expect((await scheduler.call({ type: 'SUPPRESS' })).status).toBe(202);
    const events = new RecordStream(`${master.url}/api/v1`, { type: 'SUBSCRIBE' });
    try {
      await events.waitFor((e: any) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
      const fresh = await RawAgent.register(master.url, { resources: 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]' });
      const next = await RawScheduler.subscribe(master.url, frameworkInfo({ name: 'after-the-fuzz' }));
      try {
        const offer = await next.waitFor((e) => e.type === 'OFFERS' && e.offers.offers.some((o) => o.agent_id.value === fresh.agentId), 'an offer of the new agent');
        const offered = offer.type === 'OFFERS' ? offer.offers.offers.find((o) => o.agent_id.value === fresh.agentId)! : undefined;
        await next.expectAccepted({
          type: 'ACCEPT', accept: { offer_ids: [offered!.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask(offered!, 'after', 'true')] } }] },
        });
        await events.waitFor((e: any) => e.type === 'TASK_ADDED' && e.task_added.task.task_id.value === 'after', 'TASK_ADDED of the new task');
      } finally {
        next.close();
        fresh.disconnect();
      }
    } finally {
      events.close();
    }
  });
});
