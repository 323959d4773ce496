/**
 * The master daemon. `createMaster` builds it without touching the network, so tests can run a whole
 * cluster in one process; `listen` opens the port; `runMasterDaemon` is the process entry point.
 */
import type * as http from 'node:http';
import * as os from 'node:os';
import { createAllocator } from '../allocator';
import { httpLimitsOf } from '../http/limit-options';
import { close as closeServer, createServer, listen as listenServer, type HandlerResult } from '../http/server';
import { createTlsServer, loadTlsMaterial } from '../http/tls';
import { AGENT_CHANNEL_PATH } from '../protocol/agent-channel';
import { ipToUint32LE, newMasterId } from '../protocol/ids';
import { createLogger, type Logger } from '../util/log';
import { redactZooKeeperUrl } from '../election/zookeeper-url';
import type { MasterInfo } from '../protocol/types';
import type { MasterContender } from '../election/types';
import type { MasterHttp } from './api/master-http';
import { OperatorEventStreams } from './api/operator-event-streams';
import { createMasterRouter } from './api/routes';
import { SandboxProxy } from './api/sandbox-proxy';
import { createCoordination, type Coordination } from './ha/coordination';
import { MasterCore } from './core';
import { standbyAnswer } from './ha/leadership';
import { FileRegistryStore, registryDir } from './ha/file-registry-store';
import { masterAuthRequirements, resolveMasterOptions, type MasterOptions } from './options';
import { authenticatorFromFlags } from '../http/auth';
import { ReplicatedRegistry } from './ha/replicated-registry';
import { rehearseRegistrations } from './ha/warm-up';
import { UsageCache } from './views/usage-cache';
import { MASTER_VERSION } from './version';

/** How often a standby refreshes its copy of the registry (only the shards written since are read). */
const REGISTRY_PREFETCH_EVERY_MS = 5000;

export { MASTER_DEFAULTS, type MasterOptions } from './options';

/** The principal the master's own requests to agents (the sandbox proxy) carry, in a token it signs. */
export const MASTER_PRINCIPAL = 'master';
export { MASTER_VERSION } from './version';

export interface Master {
  listen(): Promise<void>;
  close(): Promise<void>;
  readonly port: number;
  /** http://ip:port (https with TLS), with the advertised address. */
  readonly url: string;
  readonly id: string;
  /** True while this master leads (always, for a standalone master once it listens). */
  readonly leading: boolean;
  /** Resolves when this master leads; rejects if it is closed first. */
  whenLeading(): Promise<void>;
}

export function createMaster(opts: Partial<MasterOptions> = {}): Master {
  const options = resolveMasterOptions(opts);
  const log = options.logger ? options.logger.child('master') : createLogger('master');
  const core = new MasterCore(options, options.allocator ?? createAllocator(), log, newMasterId(), options.clock);
  const usage = new UsageCache();
  // With TLS the master is also a client: of agents (sandbox reads), verifying them and presenting its certificate.
  const tls = loadTlsMaterial(options);
  const auth = authenticatorFromFlags(options.credentials, masterAuthRequirements(options), '--credentials');
  const sandboxes = new SandboxProxy(core.records, tls, undefined, auth && (() => ({ Authorization: `Bearer ${auth.issueToken(MASTER_PRINCIPAL, 300).token}` })));
  const served: MasterHttp = { core, usage, sandboxes, operatorEvents: new OperatorEventStreams(core, usage), auth };
  const router = createMasterRouter(served);
  router.authenticator = auth;
  const onError = (err: unknown) => {
    log.error('request failed', { error: (err as Error).message, stack: (err as Error).stack });
  };
  const limits = httpLimitsOf(options);
  // The agent channel is mutual TLS: only daemons holding a certificate from the cluster CA register.
  const server = tls
    ? createTlsServer(router, onError, { material: tls, requireCert: options.tlsRequireCert ?? false, certRequiredFor: (path) => path.startsWith(AGENT_CHANNEL_PATH) }, limits)
    : createServer(router, onError, limits);
  const coordination = options.zk ? createCoordination(options.zk, options.zkSessionTimeoutSeconds, log) : undefined;
  const daemon = new MasterDaemon(core, server, coordination, tls ? 'https' : 'http');
  router.guard = (_method, path, query) => daemon.standbyAnswer(path, query);
  return daemon;
}

