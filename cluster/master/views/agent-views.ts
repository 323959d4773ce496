/**
 * The parts of an agent that /state and GET_AGENTS show and that change only when the agent
 * (re-)registers: its info and total resources, in v1 and legacy form. They are built once per
 * registration and reused, so answering for 10,000 agents does not rebuild 10,000 resource lists
 * every time; a re-registration replaces the agent's `info` and `total` objects, which is what
 * invalidates them. Callers must treat the views as read-only.
 */
import { attributesToLegacy } from '../../protocol/attributes';
import type { Resources } from '../../protocol/resources';
import type { AgentInfo, Resource } from '../../protocol/types';
import type { AgentRecord } from '../state/records';
import { v1Resources, withUnreservedRole } from '../../protocol/v1-resources';

type LegacyResources = Record<string, number | string>;

export interface AgentViews {
  agentInfoV1: AgentInfo;
  totalV1: Resource[];
  legacyTotal: LegacyResources;
  legacyUnreserved: LegacyResources;
  legacyReserved: Record<string, LegacyResources>;
  /** /state's `reserved_resources_full` (role -> v1 resources) and `unreserved_resources_full`, ENDPOINT format. */
  reservedFull: Record<string, Resource[]>;
  unreservedFull: Resource[];
  legacyAttributes: Record<string, number | string>;
}

interface Entry { info: AgentInfo; total: Resources; views: AgentViews }

const cache = new WeakMap<AgentRecord, Entry>();

export function agentViews(agent: AgentRecord): AgentViews {
  const cached = cache.get(agent);
  if (cached && cached.info === agent.info && cached.total === agent.total) return cached.views;
  const views: AgentViews = {
    agentInfoV1: { ...agent.info, port: agent.info.port ?? agent.port, resources: withUnreservedRole(agent.info.resources ?? []) },
    totalV1: v1Resources(agent.total),
    legacyTotal: agent.total.toLegacyJson(),
    legacyUnreserved: agent.total.unreserved().toLegacyJson(),
    legacyReserved: agent.total.byReservedRole((r) => r.toLegacyJson()),
    reservedFull: agent.total.byReservedRole((r) => v1Resources(r)),
    unreservedFull: v1Resources(agent.total.unreserved()),
    legacyAttributes: attributesToLegacy(agent.info.attributes ?? []),
  };
  cache.set(agent, { info: agent.info, total: agent.total, views });
  return views;
}

