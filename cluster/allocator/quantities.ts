/**
 * Scalar quantities, the only part of a resource set that dominant shares are computed from.
 * Ranges (ports) and sets have no meaningful "fraction of the pool", so they never enter a share,
 * as in Mesos's DRF sorter.
 */
import type { Resources } from '../protocol/resources';

/** Scalar amounts by resource name, e.g. { cpus: 2, mem: 1024 }. */
export type Quantities = Readonly<Record<string, number>>;

/** The scalar part of `resources`, summed across roles. */
export function quantitiesOf(resources: Resources): Quantities {
  const out: Record<string, number> = {};
  for (const name of resources.scalarNames()) out[name] = resources.scalar(name);
  return out;
}

/**
 * Resource amounts are decimals with at most 3 places (Mesos rounds them so); rounding after
 * every sum keeps repeated add/subtract from leaving 1e-13 residues that would break share ties.
 */
export function roundQuantity(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * The total pool that shares are fractions of. Several sorters share one pool (the role sorter
 * and every per-role framework sorter divide by the same cluster total), so a change of the total
 * is one O(1) update here instead of one per sorter; sorters notice through `version`.
 */
export class ScalarPool {
  /** Incremented on every change so dependants can recompute lazily. */
  version = 0;
  private readonly indexByName = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly totals: number[] = [];

  add(quantities: Quantities): void {
    for (const name in quantities) {
      const i = this.indexOf(name);
      this.totals[i] = roundQuantity(this.totals[i] + quantities[name]);
    }
    this.version++;
  }

  remove(quantities: Quantities): void {
    for (const name in quantities) {
      const i = this.indexOf(name);
      this.totals[i] = Math.max(0, roundQuantity(this.totals[i] - quantities[name]));
    }
    this.version++;
  }

  get(name: string): number {
    const i = this.indexByName.get(name);
    return i === undefined ? 0 : this.totals[i];
  }

  /** Stable small index for a resource name; per-client vectors are laid out by it. */
  indexOf(name: string): number {
    let i = this.indexByName.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.indexByName.set(name, i);
      this.names.push(name);
      this.totals.push(0);
    }
    return i;
  }

  get size(): number {
    return this.names.length;
  }

  nameAt(i: number): string {
    return this.names[i];
  }

  totalAt(i: number): number {
    return this.totals[i];
  }
}
