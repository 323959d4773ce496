/**
 * Dynamic reservations and persistent volumes through a real master's HTTP APIs, with wire-level
 * agents and schedulers: ACCEPT with RESERVE then LAUNCH (and CREATE/DESTROY), the operator calls in
 * JSON and protobuf, offers in each framework's format, what the agent is sent (CHECKPOINT_RESOURCES),
 * /state and GET_ROLES, and the reservation surviving a master restart on the same work dir.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMaster, type Master } from '../../cluster/master';
import type { AgentEvent } from '../../cluster/protocol/agent-channel';
import type { Offer, Resource } from '../../cluster/protocol/types';
import { encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { silentLogger } from '../../cluster/util/log';
import { eventually, getJson, request } from '../helpers/http';
import { startCluster, type TestCluster } from '../helpers/cluster';
import type { RawAgent } from '../helpers/raw-agent';
import { frameworkInfo, RawScheduler } from '../helpers/scheduler';
import { wirePeers } from '../helpers/wire-peers';

const REFINEMENT = [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }];
const scalar = (name: string, value: number, extra: Partial<Resource> = {}): Resource => ({ name, type: 'SCALAR', scalar: { value }, ...extra });
const dynamic = (role: string, principal: string) => [{ type: 'DYNAMIC' as const, role, principal }];
const volume = (id: string, value: number, role = 'web', principal = 'ops'): Resource => scalar('disk', value, {
  reservations: dynamic(role, principal),
  disk: { persistence: { id, principal }, volume: { container_path: 'data', mode: 'RW' } },
});

type Checkpoint = Extract<AgentEvent, { type: 'CHECKPOINT_RESOURCES' }>;
const checkpoints = (agent: RawAgent) => agent.events.filter((e): e is Checkpoint => e.type === 'CHECKPOINT_RESOURCES');
const lastCheckpoint = (agent: RawAgent) => checkpoints(agent).at(-1)?.checkpoint_resources.resources ?? [];
/** The list sent right after REGISTERED (the stream may not have delivered it yet when REGISTERED is seen). */
const firstCheckpoint = async (agent: RawAgent) => {
  await eventually(() => checkpoints(agent).length > 0, 'CHECKPOINT_RESOURCES after REGISTERED');
  return checkpoints(agent)[0].checkpoint_resources.resources;
};

