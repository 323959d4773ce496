/**
 * A tiny scheduler that speaks the v1 scheduler HTTP API directly: subscribe, collect the decoded
 * events, send calls with the stream id. No driver logic, so tests see exactly what is on the wire.
 */
import { Resources } from '../../cluster/protocol/resources';
import type { FrameworkInfo, Offer, SchedulerEvent, TaskInfo, TaskState, TaskStatus } from '../../cluster/protocol/types';
import { RecordStream, request, type HttpResult } from './http';

export const SCHEDULER_PATH = '/api/v1/scheduler';

export function frameworkInfo(extra: Partial<FrameworkInfo> = {}): FrameworkInfo {
  return { user: 'tester', name: 'test-framework', ...extra };
}

type UpdateEvent = Extract<SchedulerEvent, { type: 'UPDATE' }>;

export class RawScheduler {
  frameworkId = '';
  streamId = '';
  private autoAcking = false;

  /** `headers`: sent with SUBSCRIBE and every call (credentials). */
  private constructor(readonly masterUrl: string, readonly stream: RecordStream<SchedulerEvent>, private readonly headers: Record<string, string> = {}) {}

  get events(): SchedulerEvent[] { return this.stream.records }

  /** Subscribes and waits for SUBSCRIBED. */
  static async subscribe(masterUrl: string, info: FrameworkInfo = frameworkInfo(), extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<RawScheduler> {
    const body = { type: 'SUBSCRIBE', subscribe: { framework_info: info, ...extra }, ...(info.id ? { framework_id: info.id } : {}) };
    const stream = await new RecordStream<SchedulerEvent>(`${masterUrl}${SCHEDULER_PATH}`, body, headers).response();
    if (stream.status !== 200) throw new Error(`SUBSCRIBE answered ${stream.status}: ${stream.errorText}`);
    const scheduler = new RawScheduler(masterUrl, stream, headers);
    const subscribed = await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    if (subscribed.type !== 'SUBSCRIBED') throw new Error('unreachable');
    scheduler.frameworkId = subscribed.subscribed.framework_id.value;
    scheduler.streamId = String(stream.headers['mesos-stream-id']);
    return scheduler;
  }

  /** Sends a call of this framework with its stream id (both can be overridden). */
  async call(call: Record<string, unknown>, opts: { streamId?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
    return request(`${this.masterUrl}${SCHEDULER_PATH}`, {
      body: { framework_id: { value: this.frameworkId }, ...call },
      headers: { ...this.headers, 'Mesos-Stream-Id': opts.streamId ?? this.streamId, ...opts.headers },
    });
  }

  async expectAccepted(call: Record<string, unknown>): Promise<void> {
    const res = await this.call(call);
    if (res.status !== 202) throw new Error(`${String(call.type)} answered ${res.status}: ${res.text}`);
  }

  waitFor(match: (e: SchedulerEvent) => boolean, what: string, opts: { from?: number; timeoutMs?: number } = {}): Promise<SchedulerEvent> {
    return this.stream.waitFor(match, what, opts);
  }

  /** The next OFFERS event after `from`, flattened to its offers. */
  async nextOffers(opts: { from?: number; timeoutMs?: number } = {}): Promise<Offer[]> {
    const event = await this.waitFor((e) => e.type === 'OFFERS', 'OFFERS', opts);
    return event.type === 'OFFERS' ? event.offers.offers : [];
  }

  /** Waits for an UPDATE of `taskId` in `state` and returns its status. */
  async update(taskId: string, state: TaskState, opts: { from?: number; timeoutMs?: number } = {}): Promise<TaskStatus> {
    const event = await this.waitFor(
      (e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId && e.update.status.state === state,
      `UPDATE ${state} of ${taskId}`,
      opts,
    );
    return (event as UpdateEvent).update.status;
  }

  updates(taskId?: string): TaskStatus[] {
    return this.events
      .filter((e): e is UpdateEvent => e.type === 'UPDATE')
      .map((e) => e.update.status)
      .filter((s) => taskId === undefined || s.task_id.value === taskId);
  }

  /** Acknowledges an update that carries a uuid. */
  async acknowledge(status: TaskStatus): Promise<void> {
    if (!status.uuid) return;
    await this.expectAccepted({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
    });
  }

  async launch(offers: Offer[], tasks: TaskInfo[], filters?: { refuse_seconds?: number }): Promise<void> {
    await this.expectAccepted({
      type: 'ACCEPT',
      accept: {
        offer_ids: offers.map((o) => o.id),
        operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
        ...(filters ? { filters } : {}),
      },
    });
  }

  /** From now on, acknowledges every update that needs it as it arrives (as a real driver does). */
  autoAcknowledge(): this {
    if (this.autoAcking) return this;
    this.autoAcking = true;
    void (async () => {
      let next = 0;
      while (!this.stream.ended) {
        try {
          await this.stream.waitFor(() => true, 'any event', { from: next, timeoutMs: 60_000 });
        } catch {
          return;
        }
        for (; next < this.events.length; next++) {
          const event = this.events[next];
          if (event.type === 'UPDATE' && event.update.status.uuid) await this.acknowledge(event.update.status).catch(() => undefined);
        }
      }
    })();
    return this;
  }

  close(): void {
    this.stream.close();
  }
}

/** A command task on `offer`'s agent. */
export function commandTask(offer: Offer, id: string, command: string, resources = 'cpus:0.1;mem:32'): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    command: { shell: true, value: command },
    resources: Resources.parse(resources).toV1(),
  };
}

/** ACCEPT with one LAUNCH_GROUP on the default executor: `tasks` are [task id, shell command] pairs, or whole TaskInfos. */
export function launchGroup(scheduler: RawScheduler, offer: Offer, executorId: string, tasks: ([string, string] | TaskInfo)[]): Promise<void> {
  return scheduler.expectAccepted({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{
        type: 'LAUNCH_GROUP',
        launch_group: {
          executor: { type: 'DEFAULT', executor_id: { value: executorId }, resources: Resources.parse('cpus:0.1;mem:32').toV1() },
          task_group: { tasks: tasks.map((t) => (Array.isArray(t) ? commandTask(offer, t[0], t[1], 'cpus:0.2;mem:32') : t)) },
        },
      }],
      filters: { refuse_seconds: 0 },
    },
  });
}

export function scalarOf(offer: Offer, name: string): number {
  return offer.resources.filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}
