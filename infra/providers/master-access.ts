/**
 * Reaching a cluster's leading master from the operator's machine: directly when its address
 * answers, otherwise through an SSH tunnel (a local port forwarded over the master host's SSH
 * connection), which is what a cluster on private addresses behind a bastion needs.
 */
import * as net from 'node:net';
import { OperatorClient } from '../../cluster/client/operator';
import type { ClusterAccess } from '../../cluster/client/http';
import { schemeFor, type ClientTls } from '../../cluster/client/tls';
import type { OperatorAgent } from '../../cluster/protocol/operator';
import type { Credential } from '../../cluster/client/credential';
import type { SshConnection } from '../bootstrap/ssh';
import { ProviderError } from '../errors';

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

async function answersAsLeader(url: string, access: ClusterAccess): Promise<boolean> {
  const operator = new OperatorClient(url, { timeoutMs: PROBE_MS, ...access });
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

/**
 * Waits until some master leads and is reachable, directly or by tunnel; `timeoutMs` bounds the wait.
 * `access`: the cluster's CA, the operator's certificate and credential (https:// with a CA).
 */
export async function reachLeader(masters: MasterEndpoint[], conns: Map<string, SshConnection>, timeoutMs: number, access: ClusterAccess = {}): Promise<MasterAccess> {
  const deadline = Date.now() + timeoutMs;
  const scheme = schemeFor(access.tls);
  for (;;) {
    for (const m of masters) {
      const url = `${scheme}://${m.address}:${m.port}`;
      if (await answersAsLeader(url, access)) return { url, via: 'direct', leader: `${m.address}:${m.port}`, close: async () => undefined };
    }
    for (const m of masters) {
      const conn = conns.get(m.host);
      if (!conn) continue;
      // To the address the master listens on, from its own host; its certificate names 127.0.0.1 too.
      const tunnel = await openTunnel(conn, m.address, m.port).catch(() => undefined);
      if (!tunnel) continue;
      const url = `${scheme}://127.0.0.1:${tunnel.port}`;
      if (await answersAsLeader(url, access)) return { url, via: 'tunnel', leader: `${m.address}:${m.port}`, close: tunnel.close };
      await tunnel.close();
    }
    if (Date.now() > deadline) throw new Error(`no master answered as leader within ${Math.round(timeoutMs / 1000)} s (tried ${masters.map((m) => `${m.address}:${m.port}`).join(', ')}, directly and through SSH)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Registered agents by the hostname they registered with (the launcher sets it to the host's address). */
export async function registeredAgents(url: string, access: ClusterAccess = {}): Promise<Map<string, OperatorAgent>> {
  const operator = new OperatorClient(url, { timeoutMs: 5000, ...access });
  try {
    const { agents } = await operator.getAgents();
    return new Map(agents.map((a) => [a.agent_info.hostname, a]));
  } finally {
    operator.close();
  }
}

export interface AgentWait {
  timeoutMs: number;
  /** The key of a registered agent, as `keys` name them (its hostname, or its port). */
  keyOf(agent: OperatorAgent): string;
  /** Whether a registered agent counts as up; default: it is active. */
  isUp?(agent: OperatorAgent): boolean;
  /** Hears each change of the count. */
  onCount(registered: number): void;
  /** Between rounds, while some are missing: throws to give up early (an agent died, the operator interrupted). */
  check?(registered: number): void;
  /** The error when time is up, given the keys of those not registered. */
  timeoutError(missing: string[]): Error;
  /** Per request to the master; default 5 s. */
  requestTimeoutMs?: number;
  /** The cluster's CA and the operator's certificate, when the cluster uses TLS. */
  tls?: ClientTls;
  /** What the master wants on a cluster with authentication. */
  credential?: Credential;
}

/** Waits until an agent is up for each of `keys`; returns every registered agent by key. */
export async function waitForAgents(url: string, keys: readonly string[], wait: AgentWait): Promise<Map<string, OperatorAgent>> {
  const operator = new OperatorClient(url, { timeoutMs: wait.requestTimeoutMs ?? 5000, tls: wait.tls, credential: wait.credential });
  const isUp = wait.isUp ?? ((a: OperatorAgent) => a.active === true);
  const deadline = Date.now() + wait.timeoutMs;
  let last = -1;
  try {
    for (;;) {
      const registered = await operator.getAgents().then((r) => r.agents, () => [] as OperatorAgent[]);
      const agents = new Map(registered.map((a) => [wait.keyOf(a), a]));
      const count = keys.filter((k) => {
        const agent = agents.get(k);
        return agent !== undefined && isUp(agent);
      }).length;
      if (count !== last) wait.onCount((last = count));
      if (count === keys.length) return agents;
      wait.check?.(count);
      if (Date.now() > deadline) throw wait.timeoutError(keys.filter((k) => !agents.has(k)));
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    operator.close();
  }
}

/**
 * Drains the agents of `hosts` (keyed by their address): their tasks are killed with their grace
 * period and the agents marked gone; returns once none of them is draining or active any more.
 */
export async function drainAgents(url: string, access: ClusterAccess, hosts: { host: string; address: string }[], progress: { step(host: string, what: string): void },
  timeoutMs: number): Promise<void> {
  const operator = new OperatorClient(url, { timeoutMs: 10_000, ...access });
  try {
    const agents = await registeredAgents(url, access);
    for (const h of hosts) {
      const id = agents.get(h.address)?.agent_info.id?.value;
      if (!id) continue;
      progress.step(h.host, 'draining agent');
      await operator.drainAgent(id, { markGone: true });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await registeredAgents(url, access);
      const busy = hosts.filter((h) => {
        const a = now.get(h.address);
        return a && (a.drain_info?.state === 'DRAINING' || (a.drain_info === undefined && a.active));
      });
      if (busy.length === 0) return;
      if (Date.now() > deadline) throw new ProviderError('DRAIN_TIMEOUT', `agents on ${busy.map((h) => h.host).join(', ')} did not drain within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    operator.close();
  }
}