describe('dynamic reservations and persistent volumes on the master', () => {
  let master: Master;
  let workDir: string;
  const peers = wirePeers(() => master.url);

  const start = async (acls?: unknown) => {
    master = createMaster({ ip: '127.0.0.1', port: 0, workDir, logger: silentLogger, ...(acls ? { acls: JSON.stringify(acls) } : {}) });
    await master.listen();
  };
  const operator = (body: unknown, headers: Record<string, string> = {}) => request(`${master.url}/api/v1`, { body, headers });
  const protobufOperator = (body: Record<string, unknown>) => request(`${master.url}/api/v1`, {
    body: encodeProtobuf(V1_MESSAGES.masterCall, body),
    headers: { 'Content-Type': 'application/x-protobuf' },
  });
  const agentState = async (agentId: string) => (await getJson(`${master.url}/state`)).slaves.find((s: any) => s.id === agentId);
  const offerOn = async (scheduler: RawScheduler, agent: RawAgent, from = 0): Promise<Offer> => {
    const offers = await scheduler.nextOffers({ from });
    return offers.find((o) => o.agent_id.value === agent.agentId)!;
  };

  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reservations-'));
  });

  afterEach(async () => {
    peers.closeAll();
    await master?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('ACCEPT with RESERVE then LAUNCH: the task runs on the reservation, the agent checkpoints it, offers carry it', async () => {
    await start();
    const agent = await peers.registerAgent({ resources: 'cpus:4;mem:1024;disk:1000' });
    expect(await firstCheckpoint(agent)).toEqual([]);
    const scheduler = await peers.subscribe(frameworkInfo({ roles: ['web'], principal: 'ops', capabilities: REFINEMENT }));
    const offer = await offerOn(scheduler, agent);
    const reserved = [scalar('cpus', 1, { reservations: dynamic('web', 'ops') }), scalar('mem', 128, { reservations: dynamic('web', 'ops') })];
    const mark = scheduler.events.length;
    await scheduler.expectAccepted({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: 'RESERVE', reserve: { resources: reserved } },
          {
            type: 'LAUNCH',
            launch: { task_infos: [{ name: 't', task_id: { value: 't1' }, agent_id: offer.agent_id, command: { value: 'sleep 100' }, resources: [scalar('cpus', 0.5, { reservations: dynamic('web', 'ops') })] }] },
          },
        ],
        filters: { refuse_seconds: 0 },
      },
    });
    const run = await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');
    expect(run.type === 'RUN_TASK' && run.run_task.task.resources).toEqual([scalar('cpus', 0.5, { reservations: dynamic('web', 'ops') })]);
    // The contract: the whole list, post-refinement, and it came before the task.
    expect(lastCheckpoint(agent)).toEqual(reserved);
    expect(agent.events.findIndex((e) => e.type === 'CHECKPOINT_RESOURCES' && e.checkpoint_resources.resources.length > 0))
      .toBeLessThan(agent.events.indexOf(run));
    expect(scheduler.updates('t1').filter((s) => s.state === 'TASK_ERROR')).toEqual([]);

    // The rest of the reservation comes back in the next offer, in the framework's (post-refinement) format.
    const next = await offerOn(scheduler, agent, mark);
    expect(next.resources).toEqual(expect.arrayContaining([
      scalar('cpus', 0.5, { reservations: dynamic('web', 'ops'), allocation_info: { role: 'web' } }),
      scalar('mem', 128, { reservations: dynamic('web', 'ops'), allocation_info: { role: 'web' } }),
    ]));
    expect(next.resources.every((r) => r.role === undefined)).toBe(true);

    const slave = await agentState(agent.agentId);
    expect(slave.reserved_resources).toEqual({ web: expect.objectContaining({ cpus: 1, mem: 128 }) });
    expect(slave.reserved_resources_full.web).toEqual(expect.arrayContaining([
      scalar('cpus', 1, { role: 'web', reservation: { principal: 'ops' }, reservations: dynamic('web', 'ops') }),
    ]));
    expect(slave.unreserved_resources).toEqual(expect.objectContaining({ cpus: 3, mem: 896 }));
    expect(slave.unreserved_resources_full).toEqual(expect.arrayContaining([scalar('cpus', 3, { role: '*' })]));
    expect(slave.resources).toEqual(expect.objectContaining({ cpus: 4, mem: 1024 }));

    const roles = JSON.parse((await operator({ type: 'GET_ROLES' })).text).get_roles.roles;
    expect(roles.find((r: any) => r.name === 'web').reserved).toEqual(expect.arrayContaining([
      scalar('mem', 128, { role: 'web', reservation: { principal: 'ops' }, reservations: dynamic('web', 'ops') }),
    ]));
    const agents = JSON.parse((await operator({ type: 'GET_AGENTS' })).text).get_agents.agents;
    expect(agents[0].total_resources).toEqual(expect.arrayContaining([
      scalar('cpus', 1, { role: 'web', reservation: { principal: 'ops' }, reservations: dynamic('web', 'ops') }),
      scalar('cpus', 3, { role: '*' }),
    ]));
  });

  test('ACCEPT: RESERVE, CREATE and a LAUNCH on the volume in one call; DESTROY refused while it runs; then DESTROY and UNRESERVE', async () => {
    await start();
    const agent = await peers.registerAgent({ resources: 'cpus:2;mem:256;disk:500' });
    const scheduler = await peers.subscribe(frameworkInfo({ roles: ['db'], principal: 'db', capabilities: REFINEMENT }));
    const disk = scalar('disk', 200, { reservations: dynamic('db', 'db') });
    const vol = { ...disk, disk: { persistence: { id: 'pg', principal: 'db' }, volume: { container_path: 'pgdata', mode: 'RW' as const } } };
    const accept = async (offer: Offer, operations: unknown[]) => scheduler.expectAccepted({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } } });

    let mark = scheduler.events.length;
    await accept(await offerOn(scheduler, agent), [
      { type: 'RESERVE', reserve: { resources: [disk] } },
      { type: 'CREATE', create: { volumes: [vol] } },
      { type: 'LAUNCH', launch: { task_infos: [{ name: 'pg', task_id: { value: 'pg' }, agent_id: { value: agent.agentId }, command: { value: 'sleep 100' }, resources: [vol, scalar('cpus', 0.5)] }] } },
    ]);
    const run = await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');
    expect(run.type === 'RUN_TASK' && run.run_task.task.resources).toEqual(expect.arrayContaining([vol]));
    expect(lastCheckpoint(agent)).toEqual([vol]);

    // The volume is the task's: a DESTROY of it in an ACCEPT is dropped (it is in no offer either).
    const next = await offerOn(scheduler, agent, mark);
    expect(next.resources.some((r) => r.disk)).toBe(false);
    mark = scheduler.events.length;
    await accept(next, [{ type: 'DESTROY', destroy: { volumes: [vol] } }]);
    await agent.sendUpdate(scheduler.frameworkId, 'pg', 'TASK_FINISHED');
    await scheduler.acknowledge(await scheduler.update('pg', 'TASK_FINISHED', { from: mark }));
    expect(lastCheckpoint(agent)).toEqual([vol]);

    // Once the task has ended the volume is offered again; DESTROY then UNRESERVE in one call.
    let withVolume: Offer | undefined;
    while (!withVolume) {
      const offer = await offerOn(scheduler, agent, mark);
      mark = scheduler.events.length;
      if (offer.resources.some((r) => r.disk)) withVolume = offer;
      else await scheduler.expectAccepted({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } } });
    }
    await accept(withVolume, [{ type: 'DESTROY', destroy: { volumes: [vol] } }, { type: 'UNRESERVE', unreserve: { resources: [disk] } }]);
    await eventually(() => checkpoints(agent).length >= 4 && lastCheckpoint(agent).length === 0, 'the empty list checkpointed');
    expect(checkpoints(agent).map((c) => c.checkpoint_resources.resources)).toEqual([[], [disk], [vol], [disk], []]);
  });

  test('a framework without RESERVATION_REFINEMENT is offered role + reservation, and may reserve in that format', async () => {
    await start();
    const agent = await peers.registerAgent({ resources: 'cpus:2;mem:256' });
    const scheduler = await peers.subscribe(frameworkInfo({ role: 'web', principal: 'ops' }));
    const offer = await offerOn(scheduler, agent);
    expect(offer.resources).toEqual(expect.arrayContaining([scalar('cpus', 2, { role: '*', allocation_info: { role: 'web' } })]));
    const mark = scheduler.events.length;
    await scheduler.expectAccepted({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'RESERVE', reserve: { resources: [scalar('cpus', 1, { role: 'web', reservation: { principal: 'ops' } })] } }], filters: { refuse_seconds: 0 } },
    });
    const next = await offerOn(scheduler, agent, mark);
    expect(next.resources).toEqual(expect.arrayContaining([
      scalar('cpus', 1, { role: 'web', reservation: { principal: 'ops' }, allocation_info: { role: 'web' } }),
      scalar('cpus', 1, { role: '*', allocation_info: { role: 'web' } }),
    ]));
    expect(next.resources.some((r) => r.reservations !== undefined)).toBe(false);

    // An invalid operation is dropped (another principal), and the launch that needed it fails alone.
    const later = scheduler.events.length;
    await scheduler.expectAccepted({
      type: 'ACCEPT',
      accept: {
        offer_ids: [next.id],
        operations: [
          { type: 'RESERVE', reserve: { resources: [scalar('mem', 64, { role: 'web', reservation: { principal: 'eve' } })] } },
          { type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 'needs-it' }, agent_id: next.agent_id, command: { value: 'true' }, resources: [scalar('mem', 64, { role: 'web', reservation: { principal: 'eve' } })] }] } },
        ],
      },
    });
    const error = await scheduler.update('needs-it', 'TASK_ERROR', { from: later });
    expect(error.reason).toBe('REASON_TASK_INVALID');
    await eventually(() => checkpoints(agent).length >= 2, 'the first reservation checkpointed');
    expect(lastCheckpoint(agent)).toEqual([scalar('cpus', 1, { reservations: dynamic('web', 'ops') })]);
  });

  test('a refined reservation is offered only to frameworks with RESERVATION_REFINEMENT', async () => {
    await start();
    const agent = await peers.registerAgent({ resources: 'cpus:2;mem:256' });
    const agentId = { value: agent.agentId };
    const eng = { type: 'DYNAMIC' as const, role: 'eng' };
    const ci = { type: 'DYNAMIC' as const, role: 'eng/ci' };
    for (const reservations of [[eng], [eng, ci]]) {
      const res = await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: [scalar('cpus', 1, { reservations })] } });
      expect({ status: res.status, text: res.text }).toEqual({ status: 202, text: '' });
    }
    await eventually(() => lastCheckpoint(agent)[0]?.reservations?.length === 2, 'the refined reservation checkpointed');
    expect(lastCheckpoint(agent)).toEqual([scalar('cpus', 1, { reservations: [eng, ci] })]);

    const plain = await peers.subscribe(frameworkInfo({ role: 'eng/ci', name: 'plain' }));
    const plainOffer = await offerOn(plain, agent);
    expect(plainOffer.resources.some((r) => (r.reservations?.length ?? 0) > 1)).toBe(false);
    expect(plainOffer.resources).toEqual(expect.arrayContaining([scalar('cpus', 1, { role: '*', allocation_info: { role: 'eng/ci' } })]));

    const refining = await peers.subscribe(frameworkInfo({ roles: ['eng/ci'], name: 'refining', capabilities: REFINEMENT }));
    const refinedOffer = await offerOn(refining, agent);
    expect(refinedOffer.resources).toEqual([scalar('cpus', 1, { reservations: [eng, ci], allocation_info: { role: 'eng/ci' } })]);
  });

  test('operator RESERVE_RESOURCES and CREATE_VOLUMES (JSON and protobuf), DESTROY refused while in use; bad calls name the field', async () => {
    await start();
    const agent = await peers.registerAgent({ resources: 'cpus:2;mem:256;disk:1000' });
    const agentId = { value: agent.agentId };
    const reserve = { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: [scalar('disk', 200, { reservations: dynamic('web', 'ops') }), scalar('cpus', 1, { reservations: dynamic('web', 'ops') })] } };
    // Without authentication the operator has no principal, so a reservation naming one is refused (Mesos).
    const named = await operator(reserve);
    expect(named.status).toBe(400);
    expect(named.text).toContain("reserve_resources.resources: 'cpus(reservations: [(DYNAMIC,web,ops)]):1': a reserve operation was attempted by an unauthenticated principal");

    const anonymous = (r: Resource) => ({ ...r, reservations: [{ type: 'DYNAMIC' as const, role: 'web' }] });
    const reserveAnonymous = { ...reserve, reserve_resources: { agent_id: agentId, resources: reserve.reserve_resources.resources.map(anonymous) } };
    expect((await operator(reserveAnonymous)).status).toBe(202);
    await eventually(() => lastCheckpoint(agent).length === 2, 'the reservation checkpointed');

    const vol = { ...volume('v1', 100), reservations: [{ type: 'DYNAMIC' as const, role: 'web' }], disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' as const } } };
    const created = await protobufOperator({ type: 'CREATE_VOLUMES', create_volumes: { agent_id: agentId, volumes: [vol] } });
    expect({ status: created.status, text: created.text }).toEqual({ status: 202, text: '' });
    await eventually(() => lastCheckpoint(agent).some((r) => r.disk?.persistence?.id === 'v1'), 'the volume checkpointed');
    expect(lastCheckpoint(agent)).toEqual(expect.arrayContaining([vol, scalar('disk', 100, { reservations: [{ type: 'DYNAMIC', role: 'web' }] })]));

    const again = await operator({ type: 'CREATE_VOLUMES', create_volumes: { agent_id: agentId, volumes: [vol] } });
    expect(again.status).toBe(400);
    expect(again.text).toContain("disk.persistence.id: persistence ID 'v1' is already in use");

    // A task holding the volume keeps it from being destroyed.
    const scheduler = await peers.subscribe(frameworkInfo({ roles: ['web'], capabilities: REFINEMENT }));
    const offer = await offerOn(scheduler, agent);
    expect(offer.resources).toEqual(expect.arrayContaining([{ ...vol, allocation_info: { role: 'web' } }]));
    await scheduler.launch([offer], [{ name: 'v', task_id: { value: 'uses-volume' }, agent_id: offer.agent_id, command: { value: 'sleep 100' }, resources: [vol, scalar('cpus', 0.1)] }]);
    await agent.waitFor((e) => e.type === 'RUN_TASK', 'RUN_TASK');
    const destroy = { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: agentId, volumes: [vol] } };
    const busy = await operator(destroy);
    expect(busy.status).toBe(409);
    expect(busy.text).toContain('the persistent volume is in use by a task');

    await agent.sendUpdate(scheduler.frameworkId, 'uses-volume', 'TASK_FINISHED');
    await eventually(async () => (await operator(destroy)).status === 202, 'DESTROY accepted once the task ended');
    await eventually(() => !lastCheckpoint(agent).some((r) => r.disk), 'the volume gone from the checkpoint');

    const tooMuch = await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: [scalar('mem', 10_000, { reservations: [{ type: 'DYNAMIC', role: 'web' }] })] } });
    expect(tooMuch.status).toBe(409);
    const noAgent = await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: 'nope' }, resources: [scalar('mem', 1, { reservations: [{ type: 'DYNAMIC', role: 'web' }] })] } });
    expect(noAgent.status).toBe(404);
    const badField = await operator({ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: agentId, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 'x' } }] } });
    expect(badField.status).toBe(400);
    expect(badField.text).toContain("unreserve_resources.resources[0].scalar.value: must be a non-negative number, got 'x'");
    const missing = await operator({ type: 'CREATE_VOLUMES' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain("Expecting 'create_volumes' to be present");
  });

  test('the reservation and volume survive a master restart on the same work dir, and go back to the agent', async () => {
    await start();
    const agent = await peers.registerAgent({ resources: 'cpus:2;mem:256;disk:500' });
    const agentId = agent.agentId;
    const reserved = scalar('disk', 300, { reservations: [{ type: 'DYNAMIC', role: 'db' }] });
    expect((await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [reserved] } })).status).toBe(202);
    const vol = { ...reserved, scalar: { value: 100 }, disk: { persistence: { id: 'data-1' }, volume: { container_path: 'pg', mode: 'RW' as const } } };
    expect((await operator({ type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: agentId }, volumes: [vol] } })).status).toBe(202);
    const before = (await agentState(agentId)).reserved_resources_full;

    peers.closeAll();
    await master.close();
    await start();
    // The agent comes back under its id and says it has checkpointed nothing: the master's list wins.
    const back = await peers.registerAgent({ resources: 'cpus:2;mem:256;disk:500', agentId });
    expect(await firstCheckpoint(back)).toEqual(expect.arrayContaining([vol, { ...reserved, scalar: { value: 200 } }]));
    expect((await agentState(agentId)).reserved_resources_full).toEqual(before);
  });

  test('an agent that re-registers is sent the master\'s list (it wins); an agent the master does not know brings its own', async () => {
    await start();
    const agent = await peers.registerAgent({ resources: 'cpus:2;mem:256' });
    const reserved = scalar('mem', 100, { reservations: [{ type: 'DYNAMIC', role: 'web' }] });
    const stale = scalar('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'old' }] });
    expect((await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.agentId }, resources: [reserved] } })).status).toBe(202);
    agent.disconnect();
    const back = await peers.registerAgent({ resources: 'cpus:2;mem:256', agentId: agent.agentId, checkpointed: [stale] });
    expect(await firstCheckpoint(back)).toEqual([reserved]);
    expect((await agentState(agent.agentId)).reserved_resources).toEqual({ web: expect.objectContaining({ mem: 100 }) });

    // A master without a registry (no work dir) meets the agent for the first time: the agent's list is adopted.
    back.disconnect();
    await master.close();
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger });
    await master.listen();
    const adopted = await peers.registerAgent({ resources: 'cpus:2;mem:256', agentId: agent.agentId, checkpointed: [reserved] });
    expect(await firstCheckpoint(adopted)).toEqual([reserved]);
    expect((await agentState(agent.agentId)).reserved_resources).toEqual({ web: expect.objectContaining({ mem: 100 }) });
  });

  test('--acls decide: refused operator calls are 403, a framework\'s refused RESERVE is dropped', async () => {
    await start({
      reserve_resources: [{ principals: { values: ['ops'] }, roles: { values: ['web'] } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
    });
    const agent = await peers.registerAgent({ resources: 'cpus:2;mem:256' });
    const refused = await operator({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.agentId }, resources: [scalar('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'web' }] })] } });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('not authorized to reserve resources');

    const reserveOn = async (principal: string) => {
      const scheduler = await peers.subscribe(frameworkInfo({ role: 'web', principal, name: principal }));
      const offer = await offerOn(scheduler, agent);
      await scheduler.expectAccepted({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'RESERVE', reserve: { resources: [scalar('cpus', 1, { role: 'web', reservation: { principal } })] } }] },
      });
    };
    await reserveOn('eve');
    await reserveOn('ops');
    await eventually(() => lastCheckpoint(agent).length > 0, 'the allowed reservation checkpointed');
    // Only the allowed one made it: eve's was dropped, not applied and not checkpointed.
    expect(checkpoints(agent).map((c) => c.checkpoint_resources.resources)).toEqual([[], [scalar('cpus', 1, { reservations: dynamic('web', 'ops') })]]);
  });

  test('ACCEPT in protobuf: RESERVE and CREATE decoded from mesos.v1.scheduler.Call', async () => {
    await start();
    const agent = await peers.registerAgent({ resources: 'cpus:2;mem:256;disk:300' });
    const scheduler = await peers.subscribe(frameworkInfo({ roles: ['db'], principal: 'db', capabilities: REFINEMENT }));
    const offer = await offerOn(scheduler, agent);
    const disk = scalar('disk', 200, { reservations: dynamic('db', 'db') });
    const vol = { ...disk, disk: { persistence: { id: 'pg', principal: 'db' }, volume: { container_path: 'pgdata', mode: 'RO' as const } } };
    const call = {
      type: 'ACCEPT', framework_id: { value: scheduler.frameworkId },
      accept: { offer_ids: [offer.id], operations: [{ type: 'RESERVE', reserve: { resources: [disk] } }, { type: 'CREATE', create: { volumes: [vol] } }] },
    };
    const res = await request(`${master.url}/api/v1/scheduler`, {
      body: encodeProtobuf(V1_MESSAGES.schedulerCall, call),
      headers: { 'Content-Type': 'application/x-protobuf', 'Mesos-Stream-Id': scheduler.streamId },
    });
    expect({ status: res.status, text: res.text }).toEqual({ status: 202, text: '' });
    await eventually(() => lastCheckpoint(agent).length > 0, 'the volume checkpointed');
    expect(lastCheckpoint(agent)).toEqual([vol]);
  });
});

