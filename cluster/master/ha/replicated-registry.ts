/**
 * What a leading master keeps in ZooKeeper (standalone: in its work dir, file-registry-store.ts) so
 * that the next leader, or the same master after a restart, can carry on: the agents it admitted,
 * the frameworks it knows (with their failover timeouts) and the cluster settings (weights, quota,
 * agent maintenance, the machine maintenance schedule and modes). Tasks are not stored: agents report them when they re-register, as
 * with Mesos's registry.
 *
 * Writes are behind the change (coalesced by the store, acknowledged by ZooKeeper a few ms later):
 * a master that dies in between loses nothing a re-registering agent or re-subscribing framework
 * does not bring back, since both are adopted under the ids they give.
 */
import { Resources } from '../../protocol/resources';
import type { AgentInfo, FrameworkInfo, Resource } from '../../protocol/types';
import type { TimerHandle } from '../../util/clock';
import type { MasterCore } from '../core';
import type { MasterEvent } from '../state/events';
import type { AgentRecord } from '../state/records';

/** Collections of JSON documents, each keyed by id. */
export interface RegistryStore {
  load(): Promise<Map<string, Map<string, unknown>>>;
  /** undefined deletes. Resolves once the write is durable. */
  save(collection: string, id: string, value: unknown): Promise<void>;
}

export const AGENTS = 'agents';
export const FRAMEWORKS = 'frameworks';
export const SETTINGS = 'settings';

/**
 * `principal`: who registered it (--authenticate_agents); only that principal may register as it again.
 * `checkpointed_resources`: its dynamic reservations and persistent volumes (v1 post-refinement format).
 */
export interface AdmittedAgent { info: AgentInfo; pid: string; principal?: string; checkpointed_resources?: Resource[] }
export interface KnownFramework { info: FrameworkInfo }

export interface RecoveredCounts { agents: number; frameworks: number; settings: boolean }

export class ReplicatedRegistry {
  /** What was last written per agent, so 10k agents re-registering after a failover cost no writes. */
  private readonly savedAgents = new Map<string, string>();
  private readonly savedFrameworks = new Set<string>();
  /** Admitted agents not back yet after a failover, with the timer that gives up on them. */
  private readonly awaited = new Map<string, TimerHandle>();
  private detach?: () => void;
  private failed = 0;

  constructor(private readonly core: MasterCore, private readonly store: RegistryStore) {}

  /** Loads what the previous leaders stored and puts it in place before this master starts leading. */
  async recover(): Promise<RecoveredCounts> {
    const collections = await this.store.load();
    const agents = collections.get(AGENTS) ?? new Map();
    const frameworks = collections.get(FRAMEWORKS) ?? new Map();
    const settings = collections.get(SETTINGS)?.get('cluster');
    if (settings !== undefined) this.core.restoreSettings(settings);
    for (const [id, value] of frameworks) {
      const known = value as KnownFramework;
      if (!known?.info) continue;
      this.savedFrameworks.add(id);
      if (this.core.records.frameworks.has(id)) continue;
      this.core.frameworks.recover({ ...known.info, id: { value: id } }, this.resubscribeGraceSeconds(known.info));
    }
    const timeoutMs = this.core.opts.agentReregisterTimeoutSeconds * 1000;
    for (const [id, value] of agents) {
      const admitted = value as AdmittedAgent;
      if (!admitted?.info) continue;
      // Settings and agents are written apart: a leader may have died after storing that an agent
      // is gone but before removing it from the admitted ones. Gone wins.
      if (this.core.settings.isGone(id)) {
        this.write(AGENTS, id, undefined);
        continue;
      }
      this.savedAgents.set(id, JSON.stringify(admitted));
      const recovered = this.core.agents.addRecovered(id, admitted.info, admitted.pid, this.checkpointedOf(id, admitted));
      if (!recovered) continue;
      recovered.principal = admitted.principal;
      this.awaited.set(id, this.core.clock.setTimeout(() => this.giveUpOn(id), timeoutMs));
    }
    return { agents: agents.size, frameworks: frameworks.size, settings: settings !== undefined };
  }

