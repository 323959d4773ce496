/**
 * Roles as operators see them (GET_ROLES, and the legacy /roles endpoint): every role that has a
 * framework, a weight, a quota or resources, with its weight, frameworks, what it holds (allocated)
 * and is offered, what is reserved to it on the agents (static and dynamic reservations, volumes), and
 * its quota with what counts against it. One pass over agents and frameworks.
 */
import { Resources } from '../../protocol/resources';
import type { OperatorRole, QuotaConfig, ScalarMap } from '../../protocol/operator';
import type { MasterCore } from '../core';
import { v1Resources } from '../../protocol/v1-resources';

interface RoleUsage {
  frameworks: Set<string>;
  allocated: Resources;
  offered: Resources;
  reserved: Resources;
}

export interface RoleSummary {
  name: string;
  weight: number;
  frameworks: string[];
  allocated: Resources;
  offered: Resources;
  reserved: Resources;
  quota?: QuotaConfig;
}

export function roleSummaries(core: MasterCore): RoleSummary[] {
  const usage = new Map<string, RoleUsage>();
  const of = (role: string): RoleUsage => {
    let entry = usage.get(role);
    if (!entry) usage.set(role, (entry = { frameworks: new Set(), allocated: Resources.empty(), offered: Resources.empty(), reserved: Resources.empty() }));
    return entry;
  };
  for (const framework of core.records.frameworks.values()) for (const role of framework.roles) of(role).frameworks.add(framework.id);
  for (const agent of core.records.agents.values()) {
    if (!agent.inAllocator) continue;
    for (const part of agent.total.parts()) {
      if (part.role === '*') continue;
      const entry = of(part.role);
      entry.reserved = entry.reserved.plus(part.resources);
    }
    for (const task of agent.tasks.values()) {
      if (task.resourcesRecovered) continue;
      const entry = of(task.role);
      entry.allocated = entry.allocated.plus(task.resources);
    }
    for (const executor of agent.executors.values()) {
      const entry = of(executor.role);
      entry.allocated = entry.allocated.plus(executor.resources);
    }
    for (const offerId of agent.offerIds) {
      const offer = core.offers.get(offerId);
      if (!offer) continue;
      const entry = of(offer.role);
      entry.offered = entry.offered.plus(offer.resources);
    }
  }
  for (const { role } of core.settings.weights()) of(role);
  for (const { role } of core.settings.quotas()) of(role);
  return [...usage].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, entry]) => ({
    name,
    weight: core.settings.weight(name),
    frameworks: [...entry.frameworks],
    allocated: entry.allocated,
    offered: entry.offered,
    reserved: entry.reserved,
    quota: core.settings.quota(name),
  }));
}

/** mesos.proto Role for GET_ROLES. */
export function getRoles(core: MasterCore): { roles: OperatorRole[] } {
  return {
    roles: roleSummaries(core).map((role) => {
      const out: OperatorRole = {
        name: role.name,
        weight: role.weight,
        frameworks: role.frameworks.map((value) => ({ value })),
        resources: v1Resources(role.allocated.plus(role.offered)),
        allocated: v1Resources(role.allocated),
        offered: v1Resources(role.offered),
        reserved: v1Resources(role.reserved),
      };
      if (role.quota) out.quota = quotaView(role);
      return out;
    }),
  };
}

/** The legacy /roles endpoint's JSON: resources as {name: amount} objects. */
export function roleViews(core: MasterCore): { roles: Record<string, unknown>[] } {
  return {
    roles: roleSummaries(core).map((role) => {
      const out: Record<string, unknown> = {
        name: role.name,
        weight: role.weight,
        frameworks: role.frameworks,
        resources: role.allocated.plus(role.offered).toLegacyJson(),
        allocated: role.allocated.toLegacyJson(),
        offered: role.offered.toLegacyJson(),
        reserved: role.reserved.toLegacyJson(),
      };
      if (role.quota) {
        const view = quotaView(role);
        out.quota = { role: role.name, guarantee: plain(view.guarantee), limit: plain(view.limit), consumed: plain(view.consumed) };
      }
      return out;
    }),
  };
}

function quotaView(role: RoleSummary): NonNullable<OperatorRole['quota']> {
  const held = role.allocated.plus(role.offered);
  const consumed: ScalarMap = {};
  for (const name of held.scalarNames()) consumed[name] = { value: held.scalar(name) };
  return { role: role.name, guarantee: role.quota?.guarantees ?? {}, limit: role.quota?.limits ?? {}, consumed };
}

function plain(map: ScalarMap): Record<string, number> {
  return Object.fromEntries(Object.entries(map).map(([name, { value }]) => [name, value]));
}
