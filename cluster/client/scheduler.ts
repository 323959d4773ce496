/**
 * A v1 scheduler client (the "scheduler driver"): SUBSCRIBE opens a RecordIO event stream on
 * POST /api/v1/scheduler; every other call is a separate POST carrying the Mesos-Stream-Id header.
 *
 * Register listeners before calling subscribe(): OFFERS may arrive in the same chunk as SUBSCRIBED.
 */
import type * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseMasterAddress } from './address';
import { schemeFor, type ClientTls } from './tls';
import { TypedEmitter } from './emitter';
import { ClientConnectionError, ClientHttpError, HttpClient, type Credential } from './http';
import { locateMaster, type MasterLocator } from './leader';
import { RecordIODecoder } from '../protocol/recordio';
import type {
  AgentID, ExecutorID, Filters, FrameworkInfo, KillPolicy, MasterInfo, Offer, OfferConstraints, OfferID, OfferOperation,
  SchedulerCall, SchedulerEvent, TaskID, TaskInfo, TaskState, TaskStatus,
} from '../protocol/types';

export const SCHEDULER_PATH = '/api/v1/scheduler';

export interface Subscribed {
  frameworkId: string;
  heartbeatIntervalSeconds: number;
  masterInfo?: MasterInfo;
}

export interface SchedulerClientEvents {
  subscribed: (info: Subscribed) => void;
  offers: (offers: Offer[]) => void;
  rescind: (offerId: string) => void;
  update: (status: TaskStatus) => void;
  message: (message: { agent_id: AgentID; executor_id: ExecutorID; data: string }) => void;
  failure: (failure: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number }) => void;
  /** An ERROR event from the master: the framework was removed or its subscription refused. */
  error: (message: string) => void;
  heartbeat: () => void;
  /** The event stream ended: closed by the master, cut, or silent past the heartbeat watchdog. */
  disconnected: (reason: Error) => void;
  /** With `reconnect`: subscribed again (to the same or a new leading master) after a disconnection. */
  reconnected: (info: Subscribed) => void;
  /** Every event, raw, after the typed one. */
  event: (event: SchedulerEvent) => void;
}

export interface SchedulerClientOptions {
  /** host:port, http://host:port, or zk://host:2181,.../mesos to follow the leading master. */
  master: string;
  /**
   * After a disconnection, subscribe again with the same framework id (to whichever master leads)
   * until it works or close() is called; `disconnected` is still emitted first. Default false.
   */
  reconnect?: boolean;
  frameworkInfo: FrameworkInfo;
  /**
   * Principal and secret, sent as HTTP basic with every call (--authenticate_frameworks); the
   * principal goes into FrameworkInfo when it names none, as the master requires them to match.
   */
  credential?: Credential;
  /** Declare the stream dead after this many heartbeat intervals without any event (default 3). */
  missedHeartbeats?: number;
  /** The cluster's CA (and a client certificate): the master is then reached over https and verified. */
  tls?: ClientTls;
}

/** Monotonic milliseconds (performance.now()) of the milestones a benchmark wants. */
export interface SchedulerTimings {
  subscribeStartedAt?: number;
  subscribedAt?: number;
  firstOfferAt?: number;
  /** Per task id: when the launch was sent, and when TASK_RUNNING arrived. */
  launchedAt: Map<string, number>;
  runningAt: Map<string, number>;
  /** Per task id, when each state was first reported. */
  stateAt: Map<string, Partial<Record<TaskState, number>>>;
}

export class SchedulerClient extends TypedEmitter<SchedulerClientEvents> {
  readonly timings: SchedulerTimings = { launchedAt: new Map(), runningAt: new Map(), stateAt: new Map() };
  private readonly http: HttpClient;
  private frameworkInfo: FrameworkInfo;
  /** From the last UPDATE_FRAMEWORK: sent again with every SUBSCRIBE, as Mesos's driver does. */
  private subscription: { suppressed_roles?: string[]; offer_constraints?: OfferConstraints } = {};
  private readonly missedHeartbeats: number;
  private frameworkIdValue?: string;
  private streamIdValue?: string;
  private stream?: { req: http.ClientRequest; res?: http.IncomingMessage };
  private watchdog?: NodeJS.Timeout;
  private heartbeatMs = 0;
  private closed = false;
  private readonly locator: MasterLocator;
  private readonly reconnect: boolean;
  private reconnecting = false;
  /**
   * Updates already acknowledged, by "task id / uuid": after a master failover an agent re-sends what
   * it has not seen acknowledged, and the scheduler must see each update once. Bounded, oldest out.
   */
  private readonly acked = new Set<string>();

