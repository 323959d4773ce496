/**
 * computeUsage for /state at 100,000 tasks: the same answer, but each agent's sums are kept and
 * reused while the agent holds the same task and executor records in the same states. Checking that
 * is a walk over references; summing resources again is what costs, and after a change only the
 * agents it touched are summed again.
 */
import { Resources } from '../../protocol/resources';
import type { MasterCore } from '../core';
import type { AgentRecord, ExecutorRecord, TaskRecord } from '../state/records';
import { addTo, computeUsage, type Usage } from './usage';

export interface AgentSums {
  /** The records summed, and each task's resourcesRecovered at the time, in iteration order. */
  tasks: TaskRecord[];
  recovered: boolean[];
  executors: ExecutorRecord[];
  used: Resources;
  usedByFramework: Map<string, Resources>;
}

/** One per master (built with it), shared by /state, the legacy views and the operator events. */
export class UsageCache {
  private readonly sums = new WeakMap<AgentRecord, AgentSums>();

  compute(core: MasterCore): Usage {
    // Offers and the maintenance lookup come from computeUsage's own rules, over no agents' tasks.
    const usage = computeUsage(core, { tasks: false });
    for (const agent of core.records.agents.values()) {
      if (!agent.inAllocator) continue;
      const sums = this.sumsOf(agent);
      if (sums.tasks.length === 0 && sums.executors.length === 0) continue;
      usage.usedByAgent.set(agent.id, sums.used);
      for (const [frameworkId, resources] of sums.usedByFramework) addTo(usage.usedByFramework, frameworkId, resources);
    }
    return usage;
  }

  /** The agent's sums; the same object as last time while its tasks and executors are unchanged. */
  sumsOf(agent: AgentRecord): AgentSums {
    const cached = this.sums.get(agent);
    if (cached && unchanged(agent, cached)) return cached;
    const sums: AgentSums = { tasks: [], recovered: [], executors: [], used: Resources.empty(), usedByFramework: new Map() };
    const add = (frameworkId: string, resources: Resources) => {
      sums.used = sums.used.plus(resources);
      addTo(sums.usedByFramework, frameworkId, resources);
    };
    for (const task of agent.tasks.values()) {
      sums.tasks.push(task);
      sums.recovered.push(task.resourcesRecovered);
      if (!task.resourcesRecovered) add(task.frameworkId, task.resources);
    }
    for (const executor of agent.executors.values()) {
      sums.executors.push(executor);
      add(executor.frameworkId, executor.resources);
    }
    this.sums.set(agent, sums);
    return sums;
  }
}

function unchanged(agent: AgentRecord, sums: AgentSums): boolean {
  if (agent.tasks.size !== sums.tasks.length || agent.executors.size !== sums.executors.length) return false;
  let i = 0;
  for (const task of agent.tasks.values()) {
    if (task !== sums.tasks[i] || task.resourcesRecovered !== sums.recovered[i]) return false;
    i++;
  }
  i = 0;
  for (const executor of agent.executors.values()) if (executor !== sums.executors[i++]) return false;
  return true;
}
