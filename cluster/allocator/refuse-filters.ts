/**
 * Refuse filters (Mesos's OfferFilter): after declining resources on an agent with
 * `refuse_seconds`, a framework is not offered resources on that agent again before the filter
 * expires, if what would be offered is contained in what it declined. A filter never hides
 * anything larger than what was declined, so a freed-up agent is offered again at once.
 *
 * Filters are indexed by agent then framework, so the allocator's check for one (agent,
 * framework) pair is two Map lookups, and expire in order of expiry from a min-heap, so expiring
 * them costs nothing per cycle when none is due. Removed filters stay in the heap until they
 * surface (or until the dead outnumber the live, then the heap is rebuilt).
 */
import type { Resources } from '../protocol/resources';

interface RefuseFilter {
  readonly frameworkId: string;
  readonly agentId: string;
  /** Filters are per role, as in Mesos: declining in one role says nothing about another. */
  readonly role: string;
  readonly resources: Resources;
  expiry: number;
  live: boolean;
}

export class RefuseFilters {
  private readonly byAgent = new Map<string, Map<string, RefuseFilter[]>>();
  private readonly agentsByFramework = new Map<string, Set<string>>();
  private heap: RefuseFilter[] = [];
  private liveCount = 0;

  /** Installs a filter until `expiry` (ms). A filter for the same resources is extended, not duplicated. */
  add(frameworkId: string, agentId: string, role: string, resources: Resources, expiry: number): void {
    let perFramework = this.byAgent.get(agentId);
    if (!perFramework) this.byAgent.set(agentId, (perFramework = new Map()));
    let list = perFramework.get(frameworkId);
    if (!list) perFramework.set(frameworkId, (list = []));
    const same = list.find((f) => f.role === role && f.resources.equals(resources));
    if (same) {
      // Moving an expiry later is safe for the heap: it is re-queued, the old entry is skipped.
      if (expiry <= same.expiry) return;
      same.live = false;
      list.splice(list.indexOf(same), 1);
      this.liveCount--;
    }
    const filter: RefuseFilter = { frameworkId, agentId, role, resources, expiry, live: true };
    list.push(filter);
    this.liveCount++;
    this.heapPush(filter);
    let agents = this.agentsByFramework.get(frameworkId);
    if (!agents) this.agentsByFramework.set(frameworkId, (agents = new Set()));
    agents.add(agentId);
  }

  /** Whether a filter of the framework on the agent for `role`, in force at `now`, covers `offered`. */
  blocks(frameworkId: string, agentId: string, role: string, offered: Resources, now: number): boolean {
    const list = this.byAgent.get(agentId)?.get(frameworkId);
    if (!list) return false;
    for (const filter of list) {
      if (filter.role === role && filter.expiry > now && filter.resources.contains(offered)) return true;
    }
    return false;
  }

  hasFiltersOn(agentId: string): boolean {
    return this.byAgent.has(agentId);
  }

  /** Drops filters whose expiry is at or before `now`; calls `onAgent` once per agent that lost one. */
  expire(now: number, onAgent: (agentId: string) => void): void {
    const touched = new Set<string>();
    while (this.heap.length > 0 && this.heap[0].expiry <= now) {
      const filter = this.heapPop();
      if (!filter.live) continue;
      this.unlink(filter);
      touched.add(filter.agentId);
    }
    touched.forEach(onAgent);
  }

  /** Removes the framework's filters (in `roles`, or all of them). */
  clearFramework(frameworkId: string, roles?: readonly string[]): void {
    const agents = this.agentsByFramework.get(frameworkId);
    if (!agents) return;
    for (const agentId of [...agents]) {
      const list = this.byAgent.get(agentId)?.get(frameworkId) ?? [];
      for (const filter of [...list]) if (!roles || roles.includes(filter.role)) this.unlink(filter);
    }
    this.compactIfSparse();
  }

  clearAgent(agentId: string): void {
    const perFramework = this.byAgent.get(agentId);
    if (!perFramework) return;
    for (const list of [...perFramework.values()]) for (const filter of [...list]) this.unlink(filter);
    this.compactIfSparse();
  }

  get size(): number {
    return this.liveCount;
  }

  private unlink(filter: RefuseFilter): void {
    filter.live = false;
    this.liveCount--;
    const perFramework = this.byAgent.get(filter.agentId)!;
    const list = perFramework.get(filter.frameworkId)!;
    list.splice(list.indexOf(filter), 1);
    if (list.length > 0) return;
    perFramework.delete(filter.frameworkId);
    if (perFramework.size === 0) this.byAgent.delete(filter.agentId);
    const agents = this.agentsByFramework.get(filter.frameworkId)!;
    agents.delete(filter.agentId);
    if (agents.size === 0) this.agentsByFramework.delete(filter.frameworkId);
  }

  private compactIfSparse(): void {
    if (this.heap.length <= 64 || this.heap.length < 2 * this.liveCount) return;
    const live = this.heap.filter((f) => f.live);
    this.heap = [];
    for (const filter of live) this.heapPush(filter);
  }

  private heapPush(filter: RefuseFilter): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(filter);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].expiry <= filter.expiry) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = filter;
  }

  private heapPop(): RefuseFilter {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const child = r < heap.length && heap[r].expiry < heap[l].expiry ? r : l;
        if (heap[child].expiry >= last.expiry) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
