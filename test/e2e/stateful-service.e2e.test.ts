/**
 * A stateful service's whole life, as Mesos's reservation and persistent-volume documents describe it,
 * driven by a framework written for the tests from those documents (test/helpers/stateful-framework.ts),
 * once per encoding and resource format: JSON without RESERVATION_REFINEMENT (`role` + `reservation`)
 * and protobuf with it (the `reservations` stack).
 *
 * It reserves resources and creates a volume, runs a task that writes to the volume, kills it,
 * relaunches on the same volume and reads the data back; then the agent is killed with -9 and started
 * again on its work dir, and the leading master is killed with -9 so that the other one takes over;
 * the reservation and the data must still be there. Last it destroys the volume (the data goes) and
 * unreserves. Real ZooKeeper, two real masters, a real agent, real task processes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Offer } from '../../cluster/protocol/types';
import { ensureBuilt } from '../helpers/run-cli';
import { cleanDaemonScratch, newDaemonScratch, START_MS, type AgentProcess, type DaemonScratch, type MasterProcess } from '../helpers/daemon-processes';
import { eventually, getJson } from '../helpers/http';
import { startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';
import {
  persistenceId, reservationRole, reservedScalars, scalarSum, StatefulFramework, volumeIn, type Encoding,
} from '../helpers/stateful-framework';

jest.setTimeout(240_000);

let zk: TestZooKeeper;
let s: DaemonScratch;
const frameworks: StatefulFramework[] = [];
let clusters = 0;

beforeAll(async () => {
  ensureBuilt();
  zk = await startZooKeeper({ size: 1 });
}, 120_000);

afterAll(async () => {
  await zk?.stop();
});

beforeEach(() => {
  s = newDaemonScratch('stateful-service-');
});

afterEach(async () => {
  await cleanDaemonScratch(s, frameworks);
});

interface Cluster { zkUrl: string; masters: MasterProcess[]; agent: AgentProcess }

async function startCluster(): Promise<Cluster> {
  const zkUrl = zk.url(`/stateful-${process.pid}-${++clusters}`);
  const flags = ['--zk', zkUrl, '--quorum', '1', '--zk_session_timeout', '2secs', '--agent_reregister_timeout', '20secs', '--allocation_interval', '100ms'];
  const masters = [await s.daemons.startMaster(flags), await s.daemons.startMaster(flags)];
  const leader = await leaderOf(masters);
  const agent = await s.daemons.startAgent(leader, ['--resources', 'cpus:2;mem:1024;disk:2048'], { master: zkUrl });
  return { zkUrl, masters, agent };
}

async function leaderOf(masters: MasterProcess[]): Promise<MasterProcess> {
  return eventually(async () => {
    for (const m of masters) {
      if (!m.daemon.running) continue;
      const state = await getJson<{ pid?: string; leader?: string }>(`${m.url}/state`).catch(() => undefined);
      if (state?.leader && state.leader === state.pid) return m;
    }
    return undefined;
  }, 'a leading master', START_MS);
}

/** The agent's resources reserved to `role` in the master's /state (endpoint format). */
async function reservedOnMaster(leader: MasterProcess, agentId: string, role: string): Promise<Record<string, any>[]> {
  const state = await getJson<{ slaves: { id: string; reserved_resources_full?: Record<string, Record<string, any>[]> }[] }>(`${leader.url}/state`);
  return state.slaves.find((a) => a.id === agentId)?.reserved_resources_full?.[role] ?? [];
}

function volumeDir(agent: AgentProcess, role: string, id: string): string {
  return path.join(agent.workDir, 'volumes', 'roles', role, id);
}

const CASES: { encoding: Encoding; refinement: boolean }[] = [
  { encoding: 'json', refinement: false },
  { encoding: 'protobuf', refinement: true },
];

