/**
 * A real ZooKeeper ensemble for one test file: Debian's zookeeper package run as plain java
 * processes on free loopback ports, stopped by PID afterwards. Without ZooKeeper installed the
 * start fails with the command that installs it.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../infra/machine/ports';
import {
  startLocalEnsemble, startLocalServer, stopLocalEnsemble, stopLocalServer, type LocalEnsemble,
} from '../../infra/zookeeper';

export interface TestZooKeeper {
  /** "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3" */
  connectString: string;
  ensemble: LocalEnsemble;
  /** zk://<connectString><path>; a fresh path per test keeps tests apart. */
  url(path: string): string;
  /** Kills server i (0-based) at once, as a crash would. */
  stopServer(i: number): Promise<void>;
  /** Starts server i (0-based) again and waits until it serves. */
  startServer(i: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startZooKeeper(opts: { size?: number; tickTimeMs?: number } = {}): Promise<TestZooKeeper> {
  const size = opts.size ?? 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-zk-'));
  const taken = new Set<number>();
  const port = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ client: await port(), peer: await port(), election: await port() });
  // A short tick lets tests ask for 1-4 s sessions and makes the quorum form quickly.
  const ensemble = await startLocalEnsemble({ dir, size, ports, tickTimeMs: opts.tickTimeMs ?? 200, heapMb: 128 });
  return {
    connectString: ensemble.connectString,
    ensemble,
    url: (p) => `zk://${ensemble.connectString}${p.startsWith('/') ? p : `/${p}`}`,
    stopServer: (i) => stopLocalServer(ensemble, ensemble.servers[i].id, 0),
    startServer: (i) => startLocalServer(ensemble, ensemble.servers[i].id),
    stop: async () => {
      await stopLocalEnsemble(ensemble, 0);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP relay that can go silent without closing anything, as a frozen server or a network that
 * drops packets does: freeze() stops forwarding in both directions and holds new connections;
 * thaw() resumes (data sent meanwhile is delivered then).
 */
export class FreezableProxy {
  private readonly sockets = new Set<net.Socket>();
  private held: net.Socket[] = [];
  private frozen = false;

  private constructor(private readonly server: net.Server, private readonly target: { host: string; port: number }) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: string): Promise<FreezableProxy> {
    const [host, port] = target.split(':');
    const server = net.createServer({ pauseOnConnect: true });
    const proxy = new FreezableProxy(server, { host, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** "127.0.0.1:port" to put in a connect string. */
  get address(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.sockets) socket.resume();
    for (const client of this.held.splice(0)) if (!client.destroyed) this.pipe(client);
  }

  async close(): Promise<void> {
    for (const socket of [...this.sockets, ...this.held]) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.frozen) this.held.push(client);
    else this.pipe(client);
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    upstream.on('error', () => undefined);
    for (const [socket, peer] of [[client, upstream], [upstream, client]] as const) {
      this.sockets.add(socket);
      socket.on('data', (chunk) => peer.write(chunk));
      socket.once('close', () => {
        this.sockets.delete(socket);
        peer.destroy();
      });
    }
    client.resume();
  }
}
