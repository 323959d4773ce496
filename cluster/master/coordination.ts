/** What a master started with --zk uses in ZooKeeper: its candidacy, the leader's whereabouts, the registry. */
import type { MasterContender, MasterDetector } from '../election/types';
import type { Logger } from '../util/log';
import type { RegistryStore } from './replicated-registry';

export interface Coordination {
  contender: MasterContender;
  detector: MasterDetector;
  store: RegistryStore;
  close(): Promise<void>;
}

export function createCoordination(_zk: string, _sessionTimeoutSeconds: number, _log: Logger): Coordination {
  throw new Error('ZooKeeper coordination is being wired');
}