  /** An admitted agent's stored reservations and volumes; a record that cannot be read is said, not dropped quietly. */
  private checkpointedOf(id: string, admitted: AdmittedAgent): Resources {
    try {
      return Resources.fromV1(admitted.checkpointed_resources ?? []).checkpointable();
    } catch (err) {
      this.core.log.warn('the registry\'s checkpointed resources of an agent cannot be read; its reservations and volumes are forgotten', { agent_id: id, error: (err as Error).message });
      return Resources.empty();
    }
  }

  /** From now on every change of what is stored is written. */
  attach(): void {
    const stopEvents = this.core.events.listen({ onEvent: (event) => this.onEvent(event) });
    const stopSettings = this.core.onSettingsChange((json) => this.write(SETTINGS, 'cluster', json));
    const stopCheckpoints = this.core.reservations.onChange((agent) => {
      if (this.savedAgents.has(agent.id)) this.saveAgent(agent);
    });
    this.detach = () => {
      stopEvents();
      stopSettings();
      stopCheckpoints();
    };
  }

  close(): void {
    this.detach?.();
    this.detach = undefined;
    for (const timer of this.awaited.values()) timer.cancel();
    this.awaited.clear();
  }

  /** Agents a previous leader admitted that have not re-registered with this one yet. */
  get awaitedAgents(): number { return this.awaited.size }

  /**
   * A framework a previous leader knew gets its failover timeout from this election on, and at least
   * as long as agents get to come back: its tasks must not be killed before it could have returned.
   */
  private resubscribeGraceSeconds(info: FrameworkInfo): number {
    return Math.max(info.failover_timeout ?? 0, this.core.opts.agentReregisterTimeoutSeconds);
  }

  private giveUpOn(agentId: string): void {
    this.awaited.delete(agentId);
    const agent = this.core.records.agents.get(agentId);
    if (agent && agent.connection === 'disconnected' && !agent.stream) {
      this.core.log.warn('admitted agent did not re-register after failover', { agent_id: agentId });
      agent.recovered = false;
      this.core.agents.markUnreachable(agent);
    }
  }

  /** Writes the store refused (a deposed leader's, ZooKeeper unreachable, a full disk). */
  get failedWrites(): number { return this.failed }

  private onEvent(event: MasterEvent): void {
    switch (event.type) {
      case 'AGENT_ADDED': {
        const { agent } = event;
        const timer = this.awaited.get(agent.id);
        if (timer) {
          timer.cancel();
          this.awaited.delete(agent.id);
        }
        this.saveAgent(agent);
        return;
      }
      case 'AGENT_REMOVED':
        // Unreachable agents stay admitted (they may come back); removed and gone ones do not.
        if (this.core.records.agents.has(event.agentId) || !this.savedAgents.delete(event.agentId)) return;
        this.write(AGENTS, event.agentId, undefined);
        return;
      case 'FRAMEWORK_ADDED':
      case 'FRAMEWORK_UPDATED': {
        const { framework } = event;
        if (framework.recovered) return;
        this.savedFrameworks.add(framework.id);
        this.write(FRAMEWORKS, framework.id, { info: framework.info } satisfies KnownFramework);
        return;
      }
      case 'FRAMEWORK_REMOVED':
        if (!this.savedFrameworks.delete(event.framework.id)) return;
        this.write(FRAMEWORKS, event.framework.id, undefined);
        return;
      default:
    }
  }

  /** Written only when it differs from what was last written. */
  private saveAgent(agent: AgentRecord): void {
    const doc: AdmittedAgent = { info: agent.info, pid: agent.pid, ...(agent.principal === undefined ? {} : { principal: agent.principal }) };
    if (!agent.checkpointed.isEmpty()) doc.checkpointed_resources = agent.checkpointed.toV1(undefined, 'post-refinement');
    const text = JSON.stringify(doc);
    if (this.savedAgents.get(agent.id) === text) return;
    this.savedAgents.set(agent.id, text);
    this.write(AGENTS, agent.id, doc);
  }

  private write(collection: string, id: string, value: unknown): void {
    this.store.save(collection, id, value).catch((err: Error) => {
      this.failed++;
      this.core.log.error('could not write the registry', { collection, id, error: err.message });
    });
  }
}

/** A stored list that no longer parses counts as empty (the agent is still admitted). */
