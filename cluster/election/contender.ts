/**
 * A master contending for leadership through ZooKeeper, in Mesos's layout (see election-znodes.ts).
 *
 * Each contender watches only the member just ahead of it, so a leader's exit wakes one standby,
 * not all of them. Leadership ends for good when the session is lost (expired, or unconfirmed for a
 * whole session timeout: see zk-session.ts) or our znode disappears; the master must then stop
 * acting at once. A lost contender closes its session so its znode (if any survives) goes too.
 *
 * A standby also watches the process of the member just ahead of it (process-liveness.ts): when that
 * process is proven gone, it removes the dead member's znode itself instead of waiting for ZooKeeper
 * to expire the session, so a crashed leader is replaced in well under a second.
 */
import type { MasterInfo } from '../protocol/types';
import { silentLogger, type Logger } from '../util/log';
import { decodeMasterInfo, ELECTION_PREFIX, electionOrder, encodeMasterInfo, predecessorOf } from './election-znodes';
import { watchProcess, type ProcessWatch } from './process-liveness';
import { masterEndpoint, type MasterContender, type ZooKeeperUrl } from './types';
import { CreateMode, isZkError, ZkSession, type ZkSessionOptions } from './zk-session';

export interface ZooKeeperContenderOptions extends ZkSessionOptions {
  logger?: Logger;
}

export class ZooKeeperMasterContender implements MasterContender {
  private session: ZkSession | undefined;
  private member: string | undefined;
  private leading = false;
  private lostReason: string | undefined;
  private closed = false;
  private started = false;
  private readonly lostHandlers: ((reason: string) => void)[] = [];
  private electionResult: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private checking = false;
  private recheck = false;
  private readonly log: Logger;
  private predecessorWatch: { member: string; watch?: ProcessWatch } | undefined;

  constructor(readonly url: ZooKeeperUrl, private readonly opts: ZooKeeperContenderOptions = {}) {
    this.log = (opts.logger ?? silentLogger).child('contender', { zk: url.connectString, path: url.path });
  }

  /** The session once elect() connected; a registry store should share it (see zk-store.ts). */
  get zkSession(): ZkSession | undefined {
    return this.session;
  }

  /** Our election znode's full path; while it exists we may lead, so writes can be fenced on it. */
  get memberPath(): string | undefined {
    return this.member === undefined ? undefined : `${this.url.path}/${this.member}`;
  }

  /** Leading, and the session confirmed alive just now: check before acting as leader. */
  get isLeading(): boolean {
    return this.leading && this.lostReason === undefined && !this.closed && this.session?.confirmedAlive === true;
  }

  async elect(info: MasterInfo): Promise<void> {
    if (this.started) throw new Error('elect() may be called once per contender');
    this.started = true;
    if (this.closed) throw new Error('contender is closed');
    const session = await ZkSession.connect(this.url.connectString, { ...this.opts, digest: this.url.digest });
    if (this.closed) {
      await session.close();
      throw new Error('contender was closed before it led');
    }
    this.session = session;
    session.on('lost', (reason: string) => this.lose(reason));
    const result = new Promise<void>((resolve, reject) => {
      this.electionResult = { resolve, reject };
    });
    // The caller handles the rejection; this only keeps an early one from counting as unhandled.
    result.catch(() => undefined);
    try {
      await session.mkdirp(this.url.path, 'world-read');
      // A path created before the masters had a credential: from now on only they write there.
      if (await session.needsLocking(this.url.path, 'world-read')) await session.setAccess(this.url.path, 'world-read');
      this.member = await this.createMember(session, encodeMasterInfo(info));
      this.log.info('joined election', { member: this.member, session: session.sessionId });
    } catch (err) {
      this.lose(`could not join the election: ${(err as Error).message}`);
      return result;
    }
    void this.check();
    return result;
  }

