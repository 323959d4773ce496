/**
 * Weighted Dominant Resource Fairness sorter (Ghodsi et al.; Mesos's src/master/allocator/sorter/drf).
 *
 * Clients (roles, or frameworks within a role) have a weight and an allocation. A client's dominant
 * share is the largest fraction it holds of any scalar resource in the pool, divided by its weight.
 * Active clients are kept in an indexed binary min-heap ordered by (share, allocation count, name),
 * so an allocation moves one client in O(log n) instead of re-sorting everyone, and the allocator
 * can walk clients lowest-share-first, stopping at the first one that wants the resources.
 *
 * The pool total can change often (every agent added); shares are then recomputed lazily, once, at
 * the next query, so adding 10,000 agents does not re-sort anything 10,000 times.
 */
import { type Quantities, ScalarPool, roundQuantity } from './quantities';

interface Client {
  readonly name: string;
  weight: number;
  active: boolean;
  /** Allocated amount per pool resource index. */
  readonly alloc: number[];
  /** How many times it was allocated to; breaks share ties so equal clients take turns. */
  count: number;
  share: number;
  /** Position in the heap, -1 when inactive. */
  pos: number;
}

export interface SorterClientOptions {
  weight?: number;
  /** Inactive clients keep their allocation but are not in the order. Default true. */
  active?: boolean;
}

function validWeight(weight: number): number {
  if (!(Number.isFinite(weight) && weight > 0)) throw new RangeError(`weight must be a positive number, got ${weight}`);
  return weight;
}

function precedes(a: Client, b: Client): boolean {
  if (a.share !== b.share) return a.share < b.share;
  if (a.count !== b.count) return a.count < b.count;
  return a.name < b.name;
}

export class DRFSorter {
  private readonly clients = new Map<string, Client>();
  private readonly heap: Client[] = [];
  private seenPoolVersion: number;

  /** Pass a shared pool when several sorters divide by the same total. */
  constructor(readonly pool: ScalarPool = new ScalarPool()) {
    this.seenPoolVersion = pool.version;
  }

  add(name: string, opts: SorterClientOptions = {}): void {
    if (this.clients.has(name)) throw new Error(`sorter client already exists: ${name}`);
    const client: Client = {
      name,
      weight: validWeight(opts.weight ?? 1),
      active: false,
      alloc: [],
      count: 0,
      share: 0,
      pos: -1,
    };
    this.clients.set(name, client);
    if (opts.active ?? true) this.activate(name);
  }

  /** Forgets the client and its allocation (the pool total is unchanged). */
  remove(name: string): void {
    const client = this.clients.get(name);
    if (!client) return;
    if (client.pos >= 0) this.heapRemove(client);
    this.clients.delete(name);
  }

  contains(name: string): boolean {
    return this.clients.has(name);
  }

  isActive(name: string): boolean {
    return this.clients.get(name)?.active ?? false;
  }

  activate(name: string): void {
    const client = this.get(name);
    if (client.active) return;
    client.active = true;
    client.share = this.computeShare(client);
    this.heapInsert(client);
  }

  deactivate(name: string): void {
    const client = this.get(name);
    if (!client.active) return;
    client.active = false;
    if (client.pos >= 0) this.heapRemove(client);
  }

  setWeight(name: string, weight: number): void {
    const client = this.get(name);
    client.weight = validWeight(weight);
    this.reposition(client);
  }

  weight(name: string): number {
    return this.get(name).weight;
  }

  allocated(name: string, quantities: Quantities): void {
    const client = this.get(name);
    this.addTo(client, quantities, 1);
    client.count++;
    this.reposition(client);
  }

  unallocated(name: string, quantities: Quantities): void {
    const client = this.get(name);
    this.addTo(client, quantities, -1);
    this.reposition(client);
  }

  allocation(name: string): Quantities {
    const client = this.get(name);
    const out: Record<string, number> = {};
    client.alloc.forEach((amount, i) => {
      if (amount > 0) out[this.pool.nameAt(i)] = amount;
    });
    return out;
  }

  addTotal(quantities: Quantities): void {
    this.pool.add(quantities);
  }

  removeTotal(quantities: Quantities): void {
    this.pool.remove(quantities);
  }

  share(name: string): number {
    this.refresh();
    return this.get(name).share;
  }

