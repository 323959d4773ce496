/**
 * A v1 scheduler client (the "scheduler driver"): SUBSCRIBE opens a RecordIO event stream on
 * POST /api/v1/scheduler; every other call is a separate POST carrying the Mesos-Stream-Id header.
 *
 * Register listeners before calling subscribe(): OFFERS may arrive in the same chunk as SUBSCRIBED.
 */
import type * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseMasterAddress } from './address';
import { TypedEmitter } from './emitter';
import { ClientConnectionError, ClientHttpError, HttpClient } from './http';
import { RecordIODecoder } from '../protocol/recordio';
import type {
  AgentID, ExecutorID, Filters, FrameworkInfo, KillPolicy, MasterInfo, Offer, OfferID, OfferOperation,
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
  /** Every event, raw, after the typed one. */
  event: (event: SchedulerEvent) => void;
}

export interface SchedulerClientOptions {
  master: string;
  frameworkInfo: FrameworkInfo;
  /** Declare the stream dead after this many heartbeat intervals without any event (default 3). */
  missedHeartbeats?: number;
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
  private readonly frameworkInfo: FrameworkInfo;
  private readonly missedHeartbeats: number;
  private frameworkIdValue?: string;
  private streamIdValue?: string;
  private stream?: { req: http.ClientRequest; res?: http.IncomingMessage };
  private watchdog?: NodeJS.Timeout;
  private heartbeatMs = 0;
  private closed = false;

  constructor(opts: SchedulerClientOptions) {
    super();
    this.http = new HttpClient(parseMasterAddress(opts.master).baseUrl);
    this.frameworkInfo = opts.frameworkInfo;
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
    const call: SchedulerCall = { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo } };
    if (this.frameworkIdValue) call.framework_id = { value: this.frameworkIdValue };

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
        if (!this.closed) this.emit('disconnected', reason);
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

  /** Sends one call on its own POST; resolves when the master accepted it (202). */
  async send(call: Omit<SchedulerCall, 'framework_id'>): Promise<void> {
    if (!this.frameworkIdValue) throw new Error(`cannot send ${call.type} before SUBSCRIBED`);
    const headers: Record<string, string> = {};
    if (this.streamIdValue) headers['Mesos-Stream-Id'] = this.streamIdValue;
    await this.http.postJson(SCHEDULER_PATH, { ...call, framework_id: { value: this.frameworkIdValue } }, { headers, ok: [200, 202] });
  }

  accept(offerIds: OfferID[], operations: OfferOperation[], filters?: Filters): Promise<void> {
    return this.send({ type: 'ACCEPT', accept: { offer_ids: offerIds, operations, ...(filters ? { filters } : {}) } });
  }

  /** ACCEPT with one LAUNCH operation; records launch times for the tasks. */
  launch(offerIds: OfferID[], tasks: TaskInfo[], filters?: Filters): Promise<void> {
    const now = performance.now();
    for (const task of tasks) this.timings.launchedAt.set(task.task_id.value, now);
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

  kill(taskId: TaskID, agentId?: AgentID, killPolicy?: KillPolicy): Promise<void> {
    return this.send({ type: 'KILL', kill: { task_id: taskId, ...(agentId ? { agent_id: agentId } : {}), ...(killPolicy ? { kill_policy: killPolicy } : {}) } });
  }

  /** Acknowledges an update; updates without a uuid need none, and this resolves at once for them. */
  async acknowledge(status: TaskStatus): Promise<void> {
    if (!status.uuid || !status.agent_id) return;
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

  /** Drops the stream and every pooled connection. The framework stays registered (failover) unless torn down first. */
  close(): void {
    this.closed = true;
    this.stopWatchdog();
    const stream = this.stream;
    this.stream = undefined;
    stream?.res?.destroy();
    stream?.req.destroy();
    this.http.destroy();
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
