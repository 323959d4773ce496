/**
 * Where the leading master is, for every client: a plain address names it once and for all; a
 * zk://.../mesos address is followed through ZooKeeper, so clients move with leader changes.
 */
import { isZooKeeperUrl, parseZooKeeperUrl } from '../election/zookeeper-url';
import { leaderBaseUrl, type MasterDetector } from '../election/types';
import { parseMasterAddress } from './address';

export interface MasterLocator {
  /** The leading master's base URL ("http://ip:port"), waiting up to timeoutMs for one to exist. */
  leaderUrl(timeoutMs?: number): Promise<string>;
  /** True when the leader can change under us (ZooKeeper). */
  readonly follows: boolean;
  /** The address as given, for messages. */
  readonly address: string;
  close(): Promise<void>;
}

export const LEADER_WAIT_MS = 15_000;

export function locateMaster(address: string): MasterLocator {
  if (isZooKeeperUrl(address)) return new ZooKeeperLocator(address);
  const { baseUrl } = parseMasterAddress(address);
  return { follows: false, address, leaderUrl: async () => baseUrl, close: async () => undefined };
}

class ZooKeeperLocator implements MasterLocator {
  readonly follows = true;
  private detector?: MasterDetector;

  constructor(readonly address: string) {
    // Parse now so a bad URL is reported where it was given, not on first use.
    parseZooKeeperUrl(address);
  }

  async leaderUrl(timeoutMs = LEADER_WAIT_MS): Promise<string> {
    const { ZooKeeperMasterDetector } = await import('../election/detector');
    const detector = this.detector ?? new ZooKeeperMasterDetector(parseZooKeeperUrl(this.address));
    this.detector = detector;
    return leaderBaseUrl(await detector.awaitLeader(timeoutMs));
  }

  async close(): Promise<void> {
    const detector = this.detector;
    this.detector = undefined;
    await detector?.close();
  }
}
