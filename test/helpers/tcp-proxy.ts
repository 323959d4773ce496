/**
 * A TCP proxy on loopback that can cut the network between a client and a server, for tests of
 * partitions: `partition()` breaks every open connection (both peers see it close) and holds new ones
 * unanswered until `heal()`, which lets them through as if the network had come back.
 */
import * as net from 'node:net';

export class TcpProxy {
  private readonly open = new Set<net.Socket>();
  private held: net.Socket[] = [];
  private partitioned = false;

  private constructor(private readonly server: net.Server, private readonly target: { host: string; port: number }) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on an ephemeral loopback port in front of `targetUrl` (http://host:port). */
  static async start(targetUrl: string): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const server = net.createServer({ pauseOnConnect: true });
    const proxy = new TcpProxy(server, { host: url.hostname, port: Number(url.port) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    const address = this.server.address() as net.AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Breaks every connection through the proxy; new ones wait until heal(). */
  partition(): void {
    this.partitioned = true;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  heal(): void {
    this.partitioned = false;
    for (const client of this.held.splice(0)) if (!client.destroyed) this.pipe(client);
  }

  async close(): Promise<void> {
    for (const socket of [...this.open, ...this.held]) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.partitioned) {
      this.held.push(client);
      client.once('close', () => { this.held = this.held.filter((s) => s !== client) });
      return;
    }
    this.pipe(client);
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    upstream.on('error', () => undefined);
    for (const [socket, peer] of [[client, upstream], [upstream, client]] as const) {
      this.open.add(socket);
      socket.once('close', () => {
        this.open.delete(socket);
        peer.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
