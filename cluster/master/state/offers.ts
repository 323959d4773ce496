/**
 * Outstanding offers. Every allocation becomes exactly one offer; an offer leaves this book exactly once
 * (used, declined, rescinded, timed out, or dropped with its framework or agent), and whoever takes it
 * decides where its resources go, so nothing is counted twice.
 */
import type { Allocation } from '../../allocator/types';
import { Resources } from '../../protocol/resources';
import type { TimerHandle } from '../../util/clock';
import type { Offer } from '../../protocol/types';
import { sendToFramework } from './channels';
import type { MasterContext } from '../context';
import { hasCapability, type AgentRecord, type FrameworkRecord } from './records';
import { v1Resources } from '../../protocol/v1-resources';

/** How long refined reservations are kept from a framework that cannot read them (Mesos's default refusal). */
const REFINED_REFUSE_SECONDS = 5;

export interface OfferRecord {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resources;
  offer: Offer;
  timer?: TimerHandle;
}

export class OfferManager {
  private readonly offers = new Map<string, OfferRecord>();

  constructor(private readonly ctx: MasterContext) {}

  get size(): number { return this.offers.size }

  get(id: string): OfferRecord | undefined { return this.offers.get(id) }

  /** Turns allocations into offers, one OFFERS event per framework. */
  publish(allocations: Allocation[]): void {
    const { records, allocator } = this.ctx;
    const now = this.ctx.clock.now();
    const batches = new Map<FrameworkRecord, Offer[]>();
    for (const allocation of allocations) {
      const framework = records.frameworks.get(allocation.frameworkId);
      const agent = records.agents.get(allocation.agentId);
      if (!framework?.connected || !agent || agent.connection !== 'connected') {
        // The allocator ran before it heard about a disconnect: hand the resources straight back.
        allocator.recoverResources(allocation.frameworkId, allocation.agentId, allocation.resources, now, undefined, allocation.role);
        continue;
      }
      const offerable = this.withoutRefinedFor(framework, allocation, now);
      if (!offerable) continue;
      const record = this.add(framework, agent, offerable);
      const batch = batches.get(framework);
      if (batch) batch.push(record.offer);
      else batches.set(framework, [record.offer]);
    }
    for (const [framework, offers] of batches) {
      sendToFramework(framework, { type: 'OFFERS', offers: { offers } });
      this.ctx.log.debug('sent offers', { framework_id: framework.id, count: offers.length });
    }
  }

  /**
   * As Mesos: a framework without RESERVATION_REFINEMENT is not offered refined reservations (it could
   * not read them). They go back at once, filtered for this framework for a while, so that frameworks
   * that can read them get them. Undefined when nothing is left to offer.
   */
  private withoutRefinedFor(framework: FrameworkRecord, allocation: Allocation, now: number): Allocation | undefined {
    const refined = allocation.resources.refinedReservations();
    if (refined.isEmpty() || hasCapability(framework.info, 'RESERVATION_REFINEMENT')) return allocation;
    this.ctx.allocator.recoverResources(allocation.frameworkId, allocation.agentId, refined, now, REFINED_REFUSE_SECONDS, allocation.role);
    const rest = allocation.resources.minus(refined);
    return rest.isEmpty() ? undefined : { ...allocation, resources: rest };
  }

  private add(framework: FrameworkRecord, agent: AgentRecord, allocation: Allocation): OfferRecord {
    const id = this.ctx.ids.nextOfferId();
    const record: OfferRecord = {
      id,
      frameworkId: framework.id,
      agentId: agent.id,
      role: allocation.role,
      resources: allocation.resources,
      offer: buildOffer(id, framework, agent, allocation),
    };
    const timeout = this.ctx.opts.offerTimeoutSeconds;
    if (timeout !== undefined && timeout > 0) {
      record.timer = this.ctx.clock.setTimeout(() => this.expire(id), timeout * 1000);
    }
    this.offers.set(id, record);
    framework.offerIds.add(id);
    agent.offerIds.add(id);
    this.ctx.records.touch();
    return record;
  }

