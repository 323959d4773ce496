/**
 * A new leader writes the registry only for what changed: agents re-registering after a failover
 * with the info the registry already holds cost no write (at 10,000 agents, 10,000 writes would land
 * in the middle of the re-registration storm); an agent that comes back changed is written again.
 * The store is the real file store of a standalone master, wrapped to count what is saved.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileRegistryStore } from '../../cluster/master/ha/file-registry-store';
import { AGENTS, ReplicatedRegistry } from '../../cluster/master/ha/replicated-registry';
import { createMasterHarness, registerCall } from '../helpers/master-harness';

class CountingStore extends FileRegistryStore {
  readonly saved: string[] = [];
  override save(collection: string, id: string, value: unknown): Promise<void> {
    this.saved.push(`${collection}/${id}`);
    return super.save(collection, id, value);
  }
}

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-registry-rewrites-')) });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('re-registrations with unchanged info are not written again; a changed agent is', async () => {
  const first = createMasterHarness();
  const firstStore = new CountingStore(dir);
  const firstRegistry = new ReplicatedRegistry(first.core, firstStore);
  await firstRegistry.recover();
  firstRegistry.attach();
  for (let i = 0; i < 3; i++) first.register(registerCall(i, 2));
  await firstStore.settled();
  expect(firstStore.saved.filter((s) => s.startsWith(`${AGENTS}/`)).sort()).toEqual(['agents/agent-0', 'agents/agent-1', 'agents/agent-2']);
  firstRegistry.close();
  first.stop();

  // The next leader: the same agents come back, one of them with another hostname.
  const next = createMasterHarness();
  const store = new CountingStore(dir);
  const registry = new ReplicatedRegistry(next.core, store);
  expect((await registry.recover()).agents).toBe(3);
  registry.attach();
  next.register(registerCall(0, 2));
  next.register(registerCall(1, 2));
  const changed = registerCall(2, 2);
  changed.agent_info.hostname = 'host-2-moved';
  next.register(changed);
  await store.settled();
  expect(store.saved).toEqual(['agents/agent-2']);
  registry.close();
  next.stop();
});
