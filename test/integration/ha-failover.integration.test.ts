/**
 * High availability as an operator runs it: a real 3-node ZooKeeper ensemble, three
 * `mesoscloud master --zk ...` processes and agents given `--master zk://...`. The leader is killed
 * (kill -9) in the middle of a workload, frozen past its session timeout, and taken down together
 * with an agent; what is checked is what a framework and an operator see.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SchedulerClient } from '../../cluster/client/scheduler';
import { createDetector, leaderBaseUrl, parseZooKeeperUrl, ZkRegistryStore, ZkSession, type MasterDetector } from '../../cluster/election';
import { Resources } from '../../cluster/protocol/resources';
import type { MasterInfo, Offer, TaskInfo, TaskState, TaskStatus } from '../../cluster/protocol/types';
import { isTerminalState } from '../../cluster/protocol/types';
import { freePort } from '../../infra/machine/ports';
import { ensureBuilt } from '../helpers/run-cli';
import { answers, type Daemon, DaemonSet } from '../helpers/daemon-processes';
import { eventually, getJson, request } from '../helpers/http';
import { startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';

const SESSION_TIMEOUT = '2secs';
const REREGISTER_TIMEOUT_S = 4;

let scratch: string;
let pool: DaemonSet;
let zk: TestZooKeeper;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  ensureBuilt();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-failover-'));
  pool = new DaemonSet(scratch);
  zk = await startZooKeeper();
}, 120_000);

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await pool.stopAll();
});

afterAll(async () => {
  pool?.killAll();
  await zk?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

interface MasterProcess { daemon: Daemon; port: number; url: string }

let clusterCount = 0;

/** A fresh election path per test keeps the tests' clusters apart in one ensemble. */
function newClusterUrl(): string {
  clusterCount++;
  return zk.url(`/mesos-test-${process.pid}-${clusterCount}`);
}

