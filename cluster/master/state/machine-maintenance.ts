/**
 * Machine maintenance applied to the cluster (the pure rules are in machine-schedule.ts):
 *
 * - DRAINING: the machine's agents keep running and being offered, and every offer of them carries
 *   the machine's `unavailability`; offers outstanding when that changes are rescinded so they come
 *   back with it (as Mesos does). Frameworks using its agents get inverse offers (inverse-offers.ts).
 * - DOWN: the machine's agents are told to shut their frameworks down and are removed (their tasks
 *   are lost), and an agent of a DOWN machine is refused when it registers.
 * - UP again: offers come without unavailability and agents of the machine may register.
 *
 * The schedule and the modes live in ClusterSettings, so they are stored with the other settings
 * (replicated registry, or the standalone master's work dir) and a new leader or restarted master
 * carries them on.
 */
import type { MasterContext } from '../context';
import type { AgentManager } from './agents';
import type { ClusterSettings } from './cluster-settings';
import type { MasterEventBus } from './events';
import { InverseOffers, type InverseOfferStatus } from './inverse-offers';
import {
  machineKey, maintenanceStatus, startMaintenance, stopMaintenance, updateSchedule,
  type MachineID, type MachineMaintenanceState, type MaintenanceSchedule, type Outcome, type ScheduledMachine,
} from './machine-schedule';
import { splitPid, type OfferManager } from './offers';
import type { AgentRecord, FrameworkRecord } from './records';

export interface MachineMaintenanceParts {
  events: MasterEventBus;
  settings: ClusterSettings;
  offers: OfferManager;
  agents: AgentManager;
}

/** A refusal of the operator's request; `message` names the field. */
export class MaintenanceRefused extends Error {}

/** The machine an agent is on, as Mesos sees it: AgentInfo's hostname and the IP it registered from. */
export function machineOf(hostname: string, pid: string): MachineID {
  return { hostname, ip: splitPid(pid, hostname, undefined).host };
}

export class MachineMaintenance {
  private readonly inverseOffers: InverseOffers;
  /** The scheduled machines by key, for the state they were built from (states are replaced, never changed). */
  private index?: { state: MachineMaintenanceState; byKey: Map<string, ScheduledMachine> };

  constructor(private readonly ctx: MasterContext, private readonly parts: MachineMaintenanceParts) {
    this.inverseOffers = new InverseOffers(ctx);
    parts.events.listen({
      onEvent: (event) => {
        if (event.type === 'AGENT_ADDED') {
          // Runs inside register(), before the allocation it asks for: the first offers already carry it.
          event.agent.unavailability = this.unavailabilityOf(event.agent);
          if (event.agent.unavailability) this.askBackLater(event.agent.id);
        } else if (event.type === 'TASK_ADDED') {
          // A framework that already holds an inverse offer for the agent gets no second one: skip the rescan.
          if (ctx.records.agents.get(event.task.agentId)?.unavailability && !this.inverseOffers.has(event.task.agentId, event.task.frameworkId)) {
            this.askBackLater(event.task.agentId);
          }
        } else if (event.type === 'AGENT_REMOVED') {
          this.inverseOffers.clear(event.agentId);
        }
      },
    });
  }

  get state(): MachineMaintenanceState { return this.parts.settings.machines() }

  schedule(): MaintenanceSchedule { return this.state.schedule }

  /** GET_MAINTENANCE_STATUS: draining machines with the answers to their agents' inverse offers, and down machines. */
  status(): { draining_machines?: { id: MachineID; statuses?: InverseOfferStatus[] }[]; down_machines?: MachineID[] } {
    const status = maintenanceStatus(this.state);
    if (!status.draining_machines) return status;
    const byMachine = new Map<string, InverseOfferStatus[]>();
    for (const agent of this.ctx.records.agents.values()) {
      const statuses = this.inverseOffers.statuses(agent.id);
      if (statuses.length === 0) continue;
      const key = machineKey(machineOf(agent.hostname, agent.pid));
      byMachine.set(key, [...(byMachine.get(key) ?? []), ...statuses]);
    }
    const draining = status.draining_machines.map((m) => {
      const statuses = byMachine.get(machineKey(m.id));
      return statuses ? { ...m, statuses } : m;
    });
    return { ...status, draining_machines: draining };
  }

  /** ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS. */
  answerInverseOffers(framework: FrameworkRecord, ids: string[], answer: 'ACCEPT' | 'DECLINE'): void {
    this.inverseOffers.answer(framework, ids, answer);
  }

  /** An agent registering from a DOWN machine is refused (as Mesos refuses it). */
  isDown(hostname: string, pid: string): boolean {
    return this.scheduled(machineOf(hostname, pid))?.mode === 'DOWN';
  }

  updateSchedule(schedule: MaintenanceSchedule, field: string): void {
    this.apply(updateSchedule(this.state, schedule, field));
  }

  start(machines: MachineID[], field: string): void {
    this.apply(startMaintenance(this.state, machines, field));
  }

  stop(machines: MachineID[], field: string): void {
    this.apply(stopMaintenance(this.state, machines, field));
  }

  private apply(outcome: Outcome): void {
    if (!outcome.ok) throw new MaintenanceRefused(outcome.message);
    this.parts.settings.setMachines(outcome.state);
    for (const agent of [...this.ctx.records.agents.values()]) {
      if (this.scheduled(machineOf(agent.hostname, agent.pid))?.mode === 'DOWN') {
        if (agent.connection !== 'unreachable') this.parts.agents.shutDown(agent, "Operator initiated 'Machine DOWN'");
        continue;
      }
      const unavailability = this.unavailabilityOf(agent);
      if (JSON.stringify(unavailability) !== JSON.stringify(agent.unavailability)) {
        agent.unavailability = unavailability;
        // Outstanding offers are rescinded, to be offered again with (or without) the unavailability;
        // so are inverse offers, to be sent again with the new unavailability.
        this.parts.offers.rescindAllOnAgent(agent, true);
        this.inverseOffers.clear(agent.id);
      }
      if (unavailability) this.inverseOffers.offer(agent, unavailability);
    }
    this.ctx.records.touch();
    this.ctx.requestAllocation();
    this.ctx.log.info('machine maintenance changed', {
      draining: this.state.machines.filter((m) => m.mode === 'DRAINING').length,
      down: this.state.machines.filter((m) => m.mode === 'DOWN').length,
    });
  }

  /** Event listeners must not send while the records change: the inverse offers go out right after. */
  private askBackLater(agentId: string): void {
    queueMicrotask(() => {
      const agent = this.ctx.records.agents.get(agentId);
      if (agent?.unavailability && agent.connection === 'connected') this.inverseOffers.offer(agent, agent.unavailability);
    });
  }

  private unavailabilityOf(agent: AgentRecord) {
    const machine = this.scheduled(machineOf(agent.hostname, agent.pid));
    return machine?.mode === 'DRAINING' ? machine.unavailability : undefined;
  }

  /** O(1) per agent, so a change or a failover's registrations cost no scan of the schedule each. */
  private scheduled(machine: MachineID): ScheduledMachine | undefined {
    const state = this.state;
    if (this.index?.state !== state) this.index = { state, byKey: new Map(state.machines.map((m) => [machineKey(m.id), m])) };
    return this.index.byKey.get(machineKey(machine));
  }
}
