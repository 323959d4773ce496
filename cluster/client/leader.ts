/**
 * Where the leading master is, for every client: a plain address names it once and for all; a
 * zk://.../mesos address is followed through ZooKeeper, so clients move with leader changes.
 */
import { isZooKeeperUrl, parseZooKeeperUrl } from '../election/zookeeper-url';
import { leaderBaseUrl, type MasterDetector } from '../election/types';
import { parseMasterAddress } from './address';
import { HttpClient, type ClusterAccess } from './http';
import { OPERATOR_PATH } from './operator';
import { schemeFor } from './tls';

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

/**
 * Whether the master there acts as leader: its operator API answers GET_HEALTH itself (a dead one
 * refuses the connection; one still taking over answers 503, a standby 307).
 */
async function leads(url: string, access: ClusterAccess): Promise<boolean> {
  const client = new HttpClient(url, access);
  try {
    // open(), not request(): a standby's 307 is the answer here, not a hop to follow.
    const res = await client.open('POST', OPERATOR_PATH, { body: { type: 'GET_HEALTH' }, timeoutMs: 2000 }).response;
    res.resume();
    return res.statusCode === 200;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

function nextChange(detector: MasterDetector, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const off = detector.onChange(done);
    function done() {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
}

/** With `access.tls`, leaders found in ZooKeeper and a bare host:port are reached over https; `access.credential` is what asking a master whether it leads needs on a cluster with authentication. */
export function locateMaster(address: string, access: ClusterAccess = {}): MasterLocator {
  if (isZooKeeperUrl(address)) return new ZooKeeperLocator(address, access);
  if (address.includes(',')) return listLocator(address, access);
  const { baseUrl } = parseMasterAddress(address, schemeFor(access.tls));
  return { follows: false, address, leaderUrl: async () => baseUrl, close: async () => undefined };
}

/**
 * "https://a:5050,https://b:5050": every master of a cluster whose ZooKeeper the operator cannot
 * reach (an EC2 cluster lets only the cluster itself into ZooKeeper); the one that leads now is
 * asked each time, so a client moves with leader changes without ZooKeeper.
 */
function listLocator(address: string, access: ClusterAccess): MasterLocator {
  const urls = address.split(',').map((a) => a.trim()).filter(Boolean).map((a) => parseMasterAddress(a, schemeFor(access.tls)).baseUrl);
  return {
    follows: true,
    address,
    async leaderUrl(timeoutMs = LEADER_WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const answers = await Promise.all(urls.map((url) => leads(url, access)));
        const leader = urls[answers.indexOf(true)];
        if (leader) return leader;
        if (Date.now() >= deadline) {
          throw Object.assign(new Error(`no master of ${urls.join(', ')} answered as leader within ${Math.round(timeoutMs / 1000)} s`), {
            code: 'NO_LEADER',
            suggestions: ['this machine\'s address may have changed since launch: the masters let in only the addresses launch was given (--allow-cidr); launch again with the new one'],
          });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    close: async () => undefined,
  };
}

class ZooKeeperLocator implements MasterLocator {
  readonly follows = true;
  private detector?: MasterDetector;

  constructor(readonly address: string, private readonly access: ClusterAccess = {}) {
    // Parse now so a bad URL is reported where it was given, not on first use.
    parseZooKeeperUrl(address);
  }

  /**
   * Right after a leader dies its znode lives on until its ZooKeeper session expires, and a new
   * leader first reads the registry: until the named leader answers as leader, we wait for it (or
   * the next one) instead of failing.
   */
  async leaderUrl(timeoutMs = LEADER_WAIT_MS): Promise<string> {
    const { ZooKeeperMasterDetector } = await import('../election/detector');
    const detector = this.detector ?? new ZooKeeperMasterDetector(parseZooKeeperUrl(this.address));
    this.detector = detector;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const url = leaderBaseUrl(await detector.awaitLeader(Math.max(1, deadline - Date.now())), schemeFor(this.access.tls));
      if (await leads(url, this.access)) return url;
      if (Date.now() >= deadline) throw new Error(`the leading master named in ZooKeeper (${url}) does not answer, and no other took over within ${timeoutMs / 1000} s`);
      await nextChange(detector, Math.min(200, Math.max(1, deadline - Date.now())));
    }
  }

  async close(): Promise<void> {
    const detector = this.detector;
    this.detector = undefined;
    await detector?.close();
  }
}
