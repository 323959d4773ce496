/**
 * Leader election and detection, as Mesos splits them: a master *contends* for leadership; agents,
 * schedulers and the CLI *detect* the current leader. ZooKeeper backs both when the master address is
 * zk://...; a plain host:port is a standalone "election" whose leader never changes.
 */
import type { MasterInfo } from '../protocol/types';

export interface MasterContender {
  /**
   * Enters the election with this master's MasterInfo (written as the znode's JSON data). Resolves
   * once this master leads; rejects if the contender is closed first.
   */
  elect(info: MasterInfo): Promise<void>;
  /**
   * Called once if leadership (or the chance of it) is lost: ZooKeeper session expired or
   * connection lost longer than the session timeout. The master must stop acting at once.
   */
  onLost(fn: (reason: string) => void): void;
  /** Leaves the election (deletes our znode) and closes the session. */
  close(): Promise<void>;
}

export interface MasterDetector {
  /** The leader as last seen; undefined while there is none (or before the first look). */
  readonly leader: MasterInfo | undefined;
  /** Called on every change of leader (undefined = no leader right now). Returns an unsubscribe. */
  onChange(fn: (leader: MasterInfo | undefined) => void): () => void;
  /** Resolves with the current leader, waiting up to timeoutMs for one to exist. */
  awaitLeader(timeoutMs: number): Promise<MasterInfo>;
  close(): Promise<void>;
}

/** Where the coordination lives: zk://host1:2181,host2:2181/mesos. */
export interface ZooKeeperUrl {
  /** "host1:2181,host2:2181" as ZooKeeper clients take it. */
  connectString: string;
  /** The chroot-like path under which the election znodes live, e.g. "/mesos". */
  path: string;
  servers: { host: string; port: number }[];
  /** The masters' digest credential, from zk://user:password@...; never logged or shown. */
  digest?: { user: string; password: string };
}

/**
 * The base URL a client should talk to for a leader ("http://ip:port"). MasterInfo has no scheme (as
 * in Mesos): the caller knows from its configuration whether the cluster uses TLS.
 */
export function leaderBaseUrl(info: MasterInfo, scheme: 'http' | 'https' = 'http'): string {
  const { host, port } = masterEndpoint(info);
  return `${scheme}://${host}:${port}`;
}

/** Where a master listens, from its MasterInfo: the address Mesos fills in, else the older fields. */
export function masterEndpoint(info: MasterInfo): { host: string; port: number } {
  return { host: info.address?.ip ?? info.hostname ?? '127.0.0.1', port: info.address?.port ?? info.port };
}
