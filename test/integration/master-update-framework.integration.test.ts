/**
 * UPDATE_FRAMEWORK and offer constraints through the real scheduler HTTP API, in JSON and in
 * protobuf: offers follow the constraints, an update changes name, roles, suppressed roles and
 * constraints without a new subscription (offers that no longer fit are rescinded, tasks keep
 * running), /state, GET_FRAMEWORKS and the operator stream's FRAMEWORK_UPDATED show it, the
 * registry keeps it across a restart, and what Mesos refuses is a 400 naming the field.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClientHttpError } from '../../cluster/client/http';
import { SchedulerClient } from '../../cluster/client/scheduler';
import { createMaster, type Master } from '../../cluster/master';
import type { OperatorEvent } from '../../cluster/protocol/operator';
import type { AttributeConstraint, FrameworkInfo, OfferConstraints } from '../../cluster/protocol/types';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { silentLogger } from '../../cluster/util/log';
import { eventually, getJson, RecordStream, request, type HttpResult } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { commandTask, frameworkInfo, RawScheduler, SCHEDULER_PATH } from '../helpers/scheduler';

const rackIs = (rack: string): AttributeConstraint => ({ selector: { attribute_name: 'rack' }, predicate: { text_equals: { value: rack } } });
const constraints = (role: string, ...group: AttributeConstraint[]): OfferConstraints =>
  ({ role_constraints: { [role]: { groups: [{ attribute_constraints: group }] } } });
const multiRole = (name: string, roles: string[], extra: Partial<FrameworkInfo> = {}): FrameworkInfo =>
  frameworkInfo({ name, roles, capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 600, ...extra });

let scratch: string;
let master: Master;
let rack1: RawAgent;
let rack2: RawAgent;
const schedulers: RawScheduler[] = [];
const streams: RecordStream[] = [];

async function startMaster(workDir?: string): Promise<void> {
  master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, heartbeatIntervalSeconds: 5, allocationIntervalMs: 50, ...(workDir ? { workDir } : {}) });
  await master.listen();
}

async function subscribe(info: FrameworkInfo, extra: Record<string, unknown> = {}): Promise<RawScheduler> {
  const scheduler = await RawScheduler.subscribe(master.url, info, extra);
  schedulers.push(scheduler);
  return scheduler;
}

function updateBody(scheduler: RawScheduler, info: FrameworkInfo, extra: Record<string, unknown> = {}) {
  return {
    type: 'UPDATE_FRAMEWORK',
    framework_id: { value: scheduler.frameworkId },
    update_framework: { framework_info: { ...info, id: { value: scheduler.frameworkId } }, ...extra },
  };
}

/** UPDATE_FRAMEWORK sent as protobuf (mesos.v1.scheduler.Call). */
function updateInProtobuf(scheduler: RawScheduler, body: Record<string, unknown>): Promise<HttpResult> {
  return request(`${master.url}${SCHEDULER_PATH}`, {
    body: encodeProtobuf(V1_MESSAGES.schedulerCall, body),
    headers: { 'Content-Type': 'application/x-protobuf', 'Mesos-Stream-Id': scheduler.streamId },
  });
}

function operatorStream(encoding: 'json' | 'protobuf'): Promise<RecordStream<OperatorEvent>> {
  const stream = encoding === 'json'
    ? new RecordStream<OperatorEvent>(`${master.url}/api/v1`, { type: 'SUBSCRIBE' })
    : new RecordStream<OperatorEvent>(`${master.url}/api/v1`, encodeProtobuf(V1_MESSAGES.masterCall, { type: 'SUBSCRIBE' }), {
      'Content-Type': 'application/x-protobuf', Accept: 'application/x-protobuf',
    }, (record) => {
      const decoded = decodeProtobuf(V1_MESSAGES.masterEvent, record);
      if (!decoded.ok) throw new Error(decoded.message);
      return decoded.value;
    });
  streams.push(stream);
  return stream.response();
}

const offersAfter = (scheduler: RawScheduler, from: number) => scheduler.nextOffers({ from });
const frameworkInState = async (id: string) => (await getJson(`${master.url}/state`)).frameworks.find((f: { id: string }) => f.id === id);

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'update-framework-'));
});

beforeEach(async () => {
  await startMaster();
  rack1 = await RawAgent.register(master.url, { hostname: 'host-a', attributes: 'rack:r1;level:3' });
  rack2 = await RawAgent.register(master.url, { hostname: 'host-b', attributes: 'rack:r2;level:3' });
});