async function startMaster(zkUrl: string): Promise<MasterProcess> {
  const port = await freePort();
  const workDir = fs.mkdtempSync(path.join(scratch, 'master-'));
  const daemon = pool.start([
    'master', '--ip', '127.0.0.1', '--port', String(port), '--work_dir', workDir, '--zk', zkUrl, '--quorum', '2',
    '--zk_session_timeout', SESSION_TIMEOUT, '--agent_reregister_timeout', `${REREGISTER_TIMEOUT_S}secs`,
    '--agent_ping_timeout', '1secs', '--max_agent_ping_timeouts', '3',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await daemon.until(() => answers(`${url}/health`), 'the master answering /health');
  return { daemon, port, url };
}

async function startAgent(zkUrl: string, resources = 'cpus:4;mem:2048;disk:1024'): Promise<{ daemon: Daemon; id: string }> {
  const port = await freePort();
  const workDir = fs.mkdtempSync(path.join(scratch, 'agent-'));
  const daemon = pool.start([
    'agent', '--master', zkUrl, '--ip', '127.0.0.1', '--port', String(port), '--work_dir', workDir,
    // The workload's framework runs its tasks as root, which a root agent allows only when told.
    '--isolation', 'none', '--resources', resources, '--allow_root_tasks',
  ]);
  const id = await daemon.until(async () => {
    const state = await getJson<{ id?: string }>(`http://127.0.0.1:${port}/state`).catch(() => undefined);
    return state?.id;
  }, 'the agent registering');
  return { daemon, id };
}

/** What the leader has stored in ZooKeeper, read as a new leader would. */
async function readRegistry(zkUrl: string): Promise<Map<string, Map<string, unknown>>> {
  const url = parseZooKeeperUrl(zkUrl);
  const session = await ZkSession.connect(url.connectString, { sessionTimeoutMs: 4000 });
  try {
    return await new ZkRegistryStore(session, url.path).load();
  } finally {
    await session.close();
  }
}

function detectorFor(zkUrl: string): MasterDetector {
  const detector = createDetector(zkUrl);
  closers.push(() => detector.close());
  return detector;
}

/** The leader as ZooKeeper says, once it is one of `masters` and serves as leader. */
async function leaderAmong(detector: MasterDetector, masters: MasterProcess[], not?: MasterProcess): Promise<MasterProcess> {
  return eventually(async () => {
    const info = detector.leader;
    const leader = info && masters.find((m) => m.port === portOf(info) && m !== not);
    if (!leader || !leader.daemon.running) return undefined;
    const res = await request(`${leader.url}/api/v1`, { body: { type: 'GET_HEALTH' } }).catch(() => undefined);
    return res?.status === 200 ? leader : undefined;
  }, 'a leading master', 30_000);
}

function portOf(info: MasterInfo): number {
  return info.address?.port ?? info.port;
}

async function activeAgents(master: MasterProcess): Promise<string[]> {
  const res = await request(`${master.url}/api/v1`, { body: { type: 'GET_AGENTS' } });
  if (res.status !== 200) return [];
  return (JSON.parse(res.text).get_agents.agents as { active: boolean; agent_info: { id: { value: string } } }[])
    .filter((a) => a.active).map((a) => a.agent_info.id.value);
}

async function startCluster(agentCount: number) {
  const zkUrl = newClusterUrl();
  const masters: MasterProcess[] = [];
  for (let i = 0; i < 3; i++) masters.push(await startMaster(zkUrl));
  const detector = detectorFor(zkUrl);
  const leader = await leaderAmong(detector, masters);
  const agents = [];
  for (let i = 0; i < agentCount; i++) agents.push(await startAgent(zkUrl));
  await eventually(async () => (await activeAgents(leader)).length === agentCount, `${agentCount} agents active on the leader`, 30_000);
  return { zkUrl, masters, detector, leader, agents };
}

test('standby masters send scheduler, operator and UI requests to the leader with a 307 and serve their own /health', async () => {
  const { masters, leader } = await startCluster(1);
  const standby = masters.find((m) => m !== leader)!;
  const location = `//127.0.0.1:${leader.port}`;

  const operator = await request(`${standby.url}/api/v1`, { body: { type: 'GET_STATE' } });
  expect(operator.status).toBe(307);
  expect(operator.headers.location).toBe(`${location}/api/v1`);

  const scheduler = await request(`${standby.url}/api/v1/scheduler`, { body: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } } });
  expect(scheduler.status).toBe(307);
  expect(scheduler.headers.location).toBe(`${location}/api/v1/scheduler`);

  const redirect = await request(`${standby.url}/redirect`);
  expect(redirect.status).toBe(307);
  expect(redirect.headers.location).toBe(location);

  const state = await request(`${standby.url}/state?jsonp=x`);
  expect(state.status).toBe(307);
  expect(state.headers.location).toBe(`${location}/state?jsonp=x`);

  expect((await request(`${standby.url}/health`)).status).toBe(200);
  // The leader answers itself.
  expect((await request(`${leader.url}/api/v1`, { body: { type: 'GET_HEALTH' } })).status).toBe(200);
}, 120_000);

/**
 * A framework that runs `total` short tasks, relaunching only tasks a master says never reached an
 * agent, and counts every terminal update delivered to it (reconciliation answers excluded).
 */
class Workload {
  readonly client: SchedulerClient;
  readonly pending: string[] = [];
  readonly launchedOn = new Map<string, string>();
  /** Terminal updates delivered (with a uuid: from the agent), per task. */
  readonly terminal = new Map<string, TaskState[]>();
  private reconciling?: NodeJS.Timeout;
  private readonly task = Resources.parse('cpus:0.1;mem:16');

  constructor(zkUrl: string, total: number) {
    for (let i = 0; i < total; i++) this.pending.push(`task-${String(i).padStart(3, '0')}`);
    this.client = new SchedulerClient({
      master: zkUrl,
      reconnect: true,
      frameworkInfo: { user: os.userInfo().username, name: 'ha-workload', failover_timeout: 60, checkpoint: true, capabilities: [{ type: 'PARTITION_AWARE' }] },
    });
    this.client.on('offers', (offers) => void this.onOffers(offers));
    this.client.on('update', (status) => this.onUpdate(status));
    this.client.on('disconnected', () => undefined);
    this.client.on('error', () => undefined);
    closers.push(() => this.close());
  }

  get done(): number { return this.terminal.size }

