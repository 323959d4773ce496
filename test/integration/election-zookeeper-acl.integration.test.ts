/**
 * Masters given zk://user:password@.../path authenticate to ZooKeeper (digest) and lock their
 * znodes: anyone may read the election (agents and clients find the leader there), only the masters
 * create, change or delete under it, and only they read or write the registry. The password never
 * shows in /flags, GET_FLAGS or the log. And the ensemble listens on its own address only. Against a
 * real 3-server ZooKeeper ensemble.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createContender, createDetector, ZkRegistryStore, ZkSession, type ZooKeeperMasterContender } from '../../cluster/election';
import { CreateMode, type ZkDigest } from '../../cluster/election/zk-session';
import type { MasterInfo } from '../../cluster/protocol/types';
import { ensureBuilt } from '../helpers/run-cli';
import { DaemonSet } from '../helpers/daemon-processes';
import { eventually, getJson, request } from '../helpers/http';
import { startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';

const SESSION_MS = 2000;
const PASSWORD = 'Zk-s3cret-pw';
const MASTERS: ZkDigest = { user: 'masters', password: PASSWORD };
let zk: TestZooKeeper;
let scratch: string;
let pool: DaemonSet;
const cleanup: (() => Promise<unknown>)[] = [];
let counter = 0;

const freshPath = () => `/acl-${process.pid}-${++counter}`;
const withCredentials = (p: string, digest = MASTERS) => `zk://${digest.user}:${digest.password}@${zk.connectString}${p}`;

beforeAll(async () => {
  ensureBuilt();
  zk = await startZooKeeper({ size: 3 });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-acl-'));
  pool = new DaemonSet(scratch);
}, 60_000);

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close().catch(() => undefined);
  await pool.stopAll();
});

afterAll(async () => {
  pool?.killAll();
  await zk?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

function masterInfo(port: number): MasterInfo {
  return { id: `m-${port}`, ip: 16777343, port, pid: `master@127.0.0.1:${port}`, hostname: 'localhost', address: { hostname: 'localhost', ip: '127.0.0.1', port } };
}

async function session(digest?: ZkDigest): Promise<ZkSession> {
  const s = await ZkSession.connect(zk.connectString, { sessionTimeoutMs: SESSION_MS, digest });
  cleanup.push(() => s.close());
  return s;
}

/** The error code a request failed with ('ok' when it did not fail). */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

async function electWithRegistry(electionPath: string): Promise<{ contender: ZooKeeperMasterContender; store: ZkRegistryStore }> {
  const contender = createContender(withCredentials(electionPath), { sessionTimeoutMs: SESSION_MS }) as ZooKeeperMasterContender;
  cleanup.push(() => contender.close());
  await contender.elect(masterInfo(5050));
  const store = new ZkRegistryStore(contender.zkSession!, electionPath, { fence: contender.memberPath });
  await store.load();
  await store.save('settings', 'cluster', { weights: [{ role: 'analytics', weight: 2 }] });
  return { contender, store };
}

test('without the credential a client reads the election but cannot create, change or delete there, nor touch the registry', async () => {
  const electionPath = freshPath();
  const { contender } = await electWithRegistry(electionPath);
  const member = contender.memberPath!;
  const registry = `${electionPath}/registry`;

  // Agents and the CLI find the leader without credentials.
  const detector = createDetector(`zk://${zk.connectString}${electionPath}`, { sessionTimeoutMs: SESSION_MS });
  cleanup.push(() => detector.close());
  expect((await detector.awaitLeader(10_000)).id).toBe('m-5050');

  for (const digest of [undefined, { user: 'masters', password: 'wrong' }]) {
    const anonymous = await session(digest);
    expect(await outcome(anonymous.getChildren(electionPath))).toBe('ok');
    expect(await outcome(anonymous.getData(member))).toBe('ok');
    expect(await outcome(anonymous.create(`${electionPath}/json.info_`, Buffer.from('{}'), CreateMode.EPHEMERAL_SEQUENTIAL))).toBe('NO_AUTH');
    expect(await outcome(anonymous.setData(member, Buffer.from('{}')))).toBe('NO_AUTH');
    expect(await outcome(anonymous.delete(member))).toBe('NO_AUTH');
    expect(await outcome(anonymous.setData(electionPath, Buffer.from('x')))).toBe('NO_AUTH');
    expect(await outcome(anonymous.getChildren(registry))).toBe('NO_AUTH');
    expect(await outcome(anonymous.getData(`${registry}/settings`))).toBe('NO_AUTH');
    expect(await outcome(anonymous.create(`${registry}/agents`, Buffer.from('{}')))).toBe('NO_AUTH');
    expect(await outcome(anonymous.delete(`${registry}/settings/shard-0000`))).toBe('NO_AUTH');
  }

  // Another master with the credential reads what the leader stored.
  const other = await session(MASTERS);
  const snapshot = await new ZkRegistryStore(other, electionPath).load();
  expect(snapshot.get('settings')?.get('cluster')).toEqual({ weights: [{ role: 'analytics', weight: 2 }] });
}, 60_000);

