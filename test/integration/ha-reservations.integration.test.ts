/**
 * Dynamic reservations and persistent volumes across a leader change: the leader keeps each agent's
 * checkpointed resources with the agent in the replicated registry (ZooKeeper); the next leader has
 * them before the agent is back, and sends them to it when it re-registers.
 */
import { createMaster, type Master } from '../../cluster/master';
import { parseZooKeeperUrl, ZkRegistryStore, ZkSession } from '../../cluster/election';
import type { AgentEvent } from '../../cluster/protocol/agent-channel';
import type { Resource } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { eventually, getJson, request } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';

let zk: TestZooKeeper;
const masters: Master[] = [];
const agents: RawAgent[] = [];

beforeAll(async () => {
  zk = await startZooKeeper({ size: 1 });
}, 60_000);

afterAll(async () => {
  for (const agent of agents) agent.disconnect();
  for (const master of masters) await master.close();
  await zk?.stop();
});

async function readAgents(zkUrl: string): Promise<Map<string, unknown>> {
  const url = parseZooKeeperUrl(zkUrl);
  const session = await ZkSession.connect(url.connectString, { sessionTimeoutMs: 4000 });
  try {
    return (await new ZkRegistryStore(session, url.path).load()).get('agents') ?? new Map();
  } finally {
    await session.close();
  }
}

const lastCheckpoint = (agent: RawAgent): Resource[] => {
  const events = agent.events.filter((e): e is Extract<AgentEvent, { type: 'CHECKPOINT_RESOURCES' }> => e.type === 'CHECKPOINT_RESOURCES');
  return events.at(-1)?.checkpoint_resources.resources ?? [];
};

it('a new leader restores the reservations and volumes and sends them back to the re-registering agent', async () => {
  const zkUrl = zk.url(`/mesos-resv-${process.pid}`);
  const options = { ip: '127.0.0.1', port: 0, zk: zkUrl, quorum: 1, logger: silentLogger };
  const first = createMaster(options);
  masters.push(first);
  await first.listen();
  await first.whenLeading();
  const agent = await RawAgent.register(first.url, { resources: 'cpus:2;mem:256;disk:500' });
  agents.push(agent);
  const agentId = { value: agent.agentId };
  const reserved: Resource = { name: 'disk', type: 'SCALAR', scalar: { value: 300 }, reservations: [{ type: 'DYNAMIC', role: 'db' }] };
  const volume: Resource = { ...reserved, scalar: { value: 120 }, disk: { persistence: { id: 'pg' }, volume: { container_path: 'pgdata', mode: 'RW' } } };
  for (const body of [
    { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: [reserved] } },
    { type: 'CREATE_VOLUMES', create_volumes: { agent_id: agentId, volumes: [volume] } },
  ]) {
    const res = await request(`${first.url}/api/v1`, { body });
    expect({ status: res.status, text: res.text }).toEqual({ status: 202, text: '' });
  }
  const expected = expect.arrayContaining([volume, { ...reserved, scalar: { value: 180 } }]);
  await eventually(async () => {
    const stored = (await readAgents(zkUrl)).get(agent.agentId) as { checkpointed_resources?: Resource[] } | undefined;
    return stored?.checkpointed_resources?.length === 2;
  }, 'the checkpointed resources in the registry');

  agent.disconnect();
  await first.close();
  const second = createMaster(options);
  masters.push(second);
  await second.listen();
  await second.whenLeading();
  // Known before the agent is back: its total already has the reservation and the volume.
  const before = (await getJson(`${second.url}/state`)).slaves.find((s: any) => s.id === agent.agentId);
  expect(before.reserved_resources_full.db).toEqual(expect.arrayContaining([{ ...volume, role: 'db', reservation: {} }]));
  const back = await RawAgent.register(second.url, { resources: 'cpus:2;mem:256;disk:500', agentId: agent.agentId });
  agents.push(back);
  await eventually(() => lastCheckpoint(back).length > 0, 'CHECKPOINT_RESOURCES after REGISTERED');
  expect(lastCheckpoint(back)).toEqual(expected);
  const slave = (await getJson(`${second.url}/state`)).slaves.find((s: any) => s.id === agent.agentId);
  expect(slave.reserved_resources_full.db).toEqual(expect.arrayContaining([
    { ...volume, role: 'db', reservation: {} },
    { ...reserved, scalar: { value: 180 }, role: 'db', reservation: {} },
  ]));
}, 90_000);