describe('with a real agent', () => {
  let cluster: TestCluster;

  afterEach(async () => {
    await cluster?.close();
  });

  test('a task launched on a dynamic reservation runs to TASK_FINISHED; UNRESERVE afterwards gives the resources back', async () => {
    cluster = await startCluster({ agentResources: 'cpus:2;mem:512;disk:100' });
    const agentId = { value: (await getJson(`${cluster.url}/state`)).slaves[0].id as string };
    const reserved = [scalar('cpus', 1, { reservations: [{ type: 'DYNAMIC', role: 'web' }] }), scalar('mem', 64, { reservations: [{ type: 'DYNAMIC', role: 'web' }] })];
    const reserve = await request(`${cluster.url}/api/v1`, { body: { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: reserved } } });
    expect(reserve.status).toBe(202);

    const scheduler = await RawScheduler.subscribe(cluster.url, frameworkInfo({ roles: ['web'], capabilities: REFINEMENT }));
    try {
      scheduler.autoAcknowledge();
      const offer = (await scheduler.nextOffers())[0];
      expect(offer.resources).toEqual(expect.arrayContaining(reserved.map((r) => ({ ...r, allocation_info: { role: 'web' } }))));
      await scheduler.launch([offer], [{ name: 'on-reservation', task_id: { value: 'r1' }, agent_id: offer.agent_id, command: { value: 'echo reserved' }, resources: reserved }]);
      await scheduler.update('r1', 'TASK_FINISHED');
    } finally {
      scheduler.close();
    }
    const unreserve = await request(`${cluster.url}/api/v1`, { body: { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: agentId, resources: reserved } } });
    expect(unreserve.status).toBe(202);
    const slave = (await getJson(`${cluster.url}/state`)).slaves[0];
    expect(slave.reserved_resources).toEqual({});
    expect(slave.unreserved_resources).toEqual(expect.objectContaining({ cpus: 2, mem: 512 }));
  });
});