afterEach(async () => {
  for (const s of schedulers.splice(0)) s.close();
  for (const s of streams.splice(0)) s.close();
  rack1.disconnect();
  rack2.disconnect();
  await master.close();
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe.each(['json', 'protobuf'] as const)('UPDATE_FRAMEWORK in %s', (encoding) => {
  const send = (scheduler: RawScheduler, body: Record<string, unknown>) =>
    encoding === 'json' ? scheduler.call(body) : updateInProtobuf(scheduler, body);

  test('GIVEN a framework constrained to rack r2 WHEN it updates name, roles and constraints THEN 200, the r2 offer is rescinded, offers follow the new constraints, and /state, GET_FRAMEWORKS and FRAMEWORK_UPDATED show the new info', async () => {
    const events = await operatorStream(encoding);
    await events.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    const scheduler = await subscribe(multiRole('before', ['web']), { offer_constraints: constraints('web', rackIs('r2')) });

    const first = await scheduler.nextOffers();
    expect(first.map((o) => o.agent_id.value)).toEqual([rack2.agentId]);
    expect(first[0].allocation_info).toEqual({ role: 'web' });
    // The r1 agent is left unoffered while the only framework's constraints exclude it.
    expect(scheduler.events.filter((e) => e.type === 'OFFERS').flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : [])).map((o) => o.agent_id.value))
      .not.toContain(rack1.agentId);

    const from = scheduler.events.length;
    const newConstraints = constraints('web', rackIs('r1'), { selector: { pseudoattribute_type: 'HOSTNAME' }, predicate: { text_matches: { regex: 'host-[a-z]' } } });
    const res = await send(scheduler, updateBody(scheduler, multiRole('after', ['web', 'batch']), { offer_constraints: newConstraints, suppressed_roles: ['batch'] }));
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '' });

    const rescind = await scheduler.waitFor((e) => e.type === 'RESCIND', 'RESCIND', { from });
    expect(rescind.type === 'RESCIND' && rescind.rescind.offer_id).toEqual(first[0].id);
    const next = await offersAfter(scheduler, from);
    expect(next.map((o) => [o.agent_id.value, o.allocation_info?.role])).toEqual([[rack1.agentId, 'web']]);

    const state = await frameworkInState(scheduler.frameworkId);
    expect(state).toMatchObject({ name: 'after', roles: ['web', 'batch'], active: true, offer_constraints: newConstraints });

    const frameworks = await request(`${master.url}/api/v1`, { body: { type: 'GET_FRAMEWORKS' } });
    const listed = JSON.parse(frameworks.text).get_frameworks.frameworks.find((f: any) => f.framework_info.id.value === scheduler.frameworkId);
    expect(listed).toMatchObject({ framework_info: { name: 'after', roles: ['web', 'batch'] }, offer_constraints: newConstraints });

    const updated = await events.waitFor((e) => e.type === 'FRAMEWORK_UPDATED' && e.framework_updated.framework.framework_info.name === 'after', 'FRAMEWORK_UPDATED');
    if (updated.type !== 'FRAMEWORK_UPDATED') return;
    expect(updated.framework_updated.framework).toMatchObject({ framework_info: { id: { value: scheduler.frameworkId }, roles: ['web', 'batch'] }, connected: true });
    // master.proto: offer constraints are never reported in events.
    expect(updated.framework_updated.framework).not.toHaveProperty('offer_constraints');
  });

  test('GIVEN a task running in role web WHEN the framework moves to role batch THEN the task keeps running and the free agent is offered in batch', async () => {
    const scheduler = await subscribe(multiRole('mover', ['web']));
    const offers = await scheduler.nextOffers();
    const onRack1 = offers.find((o) => o.agent_id.value === rack1.agentId) ?? offers[0];
    await scheduler.launch([onRack1], [commandTask(onRack1, 'stays', 'sleep 1000', 'cpus:1;mem:32')]);
    await eventually(() => rack1.events.some((e) => e.type === 'RUN_TASK') || rack2.events.some((e) => e.type === 'RUN_TASK'), 'RUN_TASK at an agent');
    for (const o of offers.filter((x) => x !== onRack1)) await scheduler.expectAccepted({ type: 'DECLINE', decline: { offer_ids: [o.id] } });

    const from = scheduler.events.length;
    const res = await send(scheduler, updateBody(scheduler, multiRole('mover', ['batch'])));
    expect(res.status).toBe(200);
    const next = await offersAfter(scheduler, from);
    expect(next.length).toBeGreaterThan(0);
    expect(new Set(next.map((o) => o.allocation_info?.role))).toEqual(new Set(['batch']));

    const state = await frameworkInState(scheduler.frameworkId);
    expect(state.roles).toEqual(['batch']);
    expect(state.tasks.map((t: any) => [t.id, t.role])).toEqual([['stays', 'web']]);
  });
});

