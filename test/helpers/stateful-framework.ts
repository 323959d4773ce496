/**
 * A stateful framework written for the tests, as a framework author would write one from Mesos's
 * documents alone: it speaks the v1 scheduler HTTP API (docs/scheduler-http-api.md) in JSON or in
 * protobuf, finds the leading master by following 307s, subscribes again under its framework id
 * when the leader goes away, acknowledges every update that carries a uuid, and builds its
 * RESERVE / CREATE / LAUNCH / DESTROY / UNRESERVE operations in the resource format Mesos
 * documents for its capabilities (docs/reservation.md, docs/persistent-volume.md): the
 * `reservations` stack with RESERVATION_REFINEMENT, `role` + `reservation` without.
 */
import type { Offer, SchedulerEvent, TaskStatus } from '../../cluster/protocol/types';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { RecordStream, request, type HttpResult } from './http';

export type Encoding = 'json' | 'protobuf';

/** A v1 Resource as the wire carries it; kept loose on purpose: the framework reads what arrives. */
export type WireResource = Record<string, any>;

export interface StatefulFrameworkOptions {
  /** Every master's base URL; any of them leads to the leader. */
  masters: string[];
  encoding: Encoding;
  role: string;
  principal: string;
  /** Declares RESERVATION_REFINEMENT, and then reads and writes the post-refinement format. */
  refinement: boolean;
  name?: string;
}

const PATH = '/api/v1/scheduler';

export class StatefulFramework {
  frameworkId = '';
  private stream?: RecordStream<SchedulerEvent>;
  private streamId = '';
  private leader = '';
  /** Events of every stream this framework had, in order. */
  readonly events: SchedulerEvent[] = [];
  private seen = 0;
  private closed = false;
  /** Offers received and neither used, declined nor rescinded yet, by id. */
  private readonly pending = new Map<string, Offer>();

  constructor(readonly opts: StatefulFrameworkOptions) {}

  private get contentType(): string {
    return this.opts.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  }

  private frameworkInfo(): Record<string, unknown> {
    return {
      user: 'root',
      name: this.opts.name ?? `stateful-${this.opts.encoding}`,
      roles: [this.opts.role],
      principal: this.opts.principal,
      failover_timeout: 3600,
      checkpoint: true,
      capabilities: [{ type: 'MULTI_ROLE' }, ...(this.opts.refinement ? [{ type: 'RESERVATION_REFINEMENT' }] : [])],
      ...(this.frameworkId ? { id: { value: this.frameworkId } } : {}),
    };
  }

  private body(call: Record<string, unknown>): Buffer | string {
    return this.opts.encoding === 'json' ? JSON.stringify(call) : encodeProtobuf(V1_MESSAGES.schedulerCall, call);
  }

