/**
 * A crashed leader is replaced without waiting for its ZooKeeper session to expire: the standby next in
 * line holds a connection to the leader's advertised address and, when the process there is proven
 * gone (the port refuses connections), removes its election znode. Real sockets and a real ZooKeeper;
 * the "leader process" is a TCP server this test closes, while the leader's session stays alive, so
 * only the standby's removal can make it lead.
 */
import * as net from 'node:net';
import { createContender, ZooKeeperMasterContender } from '../../cluster/election';
import { watchProcess } from '../../cluster/election/process-liveness';
import type { MasterInfo } from '../../cluster/protocol/types';
import { startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';

let zk: TestZooKeeper | undefined;
const cleanup: (() => unknown)[] = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

afterAll(async () => {
  await zk?.stop();
});

/** A listening TCP server standing for a master's process; `kill()` closes it and every connection, as an exit does. */
async function fakeProcess(): Promise<{ port: number; connections: () => number; kill: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kill = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
  cleanup.push(() => (server.listening ? kill() : undefined));
  return { port: (server.address() as net.AddressInfo).port, connections: () => accepted, kill };
}

function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

function masterInfo(id: string, port: number): MasterInfo {
  return { id, ip: 16777343, port, pid: `master@127.0.0.1:${port}`, hostname: 'localhost', version: '1.11.0', address: { hostname: 'localhost', ip: '127.0.0.1', port } };
}

describe('watchProcess', () => {
  test('calls onGone once the process it held a connection to stops listening', async () => {
    const proc = await fakeProcess();
    let gone = 0;
    const watch = watchProcess('127.0.0.1', proc.port, () => gone++);
    cleanup.push(() => watch.stop());
    await until(() => proc.connections() === 1, 'the watch to connect');
    await proc.kill();
    await until(() => gone === 1, 'onGone');
  });

  test('a process that drops the idle connection but still listens is not gone', async () => {
    let gone = 0;
    let drops = 0;
    const server = net.createServer((s) => {
      drops++;
      s.destroy(); // accepts, then hangs up at once, every time
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const watch = watchProcess('127.0.0.1', (server.address() as net.AddressInfo).port, () => gone++, { retryMs: 50 });
    cleanup.push(() => watch.stop());
    await until(() => drops >= 6, 'several accepted-and-dropped connections');
    expect(gone).toBe(0);
  });

  test('a port that refused from the start (never seen listening) is never taken for a dead process', async () => {
    const proc = await fakeProcess();
    await proc.kill();
    let gone = 0;
    // Every attempt is a connect that is refused; count them to know the watch kept trying.
    // The module object itself (the import above is a copy of its bindings, which cannot be spied on).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const connect = jest.spyOn(require('node:net') as typeof net, 'connect');
    cleanup.push(() => connect.mockRestore());
    const watch = watchProcess('127.0.0.1', proc.port, () => gone++, { retryMs: 20 });
    cleanup.push(() => watch.stop());
    await until(() => connect.mock.calls.length >= 5, 'five refused attempts');
    expect(gone).toBe(0);
  });
});

describe('a standby replaces a crashed leader before its session expires', () => {
  beforeAll(async () => {
    zk = await startZooKeeper({ size: 1 });
  }, 60_000);

  test('the leader\'s process goes, its session lives on: the standby removes its znode and leads; the old leader learns it lost', async () => {
    const path = `/dead-leader-${process.pid}`;
    const leaderProcess = await fakeProcess();
    const standbyProcess = await fakeProcess();
    // Sessions far longer than the test: only the standby's removal of the znode can end the first leadership.
    const a = createContender(zk!.url(path), { sessionTimeoutMs: 60_000 }) as ZooKeeperMasterContender;
    const b = createContender(zk!.url(path), { sessionTimeoutMs: 60_000 }) as ZooKeeperMasterContender;
    cleanup.push(() => a.close(), () => b.close());
    await a.elect(masterInfo('a', leaderProcess.port));
    let lostReason: string | undefined;
    a.onLost((reason) => { lostReason = reason });
    let bLeads = false;
    const electB = b.elect(masterInfo('b', standbyProcess.port)).then(() => { bLeads = true });
    await until(() => leaderProcess.connections() === 1, 'the standby to hold a connection to the leader');
    expect(bLeads).toBe(false);

    await leaderProcess.kill();
    await electB;
    expect(bLeads).toBe(true);
    expect(b.isLeading).toBe(true);
    await until(() => lostReason !== undefined, 'the old leader to learn it lost');
    expect(lostReason).toMatch(/disappeared/);
    expect(a.isLeading).toBe(false);
  }, 30_000);
});
