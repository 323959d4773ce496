/**
 * The providers by name. Each is loaded when asked for, so a command pays only for its own; this is
 * the one module that knows them all (provider.ts, the interface, knows none).
 */
import { ProviderError } from '../errors';
import type { ClusterCatalog } from '../cluster-catalog';
import type { LocalDestroyed, LocalLaunched } from './local';
import { PROVIDER_NAMES, WHERE, type Operation, type Provider } from './provider';
import type { SshDestroyed, SshLaunched } from './ssh-provider';
import type { AwsDestroyed, AwsLaunched } from './aws/aws-provider';

/** What launch did, by provider: the command summarises each in its own words. */
export type LaunchOutcome = LocalLaunched | SshLaunched | AwsLaunched;
export type DestroyOutcome = LocalDestroyed | SshDestroyed | AwsDestroyed;

/** Any provider, as the commands see it. */
export type AnyProvider = Provider<unknown, LaunchOutcome, DestroyOutcome>;

/** The provider of that name. */
export async function providerFor(name: string): Promise<AnyProvider> {
  switch (name) {
    case 'local':
      return (await import('./local')).localProvider;
    case 'ssh':
      return (await import('./ssh-provider')).sshProvider;
    case 'aws':
      return (await import('./aws/aws-provider')).awsProvider;
    default:
      throw new ProviderError('UNKNOWN_PROVIDER', `there is no provider '${name}'; the providers are ${PROVIDER_NAMES.map((p) => `'${p}'`).join(', ')}`);
  }
}

/**
 * The provider of a recorded cluster, when it can do `op`. A cluster not recorded goes to the first
 * provider that can, which names the known clusters in its error.
 */
export async function providerWith<O extends Operation>(catalog: ClusterCatalog, cluster: string, op: O): Promise<AnyProvider & Required<Pick<AnyProvider, O>>> {
  const recorded = catalog.read(cluster)?.provider;
  // Without a record the SSH provider answers: it names the known clusters in its error.
  const provider = await providerFor(recorded ?? 'ssh');
  if (!provider[op]) {
    const able: AnyProvider[] = [];
    for (const name of PROVIDER_NAMES) {
      const p = await providerFor(name);
      if (p[op]) able.push(p);
    }
    throw new ProviderError('WRONG_PROVIDER', `cluster '${cluster}' runs ${WHERE[provider.name]} (provider ${provider.name}), not ${able.map((p) => WHERE[p.name]).join(' or ')}`, [
      `pick another name with --cluster <name>, or destroy it first: mesoscloud destroy --cluster ${cluster}`,
    ]);
  }
  return provider as AnyProvider & Required<Pick<AnyProvider, O>>;
}
