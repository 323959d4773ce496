/**
 * Inverse offers (docs/maintenance.md): while an agent's machine is DRAINING, every framework with
 * tasks or executors there is asked, once, for the agent back (INVERSE_OFFERS with the machine's
 * unavailability and no resources, meaning all of it). It answers ACCEPT_INVERSE_OFFERS or
 * DECLINE_INVERSE_OFFERS; the answer is a hint for the operator, shown in GET_MAINTENANCE_STATUS,
 * and changes nothing else. When the machine leaves DRAINING (UP, DOWN) or the agent goes, the
 * outstanding inverse offers are rescinded and the answers forgotten.
 *
 * Simpler than Mesos's allocator: an answered inverse offer is not sent again (no refusal filter
 * timing out) until the unavailability changes or the framework gets tasks on a new agent.
 */
import type { InverseOffer, TimeInfo, Unavailability } from '../../protocol/types';
import { isTerminalState } from '../../protocol/types';
import type { MasterContext } from '../context';
import { sendToFramework } from './channels';
import type { AgentRecord, FrameworkRecord } from './records';

export type InverseOfferAnswer = 'UNKNOWN' | 'ACCEPT' | 'DECLINE';

/** allocator.proto InverseOfferStatus, as GET_MAINTENANCE_STATUS reports it: the answer and when it was last updated. */
export interface InverseOfferStatus { status: InverseOfferAnswer; framework_id: { value: string }; timestamp: TimeInfo }

interface InverseOfferRecord { id: string; frameworkId: string; agentId: string; status: InverseOfferAnswer; timestamp: number; outstanding: boolean }

export class InverseOffers {
  /** Per agent, per framework: the one inverse offer sent for it and its answer. */
  private readonly byAgent = new Map<string, Map<string, InverseOfferRecord>>();
  private readonly byId = new Map<string, InverseOfferRecord>();

  constructor(private readonly ctx: MasterContext) {}

  /** Whether `frameworkId` has had its inverse offer for `agentId` (answered or not). */
  has(agentId: string, frameworkId: string): boolean {
    return this.byAgent.get(agentId)?.has(frameworkId) ?? false;
  }

  /** Sends one to each connected framework using `agent` that has not had one for it. */
  offer(agent: AgentRecord, unavailability: Unavailability): void {
    const sent = this.byAgent.get(agent.id) ?? new Map<string, InverseOfferRecord>();
    this.byAgent.set(agent.id, sent);
    for (const frameworkId of frameworksUsing(agent)) {
      const framework = this.ctx.records.frameworks.get(frameworkId);
      if (sent.has(frameworkId) || !framework?.connected) continue;
      const record: InverseOfferRecord = {
        id: this.ctx.ids.nextOfferId(), frameworkId, agentId: agent.id, status: 'UNKNOWN', timestamp: this.ctx.clock.now(), outstanding: true,
      };
      sent.set(frameworkId, record);
      this.byId.set(record.id, record);
      const inverseOffer: InverseOffer = {
        id: { value: record.id }, framework_id: { value: frameworkId }, agent_id: { value: agent.id }, unavailability, resources: [],
      };
      sendToFramework(framework, { type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: [inverseOffer] } });
      this.ctx.log.info('inverse offer sent', { framework_id: frameworkId, agent_id: agent.id, inverse_offer_id: record.id });
    }
  }

  /** ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS: ids that are not the framework's outstanding ones are ignored, as in Mesos. */
  answer(framework: FrameworkRecord, ids: string[], status: 'ACCEPT' | 'DECLINE'): void {
    for (const id of ids) {
      const record = this.byId.get(id);
      if (!record || record.frameworkId !== framework.id || !record.outstanding) continue;
      record.outstanding = false;
      record.status = status;
      record.timestamp = this.ctx.clock.now();
      this.byId.delete(id);
    }
    this.ctx.records.touch();
  }

  /** The agent's machine left DRAINING, or the agent left: outstanding ones are rescinded, answers forgotten. */
  clear(agentId: string): void {
    const sent = this.byAgent.get(agentId);
    if (!sent) return;
    this.byAgent.delete(agentId);
    for (const record of sent.values()) {
      this.byId.delete(record.id);
      if (!record.outstanding) continue;
      const framework = this.ctx.records.frameworks.get(record.frameworkId);
      if (framework) sendToFramework(framework, { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: record.id } } });
    }
  }

  statuses(agentId: string): InverseOfferStatus[] {
    return [...(this.byAgent.get(agentId)?.values() ?? [])].map((r) => ({
      status: r.status, framework_id: { value: r.frameworkId }, timestamp: { nanoseconds: r.timestamp * 1e6 },
    }));
  }
}

/** Frameworks with a live task or an executor on the agent. */
function frameworksUsing(agent: AgentRecord): Set<string> {
  const ids = new Set<string>();
  for (const task of agent.tasks.values()) if (!isTerminalState(task.state)) ids.add(task.frameworkId);
  for (const executor of agent.executors.values()) ids.add(executor.frameworkId);
  return ids;
}
