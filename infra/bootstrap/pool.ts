/**
 * Bounded fan-out: run `fn` over every item with at most `limit` running at once, and wait for all
 * of them. Every item's outcome is kept, so one failing host does not hide what happened to others.
 */
/** Hosts worked on at once unless the operator says otherwise (--concurrency). */
export const DEFAULT_CONCURRENCY = 32;

export type Outcome<T, R> = { item: T; ok: true; value: R } | { item: T; ok: false; error: Error };

export async function forEachBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<Outcome<T, R>[]> {
  const outcomes: Outcome<T, R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      try {
        outcomes[index] = { item, ok: true, value: await fn(item, index) };
      } catch (err) {
        outcomes[index] = { item, ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return outcomes;
}

export function failures<T, R>(outcomes: Outcome<T, R>[]): { item: T; error: Error }[] {
  return outcomes.flatMap((o) => (o.ok ? [] : [{ item: o.item, error: o.error }]));
}
