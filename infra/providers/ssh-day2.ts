/**
 * Operating an SSH cluster after launch: destroy, run a command on hosts, copy files to them,
 * scale the agents, and upgrade the daemons in a rolling way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterRegistry, type SshClusterRecord, type SshHostRecord } from '../registry';
import { findDaemonBundle } from '../bootstrap/bundle';
import { HostBootstrap } from '../bootstrap/host-bootstrap';
import { forEachBounded } from '../bootstrap/pool';
import type { HostProgress } from '../bootstrap/progress';
import type { SshConnection } from '../bootstrap/ssh';
import { planCluster, type ClusterPlan, type HostPlan, type Role } from '../plan/planner';
import { specFromSources, type ClusterSpec } from '../plan/spec';
import { parseEndpoint } from '../plan/host-address';
import { closeAll, connectAll, DEFAULT_CONCURRENCY, settingsOf, type HostEndpoint } from './ssh-connect';
import { bringUp, hostRecords, masterEndpoints, previousRoles, readSshRecord, SshProviderError, type SshRunOptions } from './ssh';
import { reachLeader, registeredAgents } from './master-access';
import { OperatorClient } from '../../cluster/client/operator';

export const specOf = (record: SshClusterRecord) => record.spec as unknown as ClusterSpec;

/** The hosts a command applies to: every host, or those holding `role`, or the named ones. */
export function selectHosts(record: SshClusterRecord, opts: { role?: Role; hosts?: string[] }): SshHostRecord[] {
  let hosts = record.hosts;
  if (opts.role) hosts = hosts.filter((h) => h.roles.includes(opts.role!));
  if (opts.hosts && opts.hosts.length > 0) {
    const unknown = opts.hosts.filter((n) => !record.hosts.some((h) => h.host === n || h.address === n));
    if (unknown.length > 0) {
      throw new SshProviderError('UNKNOWN_HOST', `not a host of cluster '${record.name}': ${unknown.join(', ')}`, [`its hosts: ${record.hosts.map((h) => h.host).join(', ')}`]);
    }
    hosts = hosts.filter((h) => opts.hosts!.includes(h.host) || opts.hosts!.includes(h.address));
  }
  if (hosts.length === 0) throw new SshProviderError('NO_HOSTS', `cluster '${record.name}' has no host${opts.role ? ` with the ${opts.role} role` : ''} to act on`);
  return hosts;
}

/** Plans the recorded cluster again (roles kept), for commands that need the services' definitions. */
function replan(record: SshClusterRecord, spec: ClusterSpec, bundle: { version: string; sha256: string }): ClusterPlan {
  return planCluster(spec, { bundle, previous: previousRoles(record) });
}

async function withConnections<T, H extends HostEndpoint>(record: SshClusterRecord, hosts: H[], progress: HostProgress, concurrency: number | undefined,
  fn: (conns: Map<string, SshConnection>, failed: { host: H; error: Error }[]) => Promise<T>): Promise<T> {
  const { conns, failed } = await connectAll(hosts, settingsOf(specOf(record)), record.knownHostsFile, progress, concurrency);
  try {
    return await fn(conns, failed);
  } finally {
    closeAll(conns);
  }
}

export interface RunResult { host: string; code: number | null; stdout: string; stderr: string; error?: string }

/** Runs one shell command on each selected host in parallel; output is handed over per host as it ends. */
export async function runOnHosts(registry: ClusterRegistry, name: string, command: string, opts: { role?: Role; hosts?: string[]; progress: HostProgress; concurrency?: number; onResult?: (r: RunResult) => void }): Promise<RunResult[]> {
  const record = readSshRecord(registry, name, true);
  const hosts = selectHosts(record, opts);
  return withConnections(record, hosts, opts.progress, opts.concurrency, async (conns, failed) => {
    const results: RunResult[] = failed.map((f) => ({ host: f.host.host, code: null, stdout: '', stderr: '', error: f.error.message }));
    for (const r of results) opts.onResult?.(r);
    await forEachBounded(hosts.filter((h) => conns.has(h.host)), opts.concurrency ?? DEFAULT_CONCURRENCY, async (h) => {
      const r = await conns.get(h.host)!.exec(command).then(
        (x) => ({ host: h.host, code: x.code, stdout: x.stdout, stderr: x.stderr }),
        (err: Error) => ({ host: h.host, code: null, stdout: '', stderr: '', error: err.message }),
      );
      results.push(r);
      opts.onResult?.(r);
    });
    return results;
  });
}

