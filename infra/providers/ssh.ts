/**
 * The SSH provider: a cluster on hosts the operator already has. `launch` plans the roles, opens
 * one connection per host, prepares every host in parallel (bounded), then starts ZooKeeper, the
 * masters and the agents in that order, each only where it is not already running with the same
 * definition, and waits until every agent is registered with the leader. Every step is recorded
 * on its host, so a launch that broke off (Ctrl-C, a dead host, a killed laptop) is completed by
 * running it again, and a launch on a healthy cluster changes nothing.
 */
import * as path from 'node:path';
import { ProviderError } from '../errors';
import { ClusterCatalog, type SshClusterRecord, type SshHostRecord } from '../cluster-catalog';
import { findDaemonBundle, type DaemonBundle } from '../bootstrap/bundle';
import { HostBootstrap, type ServiceChange } from '../bootstrap/host-bootstrap';
import { DEFAULT_CONCURRENCY, forEachBounded } from '../bootstrap/pool';
import type { HostProgress } from '../bootstrap/progress';
import type { SshConnection } from '../bootstrap/ssh';
import { planCluster, type ClusterPlan, type Role } from '../plan/planner';
import type { ClusterSpec } from '../plan/spec';
import { closeAll, connectAll, settingsOf } from './ssh-connect';
import { reachLeader, waitForAgents, type MasterAccess, type MasterEndpoint } from './master-access';
import type { ClusterAccess } from '../../cluster/client/http';
import { ensureSshSecrets, withSecrets } from './ssh-secrets';
import { recordAccess } from './record-access';
import { WHERE } from './provider-names';

export interface SshRunOptions {
  progress: HostProgress;
  concurrency?: number;
  /** How long to wait for services and agents (default 120 s). */
  timeoutMs?: number;
  bundle?: DaemonBundle;
  /**
   * Where the launcher's own requests reach the masters: the address they advertise (default), or
   * the host SSH reaches them at (an EC2 instance's public address, NATed to its private one).
   */
  reachAt?: 'address' | 'host';
}

export interface HostOutcome {
  host: string;
  roles: Role[];
  changes: Partial<Record<Role, ServiceChange>>;
  error?: string;
}

export interface SshLaunchResult {
  record: SshClusterRecord;
  plan: ClusterPlan;
  hosts: HostOutcome[];
  /** How the operator's machine reached the leader. */
  access: { url: string; via: 'direct' | 'tunnel'; leader: string };
  /** Agent ids by host address. */
  agentIds: Record<string, string>;
  /** True when nothing had to be done. */
  unchanged: boolean;
}

export const knownHostsFileOf = (catalog: ClusterCatalog, name: string) => path.join(catalog.clusterDir(name), 'known_hosts');

export function previousRoles(record: SshClusterRecord | undefined): Record<string, Role[]> | undefined {
  if (!record) return undefined;
  return Object.fromEntries(record.hosts.map((h) => [h.host, h.roles]));
}

export function hostRecords(plan: ClusterPlan): SshHostRecord[] {
  return plan.hosts.filter((h) => h.roles.length > 0).map((h) => ({ host: h.host, sshPort: h.sshPort, user: h.user, address: h.address, roles: h.roles, ...(h.zkId ? { zkId: h.zkId } : {}) }));
}

export function masterEndpoints(plan: ClusterPlan): MasterEndpoint[] {
  return plan.hosts.filter((h) => h.roles.includes('master')).map((h) => ({ host: h.host, address: h.address, port: h.services.find((s) => s.role === 'master')!.port }));
}

