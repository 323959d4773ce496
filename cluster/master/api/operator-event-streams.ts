/**
 * The operator event stream (SUBSCRIBE): one per master, built with it.
 *
 * SUBSCRIBE answers with a RecordIO stream: SUBSCRIBED (the GET_STATE snapshot and the heartbeat
 * interval), then an event per change, and a HEARTBEAT one interval after subscribing and every
 * interval after that, each subscriber on its own beat (Mesos's operator subscriber starts its
 * heartbeater with a delay of one interval, unlike the scheduler API's). Records are JSON or
 * protobuf, as each subscriber asked. Every subscriber (a UI per operator) of one encoding gets the
 * same bytes: each event is built once, serialised once per encoding in use, and the one buffer is
 * written to every stream of that encoding; the snapshot is built once per records version however
 * many subscribe. A subscriber that stops reading is cut off once its unread backlog passes a bound, so
 * it costs the master memory up to that bound and never blocks it.
 *
 * With --acls, a subscriber whose principal may not see everything gets its own snapshot, filtered,
 * and only the task and framework events it may see (the same bytes as everyone else's).
 */
import type * as http from 'node:http';
import { RecordIOStream } from '../../http/server';
import type { Encoding, StreamFormat } from '../../http/v1-media';
import type { TimerHandle } from '../../util/clock';
import type { MasterCore } from '../core';
import { openCorked } from '../state/channels';
import type { MasterEvent, MasterEventListener } from '../state/events';
import { operatorEventJson } from '../views/operator-event-json';
import { getState } from '../views/operator-views';
import type { UsageCache } from '../views/usage-cache';
import { Visibility } from '../views/visibility';

const HEARTBEAT = { type: 'HEARTBEAT' };

/** An event's records, encoded on first need for each encoding. */
class Records {
  private readonly bytes = new Map<Encoding, Buffer>();
  constructor(readonly event: unknown) {}
  bytesFor(format: StreamFormat): Buffer {
    let bytes = this.bytes.get(format.encoding);
    if (bytes === undefined) this.bytes.set(format.encoding, bytes = format.record(this.event));
    return bytes;
  }
}

export class OperatorEventStreams implements MasterEventListener {
  /** Each stream with its encoding, what its principal may see (view undefined: everything) and its heartbeat timer. */
  private readonly subscribers = new Map<RecordIOStream, { format: StreamFormat; view?: Visibility; heartbeat: TimerHandle }>();
  private unlisten?: () => void;
  private snapshot?: { version: number; records: Records };
  private readonly heartbeats = new Records(HEARTBEAT);

  constructor(private readonly core: MasterCore, private readonly usage: UsageCache) {}

  /** Subscribers now connected (for metrics). */
  get size(): number { return this.subscribers.size }

  subscribe(res: http.ServerResponse, format: StreamFormat, principal?: string): void {
    const visibility = new Visibility(this.core, this.core.authorizer, principal);
    const view = visibility.everything ? undefined : visibility;
    openCorked(res, () => {
      // Unread bytes beyond the snapshot a subscriber may fall behind by: --max_stream_backlog_size.
      const stream = new RecordIOStream(res, format.headers, this.core.opts.maxStreamBacklogBytes, format.record);
      stream.writeInitial(view ? format.record(this.filteredSubscribedEvent(view)) : this.subscribedEvent().bytesFor(format));
      const heartbeat = this.core.clock.setInterval(() => this.send(stream, this.heartbeats), this.core.opts.heartbeatIntervalSeconds * 1000);
      this.subscribers.set(stream, { format, view, heartbeat });
      stream.onClose(() => this.drop(stream));
      if (this.subscribers.size === 1) this.start();
    });
  }

  onEvent(event: MasterEvent): void {
    let records: Records;
    try {
      records = new Records(operatorEventJson(this.core, this.usage, event));
      for (const { format } of this.subscribers.values()) records.bytesFor(format);
    } catch (err) {
      // A view that cannot be built must not undo the change that was made; subscribers miss one event.
      this.core.log.error('operator event not sent', { type: event.type, error: (err as Error).message });
      return;
    }
    for (const [subscriber, { view }] of this.subscribers) {
      if (!view || view.event(event)) this.send(subscriber, records);
    }
  }

  onClose(): void {
    for (const subscriber of [...this.subscribers.keys()]) subscriber.end();
    this.stop();
  }

  private send(subscriber: RecordIOStream, records: Records): void {
    const entry = this.subscribers.get(subscriber);
    if (!entry || subscriber.isClosed) return;
    if (!subscriber.writeEncoded(records.bytesFor(entry.format))) {
      if (subscriber.overflowed) this.core.log.warn('operator subscriber too slow; disconnecting it');
      this.drop(subscriber);
    }
  }

  /** SUBSCRIBED with the GET_STATE snapshot, built once per records version and serialised once per encoding. */
  private subscribedEvent(): Records {
    const version = this.core.records.version;
    if (this.snapshot?.version !== version) {
      const event = {
        type: 'SUBSCRIBED',
        subscribed: { get_state: getState(this.core), heartbeat_interval_seconds: this.core.opts.heartbeatIntervalSeconds },
      };
      this.snapshot = { version, records: new Records(event) };
    }
    return this.snapshot.records;
  }

  /** The cached SUBSCRIBED with its snapshot as `view` may see it. */
  private filteredSubscribedEvent(view: Visibility): unknown {
    const event = this.subscribedEvent().event as { type: string; subscribed: { get_state: Parameters<Visibility['getState']>[0] } };
    return { ...event, subscribed: { ...event.subscribed, get_state: view.getState(event.subscribed.get_state) } };
  }

  private drop(subscriber: RecordIOStream): void {
    const entry = this.subscribers.get(subscriber);
    if (!entry) return;
    entry.heartbeat.cancel();
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.stop();
  }

  private start(): void {
    this.unlisten = this.core.events.listen(this);
  }

  private stop(): void {
    this.unlisten?.();
    this.unlisten = undefined;
    for (const { heartbeat } of this.subscribers.values()) heartbeat.cancel();
    // The snapshot can be tens of megabytes at scale; nobody needs it until the next subscriber.
    this.snapshot = undefined;
  }
}
