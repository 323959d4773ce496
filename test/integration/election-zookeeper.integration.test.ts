/**
 * Leader election, detection and the registry store against a real 3-server ZooKeeper ensemble.
 * Every test uses its own election path, so sequences start at 0000000000 in each.
 */
import {
  createContender, createDetector, isZkError, ShardCache, ZkRegistryStore, ZkSession, ZooKeeperMasterContender, ZooKeeperMasterDetector,
  type MasterDetector,
} from '../../cluster/election';
import type { MasterInfo } from '../../cluster/protocol/types';
import { eventually } from '../helpers/http';
import { FreezableProxy, startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';

const SESSION_MS = 2000;
let zk: TestZooKeeper;
let cleanup: (() => Promise<unknown>)[] = [];
let pathCounter = 0;

function freshPath(): string {
  return `/mesos-${process.pid}-${++pathCounter}`;
}

function masterInfo(n: number): MasterInfo {
  const port = 5050 + n;
  return {
    id: `master-${n}`,
    ip: 16777343, // 127.0.0.1, little-endian as Mesos writes it
    port,
    pid: `master@127.0.0.1:${port}`,
    hostname: 'localhost',
    version: '1.11.0',
    address: { hostname: 'localhost', ip: '127.0.0.1', port },
  };
}

function contender(url: string, sessionTimeoutMs = SESSION_MS): ZooKeeperMasterContender {
  const c = createContender(url, { sessionTimeoutMs }) as ZooKeeperMasterContender;
  cleanup.push(() => c.close());
  return c;
}

function detector(url: string): MasterDetector {
  const d = createDetector(url, { sessionTimeoutMs: SESSION_MS });
  cleanup.push(() => d.close());
  return d;
}

function nextChange(d: MasterDetector, until: (leader: MasterInfo | undefined) => boolean, timeoutMs = 15_000): Promise<MasterInfo | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`detector did not see the expected leader within ${timeoutMs} ms (now ${d.leader?.id})`));
    }, timeoutMs);
    const off = d.onChange((leader) => {
      if (!until(leader)) return;
      clearTimeout(timer);
      off();
      resolve(leader);
    });
    if (until(d.leader)) {
      clearTimeout(timer);
      off();
      resolve(d.leader);
    }
  });
}

function settled<T>(p: Promise<T>): Promise<'resolved' | 'rejected' | 'pending'> {
  return Promise.race([
    p.then(() => 'resolved' as const, () => 'rejected' as const),
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 300)),
  ]);
}