  onLost(fn: (reason: string) => void): void {
    if (this.lostReason !== undefined) {
      const reason = this.lostReason;
      setImmediate(() => fn(reason));
      return;
    }
    this.lostHandlers.push(fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatchingPredecessor();
    this.electionResult?.reject(new Error('contender was closed before it led'));
    this.electionResult = undefined;
    // Closing the session deletes our ephemeral znode with it.
    await this.session?.close();
  }

  /**
   * Creates our member znode. A create whose reply is lost may still have happened; the znode would
   * then sit in the election owned by our session, so look for it before creating another.
   */
  private async createMember(session: ZkSession, data: Buffer): Promise<string> {
    for (;;) {
      try {
        const created = await session.create(`${this.url.path}/${ELECTION_PREFIX}`, data, CreateMode.EPHEMERAL_SEQUENTIAL);
        return created.slice(created.lastIndexOf('/') + 1);
      } catch (err) {
        if (!isZkError(err, 'CONNECTION_LOSS')) throw err;
        await session.whenConnected();
        const orphan = await this.findOwnMember(session);
        if (orphan) return orphan;
      }
    }
  }

  private async findOwnMember(session: ZkSession): Promise<string | undefined> {
    const members = electionOrder(await session.getChildren(this.url.path));
    const stats = await Promise.all(members.map((m) => session.exists(`${this.url.path}/${m}`).catch(() => undefined)));
    const at = stats.findIndex((stat) => stat?.ephemeralOwner.toString('hex') === session.sessionId);
    return at < 0 ? undefined : members[at];
  }

  /** Serialized: a watch firing while a check runs makes it run once more. */
  private async check(): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    const session = this.session;
    const mine = this.member;
    if (!session || !mine) return;
    this.checking = true;
    try {
      do {
        this.recheck = false;
        if (this.done()) return;
        const children = await session.getChildren(this.url.path);
        if (!children.includes(mine)) {
          this.lose(`our election znode ${this.url.path}/${mine} disappeared`);
          return;
        }
        const predecessor = predecessorOf(children, mine);
        if (predecessor === undefined) {
          // Watch our own znode too: if anyone deletes it, we no longer lead.
          const stat = await session.exists(`${this.url.path}/${mine}`, this.onOwnEvent);
          if (!stat) this.lose(`our election znode ${this.url.path}/${mine} disappeared`);
          else this.lead();
          return;
        }
        const stat = await session.exists(`${this.url.path}/${predecessor}`, this.onPredecessorEvent);
        if (!stat) this.recheck = true;
        else this.watchPredecessor(session, predecessor);
      } while (this.recheck);
    } catch (err) {
      if (this.done()) return;
      if (isZkError(err, 'CONNECTION_LOSS')) {
        session.whenConnected().then(() => this.check(), () => undefined);
      } else {
        this.lose(`election check failed: ${(err as Error).message}`);
      }
    } finally {
      this.checking = false;
    }
  }

  /** Watches the process of `member` (the one ahead of us) through the address in its MasterInfo. */
  private watchPredecessor(session: ZkSession, member: string): void {
    if (this.predecessorWatch?.member === member) return;
    this.stopWatchingPredecessor();
    const entry: { member: string; watch?: ProcessWatch } = { member };
    this.predecessorWatch = entry;
    const path = `${this.url.path}/${member}`;
    session.getData(path).then(({ data, stat }) => {
      if (this.predecessorWatch !== entry || this.done()) return;
      const { host, port } = masterEndpoint(decodeMasterInfo(data));
      entry.watch = watchProcess(host, port, () => void this.removeDeadMember(session, path, stat.version, `${host}:${port}`));
    }).catch(() => undefined); // gone already, or data we cannot read: the session timeout decides
  }

  private async removeDeadMember(session: ZkSession, path: string, version: number, address: string): Promise<void> {
    if (this.done()) return;
    this.log.warn('the master ahead of us is gone (its port refuses connections): removing its election znode instead of waiting for its session to expire', { znode: path, address });
    try {
      await session.delete(path, version);
    } catch (err) {
      if (!isZkError(err, 'NO_NODE')) this.log.warn('could not remove the gone master\'s znode; its session timeout decides', { znode: path, error: (err as Error).message });
    }
  }

  private stopWatchingPredecessor(): void {
    this.predecessorWatch?.watch?.stop();
    this.predecessorWatch = undefined;
  }

  private readonly onPredecessorEvent = (): void => {
    void this.check();
  };

  private readonly onOwnEvent = (): void => {
    void this.check();
  };

  private lead(): void {
    if (this.leading) return;
    this.leading = true;
    this.stopWatchingPredecessor();
    this.log.info('leading', { member: this.member });
    this.electionResult?.resolve();
    this.electionResult = undefined;
  }

  private done(): boolean {
    return this.closed || this.lostReason !== undefined;
  }

  private lose(reason: string): void {
    if (this.done()) return;
    this.lostReason = reason;
    this.stopWatchingPredecessor();
    this.log.warn(this.leading ? 'leadership lost' : 'left the election', { reason, member: this.member });
    this.electionResult?.reject(new Error(`lost the election: ${reason}`));
    this.electionResult = undefined;
    for (const fn of this.lostHandlers.splice(0)) {
      try {
        fn(reason);
      } catch (err) {
        this.log.error('onLost handler threw', { error: (err as Error).message });
      }
    }
    void this.session?.close();
  }
}
