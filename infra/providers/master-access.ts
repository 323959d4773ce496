/**
 * Reaching a cluster's leading master from the operator's machine: directly when its address
 * answers, otherwise through an SSH tunnel (a local port forwarded over the master host's SSH
 * connection), which is what a cluster on private addresses behind a bastion needs.
 */
import * as net from 'node:net';
import { OperatorClient } from '../../cluster/client/operator';
import type { OperatorAgent } from '../../cluster/protocol/operator';
import type { SshConnection } from '../bootstrap/ssh';

export interface MasterAccess {
  /** Base URL that reaches the leader now. */
  url: string;
  via: 'direct' | 'tunnel';
  /** The leader's own address (host:port). */
  leader: string;
  close(): Promise<void>;
}

export interface MasterEndpoint { host: string; address: string; port: number }

const PROBE_MS = 2000;

async function answersAsLeader(url: string): Promise<boolean> {
  const operator = new OperatorClient(url, { timeoutMs: PROBE_MS });
  try {
    await operator.getAgents();
    return true;
  } catch {
    return false;
  } finally {
    operator.close();
  }
}

/** A local port whose connections are forwarded to host:port as seen from `conn`'s host. */
export async function openTunnel(conn: SshConnection, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    conn.forwardOut(host, port).then(
      (stream) => {
        socket.pipe(stream).pipe(socket);
        stream.on('error', () => socket.destroy());
        socket.on('error', () => stream.destroy());
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Waits until some master leads and is reachable, directly or by tunnel; `timeoutMs` bounds the wait. */
export async function reachLeader(masters: MasterEndpoint[], conns: Map<string, SshConnection>, timeoutMs: number): Promise<MasterAccess> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const m of masters) {
      const url = `http://${m.address}:${m.port}`;
      if (await answersAsLeader(url)) return { url, via: 'direct', leader: `${m.address}:${m.port}`, close: async () => undefined };
    }
    for (const m of masters) {
      const conn = conns.get(m.host);
      if (!conn) continue;
      const tunnel = await openTunnel(conn, '127.0.0.1', m.port).catch(() => undefined);
      if (!tunnel) continue;
      const url = `http://127.0.0.1:${tunnel.port}`;
      if (await answersAsLeader(url)) return { url, via: 'tunnel', leader: `${m.address}:${m.port}`, close: tunnel.close };
      await tunnel.close();
    }
    if (Date.now() > deadline) throw new Error(`no master answered as leader within ${Math.round(timeoutMs / 1000)} s (tried ${masters.map((m) => `${m.address}:${m.port}`).join(', ')}, directly and through SSH)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Registered agents by the hostname they registered with (the launcher sets it to the host's address). */
export async function registeredAgents(url: string): Promise<Map<string, OperatorAgent>> {
  const operator = new OperatorClient(url, { timeoutMs: 5000 });
  try {
    const { agents } = await operator.getAgents();
    return new Map(agents.map((a) => [a.agent_info.hostname, a]));
  } finally {
    operator.close();
  }
}

/**
 * Waits until every address in `addresses` has an agent registered (and active); `onCount` hears
 * each change of the count.
 */
export async function waitForAgents(url: string, addresses: string[], timeoutMs: number, onCount: (registered: number) => void): Promise<Map<string, OperatorAgent>> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const agents = await registeredAgents(url).catch(() => new Map<string, OperatorAgent>());
    const count = addresses.filter((a) => agents.get(a)?.active === true).length;
    if (count !== last) onCount((last = count));
    if (count === addresses.length) return agents;
    if (Date.now() > deadline) {
      const missing = addresses.filter((a) => !agents.has(a));
      throw new Error(`not every agent registered within ${Math.round(timeoutMs / 1000)} s; missing: ${missing.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
