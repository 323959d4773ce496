/**
 * `destroy` of an SSH cluster: every host cleaned in parallel, agents first.
 */
import type { ClusterCatalog } from '../cluster-catalog';
import { HostBootstrap } from '../bootstrap/host-bootstrap';
import { DEFAULT_CONCURRENCY, forEachBounded } from '../bootstrap/pool';
import type { HostProgress } from '../bootstrap/progress';
import type { Role } from '../plan/planner';
import { readSshRecord } from './ssh';
import { skeletonPlan, withConnections } from './ssh-cluster';

/**
 * Removes the cluster from every host (services stopped, agents' tasks killed, files, logs and
 * packages we installed removed). Hosts that cannot be reached are named and kept in the record,
 * so destroy can be run again; the record goes once every host is clean.
 */
export async function destroySsh(catalog: ClusterCatalog, name: string, opts: { progress: HostProgress; concurrency?: number }): Promise<{ cleaned: string[]; failed: { host: string; error: string }[] }> {
  const record = readSshRecord(catalog, name, true, 'ssh');
  const plan = skeletonPlan(record);
  return withConnections(record, record.hosts, opts.progress, opts.concurrency, async (conns, unreachable) => {
    const failed = unreachable.map((f) => ({ host: f.host.host, error: f.error.message }));
    const cleaned: string[] = [];
    // Agents first: their tasks are killed while the masters are still there to hear about it.
    const order = [...plan.hosts].sort((a, b) => rank(b.roles) - rank(a.roles));
    const outcomes = await forEachBounded(order.filter((h) => conns.has(h.host)), opts.concurrency ?? DEFAULT_CONCURRENCY, async (h) => {
      const b = new HostBootstrap(conns.get(h.host)!, h, plan, undefined, opts.progress);
      await b.removeEverything();
      opts.progress.done(h.host, 'removed');
      cleaned.push(h.host);
    });
    for (const o of outcomes) if (!o.ok) {
      opts.progress.fail(o.item.host, o.error.message);
      failed.push({ host: o.item.host, error: o.error.message });
    }
    if (failed.length === 0) catalog.remove(name);
    else {
      record.hosts = record.hosts.filter((h) => !cleaned.includes(h.host));
      record.updatedAt = new Date().toISOString();
      catalog.write(record);
    }
    return { cleaned, failed };
  });
}

const rank = (roles: Role[]) => (roles.includes('agent') ? 2 : roles.includes('master') ? 1 : 0);
