/**
 * The operator event stream (SUBSCRIBE): one per master, built with it.
 *
 * SUBSCRIBE answers with a RecordIO stream: SUBSCRIBED (the GET_STATE snapshot and the heartbeat
 * interval), then an event per change, and a HEARTBEAT one interval after subscribing and every
 * interval after that, each subscriber on its own beat (Mesos's operator subscriber starts its
 * heartbeater with a delay of one interval, unlike the scheduler API's). Every subscriber
 * (a UI per operator) gets the same bytes: each event is built and serialised once and the one buffer
 * is written to every stream, and the snapshot is built once per records version however many
 * subscribe. A subscriber that stops reading is cut off once its unread backlog passes a bound, so
 * it costs the master memory up to that bound and never blocks it.
 */
import type * as http from 'node:http';
import { RecordIOStream } from '../../http/server';
import { encodeRecord } from '../../protocol/recordio';
import type { TimerHandle } from '../../util/clock';
import type { MasterCore } from '../core';
import { openCorked } from '../state/channels';
import type { MasterEvent, MasterEventListener } from '../state/events';
import { operatorEventJson } from '../views/operator-event-json';
import { getState } from '../views/operator-views';
import type { UsageCache } from '../views/usage-cache';

const HEARTBEAT = encodeRecord({ type: 'HEARTBEAT' });

export class OperatorEventStreams implements MasterEventListener {
  /** Each subscriber with its heartbeat timer. */
  private readonly subscribers = new Map<RecordIOStream, TimerHandle>();
  private unlisten?: () => void;
  private snapshot?: { version: number; bytes: Buffer };

  constructor(private readonly core: MasterCore, private readonly usage: UsageCache) {}

  /** Subscribers now connected (for metrics). */
  get size(): number { return this.subscribers.size }

  subscribe(res: http.ServerResponse): void {
    openCorked(res, () => {
      // Unread bytes beyond the snapshot a subscriber may fall behind by: --max_stream_backlog_size.
      const stream = new RecordIOStream(res, {}, this.core.opts.maxStreamBacklogBytes);
      stream.writeInitial(this.subscribedEvent());
      const heartbeat = this.core.clock.setInterval(() => this.send(stream, HEARTBEAT), this.core.opts.heartbeatIntervalSeconds * 1000);
      this.subscribers.set(stream, heartbeat);
      stream.onClose(() => this.drop(stream));
      if (this.subscribers.size === 1) this.start();
    });
  }

  onEvent(event: MasterEvent): void {
    let bytes: Buffer;
    try {
      bytes = encodeRecord(operatorEventJson(this.core, this.usage, event));
    } catch (err) {
      // A view that cannot be built must not undo the change that was made; subscribers miss one event.
      this.core.log.error('operator event not sent', { type: event.type, error: (err as Error).message });
      return;
    }
    this.broadcast(bytes);
  }

  onClose(): void {
    for (const subscriber of [...this.subscribers.keys()]) subscriber.end();
    this.stop();
  }

  private broadcast(bytes: Buffer): void {
    for (const subscriber of this.subscribers.keys()) this.send(subscriber, bytes);
  }

  private send(subscriber: RecordIOStream, bytes: Buffer): void {
    if (subscriber.isClosed) return;
    if (!subscriber.writeEncoded(bytes)) {
      if (subscriber.overflowed) this.core.log.warn('operator subscriber too slow; disconnecting it');
      this.drop(subscriber);
    }
  }

  /** SUBSCRIBED with the GET_STATE snapshot, serialised once per records version. */
  private subscribedEvent(): Buffer {
    const version = this.core.records.version;
    if (this.snapshot?.version !== version) {
      const event = {
        type: 'SUBSCRIBED',
        subscribed: { get_state: getState(this.core), heartbeat_interval_seconds: this.core.opts.heartbeatIntervalSeconds },
      };
      this.snapshot = { version, bytes: encodeRecord(event) };
    }
    return this.snapshot.bytes;
  }

  private drop(subscriber: RecordIOStream): void {
    const heartbeat = this.subscribers.get(subscriber);
    if (!heartbeat) return;
    heartbeat.cancel();
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.stop();
  }

  private start(): void {
    this.unlisten = this.core.events.listen(this);
  }

  private stop(): void {
    this.unlisten?.();
    this.unlisten = undefined;
    for (const heartbeat of this.subscribers.values()) heartbeat.cancel();
    // The snapshot can be tens of megabytes at scale; nobody needs it until the next subscriber.
    this.snapshot = undefined;
  }
}
