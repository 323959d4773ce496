/**
 * Where a cluster runs, behind one interface: the commands look a provider up by name (the one
 * asked for at launch, or the one a cluster's record names) and call it, without knowing which it
 * is. Every provider takes the same cluster spec (infra/plan), plans before it changes anything,
 * and throws ProviderError. Providers are loaded when asked for, so a command pays only for its own.
 */
import type { DaemonBundle } from '../bootstrap/bundle';
import type { HostProgress } from '../bootstrap/progress';
import { ProviderError } from '../errors';
import type { ClusterPlan } from '../plan/planner';
import type { Role } from '../plan/roles';
import type { ClusterSpec } from '../plan/spec';
import type { ClusterRegistry } from '../registry';
import type { DestroyResult, LocalLaunchResult } from './local';
import type { SshLaunchResult } from './ssh';
import type { CopyResult, RunResult } from './ssh-run';

export const PROVIDER_NAMES = ['local', 'ssh', 'aws'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Where each provider's clusters run, in the words of its messages. */
const WHERE: Record<ProviderName, string> = { local: 'on this machine', ssh: 'on SSH hosts', aws: 'on EC2' };

/** What every operation gets from the command that runs it. */
export interface ProviderContext {
  registry: ClusterRegistry;
  /** Per-host steps, and plain lines about the whole operation (`note`). */
  progress: HostProgress;
  /** Hosts worked on at once. */
  concurrency?: number;
  /** How long to wait for daemons to answer and agents to register (each provider has its default). */
  timeoutMs?: number;
  /** The operator's wish to stop (Ctrl-C); see Provider.abortable. */
  signal?: AbortSignal;
  /** The daemon bundle to deploy; default: this package's build (infra/bootstrap/bundle). */
  bundle?: DaemonBundle;
}

/** Hosts an operation on a running cluster applies to: every host, those with a role, or the named ones. */
export interface HostSelection { role?: Role; hosts?: string[] }

/** What launch did, by provider: the command summarises each in its own words. */
export type LaunchOutcome = ({ provider: 'local' } & LocalLaunchResult) | ({ provider: 'ssh'; spec: ClusterSpec } & SshLaunchResult);
export type DestroyOutcome =
  | ({ provider: 'local' } & DestroyResult)
  | { provider: 'ssh'; name: string; cleaned: string[]; failed: { host: string; error: string }[] };

export interface ScaleRequest { agents?: number; addHosts?: string[] }
export interface ScaleOutcome { added: string[]; removed: string[]; plan: ClusterPlan }
export interface UpgradeOutcome { from?: string; to: string; restarted: string[]; plan: ClusterPlan }

export interface Provider<Plan = unknown> {
  readonly name: ProviderName;
  /** Launch stops what it started and throws INTERRUPTED when ctx.signal aborts. */
  readonly abortable?: boolean;
  /** Checks the spec and decides what launch would do; changes nothing. */
  plan(spec: ClusterSpec, ctx: ProviderContext): Promise<Plan>;
  /** The plan for an operator to read (`launch --dry-run`), when the provider can show one. */
  describePlan?(plan: Plan): { text: string; json: unknown };
  /** Brings the planned cluster up (or completes it); a running cluster is left as it is. */
  launch(plan: Plan, ctx: ProviderContext): Promise<LaunchOutcome>;
  /** Stops the cluster and removes what it left; a cluster that is not there is no error. */
  destroy(cluster: string, ctx: ProviderContext): Promise<DestroyOutcome>;
  scale?(cluster: string, request: ScaleRequest, ctx: ProviderContext): Promise<ScaleOutcome>;
  upgrade?(cluster: string, ctx: ProviderContext): Promise<UpgradeOutcome>;
  run?(cluster: string, command: string, target: HostSelection & { onResult?: (r: RunResult) => void }, ctx: ProviderContext): Promise<RunResult[]>;
  copy?(cluster: string, source: string, destination: string, target: HostSelection, ctx: ProviderContext): Promise<CopyResult[]>;
}

export type Operation = 'scale' | 'upgrade' | 'run' | 'copy';

const clusterArg = (cluster: string | undefined) => (cluster && cluster !== 'local' ? ` --cluster ${cluster}` : '');

/** The provider of that name; `cluster` (the one being launched) goes into the hints of a provider not available yet. */
export async function providerFor(name: string, cluster?: string): Promise<Provider> {
  switch (name) {
    case 'local':
      return (await import('./local')).localProvider;
    case 'ssh':
      return (await import('./ssh-provider')).sshProvider;
    case 'aws':
      throw new ProviderError('PROVIDER_UNAVAILABLE', `provider '${name}' is not available yet; the providers so far are 'local' and 'ssh'`, [
        `run the cluster on this machine: mesoscloud launch --provider local${clusterArg(cluster)}`,
        'or on hosts you have: mesoscloud launch --provider ssh --hosts h1,h2,h3 --key ~/.ssh/id_ed25519',
      ]);
    default:
      throw new ProviderError('UNKNOWN_PROVIDER', `there is no provider '${name}'; the providers are ${PROVIDER_NAMES.map((p) => `'${p}'`).join(', ')}`);
  }
}

/**
 * The provider of a recorded cluster, when it can do `op`. A cluster not recorded goes to the first
 * provider that can, which names the known clusters in its error.
 */
export async function providerWith<O extends Operation>(registry: ClusterRegistry, cluster: string, op: O): Promise<Provider & Required<Pick<Provider, O>>> {
  const able: Provider[] = [];
  for (const name of PROVIDER_NAMES) {
    if (name === 'aws') continue;
    const p = await providerFor(name);
    if (p[op]) able.push(p);
  }
  const recorded = registry.read(cluster)?.provider;
  const provider = recorded ? await providerFor(recorded) : able[0];
  if (!provider[op]) {
    throw new ProviderError('WRONG_PROVIDER', `cluster '${cluster}' runs ${WHERE[provider.name]} (provider ${provider.name}), not ${able.map((p) => WHERE[p.name]).join(' or ')}`, [
      `pick another name with --cluster <name>, or destroy it first: mesoscloud destroy --cluster ${cluster}`,
    ]);
  }
  return provider as Provider & Required<Pick<Provider, O>>;
}
