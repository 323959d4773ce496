/**
 * What the SSH cluster operations share: the recorded spec, choosing hosts, one connection per
 * host for the length of an operation, and a plan of the recorded hosts for stopping them.
 */
import { type SshClusterRecord, type SshHostRecord } from '../cluster-catalog';
import type { HostProgress } from '../bootstrap/progress';
import type { SshConnection } from '../bootstrap/ssh';
import type { ClusterPlan, HostPlan, Role } from '../plan/planner';
import type { ClusterSpec } from '../plan/spec';
import { closeAll, connectAll, settingsOf, type HostEndpoint } from './ssh-connect';
import { ProviderError } from '../errors';

export const specOf = (record: SshClusterRecord) => record.spec as unknown as ClusterSpec;

/** The hosts a command applies to: every host, or those holding `role`, or the named ones. */
export function selectHosts(record: SshClusterRecord, opts: { role?: Role; hosts?: string[] }): SshHostRecord[] {
  let hosts = record.hosts;
  if (opts.role) hosts = hosts.filter((h) => h.roles.includes(opts.role!));
  if (opts.hosts && opts.hosts.length > 0) {
    const unknown = opts.hosts.filter((n) => !record.hosts.some((h) => h.host === n || h.address === n));
    if (unknown.length > 0) {
      throw new ProviderError('UNKNOWN_HOST', `not a host of cluster '${record.name}': ${unknown.join(', ')}`, [`its hosts: ${record.hosts.map((h) => h.host).join(', ')}`]);
    }
    hosts = hosts.filter((h) => opts.hosts!.includes(h.host) || opts.hosts!.includes(h.address));
  }
  if (hosts.length === 0) throw new ProviderError('NO_HOSTS', `cluster '${record.name}' has no host${opts.role ? ` with the ${opts.role} role` : ''} to act on`);
  return hosts;
}

export async function withConnections<T, H extends HostEndpoint>(record: SshClusterRecord, hosts: H[], progress: HostProgress, concurrency: number | undefined,
  fn: (conns: Map<string, SshConnection>, failed: { host: H; error: Error }[]) => Promise<T>): Promise<T> {
  const { conns, failed } = await connectAll(hosts, settingsOf(specOf(record)), record.knownHostsFile, progress, concurrency);
  try {
    return await fn(conns, failed);
  } finally {
    closeAll(conns);
  }
}

/** A plan with the recorded hosts and roles but no services: enough to stop and remove them. */
export function skeletonPlan(record: SshClusterRecord): ClusterPlan {
  return {
    cluster: record.name,
    hosts: record.hosts.map((h): HostPlan => ({ ...h, services: [] })),
    masters: [],
    quorum: 1,
    agentCount: 0,
    bundle: { version: record.bundle?.version ?? '', sha256: record.bundle?.sha256 ?? '', remotePath: '' },
    warnings: [],
  };
}