async function withSession<T>(fn: (s: ZkSession) => Promise<T>): Promise<T> {
  const session = await ZkSession.connect(zk.connectString, { sessionTimeoutMs: SESSION_MS });
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

beforeAll(async () => {
  zk = await startZooKeeper({ size: 3 });
}, 60_000);

afterAll(async () => {
  await zk?.stop();
});

afterEach(async () => {
  await Promise.all(cleanup.map((fn) => fn().catch(() => undefined)));
  cleanup = [];
});

test('three contenders: the lowest sequence leads and its znode holds MasterInfo JSON in Mesos layout', async () => {
  const path = freshPath();
  const [a, b, c] = [contender(zk.url(path)), contender(zk.url(path)), contender(zk.url(path))];
  const electA = a.elect(masterInfo(1));
  await electA;
  const electB = b.elect(masterInfo(2));
  const electC = c.elect(masterInfo(3));
  expect(await settled(electB)).toBe('pending');
  expect(await settled(electC)).toBe('pending');

  await withSession(async (s) => {
    const children = (await s.getChildren(path)).sort();
    expect(children).toEqual(['json.info_0000000000', 'json.info_0000000001', 'json.info_0000000002']);
    const data = JSON.parse((await s.getData(`${path}/json.info_0000000000`)).data.toString('utf8'));
    expect(data).toEqual(masterInfo(1));
    expect(data.address).toEqual({ hostname: 'localhost', ip: '127.0.0.1', port: 5051 });
  });
  expect(a.memberPath).toBe(`${path}/json.info_0000000000`);
  expect(a.isLeading).toBe(true);
  expect(b.isLeading).toBe(false);
});

test('when the leader leaves, the next in line leads and detectors follow; a standby leaving changes nothing', async () => {
  const path = freshPath();
  const d1 = detector(zk.url(path));
  const d2 = detector(zk.url(path));
  const [a, b, c] = [contender(zk.url(path)), contender(zk.url(path)), contender(zk.url(path))];
  await a.elect(masterInfo(1));
  const electB = b.elect(masterInfo(2));
  const electC = c.elect(masterInfo(3));
  expect((await d1.awaitLeader(10_000)).id).toBe('master-1');
  expect((await d2.awaitLeader(10_000)).id).toBe('master-1');
  await settled(electB);

  // A standby (c) leaving must not wake anyone or change the leader.
  const cRejected = expect(electC).rejects.toThrow(/closed/);
  await c.close();
  await cRejected;
  expect(await settled(electB)).toBe('pending');

  const seen = nextChange(d1, (l) => l?.id === 'master-2');
  const started = Date.now();
  await a.close();
  await electB;
  const elected = Date.now() - started;
  await seen;
  const detected = Date.now() - started;
  expect(b.isLeading).toBe(true);
  expect((await nextChange(d2, (l) => l?.id === 'master-2'))?.address?.port).toBe(5052);
  console.log(`election after the leader left: new leader in ${elected} ms, detector saw it in ${detected} ms`);

  await b.close();
  await nextChange(d1, (l) => l === undefined);
  await expect(d1.awaitLeader(200)).rejects.toThrow(/no leading master found at zk:\/\/.* within 200 ms/);
});

test('a leader cut off from ZooKeeper past its session timeout fires onLost before anyone else leads', async () => {
  const path = freshPath();
  const server = zk.ensemble.servers[0];
  const proxy = await FreezableProxy.start(`${server.host}:${server.clientPort}`);
  cleanup.push(() => proxy.close());
  const a = contender(`zk://${proxy.address}${path}`);
  const b = contender(zk.url(path));
  const d = detector(zk.url(path));
  await a.elect(masterInfo(1));
  const lost = new Promise<{ reason: string; at: number }>((resolve) => a.onLost((reason) => resolve({ reason, at: Date.now() })));
  const bLeads = b.elect(masterInfo(2)).then(() => Date.now());
  expect((await d.awaitLeader(10_000)).id).toBe('master-1');

  const frozenAt = Date.now();
  proxy.freeze();
  const { reason, at: lostAt } = await lost;
  expect(reason).toMatch(/no answer from ZooKeeper|expired/);
  expect(a.isLeading).toBe(false);
  const bLeadAt = await bLeads;
  expect(lostAt).toBeLessThanOrEqual(bLeadAt);
  expect((await nextChange(d, (l) => l?.id === 'master-2'))?.id).toBe('master-2');
  console.log(`frozen leader: onLost after ${lostAt - frozenAt} ms, standby led after ${bLeadAt - frozenAt} ms (session ${SESSION_MS} ms)`);
  proxy.thaw();
});

test('a session whose server stays silent past the timeout reports lost, then expired once it can talk again', async () => {
  const server = zk.ensemble.servers[1];
  const proxy = await FreezableProxy.start(`${server.host}:${server.clientPort}`);
  cleanup.push(() => proxy.close());
  const session = await ZkSession.connect(proxy.address, { sessionTimeoutMs: SESSION_MS });
  cleanup.push(() => session.close());
  const lost = new Promise<string>((resolve) => session.once('lost', resolve));
  const expired = new Promise<void>((resolve) => session.once('expired', () => resolve()));
  proxy.freeze();
  await lost;
  // Leave the server time to expire the session (timeout plus a tick), then reconnect.
  await new Promise((resolve) => setTimeout(resolve, SESSION_MS + 1000));
  proxy.thaw();
  await expired;
  expect(session.isLost).toBe(true);
});

test('a detector keeps following the leader when the ZooKeeper server it uses is killed', async () => {
  const path = freshPath();
  const d = detector(zk.url(path)) as ZooKeeperMasterDetector;
  const a = contender(zk.url(path), 4000);
  const b = contender(zk.url(path), 4000);
  await a.elect(masterInfo(1));
  const electB = b.elect(masterInfo(2));
  expect((await d.awaitLeader(10_000)).id).toBe('master-1');
  // b must be in the election before a server dies: a join cut off midway is lost, and its daemon joins again.
  await eventually(() => b.memberPath, 'the standby to join the election', 10_000);

  const before = d.connectedTo;
  const index = zk.ensemble.servers.findIndex((s) => `${s.host}:${s.clientPort}` === before);
  expect(index).toBeGreaterThanOrEqual(0);

  await zk.stopServer(index);
  try {
    await a.close();
    await electB;
    expect((await nextChange(d, (l) => l?.id === 'master-2'))?.id).toBe('master-2');
    expect(d.connectedTo).not.toBe(before);
  } finally {
    await zk.startServer(index);
  }
});

test('a leader whose ZooKeeper server dies moves to another server and keeps leading', async () => {
  const path = freshPath();
  const a = contender(zk.url(path), 4000);
  const b = contender(zk.url(path), 4000);
  await a.elect(masterInfo(1));
  let lostReason: string | undefined;
  a.onLost((reason) => { lostReason = reason });
  const electB = b.elect(masterInfo(2));
  // Closed at the end of the test while still waiting: that rejection is expected.
  electB.catch(() => undefined);

  const before = a.zkSession!.server;
  const index = zk.ensemble.servers.findIndex((s) => `${s.host}:${s.clientPort}` === before);
  expect(index).toBeGreaterThanOrEqual(0);
  await zk.stopServer(index);
  try {
    // Prove the session survived: a write through it after the move, then check the election. The
    // session may not have seen its socket close yet: a write sent on it then fails with
    // CONNECTION_LOSS, which a client retries once the session has moved.
    for (let attempt = 1; ; attempt++) {
      await a.zkSession!.whenConnected();
      try {
        await a.zkSession!.setData(a.memberPath!, Buffer.from(JSON.stringify(masterInfo(1))));
        break;
      } catch (err) {
        if (!isZkError(err, 'CONNECTION_LOSS') || attempt >= 5) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(a.zkSession!.server).not.toBe(before);
    expect(lostReason).toBeUndefined();
    expect(a.isLeading).toBe(true);
    expect(await settled(electB)).toBe('pending');
  } finally {
    await zk.startServer(index);
  }
});

test('registry store: 10,000 agents round-trip, and a deposed leader cannot write', async () => {
  const path = freshPath();
  const a = contender(zk.url(path));
  await a.elect(masterInfo(1));
  const b = contender(zk.url(path));
  const electB = b.elect(masterInfo(2));

  // The old leader's store on a separate session, fenced on its election znode.
  const storeSession = await ZkSession.connect(zk.connectString, { sessionTimeoutMs: SESSION_MS });
  cleanup.push(() => storeSession.close());
  const storeA = new ZkRegistryStore(storeSession, path, { fence: a.memberPath, shards: { agents: 256, settings: 1 } });
  expect((await storeA.load()).size).toBe(0);

  const agent = (i: number) => ({
    id: { value: `agent-${i}` },
    hostname: `host-${i}.cluster.internal`,
    port: 5051,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 8 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32768 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ],
    attributes: [{ name: 'rack', type: 'TEXT', text: { value: `rack-${i % 40}` } }],
  });
  const writeStarted = Date.now();
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => storeA.save('agents', `agent-${i}`, agent(i))));
  const wrote = Date.now() - writeStarted;
  await storeA.save('settings', 'weights', { analytics: 2 });
  await Promise.all([storeA.save('agents', 'agent-7', undefined), storeA.save('agents', 'agent-8', { ...agent(8), port: 5999 })]);

  await withSession(async (s) => {
    expect((await s.getChildren(`${path}/registry/agents`)).length).toBe(256);
    expect(JSON.parse((await s.getData(`${path}/registry/agents`)).data.toString())).toEqual({ format: 1, shards: 256 });
  });

  // The leader goes; the standby leads and reads everything back through its own session.
  await a.close();
  await electB;
  const storeB = new ZkRegistryStore(b.zkSession!, path, { fence: b.memberPath });
  const loadStarted = Date.now();
  const snapshot = await storeB.load();
  const loaded = Date.now() - loadStarted;
  const agents = snapshot.get('agents')!;
  expect(agents.size).toBe(9_999);
  expect(agents.has('agent-7')).toBe(false);
  expect(agents.get('agent-8')).toEqual({ ...agent(8), port: 5999 });
  expect(agents.get('agent-9999')).toEqual(agent(9999));
  expect(snapshot.get('settings')).toEqual(new Map([['weights', { analytics: 2 }]]));
  console.log(`registry: 10,000 agents written in ${wrote} ms; load() of 9,999 agents took ${loaded} ms`);

  // The deposed leader's late write fails as a whole and changes nothing.
  await expect(storeA.save('agents', 'agent-1', { stale: true })).rejects.toMatchObject({ code: 'FENCED' });
  await expect(storeA.save('settings', 'weights', { stale: true })).rejects.toMatchObject({ code: 'FENCED' });
  await storeB.save('agents', 'agent-10000', agent(10_000));
  const again = await new ZkRegistryStore(b.zkSession!, path).load();
  expect(again.get('agents')!.get('agent-1')).toEqual(agent(1));
  expect(again.get('agents')!.get('agent-10000')).toEqual(agent(10_000));
  expect(again.get('settings')!.get('weights')).toEqual({ analytics: 2 });
}, 60_000);

