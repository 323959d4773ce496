/**
 * Hierarchical weighted DRF allocator (Mesos's HierarchicalAllocator semantics, flat roles).
 *
 * Each cycle visits the active agents that have something available, starting at a seeded random
 * point so no agent is always first. On an agent it offers everything allocatable to one framework
 * of the lowest-share role that has a willing framework (active, not suppressed, not filtered for
 * these resources on this agent), choosing the lowest-share framework within that role; roles with
 * resources reserved on the agent then get what is reserved to them. Offered resources count as
 * allocated (so shares include outstanding offers) until they are recovered.
 *
 * Cost per cycle: roughly O(A log F) for A agents with available resources, plus the frameworks
 * actually skipped because a filter covers the offer. Suppressed and inactive frameworks are not in
 * the sorters at all, and an (agent, role) pair found fully filtered is remembered until the agent's
 * resources, its filters or the role's set of willing frameworks change, so a cluster where most
 * frameworks decline for long does not cost agents x frameworks per cycle.
 *
 * Offer constraints (updateFramework, addFramework): a framework whose constraints exclude an agent
 * for a role is passed over there as if a filter covered the offer; the next framework of the role
 * may take it.
 *
 * Quota (setQuota): a role's limits cap what it holds, offered plus used; an offer to a role near its
 * limit is cut down to fit (resources without a limit stay whole) and a role at its limit is passed
 * over. Roles below a guarantee are served first on every agent, lowest share first; nothing is held
 * back for them on agents they do not want (Mesos's quota headroom is not modelled).
 */
import { Resources } from '../protocol/resources';
import { DRFSorter } from './drf-sorter';
import { ScalarPool, quantitiesOf } from './quantities';
import type { ConstrainedAgent, OfferConstraintsFilter } from './offer-constraints';
import { belowGuarantee, quotaProblem, shrinkToLimits, type RoleQuota } from './quota';
import { RefuseFilters } from './refuse-filters';
import { seededRandom } from './seeded-random';
import type { Allocation, Allocator, AllocatorAgent, AllocatorFramework } from './types';

interface AgentState {
  readonly id: string;
  /** What offer constraints look at. */
  info: ConstrainedAgent;
  total: Resources;
  available: Resources;
  hasAvailable: boolean;
  active: boolean;
  /** Roles that have resources reserved on this agent (usually none). */
  reservedRoles: string[];
  /** Offered and used resources, per framework and role. */
  readonly allocations: Map<string, Map<string, Resources>>;
  /** Resources used by frameworks not added yet (agent re-registered first): held, in no share. */
  readonly parked: Map<string, Resources>;
  /** Position in `agentOrder`. */
  orderIndex: number;
  /** Bumped whenever `available` or the filters on this agent change. */
  epoch: number;
  /** Roles whose willing frameworks were all filtered here, stamped with (agent epoch, role epoch). */
  readonly fullyFiltered: Map<string, { agentEpoch: number; roleEpoch: number }>;
}

interface FrameworkState {
  readonly id: string;
  /** The roles it is subscribed to: offered in these. */
  roles: readonly string[];
  /** The roles whose sorters hold it: its roles, plus roles it left but still holds resources in. */
  readonly tracked: Set<string>;
  active: boolean;
  suppressed: Set<string>;
  constraints?: OfferConstraintsFilter;
  /** Agents on which it holds resources. */
  readonly agents: Set<string>;
}

interface RoleState {
  readonly name: string;
  readonly frameworks: DRFSorter;
  /** Frameworks with offer constraints for this role: while none, picking a framework skips the check. */
  readonly constrained: Set<string>;
  /** Bumped whenever a framework may have become willing to take resources in this role. */
  epoch: number;
}

/** a ∩ b for resources: what of `b` is also in `a`. */
function intersect(a: Resources, b: Resources): Resources {
  return a.minus(a.subtractClamped(b));
}

