/**
 * `upgrade`: a new daemon bundle rolled out one daemon at a time, tasks kept.
 */
import type { ClusterCatalog, SshClusterRecord } from '../cluster-catalog';
import { findDaemonBundle } from '../bootstrap/bundle';
import { HostBootstrap } from '../bootstrap/host-bootstrap';
import { DEFAULT_CONCURRENCY, forEachBounded } from '../bootstrap/pool';
import type { OperatorAgent } from '../../cluster/protocol/operator';
import { planCluster, type ClusterPlan, type HostPlan } from '../plan/planner';
import type { ClusterSpec } from '../plan/spec';
import { masterEndpoints, previousRoles, readSshRecord, secureSsh, type SshRunOptions } from './ssh';
import type { ClusterAccess } from '../../cluster/client/http';
import { ProviderError } from '../errors';
import { reachLeader, registeredAgents } from './master-access';
import { specOf, withConnections } from './ssh-cluster';

/** Plans the recorded cluster again (roles kept, its secrets in), for commands that need the services' definitions. */
function replan(catalog: ClusterCatalog, record: SshClusterRecord, spec: ClusterSpec, bundle: { version: string; sha256: string }): { plan: ClusterPlan; access: ClusterAccess } {
  return secureSsh(catalog, record, planCluster(spec, { bundle, previous: previousRoles(record), secure: true }));
}

/**
 * Pushes a new daemon bundle and restarts daemons one at a time: standby masters, then the
 * leader, then each agent, waiting for each to be healthy (and each agent to re-register) before
 * the next. Agents restart with --recover=reconnect, so running tasks are kept. ZooKeeper is not
 * restarted: its process does not change with the bundle.
 */
export async function upgradeSsh(catalog: ClusterCatalog, name: string, opts: SshRunOptions): Promise<{ from?: string; to: string; restarted: string[]; plan: ClusterPlan }> {
  const record = readSshRecord(catalog, name, true);
  const bundle = opts.bundle ?? findDaemonBundle();
  const spec = specOf(record);
  const { plan, access: clusterAccess } = replan(catalog, record, spec, bundle);
  const progress = opts.progress;
  const restarted: string[] = [];
  await withConnections(record, record.hosts, progress, opts.concurrency, async (conns, failed) => {
    if (failed.length > 0) throw new ProviderError('HOSTS_UNREACHABLE', `cannot reach ${failed.map((f) => f.host.host).join(', ')}; an upgrade needs every host`, ['bring the host back (or scale it away), then run upgrade again']);
    const boots = new Map(plan.hosts.filter((h) => h.roles.length > 0).map((h) => [h.host, new HostBootstrap(conns.get(h.host)!, h, plan, bundle, progress)]));
    const prepared = await forEachBounded([...boots.values()], opts.concurrency ?? DEFAULT_CONCURRENCY, (b) => b.prepare());
    const bad = prepared.filter((o) => !o.ok);
    if (bad.length > 0) throw new ProviderError('UPGRADE_FAILED', bad.map((o) => (o.ok ? '' : o.error.message)).join('\n'));
    const access = await reachLeader(masterEndpoints(plan), conns, opts.timeoutMs ?? 120_000, clusterAccess);
    const leaderAddress = access.leader;
    await access.close();
    const masters = plan.hosts.filter((h) => h.roles.includes('master'));
    const isLeader = (h: HostPlan) => `${h.address}:${h.services.find((s) => s.role === 'master')!.port}` === leaderAddress;
    for (const h of [...masters.filter((m) => !isLeader(m)), ...masters.filter(isLeader)]) {
      const b = boots.get(h.host)!;
      if ((await b.ensureRunning('master')) !== 'unchanged') restarted.push(`${h.host} master`);
      await b.waitHealthy('master');
    }
    // The leader stays put while agents restart: one way to it serves every agent's check.
    const leader = await reachLeader(masterEndpoints(plan), conns, opts.timeoutMs ?? 120_000, clusterAccess);
    try {
      for (const h of plan.hosts.filter((x) => x.roles.includes('agent'))) {
        const b = boots.get(h.host)!;
        const before = registrationTime((await registeredAgents(leader.url, clusterAccess)).get(h.address));
        if ((await b.ensureRunning('agent')) === 'unchanged') continue;
        restarted.push(`${h.host} agent`);
        await b.waitHealthy('agent');
        await waitReregistered(leader.url, clusterAccess, h.address, before, opts.timeoutMs ?? 120_000);
        progress.done(h.host, 'agent upgraded');
      }
    } finally {
      await leader.close();
    }
    await forEachBounded([...boots.values()], DEFAULT_CONCURRENCY, (b) => b.removeOtherBundles());
  });
  const from = record.bundle?.sha256;
  record.bundle = { version: bundle.version, sha256: bundle.sha256 };
  record.updatedAt = new Date().toISOString();
  catalog.write(record);
  return { from, to: bundle.sha256, restarted, plan };
}

/** When the master last saw this agent (re-)register, in nanoseconds; 0 when it does not know it. */
function registrationTime(agent: OperatorAgent | undefined): number {
  return agent?.reregistered_time?.nanoseconds ?? agent?.registered_time?.nanoseconds ?? 0;
}

/** Waits until the restarted agent registered anew (not just: is still listed from before) and is active. */
async function waitReregistered(leaderUrl: string, access: ClusterAccess, address: string, before: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const agent = (await registeredAgents(leaderUrl, access).catch(() => undefined))?.get(address);
    if (agent?.active && registrationTime(agent) > before) return;
    if (Date.now() > deadline) throw new ProviderError('AGENT_NOT_BACK', `the agent on ${address} did not re-register within ${Math.round(timeoutMs / 1000)} s after its upgrade`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