  private async onOffers(offers: Offer[]): Promise<void> {
    for (const offer of offers) {
      let left = Resources.fromV1(offer.resources);
      const tasks: TaskInfo[] = [];
      while (this.pending.length > 0 && left.contains(this.task)) {
        const id = this.pending.shift()!;
        left = left.minus(this.task);
        tasks.push({
          name: id, task_id: { value: id }, agent_id: offer.agent_id,
          resources: this.task.toV1(), command: { value: 'sleep 0.2', shell: true },
        });
      }
      try {
        if (tasks.length === 0) await this.client.decline([offer.id], { refuse_seconds: 0.5 });
        else {
          await this.client.launch([offer.id], tasks);
          for (const t of tasks) this.launchedOn.set(t.task_id.value, offer.agent_id.value);
        }
      } catch {
        // The master went away before it accepted: these tasks were never launched.
        this.pending.push(...tasks.map((t) => t.task_id.value));
      }
    }
  }

  private onUpdate(status: TaskStatus): void {
    const id = status.task_id.value;
    void this.client.acknowledge(status).catch(() => undefined);
    if (!isTerminalState(status.state)) return;
    if (status.reason === 'REASON_RECONCILIATION') {
      // A master that never heard of the task: its launch died with the old leader. Run it again.
      if (['TASK_GONE', 'TASK_UNKNOWN', 'TASK_DROPPED', 'TASK_LOST'].includes(status.state) && !this.terminal.has(id) && this.launchedOn.has(id)) {
        this.launchedOn.delete(id);
        this.pending.push(id);
        void this.client.revive().catch(() => undefined);
      }
      return;
    }
    const seen = this.terminal.get(id) ?? [];
    seen.push(status.state);
    this.terminal.set(id, seen);
  }

  /** Asks the (new) leader about every launched task that has not ended, until stopped. */
  reconcileOutstanding(everyMs: number): void {
    this.reconciling = setInterval(() => {
      const outstanding = [...this.launchedOn].filter(([id]) => !this.terminal.has(id));
      if (outstanding.length === 0 || !this.client.connected) return;
      void this.client.reconcile(outstanding.map(([id, agent]) => ({ task_id: { value: id }, agent_id: { value: agent } }))).catch(() => undefined);
    }, everyMs);
  }

  close(): void {
    if (this.reconciling) clearInterval(this.reconciling);
    this.client.close();
  }
}

test('kill -9 of the leader during 200 short tasks: a standby leads, the framework follows, every task ends exactly once', async () => {
  const { zkUrl, masters, detector, leader, agents } = await startCluster(2);
  const workload = new Workload(zkUrl, 200);
  const subscribed = await workload.client.subscribe();

  await eventually(() => workload.done >= 40, '40 tasks finished before the failover', 60_000);
  leader.daemon.child.kill('SIGKILL');

  const next = await leaderAmong(detector, masters, leader);
  await eventually(async () => (await activeAgents(next)).length === agents.length, 'agents re-registered with the new leader', 30_000);
  await eventually(() => workload.client.connected && workload.client.masterUrl === next.url, 'the framework re-subscribed to the new leader', 30_000);
  expect(workload.client.frameworkId).toBe(subscribed.frameworkId);
  workload.reconcileOutstanding(1000);

  await eventually(() => workload.done === 200, 'all 200 tasks terminal', 120_000);
  for (const [id, states] of workload.terminal) {
    expect({ id, states }).toEqual({ id, states: ['TASK_FINISHED'] });
  }
  expect(workload.terminal.size).toBe(200);
}, 300_000);

test('a leader frozen past its ZooKeeper session stops leading, and exits when it resumes instead of acting', async () => {
  const { masters, detector, leader } = await startCluster(1);
  leader.daemon.child.kill('SIGSTOP');
  const next = await leaderAmong(detector, masters, leader);
  expect(leaderBaseUrl(detector.leader!)).toBe(next.url);
  leader.daemon.child.kill('SIGCONT');
  const { code } = await leader.daemon.ended();
  expect(code).toBe(1);
  expect(leader.daemon.log).toMatch(/lost leadership/);
  // The cluster carries on under the new leader.
  await eventually(async () => (await activeAgents(next)).length === 1, 'the agent active on the new leader', 30_000);
}, 120_000);

