/**
 * Follows the leading master through ZooKeeper: the lowest `json.info_*` child of the election path
 * (election-znodes.ts). A children watch wakes it on every membership change; the session rides
 * out server failures by reconnecting through the ensemble, and when a session expires (or cannot
 * be opened) the detector reports "no leader" and starts a new one until closed.
 */
import type { MasterInfo } from '../protocol/types';
import { silentLogger, type Logger } from '../util/log';
import { decodeMasterInfo, electionOrder, MasterInfoFormatError } from './election-znodes';
import type { MasterDetector, ZooKeeperUrl } from './types';
import { formatZooKeeperUrl } from './zookeeper-url';
import { isZkError, ZkSession, type ZkSessionOptions } from './zk-session';

export interface ZooKeeperDetectorOptions extends ZkSessionOptions {
  logger?: Logger;
  /** Pause between attempts to open a session when the ensemble is unreachable; default 500 ms. */
  retryDelayMs?: number;
}

export class ZooKeeperMasterDetector implements MasterDetector {
  private current: MasterInfo | undefined;
  private currentMember: string | undefined;
  private readonly listeners = new Set<(leader: MasterInfo | undefined) => void>();
  private session: ZkSession | undefined;
  private closed = false;
  private reading = false;
  private reread = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(readonly url: ZooKeeperUrl, private readonly opts: ZooKeeperDetectorOptions = {}) {
    this.log = (opts.logger ?? silentLogger).child('detector', { zk: formatZooKeeperUrl(url) });
    void this.openSession();
  }

  get leader(): MasterInfo | undefined {
    return this.current;
  }

  /** "host:port" of the ZooKeeper server followed right now (for diagnostics). */
  get connectedTo(): string | undefined {
    return this.session?.server;
  }

  onChange(fn: (leader: MasterInfo | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  awaitLeader(timeoutMs: number): Promise<MasterInfo> {
    if (this.current) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no leading master found at ${formatZooKeeperUrl(this.url)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onChange((leader) => {
        if (!leader) return;
        clearTimeout(timer);
        off();
        resolve(leader);
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.listeners.clear();
    await this.session?.close();
  }

  private async openSession(): Promise<void> {
    if (this.closed) return;
    let session: ZkSession;
    try {
      session = await ZkSession.connect(this.url.connectString, { ...this.opts, digest: this.url.digest });
    } catch (err) {
      this.log.warn('cannot reach ZooKeeper; retrying', { error: (err as Error).message });
      this.retryTimer = setTimeout(() => void this.openSession(), this.opts.retryDelayMs ?? 500);
      return;
    }
    if (this.closed) {
      await session.close();
      return;
    }
    this.session = session;
    session.on('expired', () => this.replaceSession(session, 'session expired'));
    session.on('connected', () => void this.read());
    void this.read();
  }

  private replaceSession(session: ZkSession, reason: string): void {
    if (this.session !== session || this.closed) return;
    this.log.warn('ZooKeeper session ended; opening a new one', { reason });
    this.session = undefined;
    void session.close();
    this.publish(undefined, undefined);
    void this.openSession();
  }

  /** Serialized: a watch firing during a read makes it read once more. */
  private async read(): Promise<void> {
    if (this.reading) {
      this.reread = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.reread = false;
        const session = this.session;
        if (!session || this.closed) return;
        await this.readOnce(session);
      } while (this.reread);
    } finally {
      this.reading = false;
    }
  }

  private async readOnce(session: ZkSession): Promise<void> {
    try {
      let children: string[];
      try {
        children = await session.getChildren(this.url.path, this.onChildrenEvent);
      } catch (err) {
        if (!isZkError(err, 'NO_NODE')) throw err;
        // No master has ever run here: wait for the path to appear.
        if (await session.exists(this.url.path, this.onChildrenEvent)) this.reread = true;
        this.publish(undefined, undefined);
        return;
      }
      const lowest = electionOrder(children)[0];
      if (lowest === undefined) {
        this.publish(undefined, undefined);
        return;
      }
      if (lowest === this.currentMember) return;
      let info: MasterInfo;
      try {
        info = decodeMasterInfo((await session.getData(`${this.url.path}/${lowest}`)).data);
      } catch (err) {
        if (isZkError(err, 'NO_NODE')) {
          this.reread = true;
          return;
        }
        if (err instanceof MasterInfoFormatError) {
          this.log.error('leading election znode holds no valid MasterInfo', { member: lowest, error: err.message });
          this.publish(undefined, undefined);
          return;
        }
        throw err;
      }
      this.publish(info, lowest);
    } catch (err) {
      if (this.closed || this.session !== session) return;
      // Connection loss: the 'connected' listener reads again. Anything else: try again shortly.
      if (!isZkError(err, 'CONNECTION_LOSS') && !isZkError(err, 'SESSION_EXPIRED')) {
        this.log.warn('reading the election failed; retrying', { error: (err as Error).message });
        setTimeout(() => void this.read(), this.opts.retryDelayMs ?? 500).unref();
      }
    }
  }

  private readonly onChildrenEvent = (): void => {
    void this.read();
  };

  private publish(info: MasterInfo | undefined, member: string | undefined): void {
    if (member === this.currentMember) return;
    this.current = info;
    this.currentMember = member;
    this.log.info(info ? 'leader detected' : 'no leader', { member, id: info?.id });
    for (const fn of [...this.listeners]) {
      try {
        fn(info);
      } catch (err) {
        this.log.error('onChange listener threw', { error: (err as Error).message });
      }
    }
  }
}
