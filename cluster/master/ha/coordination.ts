/** What a master started with --zk uses in ZooKeeper: its candidacy, the leader's whereabouts, the registry. */
import { ZooKeeperMasterContender } from '../../election/contender';
import { ZooKeeperMasterDetector } from '../../election/detector';
import type { MasterContender, MasterDetector } from '../../election/types';
import { ShardCache, ZkRegistryStore } from '../../election/zk-store';
import { parseZooKeeperUrl } from '../../election/zookeeper-url';
import type { Logger } from '../../util/log';
import type { RegistryStore } from './replicated-registry';

export interface Coordination {
  readonly contender: MasterContender;
  /**
   * A standby whose session was lost (it never acted) joins the election again with a new session:
   * the old contender is closed and a new one takes its place.
   */
  renewContender(): MasterContender;
  detector: MasterDetector;
  /**
   * The registry, once elected: it shares the contender's session (so it reads what earlier leaders
   * wrote through the server that elected us) and is fenced on our election znode (so a write made
   * after we were deposed fails instead of overwriting the new leader's).
   */
  registryStore(): RegistryStore;
  /**
   * A standby reads the registry ahead of its election, so that once elected it reads again only
   * the shards written since (see ShardCache). Resolves false when there is no session to read with.
   */
  prefetchRegistry(): Promise<boolean>;
  close(): Promise<void>;
}

export function createCoordination(zk: string, sessionTimeoutSeconds: number, log: Logger): Coordination {
  const url = parseZooKeeperUrl(zk);
  const sessionTimeoutMs = sessionTimeoutSeconds * 1000;
  let contender = new ZooKeeperMasterContender(url, { sessionTimeoutMs, logger: log });
  const detector = new ZooKeeperMasterDetector(url, { sessionTimeoutMs, logger: log });
  const cache = new ShardCache();
  const shards = { agents: 256 };
  return {
    get contender() { return contender },
    renewContender() {
      void contender.close();
      contender = new ZooKeeperMasterContender(url, { sessionTimeoutMs, logger: log });
      return contender;
    },
    detector,
    registryStore() {
      const session = contender.zkSession;
      if (!session || !contender.memberPath) throw new Error('the registry is only available to an elected master');
      return new ZkRegistryStore(session, url.path, { fence: contender.memberPath, logger: log, shards, cache });
    },
    async prefetchRegistry() {
      const session = contender.zkSession;
      if (!session || session.isLost) return false;
      await new ZkRegistryStore(session, url.path, { logger: log, shards, cache, readOnly: true }).load();
      return true;
    },
    async close() {
      await Promise.allSettled([contender.close(), detector.close()]);
    },
  };
}