  constructor(opts: SchedulerClientOptions) {
    super();
    const access = { tls: opts.tls, credential: opts.credential };
    this.locator = locateMaster(opts.master, access);
    // A followed leader is looked up on subscribe; until then the base URL is a placeholder.
    this.http = new HttpClient(this.locator.follows ? 'http://127.0.0.1:5050' : parseMasterAddress(opts.master, schemeFor(opts.tls)).baseUrl, access);
    this.reconnect = opts.reconnect ?? false;
    const principal = opts.frameworkInfo.principal ?? opts.credential?.principal;
    this.frameworkInfo = principal === undefined ? opts.frameworkInfo : { ...opts.frameworkInfo, principal };
    this.frameworkIdValue = opts.frameworkInfo.id?.value;
    this.missedHeartbeats = opts.missedHeartbeats ?? 3;
  }

  get masterUrl(): string { return this.http.baseUrl }
  get frameworkId(): string | undefined { return this.frameworkIdValue }
  get streamId(): string | undefined { return this.streamIdValue }
  get connected(): boolean { return this.stream !== undefined }

  /** Opens the event stream; resolves on SUBSCRIBED, rejects with the master's answer verbatim. */
  async subscribe(): Promise<Subscribed> {
    if (this.closed) throw new Error('scheduler client is closed');
    this.timings.subscribeStartedAt = performance.now();
    const frameworkInfo = this.frameworkIdValue ? { ...this.frameworkInfo, id: { value: this.frameworkIdValue } } : this.frameworkInfo;
    const call: SchedulerCall = { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo, ...this.subscription } };
    if (this.frameworkIdValue) call.framework_id = { value: this.frameworkIdValue };
    if (this.locator.follows) this.http.rebase(await this.locator.leaderUrl());