/** Copies a local file or directory (recursively) to `dest` on each selected host. */
export async function copyToHosts(registry: ClusterRegistry, name: string, source: string, dest: string, opts: { role?: Role; hosts?: string[]; progress: HostProgress; concurrency?: number }): Promise<{ host: string; files: number; bytes: number; error?: string }[]> {
  const record = readSshRecord(registry, name, true);
  const hosts = selectHosts(record, opts);
  const files = listFiles(source);
  // rsync/scp semantics: into an existing directory (or one named with a trailing '/') the source keeps its name.
  const intoDir = dest.endsWith('/');
  const target = (rel: string) => (intoDir ? path.posix.join(dest, path.basename(source), rel) : rel === '' ? dest : path.posix.join(dest, rel));
  return withConnections(record, hosts, opts.progress, opts.concurrency, async (conns, failed) => {
    const out: { host: string; files: number; bytes: number; error?: string }[] = failed.map((f) => ({ host: f.host.host, files: 0, bytes: 0, error: f.error.message }));
    await forEachBounded(hosts.filter((h) => conns.has(h.host)), opts.concurrency ?? DEFAULT_CONCURRENCY, async (h) => {
      const conn = conns.get(h.host)!;
      let bytes = 0;
      try {
        for (const f of files) {
          opts.progress.step(h.host, `copying ${f.rel || path.basename(source)}`);
          const content = fs.readFileSync(f.abs);
          await conn.upload(content, target(f.rel), { mode: f.mode });
          bytes += content.length;
        }
        opts.progress.done(h.host, `${files.length} file(s), ${bytes} bytes`);
        out.push({ host: h.host, files: files.length, bytes });
      } catch (err) {
        opts.progress.fail(h.host, (err as Error).message);
        out.push({ host: h.host, files: 0, bytes, error: (err as Error).message });
      }
    });
    return out;
  });
}

function listFiles(source: string): { abs: string; rel: string; mode: number }[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new SshProviderError('NO_SUCH_FILE', `${source} does not exist`);
  }
  if (stat.isFile()) return [{ abs: source, rel: '', mode: stat.mode & 0o777 }];
  if (!stat.isDirectory()) throw new SshProviderError('NOT_A_FILE', `${source} is neither a file nor a directory`);
  const out: { abs: string; rel: string; mode: number }[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(abs, r);
      else if (e.isFile()) out.push({ abs, rel: r, mode: fs.statSync(abs).mode & 0o777 });
    }
  };
  walk(source, '');
  return out;
}

/**
 * Removes the cluster from every host (services stopped, agents' tasks killed, files, logs and
 * packages we installed removed). Hosts that cannot be reached are named and kept in the record,
 * so destroy can be run again; the record goes once every host is clean.
 */
export async function destroySsh(registry: ClusterRegistry, name: string, opts: { progress: HostProgress; concurrency?: number }): Promise<{ cleaned: string[]; failed: { host: string; error: string }[] }> {
  const record = readSshRecord(registry, name, true);
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
    if (failed.length === 0) registry.remove(name);
    else {
      record.hosts = record.hosts.filter((h) => !cleaned.includes(h.host));
      record.updatedAt = new Date().toISOString();
      registry.write(record);
    }
    return { cleaned, failed };
  });
}

const rank = (roles: Role[]) => (roles.includes('agent') ? 2 : roles.includes('master') ? 1 : 0);