  /** Removes an offer and returns it; its resources are now the caller's to launch on or recover. */
  take(id: string): OfferRecord | undefined {
    const record = this.offers.get(id);
    if (!record) return undefined;
    this.offers.delete(id);
    record.timer?.cancel();
    this.ctx.records.frameworks.get(record.frameworkId)?.offerIds.delete(id);
    this.ctx.records.agents.get(record.agentId)?.offerIds.delete(id);
    this.ctx.records.touch();
    return record;
  }

  /**
   * Takes an offer back from its framework. `recover` is false when the agent is leaving the allocator
   * anyway; `notify` is false when the framework has no stream to tell.
   */
  rescind(id: string, opts: { recover: boolean; notify: boolean }): void {
    const record = this.take(id);
    if (!record) return;
    if (opts.recover) {
      this.ctx.allocator.recoverResources(record.frameworkId, record.agentId, record.resources, this.ctx.clock.now(), undefined, record.role);
    }
    if (opts.notify) {
      const framework = this.ctx.records.frameworks.get(record.frameworkId);
      if (framework) sendToFramework(framework, { type: 'RESCIND', rescind: { offer_id: { value: id } } });
    }
  }

  rescindAllOnAgent(agent: AgentRecord, recover: boolean): void {
    for (const id of [...agent.offerIds]) this.rescind(id, { recover, notify: true });
  }

  /** A framework that lost its stream or is being removed: its offers go back silently. */
  recoverAllOfFramework(framework: FrameworkRecord): void {
    for (const id of [...framework.offerIds]) this.rescind(id, { recover: true, notify: false });
  }

  forFramework(framework: FrameworkRecord): OfferRecord[] {
    const out: OfferRecord[] = [];
    for (const id of framework.offerIds) {
      const record = this.offers.get(id);
      if (record) out.push(record);
    }
    return out;
  }

  offeredOnAgent(agent: AgentRecord): Resources {
    let sum = Resources.empty();
    for (const id of agent.offerIds) {
      const record = this.offers.get(id);
      if (record) sum = sum.plus(record.resources);
    }
    return sum;
  }

  offeredToFramework(framework: FrameworkRecord): Resources {
    let sum = Resources.empty();
    for (const record of this.forFramework(framework)) sum = sum.plus(record.resources);
    return sum;
  }

  clearTimers(): void {
    for (const record of this.offers.values()) record.timer?.cancel();
  }

  private expire(id: string): void {
    this.ctx.log.info('offer timed out; rescinding', { offer_id: id });
    this.rescind(id, { recover: true, notify: true });
    this.ctx.requestAllocation();
  }
}

function buildOffer(id: string, framework: FrameworkRecord, agent: AgentRecord, allocation: Allocation): Offer {
  const { host, port } = splitPid(agent.pid, agent.hostname, agent.port);
  return {
    id: { value: id },
    framework_id: { value: framework.id },
    agent_id: { value: agent.id },
    hostname: agent.hostname,
    url: { scheme: 'http', address: { hostname: agent.hostname, ip: host, port }, path: '/slave(1)' },
    resources: v1Resources(allocation.resources, {
      allocationRole: allocation.role,
      refinement: hasCapability(framework.info, 'RESERVATION_REFINEMENT'),
    }),
    attributes: agent.info.attributes ?? [],
    executor_ids: executorsOf(agent, framework.id),
    allocation_info: { role: allocation.role },
    ...(agent.unavailability ? { unavailability: agent.unavailability } : {}),
  };
}

/** The framework's executors running on the agent, which an offer lists so tasks can join them. */
function executorsOf(agent: AgentRecord, frameworkId: string): Offer['executor_ids'] {
  const ids: NonNullable<Offer['executor_ids']> = [];
  for (const executor of agent.executors.values()) {
    if (executor.frameworkId === frameworkId) ids.push({ value: executor.executorId });
  }
  return ids;
}

/** The agent's advertised "host:port", falling back to what AgentInfo says. */
export function splitPid(pid: string, hostname: string, port: number | undefined): { host: string; port: number } {
  const colon = pid.lastIndexOf(':');
  const parsedPort = colon >= 0 ? Number(pid.slice(colon + 1)) : NaN;
  return {
    host: colon > 0 ? pid.slice(0, colon) : hostname,
    port: Number.isInteger(parsedPort) && parsedPort > 0 ? parsedPort : (port ?? 5051),
  };
}
