/**
 * The election without ZooKeeper: a master given as host:port is the leader and stays so, and a
 * master started without --zk leads as soon as it asks.
 */
import { parseMasterAddress } from '../protocol/master-address';
import type { MasterInfo } from '../protocol/types';
import { ipv4ToMesosIp } from './election-znodes';
import type { MasterContender, MasterDetector } from './types';

/** The MasterInfo a client can derive from a bare address (the id is unknown: "host:port"). */
export function masterInfoFromAddress(text: string): MasterInfo {
  const address = parseMasterAddress(text);
  const ip = ipv4ToMesosIp(address.host);
  return {
    id: `${address.host}:${address.port}`,
    ip,
    port: address.port,
    hostname: address.host,
    address: ip !== 0 ? { hostname: address.host, ip: address.host, port: address.port } : { hostname: address.host, port: address.port },
  };
}

export class StandaloneMasterDetector implements MasterDetector {
  readonly leader: MasterInfo;

  /** `master` is "host:port" or "http://host:port" (see parseMasterAddress); throws on a bad one. */
  constructor(master: string | MasterInfo) {
    this.leader = typeof master === 'string' ? masterInfoFromAddress(master) : master;
  }

  onChange(): () => void {
    return () => undefined;
  }

  awaitLeader(): Promise<MasterInfo> {
    return Promise.resolve(this.leader);
  }

  async close(): Promise<void> {
    // Nothing to release.
  }
}

export class StandaloneMasterContender implements MasterContender {
  private closed = false;

  async elect(): Promise<void> {
    if (this.closed) throw new Error('contender is closed');
  }

  /** A standalone master cannot lose leadership. */
  onLost(): void {
    // Never fires.
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
