/**
 * The master's events as master.proto's Event messages (v1 JSON). Each is built from the one record it
 * names: an agent's or a framework's resources are summed over that agent's or framework's own tasks,
 * executors and offers, never over the whole cluster, so an event costs the same at 10 agents as at
 * 10,000.
 */
import type { OperatorEvent } from '../../protocol/operator';
import { Resources } from '../../protocol/resources';
import type { MasterCore } from '../core';
import type { MasterEvent } from '../state/events';
import { agentToV1, frameworkToV1, taskToV1 } from './operator-views';
import { frameworkInfoToV1 } from '../../protocol/v1-resources';
import { taskKey, type AgentRecord, type ExecutorRecord, type FrameworkRecord } from '../state/records';
import type { Usage } from './usage';
import type { UsageCache } from './usage-cache';

/** `cache`: the master's kept per-agent sums (the ones /state uses). */
export function operatorEventJson(core: MasterCore, cache: UsageCache, event: MasterEvent): OperatorEvent {
  switch (event.type) {
    case 'TASK_ADDED':
      return { type: 'TASK_ADDED', task_added: { task: taskToV1(event.task) } };
    case 'TASK_UPDATED':
      return {
        type: 'TASK_UPDATED',
        task_updated: { framework_id: { value: event.task.frameworkId }, status: event.status, state: event.task.state },
      };
    case 'AGENT_ADDED':
      return { type: 'AGENT_ADDED', agent_added: { agent: agentToV1(event.agent, agentUsage(core, cache, event.agent)) } };
    case 'AGENT_REMOVED':
      return { type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: event.agentId } } };
    case 'FRAMEWORK_ADDED':
      return { type: 'FRAMEWORK_ADDED', framework_added: { framework: frameworkToV1(core, event.framework, frameworkUsage(core, event.framework)) } };
    case 'FRAMEWORK_UPDATED':
      return { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: frameworkToV1(core, event.framework, frameworkUsage(core, event.framework)) } };
    case 'FRAMEWORK_REMOVED':
      return { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: frameworkInfoToV1(event.framework.info) } };
  }
}

function emptyUsage(core: MasterCore): Usage {
  return {
    usedByAgent: new Map(), usedByFramework: new Map(), offeredByAgent: new Map(), offeredByFramework: new Map(),
    maintenance: (agentId) => core.settings.agent(agentId),
  };
}

/** What computeUsage would say about this agent alone (its sums are the ones /state keeps). */
function agentUsage(core: MasterCore, cache: UsageCache, agent: AgentRecord): Usage {
  const usage = emptyUsage(core);
  if (!agent.inAllocator) return usage;
  usage.usedByAgent.set(agent.id, cache.sumsOf(agent).used);
  usage.offeredByAgent.set(agent.id, offeredIn(core, agent.offerIds));
  return usage;
}

/** What computeUsage would say about this framework alone; its executors are found through its tasks' agents. */
function frameworkUsage(core: MasterCore, framework: FrameworkRecord): Usage {
  const usage = emptyUsage(core);
  let used = Resources.empty();
  const executors = new Set<ExecutorRecord>();
  for (const task of framework.tasks.values()) {
    const agent = core.records.agents.get(task.agentId);
    if (!agent?.inAllocator) continue;
    if (!task.resourcesRecovered) used = used.plus(task.resources);
    const executor = task.executorId ? agent.executors.get(taskKey(framework.id, task.executorId)) : undefined;
    if (executor && !executors.has(executor)) {
      executors.add(executor);
      used = used.plus(executor.resources);
    }
  }
  usage.usedByFramework.set(framework.id, used);
  usage.offeredByFramework.set(framework.id, offeredIn(core, framework.offerIds));
  return usage;
}

/** The resources of the outstanding offers among `offerIds`. */
function offeredIn(core: MasterCore, offerIds: Iterable<string>): Resources {
  let offered = Resources.empty();
  for (const offerId of offerIds) {
    const offer = core.offers.get(offerId);
    if (offer) offered = offered.plus(offer.resources);
  }
  return offered;
}