/** A plan with the recorded hosts and roles but no services: enough to stop and remove them. */
function skeletonPlan(record: SshClusterRecord): ClusterPlan {
  return {
    cluster: record.name,
    hosts: record.hosts.map((h) => ({ ...h, services: [] })) as unknown as HostPlan[],
    masters: [],
    quorum: 1,
    agentCount: 0,
    bundle: { version: record.bundle?.version ?? '', sha256: record.bundle?.sha256 ?? '', remotePath: '' },
    warnings: [],
  } as unknown as ClusterPlan;
}

/**
 * Changes the number of agents. Growing takes new hosts from `addHosts` (or unused hosts of the
 * spec); shrinking drains the last agents (their tasks are killed with their kill grace period and
 * the agents marked gone), then removes the cluster from those hosts.
 */
export async function scaleSsh(registry: ClusterRegistry, name: string, opts: SshRunOptions & { agents?: number; addHosts?: string[] }): Promise<{ added: string[]; removed: string[]; plan: ClusterPlan }> {
  const record = readSshRecord(registry, name, true);
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
  const plan = planCluster(newSpec, { bundle: { version: bundle.version, sha256: bundle.sha256 }, previous: previousRoles(record) });
  const before = new Set(record.hosts.filter((h) => h.roles.includes('agent')).map((h) => h.host));
  const after = new Set(plan.hosts.filter((h) => h.roles.includes('agent')).map((h) => h.host));
  const added = [...after].filter((h) => !before.has(h));
  const removed = [...before].filter((h) => !after.has(h));
  if (removed.some((h) => record.hosts.find((r) => r.host === h)!.roles.length > 1)) {
    throw new SshProviderError('CONTROL_HOST', `scaling down would remove an agent from a host that also runs ${record.hosts.filter((r) => removed.includes(r.host) && r.roles.length > 1).map((r) => r.host).join(', ')}'s control roles`);
  }
  const progress = opts.progress;
  const removedHosts = record.hosts.filter((h) => removed.includes(h.host));
  // Each host once: a host losing its agent is in the plan too, with no role left.
  const touched = [...plan.hosts.filter((h) => h.roles.length > 0 && !removed.includes(h.host)), ...removedHosts];
  await withConnections(record, touched, progress, opts.concurrency, async (conns, failed) => {
    if (failed.length > 0) throw new SshProviderError('HOSTS_UNREACHABLE', `cannot reach ${failed.map((f) => f.host.host).join(', ')}: ${failed[0].error.message}`);
    if (removed.length > 0) await drainAndRemove(record, removedHosts, conns, masterEndpoints(plan), progress, opts.timeoutMs ?? 120_000);
    record.spec = newSpec as unknown as Record<string, unknown>;
    record.hosts = hostRecords(plan);
    record.updatedAt = new Date().toISOString();
    registry.write(record);
    await bringUp(plan, conns, bundle, opts);
  });
  return { added, removed, plan };
}