function newRecord(catalog: ClusterCatalog, spec: ClusterSpec, plan: ClusterPlan, previous: SshClusterRecord | undefined, bundle: DaemonBundle): SshClusterRecord {
  const now = new Date().toISOString();
  const first = masterEndpoints(plan)[0];
  return {
    name: spec.name,
    provider: 'ssh',
    masterUrl: `https://${first.address}:${first.port}`,
    ...(plan.zk ? { zk: plan.zk } : {}),
    spec: spec as unknown as Record<string, unknown>,
    hosts: hostRecords(plan),
    knownHostsFile: knownHostsFileOf(catalog, spec.name),
    phase: previous?.phase === 'up' ? 'up' : 'launching',
    bundle: { version: bundle.version, sha256: bundle.sha256 },
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
}

/** Hosts in the order roles start: ZooKeeper, masters, agents. */
const ROLE_ORDER: Role[] = ['zookeeper', 'master', 'agent'];

/** What launch will do: the spec, the bundle it pushes, and which host runs what. */
export interface SshPlan { spec: ClusterSpec; bundle: DaemonBundle; plan: ClusterPlan }

/** Roles stay where a recorded SSH cluster of that name has them; nothing is touched. */
export function planSsh(catalog: ClusterCatalog, spec: ClusterSpec, bundle: DaemonBundle = findDaemonBundle()): SshPlan {
  const recorded = catalog.read(spec.name);
  const plan = planCluster(spec, { bundle: { version: bundle.version, sha256: bundle.sha256 }, previous: previousRoles(recorded?.provider === 'ssh' ? recorded : undefined), secure: true });
  return { spec, bundle, plan };
}

/**
 * The cluster's CA, certificates and credentials from the catalog (made on the first launch, a
 * certificate for each host new to it), recorded for the CLI; the plan with the secrets to push,
 * and how the launcher's own requests reach the masters.
 */
export function secureSsh(catalog: ClusterCatalog, record: SshClusterRecord, plan: ClusterPlan): { plan: ClusterPlan; access: ClusterAccess } {
  const secrets = ensureSshSecrets(catalog.clusterDir(record.name), record.name, plan.hosts.filter((h) => h.roles.length > 0));
  record.tls = secrets.tls;
  record.operatorCredential = secrets.operatorFile;
  return { plan: withSecrets(plan, secrets), access: recordAccess(record) };
}

export async function launchSsh(catalog: ClusterCatalog, { spec, bundle, plan: planned }: SshPlan, opts: SshRunOptions): Promise<SshLaunchResult> {
  const { progress } = opts;
  const previous = readSshRecord(catalog, spec.name, false, 'ssh');
  for (const w of planned.warnings) progress.note(`Note: ${w}`);
  const record = newRecord(catalog, spec, planned, previous, bundle);
  const { plan, access } = secureSsh(catalog, record, planned);
  // Written before any host is touched: a launch that breaks off can be resumed or destroyed by name.
  catalog.write(record);

  const { conns, failed } = await connectAll(plan.hosts.filter((h) => h.roles.length > 0), settingsOf(spec), record.knownHostsFile, progress, opts.concurrency);
  try {
    const outcome = await bringUp(plan, conns, bundle, opts, access, failed.map((f) => ({ host: f.host.host, error: f.error })));
    record.phase = 'up';
    record.updatedAt = new Date().toISOString();
    catalog.write(record);
    return { record, plan, ...outcome };
  } finally {
    closeAll(conns);
  }
}

interface BringUpResult {
  hosts: HostOutcome[];
  access: SshLaunchResult['access'];
  agentIds: Record<string, string>;
  unchanged: boolean;
}

/**
 * Prepares every reachable host, starts roles in dependency order, waits for the agents. Hosts
 * that fail are named at the end; the others are left complete (or as far as their role allows,
 * when a ZooKeeper or master host failed), ready for the next run to finish the job.
 */
export async function bringUp(
  plan: ClusterPlan,
  conns: Map<string, SshConnection>,
  bundle: DaemonBundle | undefined,
  opts: SshRunOptions,
  clusterAccess: ClusterAccess,
  alreadyFailed: { host: string; error: Error }[] = [],
): Promise<BringUpResult> {
  const { progress } = opts;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const failed = new Map(alreadyFailed.map((f) => [f.host, f.error]));
  const outcomes = new Map<string, HostOutcome>(plan.hosts.filter((h) => h.roles.length > 0).map((h) => [h.host, { host: h.host, roles: h.roles, changes: {} }]));
  const hosts = new Map<string, HostBootstrap>();
  for (const h of plan.hosts) {
    if (h.roles.length === 0) continue;
    const conn = conns.get(h.host);
    if (conn) hosts.set(h.host, new HostBootstrap(conn, h, plan, bundle, progress));
  }
  const fail = (host: string, error: Error) => {
    failed.set(host, error);
    progress.fail(host, error.message);
  };
  const live = () => [...hosts.values()].filter((b) => !failed.has(b.label));

  for (const o of await forEachBounded(live(), concurrency, (b) => b.prepare())) if (!o.ok) fail(o.item.label, o.error);

  for (const role of ROLE_ORDER) {
    const withRole = plan.hosts.filter((h) => h.roles.includes(role));
    // A role whose dependency failed somewhere is not started: its daemons could not form a cluster.
    const blocked = ROLE_ORDER.slice(0, ROLE_ORDER.indexOf(role)).some((dep) => plan.hosts.some((h) => h.roles.includes(dep) && failed.has(h.host)));
    if (blocked) break;
    const ready = withRole.map((h) => hosts.get(h.host)).filter((b): b is HostBootstrap => b !== undefined && !failed.has(b.label));
    // Start everywhere first, then wait: a ZooKeeper ensemble only answers once enough of it runs.
    const started = await forEachBounded(ready, concurrency, async (b) => {
      outcomes.get(b.label)!.changes[role] = await b.ensureRunning(role);
    });
    for (const o of started) if (!o.ok) fail(o.item.label, o.error);
    const healthy = await forEachBounded(ready.filter((b) => !failed.has(b.label)), concurrency, (b) => b.waitHealthy(role, Math.round(timeoutMs / 1000)));
    for (const o of healthy) if (!o.ok) fail(o.item.label, o.error);
  }

  let access: MasterAccess | undefined;
  let agentIds: Record<string, string> = {};
  const agentHosts = plan.hosts.filter((h) => h.roles.includes('agent') && !failed.has(h.host));
  // With a ZooKeeper or master host down the agents were not started: waiting for them would only
  // end in a timeout that hides the host at fault.
  const controlUp = plan.hosts.filter((h) => h.roles.includes('zookeeper') || h.roles.includes('master')).every((h) => !failed.has(h.host));
  if (controlUp) {
    progress.note('Waiting for the leading master and for every agent to register');
    try {
      const masters = masterEndpoints(plan).map((m) => (opts.reachAt === 'host' ? { ...m, address: m.host } : m));
      access = await reachLeader(masters, conns, timeoutMs, clusterAccess);
      const agents = await waitForAgents(access.url, agentHosts.map((h) => h.address), {
        timeoutMs,
        ...clusterAccess,
        keyOf: (a) => a.agent_info.hostname,
        onCount: (n) => progress.note(`Agents registered: ${n}/${agentHosts.length}`),
        timeoutError: (missing) => new Error(`not every agent registered within ${Math.round(timeoutMs / 1000)} s; missing: ${missing.join(', ')}`),
      });
      agentIds = Object.fromEntries(agentHosts.map((h) => [h.address, agents.get(h.address)?.agent_info.id?.value ?? '']));
    } catch (err) {
      await access?.close();
      throw new ProviderError('AGENTS_NOT_REGISTERED', (err as Error).message, [`see the logs: mesoscloud run --cluster ${plan.cluster} --role agent "tail -n 50 /var/log/mesoscloud/${plan.cluster}/agent.log"`]);
    }
  }
  for (const h of plan.hosts) {
    if (failed.has(h.host) || h.roles.length === 0) continue;
    const changes = outcomes.get(h.host)!.changes;
    const changed = Object.entries(changes).filter(([, c]) => c !== 'unchanged').map(([r, c]) => `${r} ${c}`);
    progress.done(h.host, changed.length > 0 ? changed.join(', ') : `${h.roles.join('+')} up to date`);
  }
  for (const [host, error] of failed) outcomes.get(host)!.error = error.message;
  const result = {
    hosts: [...outcomes.values()],
    access: access ? { url: access.url, via: access.via, leader: access.leader } : { url: '', via: 'direct' as const, leader: '' },
    agentIds,
    unchanged: [...outcomes.values()].every((o) => Object.values(o.changes).every((c) => c === 'unchanged')),
  };
  await access?.close();
  if (failed.size > 0) {
    const lines = [...failed].map(([host, error]) => (error.message.startsWith(`${host}:`) ? `  ${error.message}` : `  ${host}: ${error.message}`));
    throw Object.assign(new ProviderError('HOSTS_FAILED', `${failed.size} of ${plan.hosts.length} host(s) failed:\n${lines.join('\n')}`, [
      'fix what is named above, then run the same launch again: finished hosts are not redone',
    ]), { result });
  }
  return result;
}

/**
 * The cluster on SSH hosts of that name (provider ssh or aws; `provider` asks for one of them);
 * `required` makes a missing one an error naming the known clusters.
 */
export function readSshRecord(catalog: ClusterCatalog, name: string, required: true, provider?: 'ssh' | 'aws'): SshClusterRecord;
export function readSshRecord(catalog: ClusterCatalog, name: string, required: boolean, provider?: 'ssh' | 'aws'): SshClusterRecord | undefined;
export function readSshRecord(catalog: ClusterCatalog, name: string, required: boolean, provider?: 'ssh' | 'aws'): SshClusterRecord | undefined {
  const record = catalog.read(name);
  if (record && (record.provider === 'local' || (provider && record.provider !== provider))) {
    const wanted = provider ? `provider ${provider}` : 'SSH hosts';
    throw new ProviderError('WRONG_PROVIDER', `cluster '${name}' runs ${WHERE[record.provider]} (provider ${record.provider}), not ${provider ? WHERE[provider] : 'on SSH hosts'} (${wanted})`, ['pick another name with --cluster <name>, or destroy it first: mesoscloud destroy --cluster ' + name]);
  }
  if (!record && required) {
    const known = catalog.list();
    throw new ProviderError('NO_CLUSTER', `no cluster named '${name}' is recorded in ${catalog.root}`, known.length > 0 ? [`known clusters: ${known.join(', ')}`] : ['launch one: mesoscloud launch --provider ssh --hosts ...']);
  }
  return record;
}
