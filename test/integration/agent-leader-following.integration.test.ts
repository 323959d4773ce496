/**
 * An agent given --master zk://... follows the leading master: a real ZooKeeper holds the election
 * (Mesos's json.info_ znodes, written by the election module's contenders), and two stand-in masters
 * speak the agent channel. When the leader changes the agent leaves the old one, re-registers with
 * the new one under the same agent id with its tasks, and sends the status update the old leader
 * never acknowledged again, to the new one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Agent } from '../../cluster/agent';
import { createAgent } from '../../cluster/agent';
import { AGENT_DEFAULTS } from '../../cluster/agent/options';
import { createContender, type MasterContender } from '../../cluster/election';
import type { MasterInfo } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { findTaskProcesses, killGroupOrProcess } from '../../infra/machine/processes';
import { startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';
import { FakeMaster } from './agent-fake-master';

let zk: TestZooKeeper;
let scratch: string;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  zk = await startZooKeeper({ size: 1 });
}, 120_000);

afterAll(async () => {
  await zk?.stop();
});

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-leader-'));
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
  for (const pid of findTaskProcesses(scratch)) killGroupOrProcess(pid, 'SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

function infoOf(master: FakeMaster, n: number): MasterInfo {
  return {
    id: `master-${n}`,
    ip: 16777343, // 127.0.0.1, little-endian as Mesos writes it
    port: master.port,
    pid: `master@127.0.0.1:${master.port}`,
    hostname: 'localhost',
    address: { hostname: 'localhost', ip: '127.0.0.1', port: master.port },
  };
}

async function fakeMaster(): Promise<FakeMaster> {
  const master = await FakeMaster.start();
  cleanup.push(() => master.close());
  return master;
}

function contender(url: string): MasterContender {
  const c = createContender(url, { sessionTimeoutMs: 4000 });
  cleanup.push(() => c.close());
  return c;
}

async function startAgent(master: string): Promise<Agent> {
  const agent = createAgent({
    ...AGENT_DEFAULTS, port: 0, master, workDir: path.join(scratch, 'work'), cgroups: 'none',
    resources: 'cpus:2;mem:512;disk:1024', statusUpdateRetrySeconds: 0.2, logger: silentLogger,
    // The framework names root (this suite runs as root): allowed explicitly, as an operator would (see test/helpers/task-users.ts).
    allowRootTasks: true,
  });
  cleanup.push(() => agent.close());
  await agent.start();
  return agent;
}

describe('an agent following the leading master in ZooKeeper', () => {
  it('re-registers with each new leader under its id and re-sends what the old one did not acknowledge', async () => {
    const url = zk.url(`/agent-leader-${process.pid}`);
    const first = await fakeMaster();
    const second = await fakeMaster();
    const firstContender = contender(url);
    await firstContender.elect(infoOf(first, 1));
    const secondElected = contender(url).elect(infoOf(second, 2));

    const agent = await startAgent(url);
    const agentId = await agent.whenRegistered();
    await first.waitFor(() => first.connected, 'the agent registering with the first leader');
    expect(second.registrations).toHaveLength(0);

    // The first leader never acknowledges: the update stays the agent's to deliver.
    first.autoAck = false;
    first.send({
      type: 'RUN_TASK',
      run_task: {
        framework_id: { value: 'fw' },
        framework_info: { user: 'root', name: 'leader-test' },
        task: { name: 't', task_id: { value: 't' }, agent_id: { value: agentId }, resources: [], command: { value: 'sleep 600' } },
      },
    });
    const starting = await first.waitFor(() => first.updates('t').find((s) => s.state === 'TASK_STARTING'), 'TASK_STARTING at the first leader');

    await firstContender.close();
    await secondElected;

    const registration = await second.waitFor(() => second.registrations[0], 'the agent registering with the new leader');
    expect(registration.agent_info.id).toEqual({ value: agentId });
    expect(registration.tasks?.map((t) => t.task_id.value)).toEqual(['t']);
    const resent = await second.waitFor(() => second.updates('t').find((s) => s.state === 'TASK_STARTING'), 'TASK_STARTING re-sent to the new leader');
    expect(resent.uuid).toBe(starting.uuid);
    // Acknowledged there, the rest follows in order.
    await second.waitFor(() => second.updates('t').some((s) => s.state === 'TASK_RUNNING'), 'TASK_RUNNING at the new leader');
    expect(second.states('t')).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(first.connected).toBe(false);
    expect(agent.agentId).toBe(agentId);
  });
});
