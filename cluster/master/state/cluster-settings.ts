/**
 * What operators set on the cluster, in one serialisable object: role weights, role quotas, agent
 * maintenance (deactivated, draining with its config, gone) and machine maintenance (the schedule
 * and the machines' modes). A new leader restores it from
 * ZooKeeper (`restore`), so every change is reported to the change listeners with the full JSON.
 *
 * Weights and quotas are applied to the allocator here, so the allocator and this object cannot
 * disagree; agent maintenance is applied by AgentMaintenance when the agents are there.
 */
import type { Allocator } from '../../allocator/types';
import type { Quantities } from '../../allocator/quantities';
import type { DrainConfig, DrainState, QuotaConfig, ScalarMap, WeightInfo } from '../../protocol/operator';
import { NO_MAINTENANCE, parseMachineMaintenance, type MachineMaintenanceState } from './machine-schedule';

export interface AgentSettings {
  deactivated: boolean;
  drain?: { state: DrainState; config: DrainConfig };
}

export interface ClusterSettingsJson {
  weights: WeightInfo[];
  quotas: QuotaConfig[];
  /** Deactivated or draining agents, by id. */
  agents: Record<string, AgentSettings>;
  gone: string[];
  /** The maintenance schedule and the modes of its machines (machine-schedule.ts). */
  machines: MachineMaintenanceState;
}

export type SettingsListener = (json: ClusterSettingsJson) => void;

export function quantitiesOfScalarMap(map: ScalarMap | undefined): Quantities {
  const out: Record<string, number> = {};
  for (const [name, scalar] of Object.entries(map ?? {})) out[name] = scalar.value;
  return out;
}

export class ClusterSettings {
  private readonly weightByRole = new Map<string, number>();
  private readonly quotaByRole = new Map<string, QuotaConfig>();
  private readonly agentSettings = new Map<string, AgentSettings>();
  private readonly goneAgents = new Set<string>();
  private readonly listeners = new Set<SettingsListener>();
  private machineState: MachineMaintenanceState = NO_MAINTENANCE;

  constructor(private readonly allocator: Allocator) {}

  /** Returns the function that removes the listener. */
  onChange(listener: SettingsListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener) };
  }

  // ---- weights ----

  weight(role: string): number { return this.weightByRole.get(role) ?? 1 }

  /** Roles with a weight set, sorted by name. */
  weights(): WeightInfo[] {
    return [...this.weightByRole].sort(([a], [b]) => (a < b ? -1 : 1)).map(([role, weight]) => ({ role, weight }));
  }

  /** Validated by the caller (positive, finite). */
  updateWeights(infos: WeightInfo[]): void {
    for (const { role, weight } of infos) this.applyWeight(role, weight);
    this.changed();
  }

  // ---- quota ----

  quota(role: string): QuotaConfig | undefined { return this.quotaByRole.get(role) }

  quotas(): QuotaConfig[] {
    return [...this.quotaByRole.values()].sort((a, b) => (a.role < b.role ? -1 : 1));
  }

  /** A config without guarantees and limits removes the role's quota, as in Mesos. */
  updateQuotas(configs: QuotaConfig[]): void {
    for (const config of configs) this.applyQuota(config);
    this.changed();
  }

  // ---- agents ----

  agent(id: string): AgentSettings | undefined { return this.agentSettings.get(id) }

  isGone(id: string): boolean { return this.goneAgents.has(id) }

  isDeactivated(id: string): boolean { return this.agentSettings.get(id)?.deactivated === true }

  /** undefined clears the agent's settings (reactivated). */
  setAgent(id: string, settings: AgentSettings | undefined): void {
    if (settings) this.agentSettings.set(id, settings);
    else this.agentSettings.delete(id);
    this.changed();
  }

  markGone(id: string): void {
    this.agentSettings.delete(id);
    this.goneAgents.add(id);
    this.changed();
  }

  /** Agents with settings (deactivated or draining). */
  agentIds(): string[] { return [...this.agentSettings.keys()] }

  // ---- machines ----

  machines(): MachineMaintenanceState { return this.machineState }

  /** Validated by the caller (machine-schedule.ts made it). */
  setMachines(state: MachineMaintenanceState): void {
    this.machineState = state;
    this.changed();
  }

  // ---- persistence ----

  toJSON(): ClusterSettingsJson {
    return {
      weights: this.weights(),
      quotas: this.quotas(),
      agents: Object.fromEntries(this.agentSettings),
      gone: [...this.goneAgents],
      machines: this.machineState,
    };
  }

  /** Replaces everything with `json` (from a previous leader) and applies weights and quotas to the allocator. */
  restore(json: unknown): void {
    const data = parseSettings(json);
    for (const role of [...this.weightByRole.keys()]) if (!data.weights.some((w) => w.role === role)) this.applyWeight(role, 1);
    for (const role of [...this.quotaByRole.keys()]) if (!data.quotas.some((q) => q.role === role)) this.applyQuota({ role });
    for (const { role, weight } of data.weights) this.applyWeight(role, weight);
    for (const config of data.quotas) this.applyQuota(config);
    this.agentSettings.clear();
    for (const [id, settings] of Object.entries(data.agents)) this.agentSettings.set(id, settings);
    this.goneAgents.clear();
    for (const id of data.gone) this.goneAgents.add(id);
    this.machineState = data.machines;
  }

  private applyWeight(role: string, weight: number): void {
    this.allocator.setWeight(role, weight);
    if (weight === 1) this.weightByRole.delete(role);
    else this.weightByRole.set(role, weight);
  }

  private applyQuota(config: QuotaConfig): void {
    const guarantees = quantitiesOfScalarMap(config.guarantees);
    const limits = quantitiesOfScalarMap(config.limits);
    if (Object.keys(guarantees).length === 0 && Object.keys(limits).length === 0) {
      this.allocator.setQuota(config.role, undefined);
      this.quotaByRole.delete(config.role);
      return;
    }
    this.allocator.setQuota(config.role, { guarantees, limits });
    this.quotaByRole.set(config.role, { role: config.role, guarantees: config.guarantees ?? {}, limits: config.limits ?? {} });
  }

  private changed(): void {
    if (this.listeners.size === 0) return;
    const json = this.toJSON();
    for (const listener of this.listeners) listener(json);
  }
}

/** Tolerates missing parts (an older leader's document); wrong types become empty. */
function parseSettings(json: unknown): ClusterSettingsJson {
  const data = (json && typeof json === 'object' ? json : {}) as Partial<ClusterSettingsJson>;
  const validWeight = (w: WeightInfo) => typeof w?.role === 'string' && typeof w.weight === 'number' && w.weight > 0 && Number.isFinite(w.weight);
  return {
    weights: Array.isArray(data.weights) ? data.weights.filter(validWeight) : [],
    quotas: Array.isArray(data.quotas) ? data.quotas.filter((q) => typeof q?.role === 'string') : [],
    agents: data.agents && typeof data.agents === 'object' ? data.agents : {},
    gone: Array.isArray(data.gone) ? data.gone.filter((id) => typeof id === 'string') : [],
    machines: parseMachineMaintenance(data.machines),
  };
}