test('registry store: a shard cache filled ahead of time is read again only where a shard changed', async () => {
  const path = freshPath();
  await withSession(async (writer) => {
    const store = new ZkRegistryStore(writer, path, { shards: { agents: 16 } });
    await store.load();
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.save('agents', `agent-${i}`, { n: i })));

    const cache = new ShardCache();
    const reader = await ZkSession.connect(zk.connectString, { sessionTimeoutMs: SESSION_MS });
    cleanup.push(() => reader.close());
    // A standby reads ahead without writing.
    const first = await new ZkRegistryStore(reader, path, { cache, readOnly: true }).load();
    expect(first.get('agents')?.size).toBe(200);
    expect(cache.byPath.size).toBe(16);

    await store.save('agents', 'agent-7', { n: 'changed' });
    await store.save('agents', 'agent-new', { n: 'new' });
    const reads = jest.spyOn(reader, 'getData');
    // The elected master's store (it writes) uses the cache for its one load, then empties it.
    const second = await new ZkRegistryStore(reader, path, { cache }).load();
    expect(cache.byPath.size).toBe(0);
    const shardReads = reads.mock.calls.map(([p]) => p).filter((p) => /shard-\d+$/.test(p));
    reads.mockRestore();
    // At most the two shards written since; every other shard came from the cache.
    expect(shardReads.length).toBeGreaterThan(0);
    expect(shardReads.length).toBeLessThanOrEqual(2);
    const agents = second.get('agents')!;
    expect(agents.size).toBe(201);
    expect(agents.get('agent-7')).toEqual({ n: 'changed' });
    expect(agents.get('agent-new')).toEqual({ n: 'new' });
    expect(agents.get('agent-100')).toEqual({ n: 100 });
  });
});