export class HierarchicalAllocator implements Allocator {
  private readonly agents = new Map<string, AgentState>();
  private readonly agentOrder: AgentState[] = [];
  private readonly frameworks = new Map<string, FrameworkState>();
  private readonly roles = new Map<string, RoleState>();
  private readonly weights = new Map<string, number>();
  private readonly quotas = new Map<string, RoleQuota>();
  /** Roles with a quota whose allocation is below a guarantee: served first. Usually tiny. */
  private readonly underGuarantee = new Set<string>();
  private readonly pool = new ScalarPool();
  private readonly roleSorter = new DRFSorter(this.pool);
  private readonly filters = new RefuseFilters();
  private readonly random: () => number;
  /** Source of role epochs: never reused, so a role removed and added again cannot match old stamps. */
  private epochs = 0;

  constructor(opts: { seed?: number } = {}) {
    this.random = seededRandom(opts.seed ?? 0x5eed);
  }

  // ---- agents ----

  addAgent(agent: AllocatorAgent): void {
    if (this.agents.has(agent.id)) throw new Error(`agent ${agent.id} is already added`);
    const state: AgentState = {
      id: agent.id,
      info: { hostname: agent.hostname, attributes: agent.attributes, domain: agent.domain },
      total: agent.total,
      available: agent.total,
      hasAvailable: !agent.total.isEmpty(),
      active: true,
      reservedRoles: agent.total.reservedRoles(),
      allocations: new Map(),
      parked: new Map(),
      orderIndex: this.agentOrder.length,
      epoch: 0,
      fullyFiltered: new Map(),
    };
    this.agents.set(agent.id, state);
    this.agentOrder.push(state);
    this.pool.add(quantitiesOf(agent.total));
    for (const [frameworkId, used] of agent.used ?? []) this.addUsed(frameworkId, agent.id, used);
  }

  removeAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    for (const [frameworkId, byRole] of agent.allocations) {
      for (const [role, resources] of byRole) this.unshare(frameworkId, role, resources);
      this.frameworks.get(frameworkId)?.agents.delete(agentId);
    }
    this.pool.remove(quantitiesOf(agent.total));
    this.filters.clearAgent(agentId);
    const last = this.agentOrder.pop()!;
    if (last !== agent) {
      this.agentOrder[agent.orderIndex] = last;
      last.orderIndex = agent.orderIndex;
    }
    this.agents.delete(agentId);
  }

  updateAgentTotal(agentId: string, total: Resources): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    this.pool.remove(quantitiesOf(agent.total));
    this.pool.add(quantitiesOf(total));
    agent.total = total;
    agent.reservedRoles = total.reservedRoles();
    let held = Resources.empty();
    for (const byRole of agent.allocations.values()) for (const r of byRole.values()) held = held.plus(r);
    for (const r of agent.parked.values()) held = held.plus(r);
    // Allocations beyond a shrunk total stay allocated until the master recovers them.
    this.setAvailable(agent, total.subtractClamped(held));
  }

  updateAgentInfo(agentId: string, info: ConstrainedAgent): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    agent.info = { hostname: info.hostname, attributes: info.attributes, domain: info.domain };
    // Roles remembered as fully filtered here may take the agent now.
    agent.epoch++;
  }

  updateAllocation(frameworkId: string, agentId: string, role: string, consumed: Resources, converted: Resources): void {
    const agent = this.agents.get(agentId);
    const byRole = agent?.allocations.get(frameworkId);
    const held = byRole?.get(role);
    if (!agent || !byRole || !held || !held.contains(consumed)) {
      throw new Error(`framework ${frameworkId} does not hold '${consumed.toString()}' in role ${role} on agent ${agentId}`);
    }
    byRole.set(role, held.minus(consumed).plus(converted));
    agent.total = agent.total.minus(consumed).plus(converted);
    agent.reservedRoles = agent.total.reservedRoles();
    // What is available did not change, but what it may be offered to may have: forget the filtered marks.
    agent.epoch++;
  }

  activateAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.active = true;
  }

  deactivateAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.active = false;
  }

  // ---- frameworks ----

  addFramework(framework: AllocatorFramework): void {
    if (this.frameworks.has(framework.id)) throw new Error(`framework ${framework.id} is already added`);
    const roles = framework.roles.length > 0 ? [...new Set(framework.roles)] : ['*'];
    const state: FrameworkState = {
      id: framework.id,
      roles,
      tracked: new Set(),
      active: true,
      suppressed: new Set((framework.suppressedRoles ?? []).filter((r) => roles.includes(r))),
      constraints: framework.offerConstraints,
      agents: new Set(),
    };
    this.frameworks.set(framework.id, state);
    for (const role of roles) {
      this.track(state, role);
      this.updateWillingness(state, role);
    }
    for (const [agentId, used] of framework.used ?? []) {
      const agent = this.agents.get(agentId);
      if (!agent) continue;
      // The agent reported these tasks when it was added; take them over instead of counting twice.
      const parked = agent.parked.get(framework.id);
      if (parked) {
        agent.parked.delete(framework.id);
        this.setAvailable(agent, agent.available.plus(parked));
      }
      this.addUsed(framework.id, agentId, used);
    }
  }

  removeFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    for (const agentId of framework.agents) {
      const agent = this.agents.get(agentId)!;
      for (const [role, resources] of agent.allocations.get(frameworkId) ?? []) {
        this.unshare(frameworkId, role, resources);
        this.setAvailable(agent, agent.available.plus(resources));
      }
      agent.allocations.delete(frameworkId);
    }
    this.filters.clearFramework(frameworkId);
    for (const role of [...framework.tracked]) this.untrack(framework, role);
    this.frameworks.delete(frameworkId);
  }

  updateFramework(update: AllocatorFramework): void {
    const framework = this.frameworks.get(update.id);
    if (!framework) return;
    const roles = update.roles.length > 0 ? [...new Set(update.roles)] : ['*'];
    framework.roles = roles;
    framework.suppressed = new Set((update.suppressedRoles ?? []).filter((r) => roles.includes(r)));
    framework.constraints = update.offerConstraints;
    for (const role of roles) this.track(framework, role);
    for (const role of [...framework.tracked]) {
      const state = this.roles.get(role)!;
      if (roles.includes(role) && framework.constraints?.roles.includes(role)) state.constrained.add(framework.id);
      else state.constrained.delete(framework.id);
      // Constraints may now take agents remembered as fully filtered for this role.
      state.epoch = ++this.epochs;
      this.updateWillingness(framework, role);
      if (!roles.includes(role) && !this.holdsIn(framework, role)) this.untrack(framework, role);
    }
  }

  activateFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework || framework.active) return;
    framework.active = true;
    for (const role of framework.roles) this.updateWillingness(framework, role);
  }

  deactivateFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework || !framework.active) return;
    framework.active = false;
    for (const role of framework.roles) this.updateWillingness(framework, role);
  }

  suppress(frameworkId: string, roles?: string[]): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    for (const role of this.selectRoles(framework, roles)) {
      framework.suppressed.add(role);
      this.updateWillingness(framework, role);
    }
  }

  revive(frameworkId: string, roles?: string[]): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    const selected = this.selectRoles(framework, roles);
    this.filters.clearFramework(frameworkId, selected);
    for (const role of selected) {
      framework.suppressed.delete(role);
      // Its filters are gone: agents remembered as fully filtered for this role must be looked at again.
      this.roles.get(role)!.epoch = ++this.epochs;
      this.updateWillingness(framework, role);
    }
  }

  // ---- resources ----

  recoverResources(frameworkId: string, agentId: string, resources: Resources, now: number, refuseSeconds?: number, roleHint?: string): void {
    const agent = this.agents.get(agentId);
    if (!agent || resources.isEmpty()) return;
    const byRole = agent.allocations.get(frameworkId);
    if (!byRole) {
      this.recoverParked(agent, frameworkId, resources);
      return;
    }
    const filterUntil = refuseSeconds !== undefined && refuseSeconds > 0 ? now + refuseSeconds * 1000 : undefined;
    let remaining = resources;
    const hinted = roleHint !== undefined ? byRole.get(roleHint) : undefined;
    const order = hinted && byRole.size > 1 ? [[roleHint!, hinted] as const, ...[...byRole].filter(([r]) => r !== roleHint)] : byRole;
    for (const [role, held] of order) {
      // Only what was allocated comes back, so a bogus or repeated recover cannot inflate the agent.
      const taken = held.contains(remaining) ? remaining : intersect(held, remaining);
      if (taken.isEmpty()) continue;
      this.release(agent, frameworkId, role, held, taken);
      if (filterUntil !== undefined && !Number.isNaN(filterUntil)) {
        this.filters.add(frameworkId, agentId, role, taken, filterUntil);
      }
      if (taken === remaining) break;
      remaining = remaining.subtractClamped(taken);
      if (remaining.isEmpty()) break;
    }
  }

  addUsed(frameworkId: string, agentId: string, resources: Resources): void {
    const agent = this.agents.get(agentId);
    if (!agent || resources.isEmpty()) return;
    // Never beyond the agent's total: only what is still available can become used.
    const used = agent.available.contains(resources) ? resources : intersect(agent.available, resources);
    if (used.isEmpty()) return;
    const framework = this.frameworks.get(frameworkId);
    if (!framework) {
      const parked = agent.parked.get(frameworkId);
      agent.parked.set(frameworkId, parked ? parked.plus(used) : used);
      this.setAvailable(agent, agent.available.minus(used));
      return;
    }
    // Reservations say which role they were used in; the rest goes to the framework's first role.
    let rest = used;
    for (const role of framework.roles.slice(1)) {
      const reserved = rest.reservedTo(role);
      if (reserved.isEmpty()) continue;
      this.hold(agent, framework, role, reserved);
      rest = rest.minus(reserved);
    }
    if (!rest.isEmpty()) this.hold(agent, framework, framework.roles[0], rest);
  }

  setWeight(role: string, weight: number): void {
    if (!(Number.isFinite(weight) && weight > 0)) throw new RangeError(`weight of role ${role} must be a positive number, got ${weight}`);
    this.weights.set(role, weight);
    if (this.roleSorter.contains(role)) this.roleSorter.setWeight(role, weight);
  }

  setQuota(role: string, quota: RoleQuota | undefined): void {
    if (quota === undefined) {
      this.quotas.delete(role);
      this.underGuarantee.delete(role);
      return;
    }
    const problem = quotaProblem(quota);
    if (problem) throw new RangeError(`quota of role ${role}: ${problem}`);
    this.quotas.set(role, { guarantees: { ...quota.guarantees }, limits: { ...quota.limits } });
    this.refreshGuarantee(role);
  }

  // ---- allocation ----

  allocate(now: number): Allocation[] {
    this.filters.expire(now, (agentId) => {
      const agent = this.agents.get(agentId);
      if (agent) agent.epoch++;
    });
    const out: Allocation[] = [];
    const n = this.agentOrder.length;
    if (n === 0 || this.roleSorter.activeCount === 0) return out;
    const start = Math.floor(this.random() * n);
    for (let k = 0; k < n; k++) {
      const agent = this.agentOrder[(start + k) % n];
      if (agent.active && agent.hasAvailable) this.allocateOn(agent, now, out);
      if (this.roleSorter.activeCount === 0) break;
    }
    return out;
  }

  allocatedTo(frameworkId: string): Resources {
    let sum = Resources.empty();
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return sum;
    for (const agentId of framework.agents) {
      for (const r of this.agents.get(agentId)!.allocations.get(frameworkId)!.values()) sum = sum.plus(r);
    }
    return sum;
  }

  available(agentId: string): Resources {
    return this.agents.get(agentId)?.available ?? Resources.empty();
  }

  private allocateOn(agent: AgentState, now: number, out: Allocation[]): void {
    let chosen: { frameworkId: string; offered: Resources } | undefined;
    const wants = (role: string) => (chosen = this.pickFramework(agent, role, now)) !== undefined;
    if (this.underGuarantee.size > 0) this.serveGuarantees(agent, now, out);
    if (!agent.hasAvailable) return;
    if (agent.reservedRoles.length === 0) {
      // One role takes the whole agent, unless its quota limit cut the offer: then the next one takes the rest.
      let served: Set<string> | undefined;
      for (;;) {
        const role = this.roleSorter.firstMatching((r) => !served?.has(r) && wants(r));
        if (role === undefined) return;
        this.offer(agent, chosen!.frameworkId, role, chosen!.offered, out);
        if (!agent.hasAvailable) return;
        (served ??= new Set()).add(role);
      }
    }
    // With reservations, the lowest-share willing role takes the unreserved part (and its own
    // reservation); then each role a reservation can go to (the role or one below it) takes its part.
    const served = new Set<string>();
    for (;;) {
      const unreservedLeft = !agent.available.unreserved().isEmpty();
      const role = this.roleSorter.firstMatching(
        (r) => !served.has(r) && (unreservedLeft || agent.reservedRoles.some((reserved) => r === reserved || r.startsWith(reserved + '/'))) && wants(r),
      );
      if (role === undefined) return;
      this.offer(agent, chosen!.frameworkId, role, chosen!.offered, out);
      if (!agent.hasAvailable) return;
      served.add(role);
    }
  }

  /** Roles below a guarantee, lowest share first, each take what they want of the agent. */
  private serveGuarantees(agent: AgentState, now: number, out: Allocation[]): void {
    const waiting = [...this.underGuarantee].filter((r) => this.roleSorter.isActive(r));
    waiting.sort((a, b) => this.roleSorter.share(a) - this.roleSorter.share(b) || (a < b ? -1 : 1));
    for (const role of waiting) {
      if (!agent.hasAvailable) return;
      if (!this.underGuarantee.has(role)) continue;
      const chosen = this.pickFramework(agent, role, now);
      if (chosen) this.offer(agent, chosen.frameworkId, role, chosen.offered, out);
    }
  }

  /** The lowest-share framework of `role` that would take what the agent offers it, if any. */
  private pickFramework(agent: AgentState, roleName: string, now: number): { frameworkId: string; offered: Resources } | undefined {
    const role = this.roles.get(roleName);
    if (!role || role.frameworks.activeCount === 0) return undefined;
    let offered = agent.reservedRoles.length === 0 ? agent.available : agent.available.allocatableTo(roleName);
    const quota = this.quotas.get(roleName);
    if (quota && !offered.isEmpty()) offered = shrinkToLimits(offered, quota.limits, this.roleSorter.allocation(roleName));
    if (offered.isEmpty()) return undefined;
    const remembered = agent.fullyFiltered.get(roleName);
    if (remembered && remembered.agentEpoch === agent.epoch && remembered.roleEpoch === role.epoch) return undefined;
    const filtered = this.filters.hasFiltersOn(agent.id);
    const constrained = role.constrained.size > 0;
    const frameworkId = filtered || constrained
      ? role.frameworks.firstMatching((id) => !(filtered && this.filters.blocks(id, agent.id, roleName, offered, now))
        && !(constrained && role.constrained.has(id) && this.frameworks.get(id)!.constraints!.excludes(roleName, agent.info)))
      : role.frameworks.first();
    if (frameworkId === undefined) {
      agent.fullyFiltered.set(roleName, { agentEpoch: agent.epoch, roleEpoch: role.epoch });
      return undefined;
    }
    return { frameworkId, offered };
  }

  private offer(agent: AgentState, frameworkId: string, role: string, offered: Resources, out: Allocation[]): void {
    this.hold(agent, this.frameworks.get(frameworkId)!, role, offered);
    out.push({ frameworkId, agentId: agent.id, role, resources: offered });
  }

  /** Moves `resources` (available on the agent) into the framework's allocation in `role`. */
  private hold(agent: AgentState, framework: FrameworkState, role: string, resources: Resources): void {
    let byRole = agent.allocations.get(framework.id);
    if (!byRole) agent.allocations.set(framework.id, (byRole = new Map()));
    const held = byRole.get(role);
    byRole.set(role, held ? held.plus(resources) : resources);
    framework.agents.add(agent.id);
    this.setAvailable(agent, resources === agent.available ? Resources.empty() : agent.available.minus(resources));
    const quantities = quantitiesOf(resources);
    this.roles.get(role)!.frameworks.allocated(framework.id, quantities);
    this.roleSorter.allocated(role, quantities);
    if (this.quotas.has(role)) this.refreshGuarantee(role);
  }

  /** Gives `taken` (part of `held`, the framework's allocation in `role` on the agent) back to the agent. */
  private release(agent: AgentState, frameworkId: string, role: string, held: Resources, taken: Resources): void {
    const byRole = agent.allocations.get(frameworkId)!;
    const framework = this.frameworks.get(frameworkId);
    const left = held.minus(taken);
    if (left.isEmpty()) {
      byRole.delete(role);
      if (byRole.size === 0) {
        agent.allocations.delete(frameworkId);
        framework?.agents.delete(agent.id);
      }
    } else {
      byRole.set(role, left);
    }
    this.setAvailable(agent, agent.available.plus(taken));
    this.unshare(frameworkId, role, taken);
    // The last of what it held in a role it left: the role's sorter lets go of it.
    if (framework && left.isEmpty() && !framework.roles.includes(role) && !this.holdsIn(framework, role)) this.untrack(framework, role);
  }

  private holdsIn(framework: FrameworkState, role: string): boolean {
    for (const agentId of framework.agents) if (this.agents.get(agentId)!.allocations.get(framework.id)?.has(role)) return true;
    return false;
  }

  private track(framework: FrameworkState, role: string): void {
    if (framework.tracked.has(role)) return;
    const state = this.roleState(role);
    state.frameworks.add(framework.id, { active: false });
    if (framework.constraints?.roles.includes(role)) state.constrained.add(framework.id);
    framework.tracked.add(role);
  }

  private untrack(framework: FrameworkState, role: string): void {
    const state = this.roles.get(role)!;
    state.frameworks.remove(framework.id);
    state.constrained.delete(framework.id);
    framework.tracked.delete(role);
    if (state.frameworks.size === 0) {
      this.roleSorter.remove(role);
      this.roles.delete(role);
    } else {
      this.updateRoleActivity(state);
    }
  }

  private recoverParked(agent: AgentState, frameworkId: string, resources: Resources): void {
    const parked = agent.parked.get(frameworkId);
    if (!parked) return;
    const taken = intersect(parked, resources);
    const left = parked.minus(taken);
    if (left.isEmpty()) agent.parked.delete(frameworkId);
    else agent.parked.set(frameworkId, left);
    this.setAvailable(agent, agent.available.plus(taken));
  }

  private unshare(frameworkId: string, role: string, resources: Resources): void {
    const quantities = quantitiesOf(resources);
    this.roles.get(role)?.frameworks.unallocated(frameworkId, quantities);
    if (this.roleSorter.contains(role)) this.roleSorter.unallocated(role, quantities);
    if (this.quotas.has(role)) this.refreshGuarantee(role);
  }

  private refreshGuarantee(role: string): void {
    const quota = this.quotas.get(role)!;
    const consumed = this.roleSorter.contains(role) ? this.roleSorter.allocation(role) : {};
    if (belowGuarantee(quota.guarantees, consumed)) this.underGuarantee.add(role);
    else this.underGuarantee.delete(role);
  }

  private setAvailable(agent: AgentState, available: Resources): void {
    agent.available = available;
    agent.hasAvailable = !available.isEmpty();
    agent.epoch++;
  }

  private roleState(name: string): RoleState {
    let role = this.roles.get(name);
    if (!role) {
      role = { name, frameworks: new DRFSorter(this.pool), constrained: new Set(), epoch: ++this.epochs };
      this.roles.set(name, role);
      this.roleSorter.add(name, { weight: this.weights.get(name) ?? 1, active: false });
      if (this.quotas.has(name)) this.refreshGuarantee(name);
    }
    return role;
  }

  /** A framework takes offers in a role when it is active and not suppressed there. */
  private updateWillingness(framework: FrameworkState, roleName: string): void {
    const role = this.roles.get(roleName)!;
    const willing = framework.active && framework.roles.includes(roleName) && !framework.suppressed.has(roleName);
    if (willing === role.frameworks.isActive(framework.id)) return;
    if (willing) {
      role.frameworks.activate(framework.id);
      role.epoch = ++this.epochs;
    } else {
      role.frameworks.deactivate(framework.id);
    }
    this.updateRoleActivity(role);
  }

  private updateRoleActivity(role: RoleState): void {
    if (role.frameworks.activeCount > 0) this.roleSorter.activate(role.name);
    else this.roleSorter.deactivate(role.name);
  }

  private selectRoles(framework: FrameworkState, roles?: string[]): string[] {
    return roles === undefined ? [...framework.roles] : framework.roles.filter((r) => roles.includes(r));
  }
}
