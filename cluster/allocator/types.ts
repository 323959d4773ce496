/**
 * The allocator contract (pure: no timers, no I/O, time passed in as `now` in milliseconds).
 * Mirrors Mesos's allocator interface (include/mesos/allocator/allocator.hpp): the master tells it
 * what changed, calls `allocate(now)` (soon after every change, coalesced, and on a periodic tick),
 * and turns each returned Allocation into an offer. Resources leave the allocator only through
 * `allocate`; they come back through `recoverResources` (decline, offer timeout/rescind, task end).
 */
import type { Resources } from '../protocol/resources';
import type { ConstrainedAgent, OfferConstraintsFilter } from './offer-constraints';
import type { RoleQuota } from './quota';

export type { RoleQuota } from './quota';

/** `hostname`, `attributes` and `domain` are what offer constraints look at. */
export interface AllocatorAgent extends ConstrainedAgent {
  id: string;
  total: Resources;
  /** Resources already in use when the agent is added (re-registration with running tasks), per framework. */
  used?: Map<string, Resources>;
}

export interface AllocatorFramework {
  id: string;
  roles: string[];
  /** Resources the framework already uses (tasks recovered after failover), per agent. */
  used?: Map<string, Resources>;
  /** Roles the framework subscribed with as suppressed. */
  suppressedRoles?: string[];
  /** Compiled offer constraints: agents they exclude for a role are not offered to it in that role. */
  offerConstraints?: OfferConstraintsFilter;
}

export interface Allocation {
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resources;
}

export interface Allocator {
  addAgent(agent: AllocatorAgent): void;
  removeAgent(agentId: string): void;
  /** New total (agent restarted with other resources). Used resources stay allocated. */
  updateAgentTotal(agentId: string, total: Resources): void;
  /** New hostname, attributes or domain (an agent restarted with other ones): offer constraints see them. */
  updateAgentInfo(agentId: string, info: ConstrainedAgent): void;
  /**
   * Converts resources a framework holds on an agent in place (RESERVE, UNRESERVE, CREATE, DESTROY
   * accepted on an offer; Mesos's updateAllocation): `consumed` (held by the framework in `role`)
   * becomes `converted`, in the allocation and in the agent's total. Quantities do not change, so
   * shares do not either. Throws if the framework does not hold `consumed` there.
   */
  updateAllocation(frameworkId: string, agentId: string, role: string, consumed: Resources, converted: Resources): void;
  /** Deactivated agents (unreachable, draining) are not offered. */
  activateAgent(agentId: string): void;
  deactivateAgent(agentId: string): void;

  addFramework(framework: AllocatorFramework): void;
  removeFramework(frameworkId: string): void;
  /**
   * UPDATE_FRAMEWORK (or a re-subscription): new roles, suppressed roles and offer constraints. A role
   * left keeps counting what the framework still holds in it (its tasks run on) but gets no offers.
   * The master recovers offers that no longer fit; the allocator does not take anything back itself.
   */
  updateFramework(framework: AllocatorFramework): void;
  /** A disconnected framework keeps its allocations but receives no offers. */
  activateFramework(frameworkId: string): void;
  deactivateFramework(frameworkId: string): void;
  suppress(frameworkId: string, roles?: string[]): void;
  /** Clears suppression and all refuse filters of the framework (for `roles`, or all). */
  revive(frameworkId: string, roles?: string[]): void;

  /**
   * Resources handed back: unused offer resources (decline, accept remainder, rescind, timeout)
   * and resources of finished tasks. `refuseSeconds` > 0 installs a filter: the framework is not
   * offered these resources on this agent again before `now + refuseSeconds*1000`. `role`, when
   * known (the offer's or the task's), is where they come back from first: a multi-role framework
   * may hold the same resources in two roles on one agent, and quota limits count per role.
   */
  recoverResources(frameworkId: string, agentId: string, resources: Resources, now: number, refuseSeconds?: number, role?: string): void;
  /** Marks resources as used by a framework on an agent without going through allocate() (recovered tasks). */
  addUsed(frameworkId: string, agentId: string, resources: Resources): void;

  setWeight(role: string, weight: number): void;
  /**
   * Quota of a role (undefined removes it). Limits cap what the role holds, offered plus used: it is
   * never offered beyond them. Roles below a guarantee are offered first. Throws RangeError on
   * negative amounts or a guarantee above its limit.
   */
  setQuota(role: string, quota: RoleQuota | undefined): void;

  /** One allocation cycle: weighted DRF across roles, then across frameworks within a role. */
  allocate(now: number): Allocation[];

  /** Per-framework and per-role allocated totals, for /state and metrics. */
  allocatedTo(frameworkId: string): Resources;
  /** Unallocated resources on an agent. */
  available(agentId: string): Resources;
}