test('an election path and registry created open, before the masters had a credential, are locked by the next leader', async () => {
  const electionPath = freshPath();
  const before = await session();
  await before.mkdirp(`${electionPath}/registry`);
  await electWithRegistry(electionPath);
  const anonymous = await session();
  expect(await outcome(anonymous.create(`${electionPath}/intruder`))).toBe('NO_AUTH');
  expect(await outcome(anonymous.getChildren(`${electionPath}/registry`))).toBe('NO_AUTH');
  expect(await outcome(anonymous.getChildren(electionPath))).toBe('ok');
}, 60_000);

test('a master daemon with zk://user:password@ elects itself, keeps the password out of /flags, GET_FLAGS and its log; an agent follows it without credentials', async () => {
  const electionPath = freshPath();
  const master = await pool.startMaster(['--zk', withCredentials(electionPath), '--quorum', '1', '--zk_session_timeout', '2secs']);
  await eventually(async () => (await request(`${master.url}/state`)).status === 200 || undefined, 'the master leading', 30_000);
  const agent = await pool.startAgent(master, [], { master: `zk://${zk.connectString}${electionPath}` });
  expect(agent.id).toBeTruthy();

  const flags = (await getJson<{ flags: Record<string, string> }>(`${master.url}/flags`)).flags;
  expect(flags.zk).toBe(`zk://masters:***@${zk.connectString}${electionPath}`);
  const getFlags = await request(`${master.url}/api/v1`, { body: { type: 'GET_FLAGS' } });
  const state = await request(`${master.url}/state`);
  for (const text of [getFlags.text, state.text, master.daemon.log, JSON.stringify(flags)]) expect(text).not.toContain(PASSWORD);
  expect(getFlags.text).toContain('masters:***@');

  // The agent it admitted is in the registry, which only the masters can read.
  const anonymous = await session();
  expect(await outcome(anonymous.getChildren(`${electionPath}/registry`))).toBe('NO_AUTH');
  const stored = await eventually(async () => {
    const snapshot = await new ZkRegistryStore(await session(MASTERS), electionPath).load();
    return snapshot.get('agents')?.has(agent.id) ? snapshot : undefined;
  }, 'the agent in the registry', 15_000);
  expect(stored.get('agents')?.size).toBe(1);
}, 90_000);

test('every server of the ensemble listens on its own address (127.0.0.1) only: client, quorum and election ports', () => {
  const listening = execFileSync('ss', ['-ltnH'], { encoding: 'utf8' }).split('\n').map((line) => line.trim().split(/\s+/)[3]).filter(Boolean)
    // Java shows an IPv4 address as IPv4-mapped IPv6: [::ffff:127.0.0.1]:2181.
    .map((local) => local.replace(/^\[::ffff:([0-9.]+)\]/, '$1'));
  const servers = zk.ensemble.servers;
  const ports = new Set(servers.flatMap((s) => [s.clientPort, s.peerPort, s.electionPort]));
  const ours = listening.filter((local) => ports.has(Number(local.slice(local.lastIndexOf(':') + 1))));
  for (const s of servers) {
    expect(ours).toContain(`127.0.0.1:${s.clientPort}`);
    expect(ours).toContain(`127.0.0.1:${s.electionPort}`);
  }
  // The leader's quorum port too; and nothing on a wildcard address.
  expect(ours.some((local) => servers.some((s) => local === `127.0.0.1:${s.peerPort}`))).toBe(true);
  expect(ours.filter((local) => !local.startsWith('127.0.0.1:'))).toEqual([]);
});
