/** Who uses and who is offered what, in one pass over agents and their tasks (for /state and GET_* calls). */
import { Resources } from '../../protocol/resources';
import type { AgentSettings } from '../state/cluster-settings';
import type { MasterCore } from '../core';

export interface Usage {
  usedByAgent: Map<string, Resources>;
  usedByFramework: Map<string, Resources>;
  offeredByAgent: Map<string, Resources>;
  offeredByFramework: Map<string, Resources>;
  /** Operator deactivation and draining of an agent (absent: none). */
  maintenance?: (agentId: string) => AgentSettings | undefined;
}

/** With `tasks: false`, only offers are summed (a caller that keeps per-agent task sums adds its own). */
export function computeUsage(core: MasterCore, opts: { tasks: boolean } = { tasks: true }): Usage {
  const usage: Usage = {
    usedByAgent: new Map(), usedByFramework: new Map(), offeredByAgent: new Map(), offeredByFramework: new Map(),
    maintenance: (agentId) => core.settings.agent(agentId),
  };
  for (const agent of core.records.agents.values()) {
    if (!agent.inAllocator) continue;
    for (const task of opts.tasks ? agent.tasks.values() : []) {
      if (task.resourcesRecovered) continue;
      addTo(usage.usedByAgent, agent.id, task.resources);
      addTo(usage.usedByFramework, task.frameworkId, task.resources);
    }
    for (const executor of opts.tasks ? agent.executors.values() : []) {
      addTo(usage.usedByAgent, agent.id, executor.resources);
      addTo(usage.usedByFramework, executor.frameworkId, executor.resources);
    }
    for (const offerId of agent.offerIds) {
      const offer = core.offers.get(offerId);
      if (!offer) continue;
      addTo(usage.offeredByAgent, agent.id, offer.resources);
      addTo(usage.offeredByFramework, offer.frameworkId, offer.resources);
    }
  }
  return usage;
}

export function amount(map: Map<string, Resources>, id: string): Resources {
  return map.get(id) ?? Resources.empty();
}

/** Adds `resources` to the sum kept under `id`. */
export function addTo(map: Map<string, Resources>, id: string, resources: Resources): void {
  const current = map.get(id);
  map.set(id, current ? current.plus(resources) : resources);
}
