/**
 * Where a cluster runs, behind one interface: the commands look a provider up by name (the one
 * asked for at launch, or the one a cluster's record names) and call it, without knowing which it
 * is. Every provider takes the same cluster spec (infra/plan), plans before it changes anything,
 * and throws ProviderError. The lookup by name is in index.ts.
 */
import type { DaemonBundle } from '../bootstrap/bundle';
import type { HostProgress } from '../bootstrap/progress';
import type { ClusterPlan } from '../plan/planner';
import type { Role } from '../plan/roles';
import type { ClusterCatalog } from '../cluster-catalog';
import type { ClusterSpec } from '../plan/spec';
import type { CopyResult, RunResult } from './ssh-run';

import type { ProviderName } from './provider-names';

export { PROVIDER_NAMES, WHERE, type ProviderName } from './provider-names';

/** What every operation gets from the command that runs it. */
export interface ProviderContext {
  catalog: ClusterCatalog;
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
  /** `launch --dry-run`: the plan is for reading (a provider may add what only a reader needs, such as the cost). */
  dryRun?: boolean;
}

/** Hosts an operation on a running cluster applies to: every host, those with a role, or the named ones. */
export interface HostSelection { role?: Role; hosts?: string[] }

export interface ScaleRequest { agents?: number; addHosts?: string[] }
export interface ScaleOutcome { added: string[]; removed: string[]; plan: ClusterPlan }
export interface UpgradeOutcome { from?: string; to: string; restarted: string[]; plan: ClusterPlan }

/**
 * One provider. `Launched` and `Destroyed` are what its launch and destroy report; the commands see
 * the union of every provider's (index.ts) and summarise each in its own words.
 */
export interface Provider<Plan = unknown, Launched = unknown, Destroyed = unknown> {
  readonly name: ProviderName;
  /** Launch stops what it started and throws INTERRUPTED when ctx.signal aborts. */
  readonly abortable?: boolean;
  /** Checks the spec and decides what launch would do; changes nothing. */
  plan(spec: ClusterSpec, ctx: ProviderContext): Promise<Plan>;
  /** The plan for an operator to read (`launch --dry-run`), when the provider can show one. */
  describePlan?(plan: Plan): { text: string; json: unknown };
  /** Brings the planned cluster up (or completes it); a running cluster is left as it is. */
  launch(plan: Plan, ctx: ProviderContext): Promise<Launched>;
  /** Stops the cluster and removes what it left; a cluster that is not there is no error. */
  destroy(cluster: string, ctx: ProviderContext): Promise<Destroyed>;
  scale?(cluster: string, request: ScaleRequest, ctx: ProviderContext): Promise<ScaleOutcome>;
  upgrade?(cluster: string, ctx: ProviderContext): Promise<UpgradeOutcome>;
  run?(cluster: string, command: string, target: HostSelection & { onResult?: (r: RunResult) => void }, ctx: ProviderContext): Promise<RunResult[]>;
  copy?(cluster: string, source: string, destination: string, target: HostSelection, ctx: ProviderContext): Promise<CopyResult[]>;
}

export type Operation = 'scale' | 'upgrade' | 'run' | 'copy';
