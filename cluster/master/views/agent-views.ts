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
    legacyReserved: reservedByRole(agent.total),
    legacyAttributes: attributesToLegacy(agent.info.attributes ?? []),
  };
  cache.set(agent, { info: agent.info, total: agent.total, views });
  return views;
}

/** { role: legacy resources } for every role the agent has resources reserved to. */
function reservedByRole(total: Resources): Record<string, LegacyResources> {
  const roles = new Set<string>();
  for (const resource of total.toV1()) {
    const role = resource.reservations?.[resource.reservations.length - 1]?.role ?? resource.role;
    if (role !== undefined && role !== '*') roles.add(role);
  }
  const out: Record<string, LegacyResources> = {};
  for (const role of roles) out[role] = total.reservedTo(role).toLegacyJson();
  return out;
}
