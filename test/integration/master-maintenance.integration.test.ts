/**
 * Machine maintenance (docs/maintenance.md) against a real master and real agents over HTTP: the
 * schedule, DRAINING machines' offers carrying `unavailability`, START_MAINTENANCE taking a
 * machine's agents away and refusing them while it is DOWN, STOP_MAINTENANCE letting them back,
 * Mesos's older endpoints for the same, each rule's 400, and a standalone master that recovers the
 * schedule and the DOWN machine after a restart. Agents of one machine share its hostname and IP.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMaster, type Master } from '../../cluster/master';
import type { Offer } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson, request } from '../helpers/http';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

const START = { nanoseconds: 1_443_830_400_000_000_000 };
const HOUR = { nanoseconds: 3_600_000_000_000 };
const A = { hostname: 'machine-a', ip: '127.0.0.1' };
const B = { hostname: 'machine-b', ip: '127.0.0.1' };

const windowOf = (machines: object[], start = START) => ({ machine_ids: machines, unavailability: { start, duration: HOUR } });

describe('master: machine maintenance', () => {
  let cluster: TestCluster | undefined;
  const schedulers: RawScheduler[] = [];

  afterEach(async () => {
    for (const s of schedulers.splice(0)) s.close();
    await cluster?.close();
    cluster = undefined;
  });

  const operator = (body: unknown) => request(`${cluster!.url}/api/v1`, { body });
  const ok = async (body: unknown) => {
    const res = await operator(body);
    if (res.status !== 200) throw new Error(`${JSON.stringify(body)} answered ${res.status}: ${res.text}`);
    return res.text ? JSON.parse(res.text) : undefined;
  };
  const refused = async (body: unknown, message: RegExp) => {
    const res = await operator(body);
    expect({ status: res.status, text: res.text }).toEqual({ status: 400, text: expect.stringMatching(message) });
  };
  const agentOn = async (machine: { hostname: string }) =>
    (await ok({ type: 'GET_AGENTS' })).get_agents.agents.find((a: { agent_info: { hostname: string } }) => a.agent_info.hostname === machine.hostname);
  const twoMachines = async () => {
    cluster = await startCluster({ agents: 0 });
    await cluster.addAgent({ hostname: A.hostname });
    await cluster.addAgent({ hostname: B.hostname });
  };
  const subscribe = async () => {
    const scheduler = (await RawScheduler.subscribe(cluster!.url, frameworkInfo({ capabilities: [{ type: 'PARTITION_AWARE' }] }))).autoAcknowledge();
    schedulers.push(scheduler);
    return scheduler;
  };
  const offersByHost = (offers: Offer[]) => new Map(offers.map((o) => [o.hostname, o]));

  test('a schedule makes its machines DRAINING: GET_MAINTENANCE_SCHEDULE/STATUS report it and offers carry the unavailability', async () => {
    await twoMachines();
    expect(await ok({ type: 'GET_MAINTENANCE_SCHEDULE' })).toEqual({ type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: { windows: [] } } });
    const scheduler = await subscribe();
    const before = offersByHost(await scheduler.nextOffers());
    expect(before.get(A.hostname)?.unavailability).toBeUndefined();

    const mark = scheduler.events.length;
    // The hostname is not case-sensitive: it is kept in lower case.
    await ok({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [windowOf([{ hostname: 'Machine-A', ip: A.ip }])] } } });

    expect((await ok({ type: 'GET_MAINTENANCE_SCHEDULE' })).get_maintenance_schedule.schedule).toEqual({ windows: [windowOf([A])] });
    expect((await ok({ type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status).toEqual({ draining_machines: [{ id: A }] });
    // The outstanding offer of machine-a is rescinded and offered again with the unavailability.
    await scheduler.waitFor((e) => e.type === 'RESCIND' && (e as any).rescind.offer_id.value === before.get(A.hostname)!.id.value, 'RESCIND of machine-a', { from: mark });
    const again = await scheduler.nextOffers({ from: mark });
    const offerA = again.find((o) => o.hostname === A.hostname)!;
    expect(offerA.unavailability).toEqual({ start: START, duration: HOUR });
    // Machine-b is not scheduled: its offer has no unavailability and is not rescinded.
    expect(before.get(B.hostname)?.unavailability).toBeUndefined();
    const bOffer = before.get(B.hostname)!.id.value;
    expect(scheduler.events.slice(mark).some((e: any) => e.type === 'RESCIND' && e.rescind.offer_id.value === bOffer)).toBe(false);

    // An empty schedule cancels it: machine-a is UP again.
    await ok({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: {} } });
    expect((await ok({ type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status).toEqual({});
  });

  test('START_MAINTENANCE takes the DOWN machine\'s agents away and refuses them; STOP_MAINTENANCE lets them back', async () => {
    await twoMachines();
    const scheduler = await subscribe();
    const offerA = (await scheduler.nextOffers()).find((o) => o.hostname === A.hostname)!;
    await scheduler.launch([offerA], [commandTask(offerA, 'on-a', 'sleep 60')]);
    await scheduler.update('on-a', 'TASK_RUNNING');
    const agentA = (await agentOn(A)).agent_info.id.value;
    await ok({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [windowOf([A]), windowOf([B])] } } });

    await ok({ type: 'START_MAINTENANCE', start_maintenance: { machines: [A] } });

    expect((await ok({ type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status).toEqual({ draining_machines: [{ id: B }], down_machines: [A] });
    expect(await agentOn(A)).toBeUndefined();
    expect(await agentOn(B)).toBeDefined();
    const lost = await scheduler.update('on-a', 'TASK_GONE');
    expect(lost.message).toMatch(/Machine DOWN/);
    // The agent of the DOWN machine is refused when it tries to register again.
    const register = await request(`${cluster!.url}/api/v1/agent`, {
      body: { type: 'REGISTER', register: { agent_info: { id: { value: agentA }, hostname: A.hostname, resources: [] }, version: 't', pid: `${A.ip}:5999` } },
    });
    expect(register.status).toBe(403);
    expect(register.text).toMatch(/DOWN/);
    // A DOWN machine cannot leave the schedule by a new one.
    await refused({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [windowOf([B])] } } },
      /'update_maintenance_schedule\.schedule\.windows': Machine '\{"hostname":"machine-a","ip":"127\.0\.0\.1"\}' is deactivated and cannot be removed from the schedule/);

    await ok({ type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [A] } });

    expect((await ok({ type: 'GET_MAINTENANCE_SCHEDULE' })).get_maintenance_schedule.schedule).toEqual({ windows: [windowOf([B])] });
    expect((await ok({ type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status).toEqual({ draining_machines: [{ id: B }] });
    // The agent keeps trying to register and is admitted now that its machine is UP.
    await eventually(() => agentOn(A), 'the agent of machine-a registered again', 30_000);
  });

  test('frameworks with tasks on a DRAINING machine get inverse offers; their answers show in GET_MAINTENANCE_STATUS', async () => {
    await twoMachines();
    const scheduler = await subscribe();
    const offerA = (await scheduler.nextOffers()).find((o) => o.hostname === A.hostname)!;
    await scheduler.launch([offerA], [commandTask(offerA, 'stays', 'sleep 60')]);
    await scheduler.update('stays', 'TASK_RUNNING');
    const idle = await subscribe(); // no task on machine-a: no inverse offer
    const agentA = (await agentOn(A)).agent_info.id.value;
    let mark = scheduler.events.length;

    await ok({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [windowOf([A])] } } });

    const inverse = (await scheduler.waitFor((e) => e.type === 'INVERSE_OFFERS', 'INVERSE_OFFERS', { from: mark }) as any).inverse_offers.inverse_offers;
    expect(inverse).toEqual([{
      id: { value: expect.any(String) }, framework_id: { value: scheduler.frameworkId }, agent_id: { value: agentA },
      unavailability: { start: START, duration: HOUR }, resources: [],
    }]);
    const status = async () => (await ok({ type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status;
    expect(await status()).toEqual({ draining_machines: [{ id: A, statuses: [{ status: 'UNKNOWN', framework_id: { value: scheduler.frameworkId }, timestamp: { nanoseconds: expect.any(Number) } }] }] });

    await scheduler.expectAccepted({ type: 'DECLINE_INVERSE_OFFERS', framework_id: { value: scheduler.frameworkId }, decline_inverse_offers: { inverse_offer_ids: [inverse[0].id] } });
    expect((await status()).draining_machines[0].statuses).toEqual([{ status: 'DECLINE', framework_id: { value: scheduler.frameworkId }, timestamp: { nanoseconds: expect.any(Number) } }]);
    expect(idle.events.some((e) => e.type === 'INVERSE_OFFERS')).toBe(false);

    // A new unavailability rescinds nothing answered, and asks again with the new one; cancelling rescinds it.
    mark = scheduler.events.length;
    const later = { nanoseconds: START.nanoseconds + HOUR.nanoseconds };
    await ok({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [windowOf([A], later)] } } });
    const again = (await scheduler.waitFor((e) => e.type === 'INVERSE_OFFERS', 'INVERSE_OFFERS again', { from: mark }) as any).inverse_offers.inverse_offers[0];
    expect(again.unavailability.start).toEqual(later);
    await ok({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [] } } });
    const rescinded = await scheduler.waitFor((e) => e.type === 'RESCIND_INVERSE_OFFER', 'RESCIND_INVERSE_OFFER', { from: mark }) as any;
    expect(rescinded.rescind_inverse_offer.inverse_offer_id).toEqual(again.id);
    expect(scheduler.events.slice(mark).filter((e) => e.type === 'RESCIND_INVERSE_OFFER')).toHaveLength(1);
  });

  test('every rule of the schedule and of START/STOP is a 400 that names the field', async () => {
    await twoMachines();
    const update = (schedule: unknown) => ({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } });
    await refused(update({ windows: [{ machine_ids: [], unavailability: { start: START } }] }),
      /'update_maintenance_schedule\.schedule\.windows\[0\]\.machine_ids'.*List of machines in the maintenance window is empty/);
    await refused(update({ windows: [{ machine_ids: [{}], unavailability: { start: START } }] }),
      /'update_maintenance_schedule\.schedule\.windows\[0\]\.machine_ids\[0\]'.*Both 'hostname' and 'ip' for a machine are empty/);
    await refused(update({ windows: [windowOf([{ ip: '10.0.0.300' }])] }), /windows\[0\]\.machine_ids\[0\]\.ip'.*IPv4 address, got '10\.0\.0\.300'/);
    await refused(update({ windows: [{ machine_ids: [A], unavailability: { start: START, duration: { nanoseconds: -1 } } }] }),
      /windows\[0\]\.unavailability\.duration\.nanoseconds'.*Unavailability 'duration' is negative/);
    await refused(update({ windows: [{ machine_ids: [A] }] }), /windows\[0\]\.unavailability'/);
    await refused(update({ windows: [windowOf([A]), windowOf([{ hostname: 'MACHINE-A', ip: A.ip }])] }),
      /'update_maintenance_schedule\.schedule\.windows\[1\]\.machine_ids\[0\]': Machine .* appears more than once in the schedule/);
    await refused({ type: 'UPDATE_MAINTENANCE_SCHEDULE' }, /update_maintenance_schedule/);

    await ok(update({ windows: [windowOf([A])] }));
    await refused({ type: 'START_MAINTENANCE', start_maintenance: { machines: [] } }, /'start_maintenance\.machines'.*List of machines is empty/);
    await refused({ type: 'START_MAINTENANCE', start_maintenance: { machines: [A, A] } }, /'start_maintenance\.machines\[1\]'.*appears more than once/);
    await refused({ type: 'START_MAINTENANCE', start_maintenance: { machines: [B] } },
      /'start_maintenance\.machines\[0\]': Machine '\{"hostname":"machine-b","ip":"127\.0\.0\.1"\}' is not part of a maintenance schedule/);
    // Both fields must match: the hostname alone is another machine.
    await refused({ type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: A.hostname }] } }, /is not part of a maintenance schedule/);
    await refused({ type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [A] } }, /'stop_maintenance\.machines\[0\]'.*is not in DOWN mode and cannot be brought up/);
    await ok({ type: 'START_MAINTENANCE', start_maintenance: { machines: [A] } });
    await refused({ type: 'START_MAINTENANCE', start_maintenance: { machines: [A] } }, /is not in DRAINING mode and cannot be brought down/);
    // Nothing refused changed anything.
    expect((await ok({ type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status).toEqual({ down_machines: [A] });
  });

  test("Mesos's older endpoints: /master/maintenance/schedule, /maintenance/status, /machine/down and /machine/up", async () => {
    await twoMachines();
    const post = (p: string, body: unknown) => request(`${cluster!.url}${p}`, { body });
    expect(await getJson(`${cluster!.url}/master/maintenance/schedule`)).toEqual({ windows: [] });

    expect((await post('/master/maintenance/schedule', { windows: [windowOf([A, B])] })).status).toBe(200);
    expect(await getJson(`${cluster!.url}/master/maintenance/schedule`)).toEqual({ windows: [windowOf([A, B])] });
    expect(await getJson(`${cluster!.url}/master/maintenance/status`)).toEqual({ draining_machines: [{ id: A }, { id: B }] });

    expect((await post('/master/machine/down', [B])).status).toBe(200);
    expect(await getJson(`${cluster!.url}/maintenance/status`)).toEqual({ draining_machines: [{ id: A }], down_machines: [B] });
    await eventually(async () => (await agentOn(B)) === undefined, 'the agent of machine-b removed');

    const bad = await post('/master/machine/up', [A]);
    expect({ status: bad.status, text: bad.text }).toEqual({ status: 400, text: expect.stringMatching(/'machines\[0\]'.*is not in DOWN mode/) });
    const badSchedule = await post('/master/maintenance/schedule', { windows: [{ machine_ids: [A, A], unavailability: { start: START } }] });
    expect({ status: badSchedule.status, text: badSchedule.text }).toEqual({ status: 400, text: expect.stringMatching(/'windows\[0\]\.machine_ids\[1\]'.*appears more than once/) });
    const notJson = await request(`${cluster!.url}/master/machine/down`, { method: 'POST', body: '[', headers: { 'Content-Type': 'application/json' } });
    expect(notJson.status).toBe(400);
    const notList = await post('/master/machine/down', { hostname: 'x' });
    expect({ status: notList.status, text: notList.text }).toEqual({ status: 400, text: expect.stringMatching(/list of machines/) });

    expect((await post('/master/machine/up', [B])).status).toBe(200);
    expect(await getJson(`${cluster!.url}/master/maintenance/schedule`)).toEqual({ windows: [windowOf([A])] });
  });

  test('the agent-level calls (DEACTIVATE_AGENT, DRAIN_AGENT) keep working next to a schedule', async () => {
    await twoMachines();
    await ok({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [windowOf([A])] } } });
    const agentB = (await agentOn(B)).agent_info.id.value;
    await ok({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agentB } } });
    expect((await agentOn(B)).deactivated).toBe(true);
    await ok({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentB } } });
    await eventually(async () => (await agentOn(B)).drain_info?.state === 'DRAINED', 'machine-b\'s agent drained');
    expect((await ok({ type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status).toEqual({ draining_machines: [{ id: A }] });
  });
});

describe('master: machine maintenance survives a restart of a standalone master', () => {
  let workDir: string;
  const masters: Master[] = [];

  beforeEach(() => { workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'maintenance-registry-')) });
  afterEach(async () => {
    for (const m of masters.splice(0)) await m.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const start = async () => {
    const master = createMaster({ ip: '127.0.0.1', port: 0, workDir, logger: silentLogger });
    masters.push(master);
    await master.listen();
    return master;
  };
  const call = async (master: Master, body: unknown) => {
    const res = await request(`${master.url}/api/v1`, { body });
    if (res.status !== 200) throw new Error(`${JSON.stringify(body)} answered ${res.status}: ${res.text}`);
    return res.text ? JSON.parse(res.text) : undefined;
  };

  test('the schedule and the DOWN machine are back after the restart, and the DOWN machine\'s agents are refused', async () => {
    const first = await start();
    await call(first, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [windowOf([A]), windowOf([B])] } } });
    await call(first, { type: 'START_MAINTENANCE', start_maintenance: { machines: [A] } });
    await first.close();

    const second = await start();

    expect((await call(second, { type: 'GET_MAINTENANCE_SCHEDULE' })).get_maintenance_schedule.schedule).toEqual({ windows: [windowOf([A]), windowOf([B])] });
    expect((await call(second, { type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status).toEqual({ draining_machines: [{ id: B }], down_machines: [A] });
    const register = await request(`${second.url}/api/v1/agent`, {
      body: { type: 'REGISTER', register: { agent_info: { hostname: A.hostname, resources: [] }, version: 't', pid: `${A.ip}:5998` } },
    });
    expect(register.status).toBe(403);
  });
});
