/** The operator client against a real master and agent in this process. */
import { ClientConnectionError, ClientHttpError } from '../../cluster/client/http';
import { OperatorClient } from '../../cluster/client/operator';
import { Resources } from '../../cluster/protocol/resources';
import { startCluster, type TestCluster } from '../helpers/cluster';

let cluster: TestCluster;
let operator: OperatorClient;

beforeAll(async () => {
  cluster = await startCluster({ agents: 2, agentResources: ['cpus:2;mem:1024', 'cpus:4;mem:2048'] });
  operator = new OperatorClient(cluster.url);
});
afterAll(async () => {
  operator.close();
  await cluster.close();
});

describe('OperatorClient', () => {
  it('reads health and version', async () => {
    expect(await operator.getHealth()).toBe(true);
    expect((await operator.getVersion()).version).toMatch(/\d+\.\d+/);
  });

  it('lists both agents with their total resources', async () => {
    const { agents } = await operator.getAgents();
    const totals = agents.map((a) => Resources.fromV1(a.total_resources ?? []).scalar('cpus')).sort();
    expect(totals).toEqual([2, 4]);
    for (const a of agents) expect(a.agent_info.id?.value).toBeTruthy();
  });

  it('reads frameworks, tasks and the whole state', async () => {
    const [frameworks, tasks, state] = await Promise.all([operator.getFrameworks(), operator.getTasks(), operator.getState()]);
    // Nothing has subscribed to this cluster.
    expect(frameworks.frameworks ?? []).toEqual([]);
    expect(tasks.tasks ?? []).toEqual([]);
    expect(state.get_agents?.agents).toHaveLength(2);
  });

  it('reads the legacy /state JSON', async () => {
    const state = await operator.getLegacyState<{ slaves?: unknown[] }>();
    expect(state.slaves).toHaveLength(2);
  });

  it('surfaces a 400 from the master verbatim', async () => {
    const raw = await fetch(`${cluster.url}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"NO_SUCH_CALL"}' });
    const body = (await raw.text()).trim();
    const err = await operator.call('NO_SUCH_CALL' as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientHttpError);
    expect((err as ClientHttpError).status).toBe(raw.status);
    expect((err as ClientHttpError).message).toBe(body);
  });

  it('says when the master cannot be reached', async () => {
    const nobody = new OperatorClient('127.0.0.1:1');
    const err = await nobody.getHealth().catch((e: unknown) => e);
    nobody.close();
    expect(err).toBeInstanceOf(ClientConnectionError);
    expect((err as Error).message).toBe('cannot reach http://127.0.0.1:1: connection refused (is it running?)');
  });

  it('refuses zk:// for now', () => {
    expect(() => new OperatorClient('zk://127.0.0.1:2181/mesos')).toThrow(/ZooKeeper master detection is not supported yet/);
  });
});