async function drainAndRemove(record: SshClusterRecord, hosts: SshHostRecord[], conns: Map<string, SshConnection>, masters: ReturnType<typeof masterEndpoints>, progress: HostProgress, timeoutMs: number): Promise<void> {
  const access = await reachLeader(masters, conns, timeoutMs);
  const operator = new OperatorClient(access.url, { timeoutMs: 10_000 });
  try {
    const agents = await registeredAgents(access.url);
    for (const h of hosts) {
      const id = agents.get(h.address)?.agent_info.id?.value;
      if (!id) continue;
      progress.step(h.host, 'draining agent');
      await operator.drainAgent(id, { markGone: true });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await registeredAgents(access.url);
      const busy = hosts.filter((h) => {
        const a = now.get(h.address);
        return a && (a.drain_info?.state === 'DRAINING' || (a.drain_info === undefined && a.active));
      });
      if (busy.length === 0) break;
      if (Date.now() > deadline) throw new SshProviderError('DRAIN_TIMEOUT', `agents on ${busy.map((h) => h.host).join(', ')} did not drain within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    operator.close();
    await access.close();
  }
  const plan = skeletonPlan({ ...record, hosts });
  await forEachBounded(plan.hosts, DEFAULT_CONCURRENCY, async (h) => {
    await new HostBootstrap(conns.get(h.host)!, h, plan, undefined, progress).removeEverything();
    progress.done(h.host, 'agent removed');
  });
}

/**
 * Pushes a new daemon bundle and restarts daemons one at a time: standby masters, then the
 * leader, then each agent, waiting for each to be healthy (and each agent to re-register) before
 * the next. Agents restart with --recover=reconnect, so running tasks are kept. ZooKeeper is not
 * restarted: its process does not change with the bundle.
 */
export async function upgradeSsh(registry: ClusterRegistry, name: string, opts: SshRunOptions): Promise<{ from?: string; to: string; restarted: string[]; plan: ClusterPlan }> {
  const record = readSshRecord(registry, name, true);
  const bundle = opts.bundle ?? findDaemonBundle();
  const spec = specOf(record);
  const plan = replan(record, spec, bundle);
  const progress = opts.progress;
  const restarted: string[] = [];
  await withConnections(record, record.hosts, progress, opts.concurrency, async (conns, failed) => {
    if (failed.length > 0) throw new SshProviderError('HOSTS_UNREACHABLE', `cannot reach ${failed.map((f) => f.host.host).join(', ')}; an upgrade needs every host`, ['bring the host back (or scale it away), then run upgrade again']);
    const boots = new Map(plan.hosts.filter((h) => h.roles.length > 0).map((h) => [h.host, new HostBootstrap(conns.get(h.host)!, h, plan, bundle, progress)]));
    const prepared = await forEachBounded([...boots.values()], opts.concurrency ?? DEFAULT_CONCURRENCY, (b) => b.prepare());
    const bad = prepared.filter((o) => !o.ok);
    if (bad.length > 0) throw new SshProviderError('UPGRADE_FAILED', bad.map((o) => (o.ok ? '' : o.error.message)).join('\n'));
    const access = await reachLeader(masterEndpoints(plan), conns, opts.timeoutMs ?? 120_000);
    const leaderAddress = access.leader;
    await access.close();
    const masters = plan.hosts.filter((h) => h.roles.includes('master'));
    const isLeader = (h: HostPlan) => `${h.address}:${h.services.find((s) => s.role === 'master')!.port}` === leaderAddress;
    for (const h of [...masters.filter((m) => !isLeader(m)), ...masters.filter(isLeader)]) {
      const b = boots.get(h.host)!;
      if ((await b.ensureRunning('master')) !== 'unchanged') restarted.push(`${h.host} master`);
      await b.waitHealthy('master');
    }
    for (const h of plan.hosts.filter((x) => x.roles.includes('agent'))) {
      const b = boots.get(h.host)!;
      if ((await b.ensureRunning('agent')) === 'unchanged') continue;
      restarted.push(`${h.host} agent`);
      await b.waitHealthy('agent');
      await waitReregistered(plan, conns, h.address, opts.timeoutMs ?? 120_000);
      progress.done(h.host, 'agent upgraded');
    }
    await forEachBounded([...boots.values()], DEFAULT_CONCURRENCY, (b) => b.removeOtherBundles());
  });
  const from = record.bundle?.sha256;
  record.bundle = { version: bundle.version, sha256: bundle.sha256 };
  record.updatedAt = new Date().toISOString();
  registry.write(record);
  return { from, to: bundle.sha256, restarted, plan };
}

async function waitReregistered(plan: ClusterPlan, conns: Map<string, SshConnection>, address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const access = await reachLeader(masterEndpoints(plan), conns, timeoutMs);
    try {
      const agent = (await registeredAgents(access.url)).get(address);
      if (agent?.active) return;
    } catch {
      // The leader may be between restarts; ask again.
    } finally {
      await access.close();
    }
    if (Date.now() > deadline) throw new SshProviderError('AGENT_NOT_BACK', `the agent on ${address} did not re-register within ${Math.round(timeoutMs / 1000)} s after its upgrade`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

