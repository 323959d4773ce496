/**
 * Framework lifecycle: subscription (new, failover, re-subscription after a disconnect), updates
 * (UPDATE_FRAMEWORK, and what a re-subscription changes), heartbeats, disconnection with its failover
 * timeout, and removal (teardown or failover timeout) which kills the framework's tasks and moves it
 * to the completed frameworks.
 */
import type { RecordIOStream } from '../../http/server';
import type { FrameworkInfo } from '../../protocol/types';
import { sendToAgent, sendToFramework } from './channels';
import type { MasterContext } from '../context';
import type { OfferManager } from './offers';
import { frameworkRoles, hasCapability, type FrameworkConstraints, type FrameworkRecord } from './records';
import type { TaskManager } from './tasks';

/** setTimeout's ceiling; longer failover timeouts (Mesos allows weeks) are clamped to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class FrameworkManager {
  constructor(private readonly ctx: MasterContext, private readonly books: { offers: OfferManager; tasks: TaskManager }) {}

  /**
   * Binds a SUBSCRIBE stream to a framework, new or known, and sends SUBSCRIBED. A framework id the
   * master does not know is adopted (the scheduler may have subscribed to a previous leader).
   */
  subscribe(info: FrameworkInfo, suppressedRoles: string[], stream: RecordIOStream, streamId: string, constraints?: FrameworkConstraints): void {
    const { records, allocator, log } = this.ctx;
    const requestedId = info.id?.value;
    if (requestedId && records.isCompletedFramework(requestedId)) {
      stream.write({ type: 'ERROR', error: { message: 'Framework has been removed' } });
      stream.end();
      return;
    }
    const now = this.ctx.clock.now();
    let framework = requestedId ? records.frameworks.get(requestedId) : undefined;
    if (!framework) {
      const id = requestedId ?? this.ctx.ids.nextFrameworkId();
      framework = records.newFramework({ ...info, id: { value: id } }, now, false);
      framework.suppressedRoles = new Set(suppressedRoles);
      framework.offerConstraints = constraints;
      allocator.addFramework({ id, roles: framework.roles, suppressedRoles, offerConstraints: constraints?.filter });
      log.info('framework subscribed', { framework_id: id, framework_name: info.name, roles: framework.roles });
      this.attach(framework, stream, streamId);
      this.ctx.events.emit({ type: 'FRAMEWORK_ADDED', framework });
    } else {
      this.resubscribe(framework, info, suppressedRoles, constraints, now);
      this.attach(framework, stream, streamId);
      this.ctx.events.emit({ type: 'FRAMEWORK_UPDATED', framework });
    }
  }

  private resubscribe(framework: FrameworkRecord, info: FrameworkInfo, suppressedRoles: string[], constraints: FrameworkConstraints | undefined, now: number): void {
    const { allocator, log } = this.ctx;
    if (framework.stream) {
      const old = framework.stream;
      framework.stream = undefined;
      old.write({ type: 'ERROR', error: { message: 'Framework failed over' } });
      old.end();
    }
    this.stopTimers(framework);
    // Offers made to the previous connection are void; the new one gets fresh ones.
    this.books.offers.recoverAllOfFramework(framework);
    framework.recovered = false;
    framework.reregisteredTime = now;
    framework.unregisteredTime = undefined;
    // A new connection starts without refuse filters, as in Mesos; suppression is what it asks now.
    allocator.revive(framework.id);
    this.apply(framework, info, suppressedRoles, constraints);
    log.info('framework re-subscribed', { framework_id: framework.id, framework_name: info.name, roles: framework.roles });
  }

  /**
   * UPDATE_FRAMEWORK, once checked: the new FrameworkInfo (roles, capabilities, name, failover
   * timeout...), suppressed roles and offer constraints take effect without a new subscription.
   * Offers that no longer fit (a role left, an agent the constraints now exclude) are rescinded;
   * tasks keep running, counted in the role they were launched in.
   */
  update(framework: FrameworkRecord, info: FrameworkInfo, suppressedRoles: string[], constraints: FrameworkConstraints | undefined): void {
    this.apply(framework, info, suppressedRoles, constraints);
    for (const record of this.books.offers.forFramework(framework)) {
      const agent = this.ctx.records.agents.get(record.agentId);
      const excluded = agent !== undefined && constraints?.filter?.excludes(record.role, { hostname: agent.hostname, attributes: agent.info.attributes });
      if (!framework.roles.includes(record.role) || excluded) this.books.offers.rescind(record.id, { recover: true, notify: true });
    }
    this.ctx.log.info('framework updated', { framework_id: framework.id, framework_name: info.name, roles: framework.roles });
    this.ctx.records.touch();
    this.ctx.requestAllocation();
    this.ctx.events.emit({ type: 'FRAMEWORK_UPDATED', framework });
  }

  private apply(framework: FrameworkRecord, info: FrameworkInfo, suppressedRoles: string[], constraints: FrameworkConstraints | undefined): void {
    framework.info = { ...info, id: { value: framework.id } };
    framework.roles = frameworkRoles(info);
    framework.partitionAware = hasCapability(info, 'PARTITION_AWARE');
    framework.killingAware = hasCapability(info, 'TASK_KILLING_STATE');
    framework.suppressedRoles = new Set(suppressedRoles);
    framework.offerConstraints = constraints;
    this.ctx.allocator.updateFramework({ id: framework.id, roles: framework.roles, suppressedRoles, offerConstraints: constraints?.filter });
  }

  private attach(framework: FrameworkRecord, stream: RecordIOStream, streamId: string): void {
    const { opts } = this.ctx;
    framework.stream = stream;
    framework.streamId = streamId;
    framework.connected = true;
    framework.active = true;
    this.ctx.allocator.activateFramework(framework.id);
    stream.onClose(() => {
      if (stream.overflowed) this.ctx.log.warn('scheduler not reading its stream; disconnecting it', { framework_id: framework.id });
      if (framework.stream === stream) this.disconnect(framework);
    });
    stream.write({
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: framework.id },
        heartbeat_interval_seconds: opts.heartbeatIntervalSeconds,
        master_info: this.ctx.masterInfo,
      },
    });
    // As Mesos's heartbeater does, the first HEARTBEAT goes out at once, then one per interval.
    stream.write({ type: 'HEARTBEAT' });
    framework.heartbeatTimer = this.ctx.clock.setInterval(() => sendToFramework(framework, { type: 'HEARTBEAT' }), opts.heartbeatIntervalSeconds * 1000);
    this.ctx.records.touch();
    this.ctx.requestAllocation();
  }

  /** The scheduler's stream went away: no offers until it comes back within its failover timeout. */
  private disconnect(framework: FrameworkRecord): void {
    const { allocator, log } = this.ctx;
    framework.stream = undefined;
    framework.streamId = undefined;
    framework.connected = false;
    framework.active = false;
    this.stopTimers(framework);
    allocator.deactivateFramework(framework.id);
    this.books.offers.recoverAllOfFramework(framework);
    const timeoutSeconds = framework.info.failover_timeout ?? 0;
    log.info('framework disconnected', { framework_id: framework.id, failover_timeout: timeoutSeconds });
    if (timeoutSeconds <= 0) {
      this.remove(framework, 'failover timeout 0 elapsed');
    } else {
      framework.failoverTimer = this.ctx.clock.setTimeout(() => this.remove(framework, 'failover timeout elapsed'), Math.min(timeoutSeconds * 1000, MAX_TIMER_MS));
    }
    this.ctx.records.touch();
    this.ctx.requestAllocation();
    if (this.ctx.records.frameworks.get(framework.id) === framework) this.ctx.events.emit({ type: 'FRAMEWORK_UPDATED', framework });
  }

  /**
   * Framework known only from an agent's report or from the replicated registry (a new leader): kept,
   * inactive, until it subscribes; with `graceSeconds`, removed if it has not subscribed by then.
   */
  recover(info: FrameworkInfo, graceSeconds?: number): FrameworkRecord {
    const framework = this.ctx.records.newFramework(info, this.ctx.clock.now(), true);
    this.ctx.allocator.addFramework({ id: framework.id, roles: framework.roles });
    this.ctx.allocator.deactivateFramework(framework.id);
    if (graceSeconds !== undefined) {
      framework.failoverTimer = this.ctx.clock.setTimeout(() => this.remove(framework, 'did not re-subscribe after master failover'), Math.min(graceSeconds * 1000, MAX_TIMER_MS));
    }
    this.ctx.events.emit({ type: 'FRAMEWORK_ADDED', framework });
    return framework;
  }

  /** TEARDOWN, or a failover timeout that ran out: kill every task and forget the framework. */
  remove(framework: FrameworkRecord, reason: string): void {
    const { records, allocator, log } = this.ctx;
    if (records.frameworks.get(framework.id) !== framework) return;
    this.stopTimers(framework);
    if (framework.stream) {
      const stream = framework.stream;
      framework.stream = undefined;
      stream.end();
    }
    this.books.offers.recoverAllOfFramework(framework);
    // Every agent hears of it, not only those with its tasks: a custom executor outlives its tasks
    // (it idles until shut down), and the master forgets an executor with its last task.
    for (const agent of records.agents.values()) {
      sendToAgent(agent, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: framework.id } } });
    }
    // Resources go back before the allocator forgets the framework, as Mesos orders it.
    this.books.tasks.removeAllOfFramework(framework);
    allocator.removeFramework(framework.id);
    framework.connected = false;
    framework.active = false;
    framework.streamId = undefined;
    framework.unregisteredTime = this.ctx.clock.now();
    records.completeFramework(framework);
    this.ctx.events.emit({ type: 'FRAMEWORK_REMOVED', framework });
    log.info('framework removed', { framework_id: framework.id, reason });
    this.ctx.requestAllocation();
  }

  stopTimers(framework: FrameworkRecord): void {
    framework.heartbeatTimer?.cancel();
    framework.failoverTimer?.cancel();
    framework.heartbeatTimer = undefined;
    framework.failoverTimer = undefined;
  }
}