test('the scheduler client updates its framework, and hears a refusal as the master words it', async () => {
  const client = new SchedulerClient({ master: master.url, frameworkInfo: multiRole('client', ['web']) });
  try {
    await client.subscribe();
    await client.updateFramework(multiRole('client v2', ['web', 'batch']), { offerConstraints: constraints('batch', rackIs('r2')) });
    expect(await frameworkInState(client.frameworkId!)).toMatchObject({ name: 'client v2', roles: ['web', 'batch'], offer_constraints: constraints('batch', rackIs('r2')) });
    const refused = await client.updateFramework(multiRole('client v3', ['web']), { suppressedRoles: ['batch'] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ClientHttpError);
    expect((refused as ClientHttpError).message).toContain("'update_framework.suppressed_roles'");
    expect((await frameworkInState(client.frameworkId!)).name).toBe('client v2');
  } finally {
    client.close();
  }
});

describe('what UPDATE_FRAMEWORK and SUBSCRIBE refuse (400 naming the field)', () => {
  test.each([
    ['a suppressed role the framework does not have', { suppressed_roles: ['ops'] }, {}, "'update_framework.suppressed_roles'"],
    ['constraints for a role the framework does not have', { offer_constraints: constraints('ops', rackIs('r1')) }, {}, "'update_framework.offer_constraints.role_constraints'"],
    ['a role with no groups', { offer_constraints: { role_constraints: { web: { groups: [] } } } }, {}, "'update_framework.offer_constraints.role_constraints.web.groups'"],
    ['a regex that does not compile', { offer_constraints: constraints('web', { selector: { attribute_name: 'rack' }, predicate: { text_matches: { regex: '(' } } }) }, {},
      "'update_framework.offer_constraints.role_constraints.web.groups[0].attribute_constraints[0].predicate.text_matches.regex'"],
    ['an unknown pseudoattribute', { offer_constraints: constraints('web', { selector: { pseudoattribute_type: 'RACK' }, predicate: { exists: {} } }) }, {}, 'pseudoattribute_type'],
    ['a changed user', {}, { user: 'somebody-else' }, "updating 'FrameworkInfo.user' is unsupported"],
    ['a changed checkpoint', {}, { checkpoint: true }, "updating 'FrameworkInfo.checkpoint' is unsupported"],
    ['a changed principal', {}, { principal: 'mallory' }, "changing framework's principal is not allowed"],
    ['an invalid role', {}, { roles: ['web', '../up'] }, 'roles'],
  ])('%s', async (_name, extra, infoChanges, message) => {
    const scheduler = await subscribe(multiRole('strict', ['web']));
    const res = await scheduler.call(updateBody(scheduler, { ...multiRole('strict', ['web']), ...infoChanges }, extra));
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
    // Nothing of the refused update was applied.
    expect(await frameworkInState(scheduler.frameworkId)).toMatchObject({ name: 'strict', roles: ['web'], user: 'tester', offer_constraints: {} });
  });

  test('an update of another framework id, or without update_framework, is refused', async () => {
    const scheduler = await subscribe(multiRole('strict', ['web']));
    const other = await scheduler.call({ ...updateBody(scheduler, multiRole('x', ['web'])), framework_id: { value: 'someone-else' } });
    expect(other.status).toBe(400);
    expect(other.text).toContain("'framework_id' differs from 'update_framework.framework_info.id'");
    const missing = await scheduler.call({ type: 'UPDATE_FRAMEWORK' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain("'update_framework'");
  });

  test('SUBSCRIBE with constraints that do not compile is refused before any stream opens', async () => {
    const body = {
      type: 'SUBSCRIBE',
      subscribe: { framework_info: multiRole('bad', ['web']), offer_constraints: constraints('web', { selector: {}, predicate: { exists: {} } }) },
    };
    const res = await request(`${master.url}${SCHEDULER_PATH}`, { body });
    expect(res.status).toBe(400);
    expect(res.text).toContain("'subscribe.offer_constraints.role_constraints.web.groups[0].attribute_constraints[0].selector'");
  });
});

test('the updated FrameworkInfo is in the registry: a standalone master restarted on its work dir shows it', async () => {
  await master.close();
  rack1.disconnect();
  rack2.disconnect();
  const workDir = fs.mkdtempSync(path.join(scratch, 'master-'));
  await startMaster(workDir);
  rack1 = await RawAgent.register(master.url, { hostname: 'host-a' });
  rack2 = await RawAgent.register(master.url, { hostname: 'host-b', attributes: 'rack:r2' });
  const scheduler = await subscribe(multiRole('original', ['web']));
  expect((await scheduler.call(updateBody(scheduler, multiRole('renamed', ['web', 'batch'], { failover_timeout: 3600 })))).status).toBe(200);
  const id = scheduler.frameworkId;
  const stored = path.join(workDir, 'registry', 'frameworks.json');
  await eventually(() => fs.existsSync(stored) && JSON.parse(fs.readFileSync(stored, 'utf8')).entries[id]?.info.name === 'renamed', 'the registry to hold the renamed framework');

  for (const s of schedulers.splice(0)) s.close();
  rack1.disconnect();
  rack2.disconnect();
  await master.close();
  await startMaster(workDir);
  rack1 = await RawAgent.register(master.url, { hostname: 'host-a' });
  rack2 = await RawAgent.register(master.url, { hostname: 'host-b' });
  expect(await frameworkInState(id)).toMatchObject({ name: 'renamed', roles: ['web', 'batch'], failover_timeout: 3600 });
});
