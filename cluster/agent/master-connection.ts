/**
 * The agent's side of the agent channel (protocol/agent-channel.ts): one long-lived REGISTER
 * request whose response streams AgentEvents, plus short POSTs for calls carrying the stream id.
 *
 * The connection never gives up. Whenever the stream fails, ends, or stays silent longer than the
 * ping timeout, it registers again after an exponential, jittered backoff; the register call is
 * rebuilt on every attempt so it carries the agent id and the tasks the agent holds at that moment.
 *
 * Which master to dial comes from a MasterDetector (cluster/election): a fixed host:port, or the
 * leader elected in ZooKeeper. When the leader changes the stream to the old one is dropped and the
 * agent re-registers with the new one, after a short jittered delay so that a thousand agents do not
 * arrive at once. While there is no leader it waits. Status updates are not this module's concern:
 * they stay queued in the status update manager and go out again once registered (onRegistered).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { MasterDetector } from '../election/types';
import type { AgentCall, AgentEvent } from '../protocol/agent-channel';
import { AGENT_CHANNEL_PATH } from '../protocol/agent-channel';
import { RecordIODecoder } from '../protocol/recordio';
import { validateAgentEvent } from '../protocol/validate';
import type { MasterInfo } from '../protocol/types';
import type { Logger } from '../util/log';
import { Backoff } from './backoff';
import { parseMasterAddress } from '../protocol/master-address';
import { httpsOptions, type ClientTls } from '../client/tls';

/** "host:port", "http://host:port" or "https://host:port" -> base URL; a bare host:port is `scheme`. Throws naming --master. */
export function parseMasterUrl(text: string, scheme: 'http' | 'https' = 'http'): URL {
  try {
    return new URL(parseMasterAddress(text, scheme).baseUrl);
  } catch (err) {
    throw new Error(`--master: ${(err as Error).message}`);
  }
}

/** Mesos's --max_agent_ping_timeouts default: how many ping intervals of silence mean the master is gone. */
export const PING_INTERVALS_BEFORE_GIVING_UP = 5;

export interface MasterConnectionOptions {
  /** Who leads; the connection subscribes to its changes but does not close it. */
  detector: MasterDetector;
  /** The base URL of a leader (cluster/election's leaderBaseUrl, or the fixed --master URL). */
  leaderUrl: (leader: MasterInfo) => URL;
  logger: Logger;
  /**
   * Silence on the stream for this long means the master is gone. Once registered, the master's
   * ping interval times PING_INTERVALS_BEFORE_GIVING_UP is used when that is shorter, as a Mesos
   * agent takes its ping timeout from the master.
   */
  pingTimeoutMs: number;
  /** Built anew for each attempt. */
  registerCall: () => AgentCall;
  /** The id PONG calls carry. */
  agentId: () => string | undefined;
  /** Events arrive checked (protocol/validate.ts); a malformed one is logged and dropped, a REGISTERED without an agent id registers again. */
  onRegistered: (event: Extract<AgentEvent, { type: 'REGISTERED' }>) => void;
  onEvent: (event: Exclude<AgentEvent, { type: 'REGISTERED' | 'PING' }>) => void;
  onDisconnected?: () => void;
  backoff?: Backoff;
  callTimeoutMs?: number;
  /** The cluster CA to verify the master against, and the agent's certificate (the agent channel is mutual TLS). */
  tls?: ClientTls;
  /** Sent with every request: the agent's credential (Authorization), when it has one. */
  headers?: Record<string, string>;
}

interface ActiveStream {
  request: http.ClientRequest;
  streamId?: string;
  registered: boolean;
}

export class MasterConnection {
  /** The master to dial; undefined while no master leads. */
  private base?: URL;
  private stream?: ActiveStream;
  private stopped = true;
  private retryTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private readonly backoff: Backoff;
  private readonly callAgents: { 'http:': http.Agent; 'https:': https.Agent };
  private failures = 0;
  private pingTimeoutMs: number;
  private unsubscribe?: () => void;