class MasterDaemon implements Master {
  private boundPort?: number;
  private advertisedIp: string;
  private state: 'new' | 'listening' | 'closed' = 'new';
  private isLeading = false;
  /** Lost leadership: stopped for good (a new leader has or will have the cluster). */
  private deposed = false;
  private replicated?: ReplicatedRegistry;
  /** A standalone master's registry in its work dir. */
  private fileStore?: FileRegistryStore;
  private rehearsal?: Promise<void>;
  private takingOver = false;
  private prefetchTimer: NodeJS.Timeout | undefined;
  private prefetched = false;
  /** The standby's read of the registry under way, which a takeover waits for rather than reads beside. */
  private prefetching: Promise<boolean> | undefined;
  private readonly leadership: Promise<void>;
  private settleLeadership!: { resolve: () => void; reject: (err: Error) => void };

  constructor(
    private readonly core: MasterCore,
    private readonly server: http.Server,
    private readonly coordination: Coordination | undefined,
    private readonly scheme: 'http' | 'https',
  ) {
    this.advertisedIp = advertisedAddress(core.opts);
    this.leadership = new Promise<void>((resolve, reject) => { this.settleLeadership = { resolve, reject } });
    this.leadership.catch(() => undefined);
  }

  get leading(): boolean { return this.isLeading }

  whenLeading(): Promise<void> { return this.leadership }

  /**
   * The guard in front of every route: undefined while leading; a 307 or 503 otherwise. While an
   * elected master reads the registry (a few hundred ms), requests wait for it instead of being
   * turned away: agents and schedulers that found it in ZooKeeper would otherwise back off.
   */
  standbyAnswer(path: string, query: URLSearchParams): HandlerResult | Promise<HandlerResult> {
    if (this.takingOver) return this.leadership.then(() => undefined, () => this.standbyAnswer(path, query));
    if (this.isLeading || this.state === 'new') return undefined;
    let leader = this.coordination?.detector.leader;
    // Our own znode may still look like the leader for a moment after we lost it: never point at ourselves.
    if (leader?.id === this.core.id) leader = undefined;
    return standbyAnswer(path, query, leader);
  }

