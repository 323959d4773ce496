/**
 * The providers looked up by name: each known one implements the one interface, aws is refused as not
 * available yet (naming the ones there are), an unknown name is refused naming the providers, and an
 * operation goes to the provider the cluster was launched with, or is refused when it cannot do it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterCatalog, type ClusterRecord } from '../../infra/cluster-catalog';
import { providerFor, providerWith } from '../../infra/providers';

let dir: string;
let catalog: ClusterCatalog;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'providers-'));
  catalog = new ClusterCatalog(dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function localRecord(name: string): ClusterRecord {
  const daemon = { pid: 1, port: 5050, workDir: '/w', logPath: '/l' };
  return { name, provider: 'local', masterUrl: 'http://127.0.0.1:5050', master: daemon, agents: [], createdAt: new Date(0).toISOString() } as ClusterRecord;
}

describe('providers by name', () => {
  test('local and ssh implement the interface; only ssh runs commands on hosts', async () => {
    const local = await providerFor('local');
    const ssh = await providerFor('ssh');
    expect([local.name, ssh.name]).toEqual(['local', 'ssh']);
    for (const p of [local, ssh]) for (const op of ['plan', 'launch', 'destroy'] as const) expect(typeof p[op]).toBe('function');
    expect([local.run, local.copy, local.scale, local.upgrade]).toEqual([undefined, undefined, undefined, undefined]);
    for (const op of ['run', 'copy', 'scale', 'upgrade'] as const) expect(typeof ssh[op]).toBe('function');
  });

  test('aws implements the interface and works on its hosts as ssh does', async () => {
    const aws = await providerFor('aws');
    expect(aws.name).toBe('aws');
    for (const op of ['plan', 'launch', 'destroy', 'describePlan', 'run', 'copy', 'scale', 'upgrade'] as const) expect(typeof aws[op]).toBe('function');
  });

  test('an unknown provider is refused, naming the providers', async () => {
    await expect(providerFor('gcp')).rejects.toMatchObject({ code: 'UNKNOWN_PROVIDER', message: "there is no provider 'gcp'; the providers are 'local', 'ssh', 'aws'" });
  });

  test('an operation goes to the recorded cluster\'s provider, or is refused when that provider cannot do it', async () => {
    catalog.write(localRecord('dev'));
    await expect(providerWith(catalog, 'dev', 'run')).rejects.toMatchObject({
      code: 'WRONG_PROVIDER',
      message: "cluster 'dev' runs on this machine (provider local), not on SSH hosts or on EC2",
    });
    expect((await providerWith(catalog, 'unrecorded', 'run')).name).toBe('ssh');
  });
});
