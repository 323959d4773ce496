/**
 * The master daemon. `createMaster` builds it without touching the network, so tests can run a whole
 * cluster in one process; `listen` opens the port; `runMasterDaemon` is the process entry point.
 */
import type * as http from 'node:http';
import * as os from 'node:os';
import { createAllocator } from '../allocator';
import { close as closeServer, createServer, listen as listenServer } from '../http/server';
import { ipToUint32LE, newMasterId } from '../protocol/ids';
import { createLogger, type Logger } from '../util/log';
import { MasterCore } from './core';
import { MASTER_DEFAULTS, type MasterOptions } from './options';
import { createMasterRouter } from './routes';
import { MASTER_VERSION } from './version';

export { MASTER_DEFAULTS, type MasterOptions } from './options';
export { MASTER_VERSION } from './version';

export interface Master {
  listen(): Promise<void>;
  close(): Promise<void>;
  readonly port: number;
  /** http://ip:port, with the advertised address. */
  readonly url: string;
  readonly id: string;
}

export function createMaster(opts: Partial<MasterOptions> = {}): Master {
  const options = resolveOptions(opts);
  const log = options.logger ? options.logger.child('master') : createLogger('master');
  const core = new MasterCore(options, options.allocator ?? createAllocator(), log, newMasterId());
  const server = createServer(createMasterRouter(core), (err) => {
    log.error('request failed', { error: (err as Error).message, stack: (err as Error).stack });
  });
  return new MasterDaemon(core, server);
}

class MasterDaemon implements Master {
  private boundPort?: number;
  private advertisedIp: string;
  private state: 'new' | 'listening' | 'closed' = 'new';

  constructor(private readonly core: MasterCore, private readonly server: http.Server) {
    this.advertisedIp = advertisedAddress(core.opts);
  }

  get id(): string { return this.core.id }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the master is not listening yet; call listen() first');
    return this.boundPort;
  }

  get url(): string { return `http://${this.advertisedIp}:${this.port}` }

  async listen(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot listen: the master is ${this.state}`);
    const { opts } = this.core;
    const port = await listenServer(this.server, opts.port, opts.ip);
    this.boundPort = port;
    this.state = 'listening';
    const hostname = opts.hostname ?? this.advertisedIp;
    this.core.start({
      id: this.core.id,
      ip: ipToUint32LE(this.advertisedIp),
      port,
      pid: `master@${this.advertisedIp}:${port}`,
      hostname,
      version: MASTER_VERSION,
      address: { hostname, ip: this.advertisedIp, port },
    });
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasListening = this.state === 'listening';
    this.state = 'closed';
    this.core.stop();
    if (wasListening) await closeServer(this.server);
  }
}

function resolveOptions(opts: Partial<MasterOptions>): MasterOptions {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<MasterOptions>;
  const options: MasterOptions = { ...MASTER_DEFAULTS, ...defined };
  const positive: [keyof MasterOptions, string][] = [
    ['agentPingTimeoutSeconds', '--agent_ping_timeout'],
    ['heartbeatIntervalSeconds', '--heartbeat_interval'],
    ['allocationIntervalMs', '--allocation_interval'],
  ];
  for (const [key, flag] of positive) {
    const value = options[key];
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`${flag} must be a positive duration, got ${String(value)}`);
  }
  const counts: [keyof MasterOptions, string, number][] = [
    ['maxAgentPingTimeouts', '--max_agent_ping_timeouts', 1],
    ['maxCompletedTasksPerFramework', '--max_completed_tasks_per_framework', 0],
    ['maxCompletedFrameworks', '--max_completed_frameworks', 0],
    ['port', '--port', 0],
  ];
  for (const [key, flag, min] of counts) {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new Error(`${flag} must be an integer of at least ${min}, got ${String(value)}`);
    }
  }
  if (options.port > 65535) throw new Error(`--port must be at most 65535, got ${options.port}`);
  if (options.offerTimeoutSeconds !== undefined && !(options.offerTimeoutSeconds > 0)) {
    throw new Error(`--offer_timeout must be a positive duration, got ${options.offerTimeoutSeconds}`);
  }
  return options;
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
  const master = createMaster({ ...opts, logger: root });
  await master.listen();
  log.info('master started', { id: master.id, url: master.url, version: MASTER_VERSION });
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
