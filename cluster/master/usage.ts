/** Who uses and who is offered what, in one pass over agents and their tasks (for /state and GET_* calls). */
import { Resources } from '../protocol/resources';
import type { MasterCore } from './core';

export interface Usage {
  usedByAgent: Map<string, Resources>;
  usedByFramework: Map<string, Resources>;
  offeredByAgent: Map<string, Resources>;
  offeredByFramework: Map<string, Resources>;
}

export function computeUsage(core: MasterCore): Usage {
  const usage: Usage = { usedByAgent: new Map(), usedByFramework: new Map(), offeredByAgent: new Map(), offeredByFramework: new Map() };
  for (const agent of core.registry.agents.values()) {
    if (!agent.inAllocator) continue;
    for (const task of agent.tasks.values()) {
      if (task.resourcesRecovered) continue;
      add(usage.usedByAgent, agent.id, task.resources);
      add(usage.usedByFramework, task.frameworkId, task.resources);
    }
    for (const executor of agent.executors.values()) {
      add(usage.usedByAgent, agent.id, executor.resources);
      add(usage.usedByFramework, executor.frameworkId, executor.resources);
    }
    for (const offerId of agent.offerIds) {
      const offer = core.offers.get(offerId);
      if (!offer) continue;
      add(usage.offeredByAgent, agent.id, offer.resources);
      add(usage.offeredByFramework, offer.frameworkId, offer.resources);
    }
  }
  return usage;
}

export function amount(map: Map<string, Resources>, id: string): Resources {
  return map.get(id) ?? Resources.empty();
}

function add(map: Map<string, Resources>, id: string, resources: Resources): void {
  const current = map.get(id);
  map.set(id, current ? current.plus(resources) : resources);
}