    for (let hop = 0; ; hop++) {
      const { req, response } = this.http.open('POST', SCHEDULER_PATH, { body: call });
      const res = await response;
      if (res.statusCode === 307 && typeof res.headers.location === 'string' && hop < 3) {
        res.resume();
        this.http.rebase(res.headers.location);
        continue;
      }
      if (res.statusCode !== 200) {
        const body = await readAll(res);
        throw new ClientHttpError(res.statusCode ?? 0, body, `${this.http.baseUrl}${SCHEDULER_PATH}`);
      }
      const streamId = res.headers['mesos-stream-id'];
      this.streamIdValue = Array.isArray(streamId) ? streamId[0] : streamId;
      this.stream = { req, res };
      return this.readStream(res);
    }
  }

  private readStream(res: http.IncomingMessage): Promise<Subscribed> {
    return new Promise<Subscribed>((resolve, reject) => {
      let subscribed = false;
      const decoder = new RecordIODecoder();
      const onSubscribed = (info: Subscribed) => {
        subscribed = true;
        resolve(info);
      };
      this.once('subscribed', onSubscribed);
      let ended = false;
      const end = (reason: Error) => {
        if (ended) return;
        ended = true;
        if (this.stream?.res === res) this.stream = undefined;
        this.stopWatchdog();
        if (!subscribed) {
          this.off('subscribed', onSubscribed);
          reject(reason);
        }
        if (!this.closed) {
          this.emit('disconnected', reason);
          if (subscribed && this.reconnect) void this.resubscribe();
        }
      };
      res.on('data', (chunk: Buffer) => {
        let records: unknown[];
        try {
          records = decoder.push(chunk);
        } catch (err) {
          res.destroy();
          end(new Error(`malformed event stream from ${this.masterUrl}: ${(err as Error).message}`));
          return;
        }
        for (const record of records) this.dispatch(record as SchedulerEvent);
      });
      res.on('end', () => end(new Error(`master ${this.masterUrl} closed the event stream`)));
      // The watchdog destroys the stream with a plain Error (no socket code): pass it on as is.
      res.on('error', (err: Error & { code?: string }) => end(err.code ? new ClientConnectionError(this.masterUrl, err) : err));
      res.on('close', () => end(new Error(`event stream from ${this.masterUrl} was cut`)));
    });
  }

  private dispatch(event: SchedulerEvent): void {
    this.kickWatchdog();
    switch (event.type) {
      case 'SUBSCRIBED': {
        const s = event.subscribed;
        this.frameworkIdValue = s.framework_id.value;
        this.timings.subscribedAt = performance.now();
        this.heartbeatMs = (s.heartbeat_interval_seconds ?? 0) * 1000;
        this.kickWatchdog();
        this.emit('subscribed', { frameworkId: s.framework_id.value, heartbeatIntervalSeconds: s.heartbeat_interval_seconds, masterInfo: s.master_info });
        break;
      }
      case 'OFFERS':
        this.timings.firstOfferAt ??= performance.now();
        this.emit('offers', event.offers.offers ?? []);
        break;
      case 'RESCIND':
        this.emit('rescind', event.rescind.offer_id.value);
        break;
      case 'UPDATE': {
        const status = event.update.status;
        if (status.uuid && this.acked.has(ackKey(status))) {
          // A re-sent update we acknowledged already (the ack was lost in a failover): ack again, tell nobody.
          void this.acknowledge(status).catch(() => undefined);
          break;
        }
        const now = performance.now();
        const states = this.timings.stateAt.get(status.task_id.value) ?? {};
        states[status.state] ??= now;
        this.timings.stateAt.set(status.task_id.value, states);
        if (status.state === 'TASK_RUNNING' && !this.timings.runningAt.has(status.task_id.value)) {
          this.timings.runningAt.set(status.task_id.value, now);
        }
        this.emit('update', status);
        break;
      }
      case 'MESSAGE':
        this.emit('message', event.message);
        break;
      case 'FAILURE':
        this.emit('failure', event.failure);
        break;
      case 'ERROR':
        this.emit('error', event.error.message);
        break;
      case 'HEARTBEAT':
        this.emit('heartbeat');
        break;
    }
    this.emit('event', event);
  }

  private kickWatchdog(): void {
    if (this.heartbeatMs <= 0 || !this.stream) return;
    this.stopWatchdog();
    const limit = this.heartbeatMs * this.missedHeartbeats;
    this.watchdog = setTimeout(() => {
      const res = this.stream?.res;
      if (!res) return;
      res.destroy(new Error(`no event or HEARTBEAT from ${this.masterUrl} for ${limit / 1000} s`));
    }, limit);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  // ---- calls ----

  /** Sends one call on its own POST; resolves when the master accepted it (202, or 200 for UPDATE_FRAMEWORK). */
  async send(call: Omit<SchedulerCall, 'framework_id'>): Promise<void> {
    if (!this.frameworkIdValue) throw new Error(`cannot send ${call.type} before SUBSCRIBED`);
    const headers: Record<string, string> = {};
    if (this.streamIdValue) headers['Mesos-Stream-Id'] = this.streamIdValue;
    await this.http.postJson(SCHEDULER_PATH, { ...call, framework_id: { value: this.frameworkIdValue } }, { headers, ok: [200, 202] });
  }

  /** ACCEPT; records launch times for the tasks its LAUNCH and LAUNCH_GROUP operations carry. */
  accept(offerIds: OfferID[], operations: OfferOperation[], filters?: Filters): Promise<void> {
    const now = performance.now();
    for (const op of operations) {
      for (const task of [...(op.launch?.task_infos ?? []), ...(op.launch_group?.task_group.tasks ?? [])]) this.timings.launchedAt.set(task.task_id.value, now);
    }
    return this.send({ type: 'ACCEPT', accept: { offer_ids: offerIds, operations, ...(filters ? { filters } : {}) } });
  }

  /** ACCEPT with one LAUNCH operation. */
  launch(offerIds: OfferID[], tasks: TaskInfo[], filters?: Filters): Promise<void> {
    return this.accept(offerIds, [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters);
  }

  decline(offerIds: OfferID[], filters?: Filters): Promise<void> {
    return this.send({ type: 'DECLINE', decline: { offer_ids: offerIds, ...(filters ? { filters } : {}) } });
  }

  revive(roles?: string[]): Promise<void> {
    return this.send({ type: 'REVIVE', ...(roles ? { revive: { roles } } : {}) });
  }

  suppress(roles?: string[]): Promise<void> {
    return this.send({ type: 'SUPPRESS', ...(roles ? { suppress: { roles } } : {}) });
  }

  /**
   * UPDATE_FRAMEWORK: a new FrameworkInfo (its id and principal are this client's), suppressed roles
   * and offer constraints, without subscribing again. A later re-subscription sends all three again.
   */
  async updateFramework(info: FrameworkInfo, opts: { suppressedRoles?: string[]; offerConstraints?: OfferConstraints } = {}): Promise<void> {
    const next: FrameworkInfo = { ...info, principal: this.frameworkInfo.principal };
    const subscription = {
      ...(opts.suppressedRoles ? { suppressed_roles: opts.suppressedRoles } : {}),
      ...(opts.offerConstraints ? { offer_constraints: opts.offerConstraints } : {}),
    };
    await this.send({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...next, id: { value: this.frameworkIdValue ?? '' } }, ...subscription } });
    this.frameworkInfo = next;
    this.subscription = subscription;
  }

  kill(taskId: TaskID, agentId?: AgentID, killPolicy?: KillPolicy): Promise<void> {
    return this.send({ type: 'KILL', kill: { task_id: taskId, ...(agentId ? { agent_id: agentId } : {}), ...(killPolicy ? { kill_policy: killPolicy } : {}) } });
  }

  /** Acknowledges an update; updates without a uuid need none, and this resolves at once for them. */
  async acknowledge(status: TaskStatus): Promise<void> {
    if (!status.uuid || !status.agent_id) return;
    this.rememberAck(ackKey(status));
    await this.send({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
  }

  /** Explicit reconciliation of `tasks`, or implicit (all tasks) when empty. */
  reconcile(tasks: { task_id: TaskID; agent_id?: AgentID }[] = []): Promise<void> {
    return this.send({ type: 'RECONCILE', reconcile: { tasks } });
  }

  message(agentId: AgentID, executorId: ExecutorID, data: string): Promise<void> {
    return this.send({ type: 'MESSAGE', message: { agent_id: agentId, executor_id: executorId, data } });
  }

  /** Removes the framework: the master kills its tasks and closes the stream. */
  teardown(): Promise<void> {
    return this.send({ type: 'TEARDOWN' });
  }

  private rememberAck(key: string): void {
    this.acked.add(key);
    if (this.acked.size > MAX_REMEMBERED_ACKS) this.acked.delete(this.acked.values().next().value as string);
  }

  /** Subscribes again, with backoff, until it works, the framework is refused, or the client is closed. */
  private async resubscribe(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    let delayMs = 100;
    try {
      while (!this.closed) {
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
        if (this.closed) return;
        try {
          const info = await this.subscribe();
          this.emit('reconnected', info);
          return;
        } catch (err) {
          // The master removed the framework, or will never take it: retrying cannot help.
          if (err instanceof ClientHttpError && err.status >= 400 && err.status < 500) {
            this.emit('error', err.message);
            return;
          }
          delayMs = Math.min(delayMs * 2, 2000);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** Drops the stream and every pooled connection. The framework stays registered (failover) unless torn down first. */
  close(): void {
    this.closed = true;
    void this.locator.close();
    this.stopWatchdog();
    const stream = this.stream;
    this.stream = undefined;
    stream?.res?.destroy();
    stream?.req.destroy();
    this.http.destroy();
  }
}

const MAX_REMEMBERED_ACKS = 100_000;

function ackKey(status: TaskStatus): string {
  return `${status.task_id.value}\u0000${status.uuid}`;
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
