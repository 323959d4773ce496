/**
 * ZooKeeper ensemble configuration as text: zoo.cfg per server and its myid file. Pure, so the
 * same output serves local processes and machines provisioned over SSH.
 */

export interface ZkServerSpec {
  /** 1-255, unique in the ensemble; written to <dataDir>/myid. */
  id: number;
  host: string;
  clientPort: number;
  /** Followers talk to the leader on this port. */
  peerPort: number;
  /** Leader election runs on this port. */
  electionPort: number;
}

export interface ZkConfigOptions {
  /** The base time unit in ms; sessions may last 2..maxSessionTimeout. Default 2000, as ZooKeeper. */
  tickTimeMs?: number;
  /** Ticks a follower may take to connect and sync to a leader. Default 10. */
  initLimit?: number;
  /** Ticks a follower may lag behind the leader. Default 5. */
  syncLimit?: number;
  /** Upper bound the server grants a client's requested session timeout. Default 60 s. */
  maxSessionTimeoutMs?: number;
}

export class ZkConfigError extends Error {
  readonly code = 'BAD_ZOOKEEPER_CONFIG';
}

export function validateEnsemble(servers: readonly ZkServerSpec[]): void {
  if (servers.length < 1) throw new ZkConfigError('a ZooKeeper ensemble needs at least 1 server, got 0');
  const ids = new Set<number>();
  const endpoints = new Set<string>();
  for (const s of servers) {
    if (!Number.isInteger(s.id) || s.id < 1 || s.id > 255) throw new ZkConfigError(`ZooKeeper server id must be 1-255, got ${s.id}`);
    if (ids.has(s.id)) throw new ZkConfigError(`ZooKeeper server id ${s.id} is used twice`);
    ids.add(s.id);
    if (!/^[A-Za-z0-9.-]+$/.test(s.host)) throw new ZkConfigError(`ZooKeeper server ${s.id} has an invalid host '${s.host}'`);
    for (const [name, port] of [['clientPort', s.clientPort], ['peerPort', s.peerPort], ['electionPort', s.electionPort]] as const) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new ZkConfigError(`ZooKeeper server ${s.id} ${name} must be 1-65535, got ${port}`);
      }
      const endpoint = `${s.host}:${port}`;
      if (endpoints.has(endpoint)) throw new ZkConfigError(`ZooKeeper server ${s.id} ${name} ${endpoint} is already used by another port`);
      endpoints.add(endpoint);
    }
  }
}

/**
 * zoo.cfg for server `self` of `servers`. A single server runs standalone (no server.N lines);
 * more run as a quorum. Every server listens on its own address only (`host`, the address its
 * peers and clients reach it at: 127.0.0.1 on this machine, the host's cluster address on SSH
 * hosts), clients and peers alike: clientPortAddress for clients, and with quorumListenOnAllIPs
 * off the quorum and election ports bind the address of its own server.N line. Four-letter words
 * are limited to health checks; the admin HTTP server is off (it would take port 8080).
 */
export function zooConfig(self: ZkServerSpec, servers: readonly ZkServerSpec[], dataDir: string, opts: ZkConfigOptions = {}): string {
  return configText(self, servers, dataDir, opts, [`clientPortAddress=${self.host}`, 'quorumListenOnAllIPs=false']);
}

function configText(self: ZkServerSpec, servers: readonly ZkServerSpec[], dataDir: string, opts: ZkConfigOptions, listen: string[]): string {
  validateEnsemble(servers);
  if (!servers.some((s) => s.id === self.id)) throw new ZkConfigError(`ZooKeeper server ${self.id} is not part of the ensemble`);
  const tickTime = opts.tickTimeMs ?? 2000;
  if (!Number.isInteger(tickTime) || tickTime < 10) throw new ZkConfigError(`ZooKeeper tickTime must be an integer of at least 10 ms, got ${tickTime}`);
  const lines = [
    `# ZooKeeper server ${self.id} of ${servers.length}`,
    `tickTime=${tickTime}`,
    `initLimit=${opts.initLimit ?? 10}`,
    `syncLimit=${opts.syncLimit ?? 5}`,
    `dataDir=${dataDir}`,
    `clientPort=${self.clientPort}`,
    ...listen,
    `maxSessionTimeout=${opts.maxSessionTimeoutMs ?? 60_000}`,
    `4lw.commands.whitelist=ruok,stat,srvr,mntr`,
    `admin.enableServer=false`,
    `autopurge.snapRetainCount=3`,
    `autopurge.purgeInterval=1`,
  ];
  if (servers.length > 1) {
    for (const s of [...servers].sort((a, b) => a.id - b.id)) lines.push(`server.${s.id}=${s.host}:${s.peerPort}:${s.electionPort}`);
  }
  return lines.join('\n') + '\n';
}

/** The content of <dataDir>/myid. */
export function myidFile(id: number): string {
  return `${id}\n`;
}

/** "host:port,host:port" for clients. */
export function connectString(servers: readonly ZkServerSpec[]): string {
  return servers.map((s) => `${s.host}:${s.clientPort}`).join(',');
}

/** Servers 1..size on one host, with consecutive port triples from the given bases. */
export function localEnsembleSpec(
  size: number,
  host: string,
  ports: { client: number; peer: number; election: number }[],
): ZkServerSpec[] {
  if (!Number.isInteger(size) || size < 1) throw new ZkConfigError(`ZooKeeper ensemble size must be at least 1, got ${size}`);
  if (ports.length !== size) throw new ZkConfigError(`ZooKeeper ensemble of ${size} needs ${size} port triples, got ${ports.length}`);
  const servers = ports.map((p, i) => ({ id: i + 1, host, clientPort: p.client, peerPort: p.peer, electionPort: p.election }));
  validateEnsemble(servers);
  return servers;
}
