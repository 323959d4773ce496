/**
 * Machine maintenance applied to the cluster (the pure rules are in machine-schedule.ts):
 *
 * - DRAINING: the machine's agents keep running and being offered, and every offer of them carries
 *   the machine's `unavailability`; offers outstanding when that changes are rescinded so they come
 *   back with it (as Mesos does). Inverse offers are not sent.
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
import {
  maintenanceStatus, modeOf, scheduledMachine, startMaintenance, stopMaintenance, updateSchedule,
  type MachineID, type MachineMaintenanceState, type MaintenanceSchedule, type Outcome,
} from './machine-schedule';
import { splitPid, type OfferManager } from './offers';
import type { AgentRecord } from './records';

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
  constructor(private readonly ctx: MasterContext, private readonly parts: MachineMaintenanceParts) {
    parts.events.listen({
      onEvent: (event) => {
        // Runs inside register(), before the allocation it asks for: the first offers already carry it.
        if (event.type === 'AGENT_ADDED') event.agent.unavailability = this.unavailabilityOf(event.agent);
      },
    });
  }

  get state(): MachineMaintenanceState { return this.parts.settings.machines() }

  schedule(): MaintenanceSchedule { return this.state.schedule }

  status(): ReturnType<typeof maintenanceStatus> { return maintenanceStatus(this.state) }

  /** An agent registering from a DOWN machine is refused (as Mesos refuses it). */
  isDown(hostname: string, pid: string): boolean {
    return modeOf(this.state, machineOf(hostname, pid)) === 'DOWN';
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
      const machine = machineOf(agent.hostname, agent.pid);
      if (modeOf(outcome.state, machine) === 'DOWN') {
        if (agent.connection !== 'unreachable') this.parts.agents.shutDown(agent, "Operator initiated 'Machine DOWN'");
        continue;
      }
      const unavailability = this.unavailabilityOf(agent);
      if (JSON.stringify(unavailability) === JSON.stringify(agent.unavailability)) continue;
      agent.unavailability = unavailability;
      // Outstanding offers are rescinded, to be offered again with (or without) the unavailability.
      this.parts.offers.rescindAllOnAgent(agent, true);
    }
    this.ctx.records.touch();
    this.ctx.requestAllocation();
    this.ctx.log.info('machine maintenance changed', {
      draining: this.state.machines.filter((m) => m.mode === 'DRAINING').length,
      down: this.state.machines.filter((m) => m.mode === 'DOWN').length,
    });
  }

  private unavailabilityOf(agent: AgentRecord) {
    const machine = scheduledMachine(this.state, machineOf(agent.hostname, agent.pid));
    return machine?.mode === 'DRAINING' ? machine.unavailability : undefined;
  }
}
