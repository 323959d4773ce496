/**
 * What an agent's kept renderings (/state's and GET_STATE's) are rendered from, and the check that
 * they still are: every field of the record a rendering reads, the agent's usage sums (a new object
 * whenever its tasks or executors change, usage-cache.ts), its offers and its maintenance settings.
 * Comparing them all, instead of relying on hooks, means no change can be missed by a forgotten hook.
 */
import { Resources } from '../../protocol/resources';
import type { AgentInfo } from '../../protocol/types';
import type { AgentSettings } from '../state/cluster-settings';
import type { MasterCore } from '../core';
import type { AgentConnection, AgentRecord } from '../state/records';
import { addTo } from './usage';
import type { AgentSums, UsageCache } from './usage-cache';

export interface AgentKey {
  agent: AgentRecord;
  info: AgentInfo;
  total: Resources;
  hostname: string;
  port: number;
  pid: string;
  version: string;
  registeredTime: number;
  reregisteredTime: number | undefined;
  connection: AgentConnection;
  inAllocator: boolean;
  recovered: boolean;
  sums: AgentSums;
  offerIds: string[];
  settings: AgentSettings | undefined;
}

export function agentKey(agent: AgentRecord, sums: AgentSums, settings: AgentSettings | undefined): AgentKey {
  return {
    agent,
    info: agent.info,
    total: agent.total,
    hostname: agent.hostname,
    port: agent.port,
    pid: agent.pid,
    version: agent.version,
    registeredTime: agent.registeredTime,
    reregisteredTime: agent.reregisteredTime,
    connection: agent.connection,
    inAllocator: agent.inAllocator,
    recovered: agent.recovered === true,
    sums,
    offerIds: [...agent.offerIds],
    settings,
  };
}

/** True if a rendering made from `key` is still the agent's. */
function isCurrent(key: AgentKey | undefined, agent: AgentRecord, sums: AgentSums, settings: AgentSettings | undefined): key is AgentKey {
  return key !== undefined && key.agent === agent && key.sums === sums && key.settings === settings
    && key.info === agent.info && key.total === agent.total && key.connection === agent.connection
    && key.inAllocator === agent.inAllocator && key.reregisteredTime === agent.reregisteredTime
    && key.registeredTime === agent.registeredTime && key.hostname === agent.hostname && key.port === agent.port
    && key.pid === agent.pid && key.version === agent.version && key.recovered === (agent.recovered === true)
    && sameIds(key.offerIds, agent.offerIds);
}

function sameIds(kept: string[], ids: Set<string>): boolean {
  if (kept.length !== ids.size) return false;
  let i = 0;
  for (const id of ids) if (kept[i++] !== id) return false;
  return true;
}

/** What the agent holds and is offered, in total and by framework, as computeUsage counts them. */
export interface AgentUsage {
  used: Resources;
  offered: Resources;
  usedByFramework?: Map<string, Resources>;
  offeredByFramework?: Map<string, Resources>;
}

export function agentUsage(core: MasterCore, agent: AgentRecord, sums: AgentSums): AgentUsage {
  // As computeUsage: only agents the allocator knows hold or are offered anything.
  if (!agent.inAllocator) return { used: Resources.empty(), offered: Resources.empty() };
  let offered = Resources.empty();
  let offeredByFramework: Map<string, Resources> | undefined;
  for (const id of agent.offerIds) {
    const offer = core.offers.get(id);
    if (!offer) continue;
    offered = offered.plus(offer.resources);
    offeredByFramework ??= new Map();
    addTo(offeredByFramework, offer.frameworkId, offer.resources);
  }
  return {
    used: sums.used,
    offered,
    usedByFramework: sums.usedByFramework.size > 0 ? sums.usedByFramework : undefined,
    offeredByFramework,
  };
}

/** What a block of agents adds to each framework. */
export interface FrameworkSums {
  used: Map<string, Resources>;
  offered: Map<string, Resources>;
}

/** Adds what each of `agents` holds and is offered to the sums by framework. */
export function addAgentUsage(sums: FrameworkSums, agents: Iterable<AgentUsage>): void {
  for (const agent of agents) {
    if (agent.usedByFramework) for (const [id, resources] of agent.usedByFramework) addTo(sums.used, id, resources);
    if (agent.offeredByFramework) for (const [id, resources] of agent.offeredByFramework) addTo(sums.offered, id, resources);
  }
}

/** Adds one block's sums to the total. */
export function addFrameworkSums(total: FrameworkSums, block: FrameworkSums): void {
  for (const [id, resources] of block.used) addTo(total.used, id, resources);
  for (const [id, resources] of block.offered) addTo(total.offered, id, resources);
}

/**
 * An agent's kept rendering if it is still current (the one the previous build used, then the one kept
 * for the agent), else a new one from `render`, kept from then on.
 */
export function currentAgentEntry<E extends { key: AgentKey }>(
  core: MasterCore, usage: UsageCache, kept: WeakMap<AgentRecord, E>, agent: AgentRecord, expected: E | undefined,
  render: (agent: AgentRecord, sums: AgentSums, settings: AgentSettings | undefined) => E,
): E {
  const sums = usage.sumsOf(agent);
  const settings = core.settings.agent(agent.id);
  if (expected && isCurrent(expected.key, agent, sums, settings)) return expected;
  const previous = kept.get(agent);
  if (previous && isCurrent(previous.key, agent, sums, settings)) return previous;
  const entry = render(agent, sums, settings);
  kept.set(agent, entry);
  return entry;
}
