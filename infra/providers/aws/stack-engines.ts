/**
 * Which StackEngine runs a cluster's stack: Pulumi's, through the Automation API, unless
 * MESOSCLOUD_STACK_ENGINE names a CommonJS module exporting `createStackEngine()` — how another
 * engine is plugged in, and how the end-to-end suite records stacks where Pulumi cannot run.
 * Where the stack is kept (StackRef) is decided here too.
 */
import * as path from 'node:path';
import type { ClusterCatalog } from '../../cluster-catalog';
import { ProviderError } from '../../errors';
import type { StackEngine, StackRef } from './engine';

export const ENGINE_ENV = 'MESOSCLOUD_STACK_ENGINE';
export const PROJECT = 'mesoscloud';

export async function stackEngine(env: NodeJS.ProcessEnv = process.env): Promise<StackEngine> {
  const module = env[ENGINE_ENV];
  if (module) {
    let loaded: { createStackEngine?: () => StackEngine };
    try {
      loaded = require(path.resolve(module)) as typeof loaded;
    } catch (err) {
      throw new ProviderError('BAD_ENGINE', `${ENGINE_ENV}=${module} cannot be loaded: ${(err as Error).message}`, [`unset ${ENGINE_ENV} to use Pulumi`]);
    }
    if (typeof loaded.createStackEngine !== 'function') throw new ProviderError('BAD_ENGINE', `${ENGINE_ENV}=${module} exports no createStackEngine()`);
    return loaded.createStackEngine();
  }
  const { PulumiEngine } = await import('./pulumi-engine');
  return new PulumiEngine();
}

/** Where a cluster's stack lives: the local file backend under the data dir unless the spec names one. */
export function stackRefOf(catalog: ClusterCatalog, cluster: string, backend?: string): StackRef {
  const dir = catalog.clusterDir(cluster);
  return {
    cluster,
    project: PROJECT,
    backendUrl: backend ?? `file://${path.join(catalog.dataDir, 'pulumi')}`,
    passphraseFile: path.join(dir, 'secrets', 'pulumi-passphrase'),
    workDir: path.join(dir, 'pulumi'),
  };
}