  /** Number of active clients. */
  get activeCount(): number {
    return this.heap.length;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Active clients, lowest share first. O(n log n): for inspection, not for the allocation loop. */
  sort(): string[] {
    this.refresh();
    return [...this.heap].sort((a, b) => (precedes(a, b) ? -1 : 1)).map((c) => c.name);
  }

  first(): string | undefined {
    this.refresh();
    return this.heap[0]?.name;
  }

  /**
   * The lowest-share active client for which `wanted` holds, visiting clients in order and
   * stopping at the first match: O(k log k) for k clients visited, without touching the heap.
   * `wanted` must not change this sorter.
   */
  firstMatching(wanted: (name: string) => boolean): string | undefined {
    this.refresh();
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    if (wanted(heap[0].name)) return heap[0].name;
    // Frontier of heap positions whose parents were visited: a min-heap over heap positions.
    const frontier: number[] = [];
    const push = (p: number) => {
      if (p >= heap.length) return;
      let i = frontier.length;
      frontier.push(p);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!precedes(heap[frontier[i]], heap[frontier[parent]])) break;
        [frontier[i], frontier[parent]] = [frontier[parent], frontier[i]];
        i = parent;
      }
    };
    const pop = (): number => {
      const top = frontier[0];
      const last = frontier.pop()!;
      if (frontier.length > 0) {
        frontier[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < frontier.length && precedes(heap[frontier[l]], heap[frontier[m]])) m = l;
          if (r < frontier.length && precedes(heap[frontier[r]], heap[frontier[m]])) m = r;
          if (m === i) break;
          [frontier[i], frontier[m]] = [frontier[m], frontier[i]];
          i = m;
        }
      }
      return top;
    };
    push(1);
    push(2);
    while (frontier.length > 0) {
      const p = pop();
      if (wanted(heap[p].name)) return heap[p].name;
      push(2 * p + 1);
      push(2 * p + 2);
    }
    return undefined;
  }

  private get(name: string): Client {
    const client = this.clients.get(name);
    if (!client) throw new Error(`unknown sorter client: ${name}`);
    return client;
  }

  private addTo(client: Client, quantities: Quantities, sign: 1 | -1): void {
    for (const name in quantities) {
      const i = this.pool.indexOf(name);
      while (client.alloc.length <= i) client.alloc.push(0);
      client.alloc[i] = Math.max(0, roundQuantity(client.alloc[i] + sign * quantities[name]));
    }
  }

  private computeShare(client: Client): number {
    const pool = this.pool;
    let dominant = 0;
    const n = Math.min(client.alloc.length, pool.size);
    for (let i = 0; i < n; i++) {
      const total = pool.totalAt(i);
      if (total > 0) {
        const fraction = client.alloc[i] / total;
        if (fraction > dominant) dominant = fraction;
      }
    }
    return dominant / client.weight;
  }

  private reposition(client: Client): void {
    if (this.seenPoolVersion !== this.pool.version) return; // refresh() recomputes everyone anyway
    client.share = this.computeShare(client);
    if (client.pos >= 0) {
      this.siftUp(client.pos);
      this.siftDown(client.pos);
    }
  }

  /** Recomputes every share after the pool total changed, and rebuilds the heap in O(n). */
  private refresh(): void {
    if (this.seenPoolVersion === this.pool.version) return;
    this.seenPoolVersion = this.pool.version;
    for (const client of this.clients.values()) client.share = this.computeShare(client);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private heapInsert(client: Client): void {
    client.pos = this.heap.length;
    this.heap.push(client);
    this.siftUp(client.pos);
  }

  private heapRemove(client: Client): void {
    const pos = client.pos;
    const last = this.heap.pop()!;
    client.pos = -1;
    if (last !== client) {
      this.heap[pos] = last;
      last.pos = pos;
      this.siftUp(pos);
      this.siftDown(last.pos);
    }
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const item = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!precedes(item, heap[parent])) break;
      heap[i] = heap[parent];
      heap[i].pos = i;
      i = parent;
    }
    heap[i] = item;
    item.pos = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && precedes(heap[r], heap[l]) ? r : l;
      if (!precedes(heap[child], item)) break;
      heap[i] = heap[child];
      heap[i].pos = i;
      i = child;
    }
    heap[i] = item;
    item.pos = i;
  }
}
