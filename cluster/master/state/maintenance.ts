/**
 * Agent maintenance as Mesos 1.9+ does it: DEACTIVATE_AGENT (no more offers; outstanding ones are
 * rescinded), REACTIVATE_AGENT, DRAIN_AGENT (deactivated, every task killed with a grace period of at
 * most `max_grace_period`, DRAINING until no task is left, then DRAINED, and gone if `mark_gone`) and
 * MARK_AGENT_GONE. The state lives in ClusterSettings so a new leader carries it on: an agent that
 * (re-)registers while deactivated or draining is put back in that state at once.
 */
import type { DrainConfig } from '../../protocol/operator';
import type { KillPolicy } from '../../protocol/types';
import { isTerminalState } from '../../protocol/types';
import type { MasterContext } from '../context';
import type { AgentManager } from './agents';
import type { ClusterSettings } from './cluster-settings';
import type { MasterEventBus } from './events';
import type { OfferManager } from './offers';
import type { AgentRecord, TaskRecord } from './records';
import type { TaskManager } from './tasks';

/** What maintenance acts through, besides the context. */
export interface MaintenanceParts {
  events: MasterEventBus;
  settings: ClusterSettings;
  offers: OfferManager;
  tasks: TaskManager;
  agents: AgentManager;
}

export class AgentMaintenance {
  constructor(private readonly ctx: MasterContext, private readonly parts: MaintenanceParts) {
    parts.events.listen({
      onEvent: (event) => {
        if (event.type === 'AGENT_ADDED') this.onAgentAdded(event.agent);
        else if (event.type === 'TASK_UPDATED' && isTerminalState(event.task.state)) this.onTaskEnded(event.task);
      },
    });
  }

  deactivate(agent: AgentRecord): void {
    const current = this.parts.settings.agent(agent.id);
    this.parts.settings.setAgent(agent.id, { deactivated: true, ...(current?.drain ? { drain: current.drain } : {}) });
    this.withdrawOffers(agent);
    this.ctx.log.info('agent deactivated', { agent_id: agent.id });
  }

  /** Ends deactivation and any draining (tasks already killed stay killed). */
  reactivate(agent: AgentRecord): void {
    this.parts.settings.setAgent(agent.id, undefined);
    if (agent.inAllocator && agent.connection === 'connected') this.ctx.allocator.activateAgent(agent.id);
    this.ctx.records.touch();
    this.ctx.requestAllocation();
    this.ctx.log.info('agent reactivated', { agent_id: agent.id });
  }

  drain(agent: AgentRecord, config: DrainConfig): void {
    this.parts.settings.setAgent(agent.id, { deactivated: true, drain: { state: 'DRAINING', config } });
    this.withdrawOffers(agent);
    this.ctx.log.info('agent draining', { agent_id: agent.id, max_grace_period_ns: config.max_grace_period?.nanoseconds, mark_gone: config.mark_gone });
    this.killRemaining(agent);
    this.checkDrained(agent);
  }

  markGone(agent: AgentRecord): void {
    this.parts.settings.markGone(agent.id);
    this.parts.agents.markGone(agent);
  }

  private withdrawOffers(agent: AgentRecord): void {
    if (agent.inAllocator) this.ctx.allocator.deactivateAgent(agent.id);
    this.parts.offers.rescindAllOnAgent(agent, true);
    this.ctx.records.touch();
    this.ctx.requestAllocation();
  }

  /** Kills every task still running there, each with the shorter of its own grace period and the drain's. */
  private killRemaining(agent: AgentRecord): void {
    const maxGrace = this.parts.settings.agent(agent.id)?.drain?.config.max_grace_period?.nanoseconds;
    for (const task of [...agent.tasks.values()]) {
      if (isTerminalState(task.state)) continue;
      const framework = this.ctx.records.frameworks.get(task.frameworkId);
      if (framework) this.parts.tasks.kill(framework, task.taskId, killPolicy(task, maxGrace));
    }
  }

  private checkDrained(agent: AgentRecord): void {
    const settings = this.parts.settings.agent(agent.id);
    const drain = settings?.drain;
    if (!settings || drain?.state !== 'DRAINING') return;
    for (const task of agent.tasks.values()) if (!isTerminalState(task.state)) return;
    this.parts.settings.setAgent(agent.id, { ...settings, drain: { ...drain, state: 'DRAINED' } });
    this.ctx.records.touch();
    this.ctx.log.info('agent drained', { agent_id: agent.id });
    if (drain.config.mark_gone) this.markGone(agent);
  }

  /** Runs inside register(), before the allocation it requested: the agent is never offered meanwhile. */
  private onAgentAdded(agent: AgentRecord): void {
    const settings = this.parts.settings.agent(agent.id);
    if (!settings?.deactivated) return;
    if (agent.inAllocator) this.ctx.allocator.deactivateAgent(agent.id);
    if (settings.drain?.state === 'DRAINING') {
      // Event listeners must not change the records; the kills go out right after the registration.
      queueMicrotask(() => {
        if (this.ctx.records.agents.get(agent.id) !== agent) return;
        this.killRemaining(agent);
        this.checkDrained(agent);
      });
    }
  }

  private onTaskEnded(task: TaskRecord): void {
    if (this.parts.settings.agent(task.agentId)?.drain?.state !== 'DRAINING') return;
    queueMicrotask(() => {
      const agent = this.ctx.records.agents.get(task.agentId);
      if (agent) this.checkDrained(agent);
    });
  }
}

function killPolicy(task: TaskRecord, maxGraceNanos: number | undefined): KillPolicy | undefined {
  const own = task.info.kill_policy?.grace_period?.nanoseconds;
  if (maxGraceNanos === undefined) return task.info.kill_policy;
  const grace = own === undefined ? maxGraceNanos : Math.min(own, maxGraceNanos);
  return { ...task.info.kill_policy, grace_period: { nanoseconds: grace } };
}