  constructor(private readonly opts: MasterConnectionOptions) {
    this.backoff = opts.backoff ?? new Backoff({ initialMs: 100, maxMs: 5000 });
    this.pingTimeoutMs = opts.pingTimeoutMs;
    this.callAgents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 8 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 8, ...httpsOptions(opts.tls) }) };
  }

  get registered(): boolean { return this.stream?.registered === true }
  get masterUrl(): string { return this.base ? this.base.toString().replace(/\/$/, '') : '(no leading master)' }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.opts.detector.onChange((leader) => this.onLeader(leader));
    const leader = this.opts.detector.leader;
    if (leader) this.base = this.opts.leaderUrl(leader);
    else this.opts.logger.info('waiting for a leading master');
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    this.stream?.request.destroy();
    this.stream = undefined;
    for (const agent of Object.values(this.callAgents)) agent.destroy();
  }

  /** A new leader (or none): leave the old one and register with the new one. */
  private onLeader(leader: MasterInfo | undefined): void {
    if (this.stopped) return;
    const next = leader ? this.opts.leaderUrl(leader) : undefined;
    if (next?.href === this.base?.href && (!next || this.stream || this.retryTimer)) return;
    this.opts.logger.info(next ? 'a new master leads; registering with it' : 'no master leads; waiting for one', { previous: this.masterUrl, master: next?.href.replace(/\/$/, '') });
    this.base = next;
    this.backoff.reset();
    this.failures = 0;
    if (this.stream) {
      // onGone schedules the registration with the new leader.
      this.stream.request.destroy();
      return;
    }
    this.scheduleReconnect();
  }

  /** Drops the current stream and registers again (after the usual backoff). */
  reconnect(reason: string): void {
    if (!this.stream) return;
    this.opts.logger.warn('dropping the master stream', { reason });
    this.stream.request.destroy();
  }

  /** Sends a call on the registered stream; false when not registered or the master did not accept it. */
  async call(call: AgentCall): Promise<boolean> {
    const streamId = this.stream?.registered ? this.stream.streamId : undefined;
    if (!this.stream?.registered) return false;
    const body = JSON.stringify(call);
    const headers: http.OutgoingHttpHeaders = {
      ...this.opts.headers,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'Content-Length': Buffer.byteLength(body),
    };
    if (streamId) headers['Mesos-Stream-Id'] = streamId;
    return new Promise<boolean>((resolve) => {
      const req = this.request({ method: 'POST', headers, agent: this.callAgents[this.base?.protocol === 'https:' ? 'https:' : 'http:'], timeout: this.opts.callTimeoutMs ?? 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          if (!ok) {
            this.opts.logger.warn('master refused a call', { call: call.type, status: res.statusCode, body: Buffer.concat(chunks).toString('utf8').slice(0, 500) });
          }
          resolve(ok);
        });
        res.on('error', () => resolve(false));
      });
      req.on('timeout', () => req.destroy(new Error('call timed out')));
      req.on('error', (err) => {
        this.opts.logger.debug('call failed', { call: call.type, error: err.message });
        resolve(false);
      });
      req.end(body);
    });
  }

  private request(options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const url = new URL(AGENT_CHANNEL_PATH, this.base!);
    if (url.protocol !== 'https:') return http.request(url, options, onResponse);
    return https.request(url, { ...httpsOptions(this.opts.tls), ...options }, onResponse);
  }

  private connect(): void {
    this.retryTimer = undefined;
    // Without a leader there is nobody to dial; onLeader calls again when one appears.
    if (this.stopped || !this.base) return;
    let call: AgentCall;
    try {
      call = this.opts.registerCall();
    } catch (err) {
      this.opts.logger.error('could not build the register call', { error: (err as Error).message });
      this.scheduleReconnect();
      return;
    }
    const body = JSON.stringify(call);
    const decoder = new RecordIODecoder();
    let ended = false;
    const request = this.request(
      {
        method: 'POST',
        agent: false,
        headers: { ...this.opts.headers, 'Content-Type': 'application/json', Accept: 'application/recordio', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode === 307 && typeof res.headers.location === 'string') {
          this.followRedirect(res.headers.location);
          res.resume();
          return;
        }
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            this.opts.logger.warn('master refused registration', { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8').slice(0, 500) });
          });
          return;
        }
        stream.streamId = typeof res.headers['mesos-stream-id'] === 'string' ? res.headers['mesos-stream-id'] : undefined;
        this.armWatchdog(stream);
        res.on('data', (chunk: Buffer) => {
          if (this.stream !== stream) return;
          let events: unknown[];
          try {
            events = decoder.push(chunk);
          } catch (err) {
            this.opts.logger.error('bad record on the master stream', { error: (err as Error).message });
            request.destroy();
            return;
          }
          for (const event of events) this.dispatch(stream, event);
        });
        res.on('error', () => undefined);
      },
    );
    const stream: ActiveStream = { request, registered: false };
    this.stream = stream;
    // A master that accepts the connection but never answers counts as silent too.
    this.armWatchdog(stream);
    const onGone = (err?: Error) => {
      if (ended) return;
      ended = true;
      if (this.stream !== stream) return;
      const wasRegistered = stream.registered;
      this.stream = undefined;
      clearTimeout(this.watchdog);
      if (this.stopped) return;
      this.failures++;
      const fields = { master: this.masterUrl, error: err?.message };
      // Log the first failure loudly and then only now and then, so a long outage does not flood the log.
      if (wasRegistered) this.opts.logger.warn('lost the master; registering again', fields);
      else if (this.failures === 1 || this.failures % 50 === 0) this.opts.logger.warn('cannot reach the master; retrying', { ...fields, attempts: this.failures });
      if (wasRegistered) this.opts.onDisconnected?.();
      this.scheduleReconnect();
    };
    request.on('error', (err) => onGone(err));
    request.on('close', () => onGone());
    request.on('response', (res) => res.on('close', () => request.destroy()));
    request.end(body);
  }

  private dispatch(stream: ActiveStream, record: unknown): void {
    this.armWatchdog(stream);
    const checked = validateAgentEvent(record);
    if (!checked.ok) {
      if (checked.type !== 'REGISTERED') {
        this.opts.logger.warn('ignoring a malformed event from the master', { type: checked.type, error: checked.message });
        return;
      }
      // Registered, then dropped at once, as a stream lost after registering is.
      this.markRegistered(stream);
      this.opts.logger.error('REGISTERED without an agent id; registering again', { error: checked.message });
      this.reconnect('REGISTERED without an agent id');
      return;
    }
    const event = checked.event;
    if (event.type === 'REGISTERED') {
      this.markRegistered(stream);
      // Absent when the master sent no usable interval (agentEventSchema): the flag's timeout holds.
      const interval = event.registered.ping_interval_seconds;
      this.pingTimeoutMs = interval !== undefined
        ? Math.min(this.opts.pingTimeoutMs, interval * 1000 * PING_INTERVALS_BEFORE_GIVING_UP)
        : this.opts.pingTimeoutMs;
      this.armWatchdog(stream);
      this.opts.onRegistered(event);
      return;
    }
    if (!stream.registered) {
      this.opts.logger.warn('ignoring an event that came before REGISTERED', { type: event.type });
      return;
    }
    if (event.type === 'PING') {
      const agentId = this.opts.agentId();
      if (agentId) void this.call({ type: 'PONG', agent_id: { value: agentId } });
      return;
    }
    this.opts.onEvent(event);
  }

  private markRegistered(stream: ActiveStream): void {
    stream.registered = true;
    this.failures = 0;
    this.backoff.reset();
  }

  private armWatchdog(stream: ActiveStream): void {
    clearTimeout(this.watchdog);
    const timeoutMs = this.pingTimeoutMs;
    this.watchdog = setTimeout(() => {
      if (this.stream === stream) this.reconnect(`no PING from the master for ${timeoutMs / 1000}s`);
    }, timeoutMs);
    this.watchdog.unref();
  }

  /** A standby master names the leader; the detector will say so too, but this is sooner. */
  private followRedirect(location: string): void {
    try {
      const next = new URL(location, this.base);
      this.base = new URL(`${next.protocol}//${next.host}`);
      this.opts.logger.info('following the master redirect', { master: this.masterUrl });
    } catch {
      this.opts.logger.warn('ignoring a bad redirect from the master', { location });
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), this.backoff.next());
  }
}
