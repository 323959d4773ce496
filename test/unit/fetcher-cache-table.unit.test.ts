/**
 * The fetcher cache's accounting: entries admitted by size, least recently used evicted first,
 * entries in use never evicted, space given back on removal, and the used total never above capacity.
 */
import * as fc from 'fast-check';
import { CacheTable, type CacheEntry } from '../../cluster/agent/fetcher/cache-table';

const done = Promise.resolve();
const name = (serial: number) => `c${serial}`;

/** An entry downloaded with `bytes` and released, as after a finished fetch. */
function cached(table: CacheTable, key: string, bytes: number): CacheEntry {
  const entry = table.create(key, name, done);
  expect(table.admit(entry, bytes)).toMatchObject({ ok: true });
  entry.refs--;
  return entry;
}

describe('fetcher cache table', () => {
  test('evicts the least recently used entries until the new one fits', () => {
    const table = new CacheTable(100);
    const a = cached(table, 'a', 40);
    const b = cached(table, 'b', 40);
    expect(table.used).toBe(80);
    table.get('a'); // a is now more recently used than b
    const c = table.create('c', name, done);
    const admitted = table.admit(c, 50);
    expect(admitted).toEqual({ ok: true, evicted: [b] });
    expect(table.holds(a)).toBe(true);
    expect(table.holds(b)).toBe(false);
    expect(table.used).toBe(90);
  });

  test('an entry in use is never evicted; when nothing else frees enough, the new entry does not fit', () => {
    const table = new CacheTable(100);
    const a = cached(table, 'a', 60);
    a.refs++;
    const b = table.create('b', name, done);
    expect(table.admit(b, 50)).toMatchObject({ ok: false, error: expect.stringContaining('in use') });
    expect(table.holds(a)).toBe(true);
    expect(table.used).toBe(60);
    expect(table.admit(table.create('huge', name, done), 101)).toMatchObject({ ok: false, error: '101 bytes do not fit in a cache of 100 bytes' });
  });

  test('removal gives the space back once; file names are unique', () => {
    const table = new CacheTable(100);
    const a = cached(table, 'a', 30);
    table.remove(a);
    table.remove(a);
    expect(table.used).toBe(0);
    expect(table.size).toBe(0);
    const again = cached(table, 'a', 30);
    expect(again.fileName).not.toBe(a.fileName);
  });

  test('property: used space is the sum of admitted entries and never exceeds capacity', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 500 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 300 }), fc.boolean())), (capacity, ops) => {
      const table = new CacheTable(capacity);
      const live = new Map<string, CacheEntry>();
      for (const [k, bytes, hold] of ops) {
        const key = `k${k}`;
        const existing = table.get(key);
        if (existing) continue;
        const entry = table.create(key, name, done);
        const admitted = table.admit(entry, bytes);
        if (admitted.ok) {
          for (const victim of admitted.evicted) {
            expect(victim.refs).toBe(0);
            live.delete(victim.key);
          }
          live.set(key, entry);
          if (!hold) entry.refs--;
        } else {
          table.remove(entry);
        }
        const sum = [...live.values()].reduce((s, e) => s + e.size, 0);
        expect(table.used).toBe(sum);
        expect(table.used).toBeLessThanOrEqual(capacity);
      }
    }));
  });
});
