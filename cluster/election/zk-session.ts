/**
 * One ZooKeeper session with promises, on top of node-zookeeper-client.
 *
 * Two things the client library does not do, and that leader election needs:
 * - It never notices a connection that stays open but goes silent (a frozen server, a partition
 *   without a reset). A heartbeat request once a quarter of the session timeout passed without an
 *   answer measures liveness; one unanswered for a third of the timeout drops the socket, so the
 *   library rotates to the next server of the ensemble while the session can still be saved (as
 *   the Java client's read timeout does).
 * - It cannot say whether the session still exists while disconnected. The server keeps a session
 *   at least `timeout` after it last heard from us, and a reply to a request sent at time t proves
 *   it heard us at or after t. So `lost` fires once nothing sent in the last 0.8 x timeout has
 *   been answered: from then on the session may be gone and its ephemeral znodes with it.
 *
 * Events: 'connected' (also after a reconnect), 'disconnected', 'expired' (the server said so; the
 * session is dead for good), 'lost' (once: expired, or unconfirmed for most of a session timeout).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as zk from 'node-zookeeper-client';

export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

export interface ZkSessionOptions {
  /** Requested session timeout (the server may clamp it to its min/max); default 10 s as Mesos. */
  sessionTimeoutMs?: number;
  /** How long connect() waits for a first session; default the session timeout. */
  connectTimeoutMs?: number;
  /**
   * The masters' digest credential (from zk://user:password@...): the session authenticates with it,
   * and the znodes it creates get ACLs (see ZnodeAccess) instead of being open to anyone.
   */
  digest?: ZkDigest;
}

export interface ZkDigest { user: string; password: string }

/**
 * Who may do what with a znode this session creates. Without a digest credential every znode is
 * open (world: all), as before; with one:
 *   'world-read'  anyone reads; only the digest identity creates, writes, deletes, administers
 *                 (the election path and its members: agents and clients detect the leader there);
 *   'private'     only the digest identity, reads included (the registry).
 */
export type ZnodeAccess = 'world-read' | 'private';

/** ZooKeeper's digest id for user:password: user:base64(sha1("user:password")). */
export function digestId(digest: ZkDigest): string {
  return `${digest.user}:${createHash('sha1').update(`${digest.user}:${digest.password}`).digest('base64')}`;
}

export function znodeAcls(digest: ZkDigest | undefined, access: ZnodeAccess): zk.ACL[] {
  const anyone = new zk.Id('world', 'anyone');
  if (!digest) return [new zk.ACL(zk.Permission.ALL, anyone)];
  const masters = new zk.ACL(zk.Permission.ALL, new zk.Id('digest', digestId(digest)));
  return access === 'private' ? [masters] : [masters, new zk.ACL(zk.Permission.READ, anyone)];
}

export type ZkErrorCode =
  | 'NO_NODE' | 'NODE_EXISTS' | 'NOT_EMPTY' | 'BAD_VERSION' | 'CONNECTION_LOSS' | 'SESSION_EXPIRED'
  | 'OPERATION_TIMEOUT' | 'NO_CHILDREN_FOR_EPHEMERALS' | 'CLOSED' | 'CONNECT_TIMEOUT' | string;

export class ZkError extends Error {
  constructor(readonly code: ZkErrorCode, message: string, readonly path?: string) {
    super(message);
  }
}

export function isZkError(err: unknown, code: ZkErrorCode): boolean {
  return err instanceof ZkError && err.code === code;
}

export type ZkWatcher = (event: zk.Event) => void;

export type ZkOp =
  | { op: 'create'; path: string; data?: Buffer; mode?: number; access?: ZnodeAccess }
  | { op: 'setData'; path: string; data: Buffer }
  | { op: 'check'; path: string }
  | { op: 'delete'; path: string };

export const CreateMode = zk.CreateMode;

/**
 * Fraction of the session timeout without a confirmed answer after which the session counts as
 * lost. Early rather than late: the check runs every tenth of the timeout and a busy event loop
 * delays it further, while the server may expire the session at exactly one timeout.
 */