  get id(): string { return this.core.id }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the master is not listening yet; call listen() first');
    return this.boundPort;
  }

  get url(): string { return `${this.scheme}://${this.advertisedIp}:${this.port}` }

  async listen(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot listen: the master is ${this.state}`);
    const { opts } = this.core;
    // A standalone master recovers its registry before it takes the port: a damaged one stops it here.
    const standalone = !this.coordination && opts.workDir ? await this.recoverFromWorkDir(opts.workDir) : undefined;
    const port = await listenServer(this.server, opts.port, opts.ip);
    this.boundPort = port;
    this.state = 'listening';
    const hostname = opts.hostname ?? this.advertisedIp;
    const info: MasterInfo = {
      id: this.core.id,
      ip: ipToUint32LE(this.advertisedIp),
      port,
      pid: `master@${this.advertisedIp}:${port}`,
      hostname,
      version: MASTER_VERSION,
      address: { hostname, ip: this.advertisedIp, port },
    };
    this.core.masterInfo = info;
    if (!this.coordination) {
      this.lead(info);
      standalone?.attach();
      return;
    }
    this.core.log.info('contending for leadership', { zk: redactZooKeeperUrl(opts.zk!) });
    // While standing by, make the code a takeover runs hot (see warm-up.ts).
    this.rehearsal = rehearseRegistrations(opts).catch((err: Error) => {
      this.core.log.warn('registration rehearsal failed', { error: err.message });
    });
    this.contend(this.coordination.contender, info);
    this.prefetchWhileStandingBy(this.coordination);
  }

  /**
   * While standing by, keep a recent copy of the registry, so that a takeover reads only what changed
   * (at 10,000 agents, reading it all is most of the time from elected to leading).
   */
  private prefetchWhileStandingBy(coordination: Coordination): void {
    const run = async () => {
      this.prefetchTimer = undefined;
      if (this.state !== 'listening' || this.isLeading || this.takingOver || this.deposed) return;
      let read = false;
      const started = Date.now();
      try {
        this.prefetching = coordination.prefetchRegistry();
        read = await this.prefetching;
        if (read && !this.prefetched) this.core.log.info('read the registry ahead of an election', { ms: Date.now() - started });
        this.prefetched ||= read;
      } catch (err) {
        this.core.log.debug('could not read the registry ahead of an election', { error: (err as Error).message });
      }
      if (this.state !== 'listening' || this.isLeading || this.takingOver) return;
      // Until the session is up, try again soon; then every few seconds, reading only the changed shards.
      this.prefetchTimer = setTimeout(() => void run(), read ? REGISTRY_PREFETCH_EVERY_MS : 200);
      this.prefetchTimer.unref();
    };
    this.prefetchTimer = setTimeout(() => void run(), 0);
    this.prefetchTimer.unref();
  }

  private async recoverFromWorkDir(workDir: string): Promise<ReplicatedRegistry> {
    const store = new FileRegistryStore(registryDir(workDir));
    const replicated = new ReplicatedRegistry(this.core, store);
    const recovered = await replicated.recover();
    this.fileStore = store;
    this.replicated = replicated;
    this.core.log.info('recovered the registry', { ...recovered, dir: store.dir });
    return replicated;
  }

  private contend(contender: MasterContender, info: MasterInfo): void {
    contender.onLost((reason) => {
      if (contender === this.coordination?.contender) this.loseLeadership(reason);
    });
    contender.elect(info).then(
      () => this.takeOver(info),
      (err: Error) => {
        if (contender !== this.coordination?.contender) return; // replaced after a lost candidacy
        if (this.state !== 'closed') this.core.log.error('left the election', { error: err.message });
        this.settleLeadership.reject(err);
      },
    );
  }

  /** Elected: recover what earlier leaders stored, then act. */
  private async takeOver(info: MasterInfo): Promise<void> {
    if (this.state !== 'listening' || this.deposed || !this.coordination) return;
    const started = Date.now();
    this.takingOver = true;
    try {
      await this.recoverAndLead(info, started);
    } finally {
      this.takingOver = false;
    }
  }

  private async recoverAndLead(info: MasterInfo, started: number): Promise<void> {
    if (!this.coordination) return;
    // A master elected at once (the first one up) finishes its rehearsal first: it costs well under a second.
    await this.rehearsal;
    await this.prefetching?.catch(() => undefined);
    let replicated: ReplicatedRegistry;
    try {
      replicated = new ReplicatedRegistry(this.core, this.coordination.registryStore());
    } catch (err) {
      this.loseLeadership((err as Error).message);
      return;
    }
    try {
      const recovered = await replicated.recover();
      if (this.state !== 'listening' || this.deposed) return;
      this.replicated = replicated;
      this.lead(info);
      replicated.attach();
      this.core.log.info('elected leader', { ...recovered, recovery_ms: Date.now() - started });
    } catch (err) {
      this.loseLeadership(`could not read the registry from ZooKeeper: ${(err as Error).message}`);
    }
  }

  private lead(info: MasterInfo): void {
    this.core.start(info);
    this.isLeading = true;
    this.settleLeadership.resolve();
  }

  /**
   * Never two leaders acting: the moment leadership is in doubt this master stops every stream and
   * timer. The daemon exits (a supervisor restarts it as a fresh standby, as Mesos does); an
   * in-process master stays up answering like a standby.
   */
  private loseLeadership(reason: string): void {
    if (this.deposed || this.state === 'closed') return;
    if (!this.isLeading && !this.takingOver && this.coordination) {
      // A standby never acted: losing its session costs nothing but its place in line.
      this.core.log.warn('lost candidacy; joining the election again', { reason });
      this.contend(this.coordination.renewContender(), this.core.masterInfo);
      return;
    }
    this.deposed = true;
    const wasLeading = this.isLeading;
    this.isLeading = false;
    this.replicated?.close();
    this.core.stop();
    this.core.log.error(wasLeading ? 'lost leadership; stopped acting as leader' : 'lost leadership while taking over; stopped', { reason });
    this.settleLeadership.reject(new Error(`leadership lost: ${reason}`));
    if (this.core.opts.onLeadershipLost === 'exit') process.exit(1);
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasListening = this.state === 'listening';
    this.state = 'closed';
    clearTimeout(this.prefetchTimer);
    this.isLeading = false;
    this.replicated?.close();
    this.core.stop();
    this.settleLeadership.reject(new Error('the master was closed'));
    await this.fileStore?.settled();
    await this.coordination?.close();
    if (wasListening) await closeServer(this.server);
  }
}

/** The address others should use: --advertise_ip, else --ip, else (wildcard) the first external IPv4. */
function advertisedAddress(opts: MasterOptions): string {
  if (opts.advertiseIp) return opts.advertiseIp;
  if (opts.ip !== '0.0.0.0') return opts.ip;
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return '127.0.0.1';
}

/** Process entry point: listen, log where, and close cleanly on SIGTERM/SIGINT. */
export async function runMasterDaemon(opts: Partial<MasterOptions> = {}): Promise<Master> {
  const root: Logger = opts.logger ?? createLogger('mesoscloud');
  const log = root.child('master');
  const master = createMaster({ onLeadershipLost: 'exit', ...opts, logger: root });
  await master.listen();
  log.info(master.leading ? 'master started' : 'master started as a standby', { id: master.id, url: master.url, version: MASTER_VERSION });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info('master stopping', { signal });
    master.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error('master did not close cleanly', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return master;
}