test('the new leader knows the frameworks and agents of the old one; an agent that never returns is marked unreachable', async () => {
  const { zkUrl, masters, detector, leader, agents } = await startCluster(2);
  const framework = new SchedulerClient({ master: leader.url, frameworkInfo: { user: 'u', name: 'remembered', failover_timeout: 3600 } });
  closers.push(() => framework.close());
  framework.on('disconnected', () => undefined);
  const { frameworkId } = await framework.subscribe();
  framework.close();
  // The leader writes its registry just behind each change: wait until ZooKeeper has the framework.
  await eventually(async () => (await readRegistry(zkUrl)).get('frameworks')?.has(frameworkId), 'the framework in the replicated registry', 30_000);

  const gone = agents[1];
  gone.daemon.child.kill('SIGKILL');
  leader.daemon.child.kill('SIGKILL');
  const next = await leaderAmong(detector, masters, leader);

  const frameworks = JSON.parse((await request(`${next.url}/api/v1`, { body: { type: 'GET_FRAMEWORKS' } })).text).get_frameworks.frameworks as { framework_info: { id: { value: string } }; active: boolean }[];
  expect(frameworks.map((f) => f.framework_info.id.value)).toContain(frameworkId);

  await eventually(async () => (await activeAgents(next)).includes(agents[0].id), 'the surviving agent re-registered', 30_000);
  const unreachable = await eventually(async () => {
    const state = await getJson(`${next.url}/state`);
    return state.unreachable_slaves >= 1 ? state : undefined;
  }, 'the missing agent marked unreachable', (REREGISTER_TIMEOUT_S + 20) * 1000);
  expect(unreachable.activated_slaves).toBe(1);
}, 120_000);

test('weights, quota, a deactivated and a gone agent survive the failover; the gone agent may not come back', async () => {
  const { zkUrl, masters, detector, leader } = await startCluster(3);
  const call = async (master: MasterProcess, body: unknown, status = 200) => {
    const res = await request(`${master.url}/api/v1`, { body });
    expect({ status: res.status, text: res.text }).toEqual({ status, text: expect.any(String) });
    return res.text ? JSON.parse(res.text) : undefined;
  };
  const ids = await activeAgents(leader);
  const [deactivated, gone] = ids;
  await call(leader, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'analytics', weight: 2.5 }] } });
  await call(leader, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'analytics', limits: { cpus: { value: 1.5 } } }] } });
  await call(leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: deactivated } } });
  await call(leader, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: gone } } });
  await eventually(async () => {
    const settings = (await readRegistry(zkUrl)).get('settings')?.get('cluster');
    return settings !== undefined && JSON.stringify(settings).includes(gone) && JSON.stringify(settings).includes('analytics');
  }, 'the settings in the replicated registry', 30_000);

  leader.daemon.child.kill('SIGKILL');
  const next = await leaderAmong(detector, masters, leader);

  const weights = await call(next, { type: 'GET_WEIGHTS' });
  expect(weights.get_weights.weight_infos).toEqual(expect.arrayContaining([{ role: 'analytics', weight: 2.5 }]));
  const quota = await call(next, { type: 'GET_QUOTA' });
  expect(JSON.stringify(quota.get_quota)).toContain('"analytics"');
  // Two agents come back (one of them still deactivated); the gone one is refused.
  await eventually(async () => {
    const res = JSON.parse((await request(`${next.url}/api/v1`, { body: { type: 'GET_AGENTS' } })).text);
    const agents = res.get_agents.agents as { agent_info: { id: { value: string } }; deactivated?: boolean; active: boolean }[];
    const byId = new Map(agents.map((a) => [a.agent_info.id.value, a]));
    return byId.size === 2 && byId.get(deactivated)?.deactivated === true && !byId.has(gone);
  }, 'the deactivated agent back, still deactivated, and no gone agent', 30_000);
}, 120_000);

test('a standby frozen past its session rejoins the election instead of exiting, and can still take over', async () => {
  const { masters, detector, leader } = await startCluster(1);
  const [frozen, other] = masters.filter((m) => m !== leader);
  frozen.daemon.child.kill('SIGSTOP');
  await new Promise((resolve) => setTimeout(resolve, 3500));
  frozen.daemon.child.kill('SIGCONT');
  await frozen.daemon.until(async () => /joining the election again/.test(frozen.daemon.log), 'the standby rejoining the election');
  expect(frozen.daemon.running).toBe(true);

  other.daemon.child.kill('SIGKILL');
  leader.daemon.child.kill('SIGKILL');
  const next = await leaderAmong(detector, masters, leader);
  expect(next).toBe(frozen);
  await eventually(async () => (await activeAgents(next)).length === 1, 'the agent active on the rejoined standby', 30_000);
}, 120_000);