const LOST_AFTER = 0.8;

/** What the library keeps private but a liveness watchdog needs: the socket and its state. */
interface ConnectionInternals { socket?: { destroy(): void }; state?: number }
const CONNECTION_CLOSED = -2;

export class ZkSession extends EventEmitter {
  private readonly client: zk.Client;
  private state: 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed' = 'connecting';
  private confirmedAt = Date.now();
  private heartbeatSentAt: number | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lostFired = false;
  private closing: Promise<void> | undefined;

  private constructor(readonly connectString: string, private readonly requestedTimeoutMs: number, private readonly digest?: ZkDigest) {
    super();
    this.client = zk.createClient(connectString, { sessionTimeout: requestedTimeoutMs, spinDelay: 100, retries: 0 });
    // Sent again on every reconnect by the library.
    if (digest) this.client.addAuthInfo('digest', Buffer.from(`${digest.user}:${digest.password}`));
    this.client.on('state', (state: zk.State) => this.onState(state));
  }

  /** Opens a session; rejects (and cleans up) if none is established within connectTimeoutMs. */
  static async connect(connectString: string, opts: ZkSessionOptions = {}): Promise<ZkSession> {
    const timeoutMs = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    const session = new ZkSession(connectString, timeoutMs, opts.digest);
    const connectTimeoutMs = opts.connectTimeoutMs ?? timeoutMs;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.off('connected', onConnected);
        void session.close();
        reject(new ZkError('CONNECT_TIMEOUT', `could not connect to ZooKeeper at ${connectString} within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      const onConnected = () => {
        clearTimeout(timer);
        resolve();
      };
      session.once('connected', onConnected);
      session.client.connect();
    });
    return session;
  }

  /** The timeout the server granted (the requested one until connected). */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout() || this.requestedTimeoutMs;
  }

  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** "host:port" of the server this session talks to right now, if connected. */
  get server(): string | undefined {
    const socket = this.internals()?.socket as { remoteAddress?: string; remotePort?: number } | undefined;
    return this.state === 'connected' && socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : undefined;
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /**
   * Whether the session is confirmed alive within the safety margin right now. Checked on demand
   * (not on a timer) so it stays accurate even when the event loop was stalled.
   */
  get confirmedAlive(): boolean {
    const timeout = this.sessionTimeoutMs;
    return !this.lostFired && this.state !== 'closed' && this.state !== 'expired' && Date.now() - this.confirmedAt < timeout * LOST_AFTER;
  }

  /** True once the session is known or presumed dead; nothing it created can be relied upon. */
  get isLost(): boolean {
    return this.lostFired;
  }

  /** Resolves at once if connected, else at the next (re)connect; rejects once the session is lost or closed. */
  whenConnected(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.lostFired || this.state === 'closed' || this.state === 'expired') {
      return Promise.reject(new ZkError('SESSION_EXPIRED', 'ZooKeeper session is gone'));
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        this.off('connected', onConnected);
        this.off('lost', onLost);
        this.off('closing', onLost);
      };
      const onConnected = () => { done(); resolve() };
      const onLost = () => { done(); reject(new ZkError('SESSION_EXPIRED', 'ZooKeeper session is gone')) };
      this.on('connected', onConnected);
      this.on('lost', onLost);
      this.on('closing', onLost);
    });
  }

  create(path: string, data?: Buffer, mode: number = zk.CreateMode.PERSISTENT, access: ZnodeAccess = 'world-read'): Promise<string> {
    return this.call(path, (cb) => this.client.create(path, data ?? Buffer.alloc(0), this.acls(access), mode, cb));
  }

  /** Creates the node and any missing parents (all with `access`); existing ones are left as they are. */
  async mkdirp(path: string, access: ZnodeAccess = 'world-read'): Promise<void> {
    await this.call(path, (cb) => this.client.mkdirp(path, this.acls(access), cb));
  }

  /** Sets the ACL of an existing znode (one created before the masters had a credential). */
  async setAccess(path: string, access: ZnodeAccess): Promise<void> {
    await this.call(path, (cb) => this.client.setACL(path, this.acls(access), -1, (err) => cb(err, undefined)));
  }

  async getAcls(path: string): Promise<zk.ACL[]> {
    return this.call(path, (cb) => this.client.getACL(path, (err, acls) => cb(err, acls)));
  }

  /**
   * With a digest credential: whether the znode's ACL gives anyone without it more than `access`
   * allows (it was created before the masters had a credential), so it must be locked with setAccess.
   */
  async needsLocking(path: string, access: ZnodeAccess): Promise<boolean> {
    if (!this.digest) return false;
    const allowed = access === 'world-read' ? zk.Permission.READ : 0;
    // The library names the field `permission` (its typings say `perms`).
    const perms = (acl: zk.ACL) => (acl as zk.ACL & { permission?: number }).permission ?? acl.perms;
    return (await this.getAcls(path)).some((acl) => acl.id.scheme === 'world' && (perms(acl) & ~allowed) !== 0);
  }

  private acls(access: ZnodeAccess): zk.ACL[] {
    return znodeAcls(this.digest, access);
  }

  async getData(path: string, watcher?: ZkWatcher): Promise<{ data: Buffer; stat: zk.Stat }> {
    const [data, stat] = await this.call<[Buffer, zk.Stat]>(path, (cb) =>
      watcher
        ? this.client.getData(path, watcher, (err, d, s) => cb(err, [d ?? Buffer.alloc(0), s]))
        : this.client.getData(path, (err, d, s) => cb(err, [d ?? Buffer.alloc(0), s])),
    );
    return { data, stat };
  }

  getChildren(path: string, watcher?: ZkWatcher): Promise<string[]> {
    return this.call(path, (cb) => (watcher ? this.client.getChildren(path, watcher, cb) : this.client.getChildren(path, cb)));
  }

  /** The node's stat, or undefined if it does not exist (the watcher then fires on its creation). */
  async exists(path: string, watcher?: ZkWatcher): Promise<zk.Stat | undefined> {
    const stat = await this.call<zk.Stat>(path, (cb) => (watcher ? this.client.exists(path, watcher, cb) : this.client.exists(path, cb)));
    return stat ?? undefined;
  }

  async setData(path: string, data: Buffer, version = -1): Promise<zk.Stat> {
    return this.call(path, (cb) => this.client.setData(path, data, version, cb));
  }

  async delete(path: string, version = -1): Promise<void> {
    await this.call(path, (cb) => this.client.remove(path, version, (err) => cb(err, undefined)));
  }

  /** All ops or none, in one round trip. Rejects with the first failing op's error. */
  async multi(ops: ZkOp[]): Promise<void> {
    const tx = this.client.transaction();
    for (const op of ops) {
      if (op.op === 'create') tx.create(op.path, op.data ?? Buffer.alloc(0), this.acls(op.access ?? 'world-read'), op.mode ?? zk.CreateMode.PERSISTENT);
      else if (op.op === 'setData') tx.setData(op.path, op.data);
      else if (op.op === 'check') tx.check(op.path);
      else tx.remove(op.path);
    }
    await this.call(undefined, (cb) => tx.commit((err) => cb(err, undefined)));
  }

  /**
   * Ends the session (its ephemeral znodes go at once) and stops every timer. While disconnected,
   * it first waits a little for a reconnect: a session ended at the server frees its znodes now,
   * one merely abandoned only after the session timeout (delaying the next leader by as much).
   */
  close(): Promise<void> {
    this.closing ??= this.end();
    return this.closing;
  }

  private async end(): Promise<void> {
    if (this.state === 'disconnected' && !this.lostFired) {
      const wait = Math.min(this.sessionTimeoutMs, 3000);
      await Promise.race([this.whenConnected().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, wait))]);
    }
    const wasLive = this.state !== 'expired';
    this.state = 'closed';
    this.stopHeartbeat();
    this.emit('closing');
    if (wasLive) this.client.close();
    // A silent server never answers the close request; give it a moment, then drop the socket.
    const internals = this.internals();
    const deadline = Date.now() + 1000;
    while (internals && internals.state !== CONNECTION_CLOSED && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    internals?.socket?.destroy();
    this.removeAllListeners();
  }

  private internals(): ConnectionInternals | undefined {
    return (this.client as unknown as { connectionManager?: ConnectionInternals }).connectionManager;
  }

  private onState(state: zk.State): void {
    if (this.state === 'closed') return;
    if (state === zk.State.SYNC_CONNECTED || state === zk.State.CONNECTED_READ_ONLY) {
      const first = this.state === 'connecting';
      this.state = 'connected';
      if (first) this.confirmedAt = Date.now();
      this.startHeartbeat();
      this.emit('connected');
    } else if (state === zk.State.DISCONNECTED) {
      if (this.state !== 'connected') return;
      this.state = 'disconnected';
      this.emit('disconnected');
    } else if (state === zk.State.EXPIRED) {
      this.state = 'expired';
      this.stopHeartbeat();
      this.emit('expired');
      this.fireLost('ZooKeeper session expired');
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer) return;
    const tick = Math.max(20, Math.floor(this.sessionTimeoutMs / 10));
    this.heartbeatTimer = setInterval(() => this.heartbeat(), tick);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private heartbeat(): void {
    const now = Date.now();
    const timeout = this.sessionTimeoutMs;
    if (now - this.confirmedAt >= timeout * LOST_AFTER) {
      this.fireLost(`no answer from ZooKeeper for ${now - this.confirmedAt} ms (session timeout ${timeout} ms); the session may have expired`);
    }
    if (this.heartbeatSentAt !== undefined) {
      if (now - this.heartbeatSentAt > timeout / 3) {
        // The server went silent (or a connect attempt hangs): drop the socket so the library
        // tries again, with the next server of the ensemble; give that attempt its own time.
        this.internals()?.socket?.destroy();
        this.heartbeatSentAt = now;
      }
      return;
    }
    if (now - this.confirmedAt < timeout / 4) return;
    const sentAt = now;
    this.heartbeatSentAt = sentAt;
    this.client.exists('/', (err) => {
      if (this.heartbeatSentAt !== undefined) this.heartbeatSentAt = undefined;
      if (!err) this.confirm(sentAt);
    });
  }

  private confirm(sentAt: number): void {
    if (sentAt > this.confirmedAt) this.confirmedAt = sentAt;
  }

  private fireLost(reason: string): void {
    if (this.lostFired) return;
    this.lostFired = true;
    this.emit('lost', reason);
  }

  private call<T>(path: string | undefined, start: (cb: (err: Error | zk.Exception | null, value: T) => void) => void): Promise<T> {
    if (this.state === 'closed' || this.closing) return Promise.reject(new ZkError('CLOSED', 'ZooKeeper session is closed', path));
    const sentAt = Date.now();
    return new Promise<T>((resolve, reject) => {
      start((err, value) => {
        if (err) {
          const error = toZkError(err, path);
          // A server's refusal (NO_NODE, NODE_EXISTS, ...) still proves it heard us.
          if (!NOT_ANSWERED.has(error.code)) this.confirm(sentAt);
          reject(error);
          return;
        }
        this.confirm(sentAt);
        resolve(value);
      });
    });
  }
}

const NOT_ANSWERED = new Set(['CONNECTION_LOSS', 'SESSION_EXPIRED', 'OPERATION_TIMEOUT', 'SYSTEM_ERROR', 'CLOSED']);

function toZkError(err: Error | zk.Exception, path: string | undefined): ZkError {
  if (err instanceof ZkError) return err;
  const named = err as { name?: string; code?: number; message?: string };
  const code = typeof named.code === 'number' && named.name ? named.name : 'SYSTEM_ERROR';
  const detail = typeof named.code === 'number' ? '' : `: ${named.message ?? String(err)}`;
  return new ZkError(code, `ZooKeeper ${code}${path ? ` at ${path}` : ''}${detail}`, path);
}
