/**
 * A standalone master's registry on disk: what is saved is loaded back by a new store on the same
 * directory; a crash's leftover temp file is ignored; a damaged file is never dropped but refused,
 * naming the file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileRegistryStore, RegistryFileError } from '../../cluster/master/ha/file-registry-store';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-registry-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function reloaded(): Promise<Map<string, Map<string, unknown>>> {
  return new FileRegistryStore(dir).load();
}

test('saves in one tick are written together and loaded back by the next store; undefined deletes', async () => {
  const store = new FileRegistryStore(dir);
  expect((await store.load()).size).toBe(0);
  await Promise.all([
    store.save('agents', 'a1', { info: { hostname: 'h1' }, pid: 'p1' }),
    store.save('agents', 'a2', { info: { hostname: 'h2' }, pid: 'p2' }),
    store.save('settings', 'cluster', { weights: [{ role: 'r', weight: 2 }] }),
  ]);
  await store.save('agents', 'a1', undefined);
  const loaded = await reloaded();
  expect([...loaded.get('agents')!.keys()]).toEqual(['a2']);
  expect(loaded.get('settings')!.get('cluster')).toEqual({ weights: [{ role: 'r', weight: 2 }] });
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8'))).toMatchObject({ format: 1, collection: 'settings' });
  expect(fs.statSync(path.join(dir, 'agents.json')).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(dir).sort()).toEqual(['agents.json', 'settings.json']);
});

test('a temp file left by a crash mid-write is ignored and removed; the file keeps its last contents', async () => {
  const store = new FileRegistryStore(dir);
  await store.load();
  await store.save('settings', 'cluster', { gone: ['a1'] });
  fs.writeFileSync(path.join(dir, 'settings.json.tmp'), '{"format":1,"coll');
  expect((await reloaded()).get('settings')!.get('cluster')).toEqual({ gone: ['a1'] });
  expect(fs.existsSync(path.join(dir, 'settings.json.tmp'))).toBe(false);
});

test.each([
  ['not JSON', '{"format":1,', /not JSON/],
  ['another format', '{"format":2,"collection":"settings","entries":{}}', /format 2, expected 1/],
  ['another collection', '{"format":1,"collection":"agents","entries":{}}', /holds collection "agents"/],
  ['no entries', '{"format":1,"collection":"settings"}', /"entries" is not an object/],
])('a file that is %s is refused, naming it and how to recover, and left in place', async (_what, text, problem) => {
  const file = path.join(dir, 'settings.json');
  fs.writeFileSync(file, text);
  const err = await reloaded().then(() => undefined, (e: unknown) => e as RegistryFileError);
  expect(err).toBeInstanceOf(RegistryFileError);
  expect(err!.code).toBe('REGISTRY_DAMAGED');
  expect(err!.message).toMatch(problem);
  expect(err!.message).toContain(`the registry file ${file} is damaged`);
  expect(err!.suggestions.join('\n')).toContain(`mv ${file} ${file}.damaged`);
  expect(fs.readFileSync(file, 'utf8')).toBe(text);
});

test('saves made while a write runs go out together in the next one; settled() waits for all of them', async () => {
  const store = new FileRegistryStore(dir);
  await store.load();
  const first = store.save('agents', 'a0', { n: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  const more = Array.from({ length: 50 }, (_, i) => store.save('agents', `a${i + 1}`, { n: i + 1 }));
  await store.settled();
  await Promise.all([first, ...more]);
  expect((await reloaded()).get('agents')!.size).toBe(51);
});