describe.each(CASES)('a stateful service in $encoding (RESERVATION_REFINEMENT: $refinement)', ({ encoding, refinement }) => {
  test('reserve, create a volume, write, relaunch and read; agent kill -9 and master failover keep both; destroy and unreserve', async () => {
    const cluster = await startCluster();
    const { agent } = cluster;
    const role = `stateful-${encoding}`;
    const volumeId = `volume-${encoding}`;
    const payload = `written-by-${encoding}-${Date.now()}`;
    const framework = new StatefulFramework({
      masters: cluster.masters.map((m) => m.url), encoding, role, principal: 'stateful-principal', refinement,
    });
    frameworks.push(framework);
    await framework.subscribe();

    // 1. RESERVE cpus, mem and disk for the role, and CREATE a volume on the reserved disk, in one ACCEPT.
    const first = await framework.offerFrom(agent.id, (o) => scalarSum(o.resources, 'disk') >= 256, 'an offer with disk');
    await framework.accept(first, [
      { type: 'RESERVE', reserve: { resources: [framework.reserved('cpus', 0.5, { service: 'db' }), framework.reserved('mem', 128), framework.reserved('disk', 256)] } },
      { type: 'CREATE', create: { volumes: [framework.volume(volumeId, 256, 'data')] } },
    ]);

    // The volume comes back in an offer, in the framework's format, with the reservation's labels.
    const withVolume = (o: Offer) => volumeIn(o, volumeId) !== undefined && scalarSum(reservedScalars(o, role), 'cpus') >= 0.5;
    const second = await framework.offerFrom(agent.id, withVolume, 'an offer with the volume');
    const volume = volumeIn(second, volumeId)!;
    expect(volume.disk.volume).toEqual({ container_path: 'data', mode: 'RW' });
    expect(reservationRole(volume)).toBe(role);
    const cpus = reservedScalars(second, role).find((r) => r.name === 'cpus')!;
    if (refinement) {
      expect(cpus.reservations).toEqual([{ type: 'DYNAMIC', role, principal: 'stateful-principal', labels: { labels: [{ key: 'service', value: 'db' }] } }]);
      // Unset; a decoder that fills proto2 defaults shows mesos.proto's default, "*".
      expect([undefined, '*']).toContain(cpus.role);
    } else {
      expect(cpus.role).toBe(role);
      expect(cpus.reservation).toEqual({ principal: 'stateful-principal', labels: { labels: [{ key: 'service', value: 'db' }] } });
      expect(cpus.reservations ?? []).toEqual([]);
    }
    expect(fs.existsSync(volumeDir(agent, role, volumeId))).toBe(true);

    // 2. A task writes to the volume and keeps running; it is killed.
    const onVolume = (o: Offer) => [...reservedScalars(o, role).filter((r) => r.name !== 'disk'), volumeIn(o, volumeId)!];
    await framework.accept(second, [{ type: 'LAUNCH', launch: { task_infos: [framework.task(second, 'writer', `echo ${payload} > data/payload && sleep 600`, onVolume(second))] } }]);
    await framework.statusOf('writer', ['TASK_RUNNING']);
    await eventually(() => fs.existsSync(path.join(volumeDir(agent, role, volumeId), 'payload')), 'the payload in the volume');
    await framework.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'writer' }, agent_id: { value: agent.id } } });
    await framework.statusOf('writer', ['TASK_KILLED']);

    // 3. Relaunched on the same volume, the next task finds the data (it exits 0 only if it does).
    /**
     * A task on the volume from the next offer that has it; launched again if the offer was rescinded
     * meanwhile (the agent or the master went away), as a framework does on REASON_INVALID_OFFERS.
     */
    const runOnVolume = async (taskId: string, command: string): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        const id = `${taskId}-${attempt}`;
        const offer = await framework.offerFrom(agent.id, withVolume, `an offer with the volume for ${id}`);
        await framework.accept(offer, [{ type: 'LAUNCH', launch: { task_infos: [framework.task(offer, id, command, onVolume(offer))] } }]);
        try {
          await framework.statusOf(id, ['TASK_FINISHED']);
          return;
        } catch (err) {
          if (attempt >= 3 || !/REASON_INVALID_OFFERS/.test((err as Error).message)) throw err;
        }
      }
    };
    const reader = (taskId: string) => () => runOnVolume(taskId, `test "$(cat data/payload)" = ${payload}`);
    await reader('reader-1')();

    // 4. The agent dies (kill -9) and starts again on its work dir: reservation and data are still there.
    await agent.daemon.stop('SIGKILL');
    let leader = await leaderOf(cluster.masters);
    const restarted = await s.daemons.startAgent(leader, ['--resources', 'cpus:2;mem:1024;disk:2048'], { master: cluster.zkUrl, workDir: agent.workDir, port: agent.port });
    expect(restarted.id).toBe(agent.id);
    await reader('reader-2')();

    // 5. The leading master dies (kill -9); the other one leads, from the registry, and the framework follows it.
    await leader.daemon.stop('SIGKILL');
    const frameworkId = framework.frameworkId;
    await framework.subscribe();
    expect(framework.frameworkId).toBe(frameworkId);
    leader = await leaderOf(cluster.masters);
    const kept = await reservedOnMaster(leader, agent.id, role);
    expect(kept.map((r) => r.name).sort()).toEqual(['cpus', 'disk', 'mem']);
    expect(kept.find((r) => r.name === 'disk')?.disk?.persistence?.id).toBe(volumeId);
    await reader('reader-3')();

    // 6. DESTROY removes the volume and its data; UNRESERVE gives the resources back to everyone.
    const last = await framework.offerFrom(agent.id, withVolume, 'the volume offered for DESTROY');
    const volumeNow = volumeIn(last, volumeId)!;
    // What DESTROY leaves is the reserved disk the volume was made on.
    const { disk: _volumeInfo, ...reservedDisk } = volumeNow;
    await framework.accept(last, [
      { type: 'DESTROY', destroy: { volumes: [volumeNow] } },
      { type: 'UNRESERVE', unreserve: { resources: [...reservedScalars(last, role), reservedDisk] } },
    ]);
    await eventually(async () => (await reservedOnMaster(leader, agent.id, role)).length === 0, 'no reservation left on the master');
    await eventually(() => !fs.existsSync(volumeDir(agent, role, volumeId)), 'the volume directory removed');
    const free = await framework.offerFrom(agent.id, (o) => scalarSum(o.resources, 'disk') === 2048, 'all the disk unreserved again');
    expect(free.resources.filter((r) => reservationRole(r) !== undefined || persistenceId(r) !== undefined)).toEqual([]);
  });
});