  /**
   * SUBSCRIBE (again, with the framework id, after a failover) to whichever master leads: a standby
   * answers 307 with a scheme-relative Location, and 503 while an election runs.
   */
  async subscribe(timeoutMs = 60_000): Promise<void> {
    this.stream?.close();
    const deadline = Date.now() + timeoutMs;
    const call = {
      type: 'SUBSCRIBE',
      subscribe: { framework_info: this.frameworkInfo() },
      ...(this.frameworkId ? { framework_id: { value: this.frameworkId } } : {}),
    };
    let last = '';
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const base = this.leader || this.opts.masters[attempt % this.opts.masters.length];
      const parse = this.opts.encoding === 'json' ? undefined : (record: Buffer) => {
        const decoded = decodeProtobuf(V1_MESSAGES.schedulerEvent, record);
        if (!decoded.ok) throw new Error(decoded.message);
        return decoded.value;
      };
      const stream = new RecordStream<SchedulerEvent>(`${base}${PATH}`, this.body(call), { 'Content-Type': this.contentType, Accept: this.contentType }, parse);
      try {
        await stream.response();
      } catch (err) {
        last = `${base}: ${(err as Error).message}`;
        this.leader = '';
        await pause(200);
        continue;
      }
      if (stream.status === 307) {
        const location = String(stream.headers.location ?? '');
        this.leader = new URL(location.startsWith('//') ? `http:${location}` : location).origin;
        stream.close();
        continue;
      }
      if (stream.status !== 200) {
        last = `${base}: ${stream.status} ${stream.errorText}`;
        stream.close();
        this.leader = '';
        await pause(200);
        continue;
      }
      this.leader = base;
      this.stream = stream;
      // Offers of a master that is gone are gone with it.
      this.pending.clear();
      this.streamId = String(stream.headers['mesos-stream-id']);
      const subscribed = await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
      if (subscribed.type === 'SUBSCRIBED') this.frameworkId = subscribed.subscribed.framework_id.value;
      this.seen = 0;
      return;
    }
    throw new Error(`no master took SUBSCRIBE within ${timeoutMs} ms; last answer: ${last}`);
  }

  /**
   * Moves the stream's new events into `events`, keeping the book of outstanding offers and
   * acknowledging updates, as a scheduler must.
   */
  private async drain(): Promise<void> {
    const records = this.stream?.records ?? [];
    while (this.seen < records.length) {
      const event = records[this.seen++];
      this.events.push(event);
      if (event.type === 'OFFERS') for (const offer of event.offers.offers) this.pending.set(offer.id.value, offer);
      else if (event.type === 'RESCIND') this.pending.delete(event.rescind.offer_id.value);
      else if (event.type === 'UPDATE' && event.update.status.uuid) await this.acknowledge(event.update.status);
    }
  }

  private async acknowledge(status: TaskStatus): Promise<void> {
    const res = await this.call({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
    }).catch((err: Error) => ({ status: 0, text: err.message }) as HttpResult);
    // A leader that just went away cannot take it; the update comes again after re-subscribing.
    if (res.status !== 202 && res.status !== 0 && res.status !== 307 && res.status !== 503) {
      throw new Error(`ACKNOWLEDGE answered ${res.status}: ${res.text}`);
    }
  }

  async call(call: Record<string, unknown>): Promise<HttpResult> {
    return request(`${this.leader}${PATH}`, {
      body: this.body({ framework_id: { value: this.frameworkId }, ...call }),
      headers: { 'Content-Type': this.contentType, 'Mesos-Stream-Id': this.streamId },
    });
  }

  async expectAccepted(call: Record<string, unknown>): Promise<void> {
    const res = await this.call(call);
    if (res.status !== 202) throw new Error(`${String(call.type)} answered ${res.status}: ${res.text}`);
  }

  /**
   * Waits for an event matching `match` among those not looked at yet by an earlier wait; the
   * stream ending (the leader died) is an error for the caller to handle by subscribing again.
   */
  async waitFor<T>(match: (e: SchedulerEvent) => T | undefined, what: string, timeoutMs = 60_000, from = this.events.length): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.drain();
      for (; from < this.events.length; from++) {
        const found = match(this.events[from]);
        if (found !== undefined) return found;
      }
      if (this.closed) throw new Error(`closed while waiting for ${what}`);
      if (this.stream?.ended) throw new Error(`the stream ended while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${this.events.map((e) => e.type).join(',')}`);
      await pause(25);
    }
  }

  /**
   * An outstanding offer from `agentId` that `match` likes, waiting for one if need be; every other
   * outstanding offer is declined (refuse 0 s), so that its resources come back, merged with
   * whatever was freed meanwhile.
   */
  async offerFrom(agentId: string, match: (offer: Offer) => boolean, what: string, timeoutMs = 60_000): Promise<Offer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.drain();
      const chosen = [...this.pending.values()].find((o) => o.agent_id.value === agentId && match(o));
      if (chosen) this.pending.delete(chosen.id.value);
      const others = [...this.pending.keys()];
      this.pending.clear();
      if (others.length > 0) await this.decline(others);
      if (chosen) return chosen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await this.waitFor((e) => (e.type === 'OFFERS' ? true : undefined), what, Math.max(1, deadline - Date.now()));
    }
  }

  async decline(offerIds: string[]): Promise<void> {
    await this.expectAccepted({ type: 'DECLINE', decline: { offer_ids: offerIds.map((value) => ({ value })), filters: { refuse_seconds: 0 } } });
  }

  async accept(offer: Offer, operations: Record<string, unknown>[]): Promise<void> {
    await this.expectAccepted({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } },
    });
  }

  /** The first status of `taskId` in one of `states` (earlier states of the task pass by); task ids are used once. */
  async statusOf(taskId: string, states: string[], timeoutMs = 60_000): Promise<TaskStatus> {
    return this.waitFor((e) => {
      if (e.type !== 'UPDATE' || e.update.status.task_id.value !== taskId) return undefined;
      const status = e.update.status;
      if (states.includes(status.state)) return status;
      if (['TASK_FAILED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_KILLED', 'TASK_FINISHED'].includes(status.state)) {
        throw new Error(`task ${taskId} ended ${status.state} (${status.reason ?? ''}): ${status.message ?? ''}`);
      }
      return undefined;
    }, `task ${taskId} in ${states.join('/')}`, timeoutMs, 0);
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
  }

  // ---- resources in this framework's format ----

  /** A scalar dynamically reserved to this framework's role, by its principal, with `labels`. */
  reserved(name: string, value: number, labels: Record<string, string> = {}): WireResource {
    const labelList = Object.entries(labels).map(([key, v]) => ({ key, value: v }));
    const info = { principal: this.opts.principal, ...(labelList.length ? { labels: { labels: labelList } } : {}) };
    const base = { name, type: 'SCALAR', scalar: { value } };
    return this.opts.refinement
      ? { ...base, reservations: [{ type: 'DYNAMIC', role: this.opts.role, ...info }] }
      : { ...base, role: this.opts.role, reservation: info };
  }

  /** A persistent volume on reserved disk (docs/persistent-volume.md). */
  volume(id: string, sizeMb: number, containerPath: string, mode: 'RW' | 'RO' = 'RW'): WireResource {
    return {
      ...this.reserved('disk', sizeMb),
      disk: { persistence: { id, principal: this.opts.principal }, volume: { container_path: containerPath, mode } },
    };
  }

  /** A command task on the given resources (taken from the offer as they are). */
  task(offer: Offer, taskId: string, command: string, resources: WireResource[]): Record<string, unknown> {
    return {
      name: taskId,
      task_id: { value: taskId },
      agent_id: offer.agent_id,
      resources,
      command: { value: command, shell: true },
    };
  }
}

// ---- reading offers ----

/** The role a resource is reserved to in either format, or undefined when unreserved. */
export function reservationRole(r: WireResource): string | undefined {
  const stack = r.reservations as { role?: string }[] | undefined;
  if (stack && stack.length > 0) return stack[stack.length - 1].role;
  return r.role && r.role !== '*' ? r.role : undefined;
}

export function persistenceId(r: WireResource): string | undefined {
  return r.disk?.persistence?.id;
}

/** The offer's resources reserved to `role` that are not volumes. */
export function reservedScalars(offer: Offer, role: string): WireResource[] {
  return (offer.resources as WireResource[]).filter((r) => reservationRole(r) === role && persistenceId(r) === undefined);
}

export function volumeIn(offer: Offer, id: string): WireResource | undefined {
  return (offer.resources as WireResource[]).find((r) => persistenceId(r) === id);
}

export function scalarSum(resources: WireResource[], name: string): number {
  return resources.filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
