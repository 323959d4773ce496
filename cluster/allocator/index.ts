/**
 * The allocator: weighted DRF offers, pure (no timers, no I/O). The master creates one with
 * `createAllocator()` and drives it through the `Allocator` interface.
 */
import { HierarchicalAllocator } from './hierarchical';
import type { Allocator } from './types';

export type { Allocation, Allocator, AllocatorAgent, AllocatorFramework, RoleQuota } from './types';
export { compileOfferConstraints, OfferConstraintsFilter, type ConstrainedAgent } from './offer-constraints';
export { headroom, quotaProblem, shrinkToLimits } from './quota';
export { DRFSorter } from './drf-sorter';
export { HierarchicalAllocator } from './hierarchical';
export { ScalarPool, quantitiesOf, type Quantities } from './quantities';

/** `seed` makes the order in which agents are visited reproducible (tests, benchmarks). */
export function createAllocator(opts: { seed?: number } = {}): Allocator {
  return new HierarchicalAllocator(opts);
}
