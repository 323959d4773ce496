/**
 * `scale`: more agents on new hosts, or fewer by draining the last ones and cleaning their hosts.
 */
import type { ClusterCatalog, SshClusterRecord, SshHostRecord } from '../cluster-catalog';
import { findDaemonBundle } from '../bootstrap/bundle';
import { HostBootstrap } from '../bootstrap/host-bootstrap';
import { DEFAULT_CONCURRENCY, failures, forEachBounded } from '../bootstrap/pool';
import type { HostProgress } from '../bootstrap/progress';
import type { SshConnection } from '../bootstrap/ssh';
import { planCluster, type ClusterPlan } from '../plan/planner';
import { specFromSources } from '../plan/spec';
import { parseEndpoint } from '../plan/host-address';
import { bringUp, hostRecords, masterEndpoints, previousRoles, readSshRecord, secureSsh, type SshRunOptions } from './ssh';
import type { ClusterAccess } from '../../cluster/client/http';
import { ProviderError } from '../errors';
import { drainAgents, reachLeader } from './master-access';
import { skeletonPlan, specOf, withConnections } from './ssh-cluster';

/**
 * Changes the number of agents. Growing takes new hosts from `addHosts` (or unused hosts of the
 * spec); shrinking drains the last agents (their tasks are killed with their kill grace period and
 * the agents marked gone), then removes the cluster from those hosts.
 */
export async function scaleSsh(catalog: ClusterCatalog, name: string, opts: SshRunOptions & { agents?: number; addHosts?: string[] }): Promise<{ added: string[]; removed: string[]; plan: ClusterPlan }> {
  const record = readSshRecord(catalog, name, true, 'ssh');
  const spec = specOf(record);
  const bundle = opts.bundle ?? findDaemonBundle();
  // The recorded spec is valid input too: hosts added as text are checked like the launch's were.
  const known = new Set(spec.hosts.map((h) => h.host));
  const hostOf = (text: string) => {
    const e = parseEndpoint(text);
    return 'host' in e ? e.host : text;
  };
  const fresh = (opts.addHosts ?? []).filter((h) => !known.has(hostOf(h)));
  const newSpec = specFromSources({ ...spec, hosts: [...spec.hosts, ...fresh], ...(opts.agents !== undefined ? { agents: opts.agents } : {}) }, {}, 'the cluster record and the scale flags');
  // Hosts new to the cluster get their certificates here.
  const { plan, access } = secureSsh(catalog, record, planCluster(newSpec, { bundle: { version: bundle.version, sha256: bundle.sha256 }, previous: previousRoles(record), secure: true }));
  const before = new Set(record.hosts.filter((h) => h.roles.includes('agent')).map((h) => h.host));
  const after = new Set(plan.hosts.filter((h) => h.roles.includes('agent')).map((h) => h.host));
  const added = [...after].filter((h) => !before.has(h));
  const removed = [...before].filter((h) => !after.has(h));
  const shared = record.hosts.filter((r) => removed.includes(r.host) && r.roles.length > 1).map((r) => r.host);
  if (shared.length > 0) {
    throw new ProviderError('CONTROL_HOST', `scaling down would take the agent off ${shared.join(', ')}, which also run(s) ZooKeeper or a master; only agent-only hosts are drained and cleaned`);
  }
  const progress = opts.progress;
  const removedHosts = record.hosts.filter((h) => removed.includes(h.host));
  // Each host once: a host losing its agent is in the plan too, with no role left.
  const touched = [...plan.hosts.filter((h) => h.roles.length > 0 && !removed.includes(h.host)), ...removedHosts];
  await withConnections(record, touched, progress, opts.concurrency, async (conns, failed) => {
    if (failed.length > 0) throw new ProviderError('HOSTS_UNREACHABLE', `cannot reach ${failed.map((f) => f.host.host).join(', ')}: ${failed[0].error.message}`);
    if (removed.length > 0) await drainAndRemove(record, removedHosts, conns, masterEndpoints(plan), access, progress, opts.timeoutMs ?? 120_000);
    record.spec = newSpec as unknown as Record<string, unknown>;
    record.hosts = hostRecords(plan);
    record.updatedAt = new Date().toISOString();
    catalog.write(record);
    await bringUp(plan, conns, bundle, opts, access);
  });
  return { added, removed, plan };
}

async function drainAndRemove(record: SshClusterRecord, hosts: SshHostRecord[], conns: Map<string, SshConnection>, masters: ReturnType<typeof masterEndpoints>,
  clusterAccess: ClusterAccess, progress: HostProgress, timeoutMs: number): Promise<void> {
  const access = await reachLeader(masters, conns, timeoutMs, clusterAccess);
  try {
    await drainAgents(access.url, clusterAccess, hosts, progress, timeoutMs);
  } finally {
    await access.close();
  }
  const plan = skeletonPlan({ ...record, hosts });
  const outcomes = await forEachBounded(plan.hosts, DEFAULT_CONCURRENCY, async (h) => {
    await new HostBootstrap(conns.get(h.host)!, h, plan, undefined, progress).removeEverything();
    progress.done(h.host, 'agent removed');
  });
  // The record still lists a host that was not cleaned, so running scale again finishes it.
  const failed = failures(outcomes);
  for (const f of failed) progress.fail(f.item.host, f.error.message);
  if (failed.length > 0) {
    throw new ProviderError('HOSTS_FAILED', `could not remove the agent from ${failed.map((f) => `${f.item.host} (${f.error.message})`).join(', ')}`, ['fix that, then run the same scale again']);
  }
}
