/**
 * Dynamic reservations and persistent volumes on the master: RESERVE, UNRESERVE, CREATE and DESTROY,
 * from an ACCEPT (on offered resources) or from the operator API (on an agent's free resources).
 *
 * Each applied operation is a conversion (resource-operations.ts) that changes three things together:
 * the agent's checkpointed list and total (records), the allocator (updateAllocation for offered
 * resources, updateAgentTotal for free ones), and the agent, which is sent its whole checkpointed list
 * (CHECKPOINT_RESOURCES). Listeners (the replicated registry) hear of every change of the list.
 */
import { sendToAgent } from './channels';
import type { MasterContext } from '../context';
import type { OfferManager } from './offers';
import { hasCapability, type AgentRecord, type FrameworkRecord } from './records';
import {
  applyCheckpointed, applyOperation, checkpointedAfter, conversionOf, type Conversion, type Outcome, type ResourceOperation,
} from '../../protocol/resource-operations';
import type { Resources } from '../../protocol/resources';
import type { AclAction } from '../../authz/acls';

export type CheckpointListener = (agent: AgentRecord) => void;

/** Why an operation was refused, as the operator API answers it. */
export type Refusal = { status: 400 | 403 | 409; message: string };

export class ReservationManager {
  private readonly listeners = new Set<CheckpointListener>();

  constructor(private readonly ctx: MasterContext, private readonly books: { offers: OfferManager }) {}

  /** Every change of an agent's checkpointed list (the registry stores it). Returns the remover. */
  onChange(listener: CheckpointListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener) };
  }

  /**
   * On (re-)registration: the list the master holds for a known agent wins, even empty; `reported`, the
   * agent's own list, is given only for an agent the master does not know (a lost registry) and then
   * adopted. Returns the agent's total with the list applied.
   */
  settle(agent: AgentRecord, base: Resources, reported: Resources | undefined): Resources {
    const wanted = reported ?? agent.checkpointed;
    const { total, kept, dropped } = applyCheckpointed(base, wanted);
    if (!dropped.isEmpty()) {
      this.ctx.log.warn('checkpointed resources no longer fit the agent; dropped', { agent_id: agent.id, dropped: dropped.toString() });
    }
    const changed = !kept.equals(agent.checkpointed);
    agent.checkpointed = kept;
    if (changed) this.notify(agent);
    return total;
  }

  /** Sends the agent its whole checkpointed list (after registration and after every change). */
  sendCheckpoint(agent: AgentRecord): void {
    sendToAgent(agent, { type: 'CHECKPOINT_RESOURCES', checkpoint_resources: { resources: agent.checkpointed.toV1(undefined, 'post-refinement') } });
  }

  /**
   * An ACCEPT's operation on `offered` (what is left of the offers so far). Returns what is left after
   * it, or why it was dropped; the allocator's allocation to the framework is converted in place.
   */
  applyOffered(framework: FrameworkRecord, agent: AgentRecord, role: string, op: ResourceOperation, offered: Resources): Outcome<Resources> {
    const principal = framework.info.principal;
    const actor = { principal, allocationRole: role, refinement: hasCapability(framework.info, 'RESERVATION_REFINEMENT') };
    const applied = applyOperation(offered, op, actor, agent.total);
    if (!applied.ok) return applied;
    const refused = this.refusal(agent, op, principal);
    if (refused) return { ok: false, message: refused.message };
    try {
      this.ctx.allocator.updateAllocation(framework.id, agent.id, role, applied.value.consumed, applied.value.converted);
    } catch (err) {
      // The offer's resources are the framework's in `role`; if the allocator disagrees, nothing was changed.
      return { ok: false, message: (err as Error).message };
    }
    this.commit(agent, applied.value, `framework ${framework.id}`);
    return { ok: true, value: applied.value.result };
  }

  /**
   * An operator call on the agent's free resources. Offers on the agent are rescinded first, as Mesos
   * does, so that what they held is free again; 409 when the resources are still not free (in use).
   */
  applyOperator(agent: AgentRecord, op: ResourceOperation, principal: string | undefined): Refusal | undefined {
    const { allocator } = this.ctx;
    const conversion = conversionOf(op, { principal }, agent.total);
    if (!conversion.ok) return { status: 400, message: conversion.message };
    const refused = this.refusal(agent, op, principal);
    if (refused) return refused;
    const { consumed, converted } = conversion.value;
    if (!allocator.available(agent.id).contains(consumed) && agent.offerIds.size > 0) {
      this.books.offers.rescindAllOnAgent(agent, true);
    }
    const free = allocator.available(agent.id);
    if (!free.contains(consumed)) {
      return { status: 409, message: `${op.field}: '${consumed.toString()}' is not free on agent ${agent.id} (free: '${free.toString()}')` };
    }
    this.commit(agent, { consumed, converted }, principal === undefined ? 'the operator' : `operator ${principal}`);
    allocator.updateAgentTotal(agent.id, agent.total);
    this.ctx.requestAllocation();
    return undefined;
  }

  /** 403 when not authorized (Mesos's ACL actions), 409 for a volume a live task uses (DESTROY). */
  private refusal(agent: AgentRecord, op: ResourceOperation, principal: string | undefined): Refusal | undefined {
    for (const part of op.resources.parts()) {
      const last = part.reservations[part.reservations.length - 1];
      let action: AclAction;
      let object: string | undefined;
      switch (op.type) {
        case 'RESERVE': action = 'reserve_resources'; object = part.role; break;
        case 'UNRESERVE': action = 'unreserve_resources'; object = last?.principal; break;
        case 'CREATE': action = 'create_volumes'; object = part.role; break;
        case 'DESTROY': action = 'destroy_volumes'; object = part.disk?.persistence?.principal; break;
      }
      if (!this.ctx.authorizer.authorized(action, principal, object)) {
        return { status: 403, message: `${op.field}: '${part.resources.toString()}': not authorized to ${action.replace('_', ' ')}` };
      }
      if (op.type === 'DESTROY' && this.inUse(agent, part.resources)) {
        return { status: 409, message: `${op.field}: '${part.resources.toString()}': the persistent volume is in use by a task` };
      }
    }
    return undefined;
  }

  /** A live task or executor on the agent holds the volume. */
  private inUse(agent: AgentRecord, volume: Resources): boolean {
    for (const task of agent.tasks.values()) if (!task.resourcesRecovered && task.resources.contains(volume)) return true;
    for (const executor of agent.executors.values()) if (executor.resources.contains(volume)) return true;
    return false;
  }

  private commit(agent: AgentRecord, conversion: Conversion, by: string): void {
    agent.total = agent.total.minus(conversion.consumed).plus(conversion.converted);
    agent.checkpointed = checkpointedAfter(agent.checkpointed, conversion);
    this.ctx.log.info('agent resources converted', {
      agent_id: agent.id, by, consumed: conversion.consumed.toString(), converted: conversion.converted.toString(),
    });
    this.ctx.records.touch();
    this.sendCheckpoint(agent);
    this.notify(agent);
  }

  private notify(agent: AgentRecord): void {
    for (const listener of this.listeners) listener(agent);
  }
}
