/**
 * GET /state is served from bytes kept between builds (state-cache.ts). Whatever happens to the
 * cluster, the document must be exactly what rendering the records from scratch gives.
 */
import fc from 'fast-check';
import type { MasterCore } from '../../cluster/master/core';
import { StateJsonCache } from '../../cluster/master/views/state-cache';
import { buildState } from '../../cluster/master/views/state-json';
import { UsageCache } from '../../cluster/master/views/usage-cache';
import { apply, changeArb } from '../helpers/cluster-changes';
import { createMasterHarness, registerCall } from '../helpers/master-harness';

function newCache(core: MasterCore, sliceMs?: number): StateJsonCache {
  return new StateJsonCache(core, new UsageCache(), sliceMs);
}

async function served(cache: StateJsonCache): Promise<string> {
  const { chunks, length } = await cache.body();
  const bytes = Buffer.concat(chunks);
  expect(bytes.length).toBe(length);
  return bytes.toString('utf8');
}

describe('GET /state from kept bytes', () => {
  test('after any sequence of changes, the document is the records rendered from scratch', async () => {
    await fc.assert(fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 25 }), async (changes) => {
      const master = createMasterHarness();
      const { core } = master;
      try {
        const cache = newCache(core);
        const next = { agent: 0 };
        for (let i = 0; i < 40; i++) master.register(registerCall(next.agent++, i % 7));
        expect(await served(cache)).toBe(JSON.stringify(buildState(core)));
        for (const change of changes) {
          apply(master, change, next);
          await master.turn();
          expect(await served(cache)).toBe(JSON.stringify(buildState(core)));
        }
      } finally {
        master.stop();
      }
    }), { numRuns: 15 });
  });

  test('changes while a build yields to the event loop still end in a document of one instant', async () => {
    const master = createMasterHarness();
    const { core } = master;
    try {
      // Slices of 0 ms: the build yields at every check, so the changes below land in the middle of it.
      const cache = newCache(core, 0);
      const next = { agent: 0 };
      for (let i = 0; i < 300; i++) master.register(registerCall(next.agent++, 10));
      for (let round = 0; round < 10; round++) {
        const pending = cache.body();
        for (let k = 0; k < 4; k++) setImmediate(() => apply(master, { kind: k % 2 ? 'status' : 'register', pick: round * 7 + k }, next));
        const { chunks } = await pending;
        expect(Buffer.concat(chunks).toString('utf8')).toBe(JSON.stringify(buildState(core)));
      }
    } finally {
      master.stop();
    }
  });

  test('requests during a build share it, and unchanged records is answered from the cache', async () => {
    const master = createMasterHarness();
    const { core } = master;
    try {
      const cache = newCache(core, 0);
      for (let i = 0; i < 50; i++) master.register(registerCall(i, 3));
      const [a, b] = await Promise.all([cache.body(), cache.body()]);
      expect(b).toBe(a);
      expect(await cache.body()).toBe(a);
      master.register(registerCall(50, 3));
      const c = await cache.body();
      expect(c).not.toBe(a);
      expect(JSON.parse(Buffer.concat(c.chunks).toString('utf8')).slaves).toHaveLength(51);
    } finally {
      master.stop();
    }
  });
});
