/**
 * Factories that choose ZooKeeper or standalone election from what the user passed, as Mesos's
 * --master and --zk flags do.
 */
import { ZooKeeperMasterContender, type ZooKeeperContenderOptions } from './contender';
import { ZooKeeperMasterDetector, type ZooKeeperDetectorOptions } from './detector';
import { StandaloneMasterContender, StandaloneMasterDetector } from './standalone';
import type { MasterContender, MasterDetector, ZooKeeperUrl } from './types';
import { isZooKeeperUrl, parseZooKeeperUrl } from './zookeeper-url';

export type { MasterContender, MasterDetector, ZooKeeperUrl } from './types';
export { leaderBaseUrl } from './types';
export { ZooKeeperMasterContender, type ZooKeeperContenderOptions } from './contender';
export { ZooKeeperMasterDetector, type ZooKeeperDetectorOptions } from './detector';
export { StandaloneMasterContender, StandaloneMasterDetector, masterInfoFromAddress } from './standalone';
export { ZkRegistryStore, ShardCache, DEFAULT_SHARDS, type RegistrySnapshot, type ZkRegistryStoreOptions } from './zk-store';
export { RegistryError } from './registry-shards';
export { ZkSession, ZkError, isZkError, DEFAULT_SESSION_TIMEOUT_MS, type ZkSessionOptions } from './zk-session';
export { isZooKeeperUrl, parseZooKeeperUrl, formatZooKeeperUrl, ZooKeeperUrlError } from './zookeeper-url';

/**
 * A detector for `master`: zk://... follows the election there; anything else is a fixed
 * host:port (throws MasterAddressError or ZooKeeperUrlError on a malformed value).
 */
export function createDetector(master: string, opts: ZooKeeperDetectorOptions = {}): MasterDetector {
  return isZooKeeperUrl(master) ? new ZooKeeperMasterDetector(parseZooKeeperUrl(master), opts) : new StandaloneMasterDetector(master);
}

/** A contender in the election at `zkUrl`; without one the master leads alone. */
export function createContender(zkUrl: string | ZooKeeperUrl | undefined, opts: ZooKeeperContenderOptions = {}): MasterContender {
  if (zkUrl === undefined || zkUrl === '') return new StandaloneMasterContender();
  return new ZooKeeperMasterContender(typeof zkUrl === 'string' ? parseZooKeeperUrl(zkUrl) : zkUrl, opts);
}
