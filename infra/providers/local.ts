/**
 * The local provider: a master and N agents as background processes on this machine, each the
 * daemon bundle SSH hosts run, under the same supervisor SSH hosts without systemd use
 * (`node mesoscloud-daemon.js supervise <cluster>/run/<name>.json`, the service definition format of
 * cluster/protocol/service-definition.ts; the bundle found as infra/bootstrap/bundle.ts finds it for
 * every provider). A daemon that crashes, or a leader deposed (which exits), is started again (a
 * master then rejoins as a standby). Supervisors are detached and log to the daemon's log file, so
 * they outlive the CLI that launched them; the catalog remembers their PIDs for `destroy`.
 * ZooKeeper servers are plain java processes (infra/zookeeper/local-ensemble.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperatorClient } from '../../cluster/client/operator';
import { schemeFor } from '../../cluster/client/tls';
import { Resources } from '../../cluster/protocol/resources';
import type { Resource } from '../../cluster/protocol/types';
import { findDaemonBundle, type DaemonBundle } from '../bootstrap/bundle';
import { ProviderError } from '../errors';
import type { ClusterSpec } from '../plan/spec';
import { DEFAULT_SSH_PORT, DEFAULT_SSH_USER, ZOOKEEPER_DEFAULTS } from '../plan/spec-defaults';
import { ClusterCatalog, type AgentRecord, type ClusterRecord, type DaemonRecord } from '../cluster-catalog';
import { removeCgroupRoot } from './cgroup-roots';
import { findZooKeeper, readLocalEnsemble, serverPid, startLocalEnsemble, stopLocalEnsemble, ZooKeeperNotInstalledError } from '../zookeeper';
import { agentArgs, agentResources, cgroupsRoot, chooseTaskPorts, localLayout, LOCAL_HOST, masterArgs, namesPorts, namesResource, TASK_PORTS, zkUrlOf, type LocalLayout, type PortRange } from './local-layout';
import { cpuFloorNote, shareMachine, shareResources, type AgentShare, type MachineCapacity } from './local-share';
import { chooseFreePorts, isPortFree } from '../machine/ports';
import { waitForAgents } from './master-access';
import { secureLocalCredentials } from './local-credentials';
import { agentAuthArgs, masterAuthArgs } from '../plan/security-args';
import { recordAccess } from './record-access';
import type { Provider } from './provider';
import { daemonPid, exitedOnce, isRunning, startSupervised } from './supervised';
import { findTaskProcesses, killGroupOrProcess, signal, tail, waitForExit } from '../machine/processes';

/**
 * What a local cluster is made of, as a cluster spec (the one every provider takes): the local
 * provider reads its name, masters, zk, agents (default 1), master.port (agents listen on the
 * ports after it) and agent.resources; hosts, ssh and the ZooKeeper ports are for remote hosts.
 */
export interface LocalSpecInput {
  name: string;
  agents: number;
  /** Masters (default 1); more than one needs ZooKeeper to elect the leader. */
  masters?: number;
  /** ZooKeeper servers to start for the cluster (default 0: a standalone master). */
  zk?: number;
  masterPort: number;
  /** Resource text for every agent; unset ones are detected by the agent. */
  agentResources?: string;
  /**
   * TLS and authentication: a cluster CA and certificates under the cluster dir, HTTPS-only daemons,
   * authentication on every endpoint but /health with generated credentials (local-credentials.ts),
   * and what the CLI needs recorded.
   */
  secure?: boolean;
}

/** A local cluster's spec: the cluster spec every provider takes, and whether it is secure. */
export type LocalClusterSpec = ClusterSpec & { secure?: boolean };

export function localSpec(input: LocalSpecInput): LocalClusterSpec {
  return {
    ...(input.secure ? { secure: true } : {}),
    name: input.name,
    provider: 'local',
    hosts: [],
    masters: input.masters ?? 1,
    zk: input.zk ?? 0,
    agents: input.agents,
    colocate: false,
    ssh: { user: DEFAULT_SSH_USER, port: DEFAULT_SSH_PORT },
    // The schema's defaults, filled in here: a local launch need not load the schema library.
    master: { port: input.masterPort, flags: {} },
    agent: { port: input.masterPort + 1, flags: {}, ...(input.agentResources !== undefined ? { resources: input.agentResources } : {}) },
    zookeeper: { ...ZOOKEEPER_DEFAULTS },
    ...(input.secure ? { secure: true } : {}),
  };
}

export interface LaunchOptions {
  /** Progress lines for the operator. */
  progress?: (line: string) => void;
  /** How long to wait for the master and for all agents (default 30 s each). */
  timeoutMs?: number;
  /** Aborting (e.g. on Ctrl-C) stops the launch and what it had started. */
  signal?: AbortSignal;
}

/** What launch will do: start the spec's cluster from the bundle, or leave it as it is when it already runs. */
export type LocalPlan = { spec: LocalClusterSpec; running: ClusterRecord } | { spec: LocalClusterSpec; running?: undefined; bundle: string };

/** What the waits share: their limit, where to report, and the operator's wish to stop. */
interface WaitContext {
  timeoutMs: number;
  progress: (line: string) => void;
  signal?: AbortSignal;
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ProviderError('INTERRUPTED', 'interrupted before it finished');
}

export interface LocalLaunchResult {
  alreadyRunning: boolean;
  record: ClusterRecord;
}

/** Every master of the cluster, the first one included. */
export function allMasters(record: ClusterRecord): DaemonRecord[] {
  return [record.master, ...(record.standbyMasters ?? [])];
}

/** A master process alive (and still ours) and answering (a standby's /health answers too). */
export async function isClusterRunning(record: ClusterRecord): Promise<boolean> {
  for (const master of allMasters(record)) {
    if (!isRunning(master)) continue;
    const access = recordAccess(record);
    let operator: OperatorClient | undefined;
    try {
      operator = new OperatorClient(`${schemeFor(access.tls)}://${LOCAL_HOST}:${master.port}`, { timeoutMs: 3000, ...access });
      if (await operator.getHealth()) return true;
    } catch {
      // Try the next one.
    } finally {
      operator?.close();
    }
  }
  return false;
}

/** A running cluster of that name is left as it is; otherwise the spec is checked. Nothing is touched. */
export async function planLocal(catalog: ClusterCatalog, spec: LocalClusterSpec, bundle?: DaemonBundle): Promise<LocalPlan> {
  const existing = catalog.readLocal(spec.name);
  if (existing && (await isClusterRunning(existing))) return { spec, running: existing };
  const resources = spec.agent.resources;
  if (resources !== undefined) {
    try {
      Resources.parse(resources);
    } catch (err) {
      throw new ProviderError('BAD_RESOURCES', `agent resources '${resources}' are not valid: ${(err as Error).message}`, [
        'resources look like "cpus:2;mem:2048;disk:4096"',
      ]);
    }
  }
  const masterCount = spec.masters;
  const zkCount = spec.zk;
  if (masterCount > 1 && zkCount === 0) {
    throw new ProviderError('NEEDS_ZOOKEEPER', `${masterCount} masters need ZooKeeper to elect their leader, but --zk is 0`, [
      `add ZooKeeper servers: mesoscloud launch --masters ${masterCount} --zk 3`,
      'or run one master: --masters 1',
    ]);
  }
  if (zkCount > 0) {
    try {
      findZooKeeper();
    } catch (err) {
      if (err instanceof ZooKeeperNotInstalledError) {
        throw new ProviderError('ZOOKEEPER_MISSING', err.message, ['apt-get install -y zookeeper   (Debian/Ubuntu; brings OpenJDK)', 'or launch without ZooKeeper: --masters 1 --zk 0']);
      }
      throw err;
    }
  }
  return { spec, bundle: (bundle ?? findDaemonBundle()).path };
}

export async function launchLocal(catalog: ClusterCatalog, spec: LocalClusterSpec, opts: LaunchOptions = {}): Promise<LocalLaunchResult> {
  return launchPlanned(catalog, await planLocal(catalog, spec), opts);
}

async function launchPlanned(catalog: ClusterCatalog, plan: LocalPlan, opts: LaunchOptions): Promise<LocalLaunchResult> {
  if (plan.running) return { alreadyRunning: true, record: plan.running };
  const { spec, bundle } = plan;
  const progress = opts.progress ?? (() => undefined);
  const name = spec.name;
  const masterPort = spec.master.port;
  const agentCount = spec.agents ?? 1;
  const masterCount = spec.masters;
  const zkCount = spec.zk;
  const agentResourcesText = spec.agent.resources;
  if (catalog.readLocal(name)) {
    progress(`Cluster '${name}' is recorded but not running; cleaning up what is left of it`);
    await destroyLocal(catalog, name);
  }
  if (!(await isPortFree(masterPort, LOCAL_HOST))) {
    throw new ProviderError('PORT_IN_USE', `port ${masterPort} on ${LOCAL_HOST} is already in use, so the master cannot listen there`, [
      `choose another port with --master-port, e.g. --master-port ${masterPort + 100}`,
      `or stop what listens on it (\`ss -ltnp 'sport = :${masterPort}'\` shows it)`,
    ]);
  }
  // Masters take --master-port and the ports after it; agents the ports after those.
  const preferred = Array.from({ length: masterCount - 1 + agentCount }, (_, i) => masterPort + 1 + i);
  const ports = await chooseFreePorts(preferred, new Set([masterPort]), LOCAL_HOST);
  const moved = ports.filter((p, i) => p !== preferred[i]);
  if (moved.length > 0) {
    const who = masterCount > 1 ? 'standby masters and agents' : 'agents';
    progress(`Port(s) ${preferred.filter((p) => !ports.includes(p)).join(', ')} in use; ${who} will listen on ${ports.join(', ')}`);
  }
  const standbyPorts = ports.slice(0, masterCount - 1);
  const agentPorts = ports.slice(masterCount - 1);

  const taskPorts = agentResourcesText !== undefined && namesPorts(agentResourcesText) ? undefined : pickTaskPorts(catalog, name, progress);
  const layout = localLayout(catalog.clusterDir(name));
  fs.mkdirSync(path.dirname(layout.masterLog), { recursive: true });
  const tls = spec.secure ? await generateLocalTls(layout.tlsDir, name, progress) : undefined;
  const scheme = tls ? 'https' : 'http';
  const record: ClusterRecord = {
    name: name,
    provider: 'local',
    masterUrl: `${scheme}://${LOCAL_HOST}:${masterPort}`,
    ...(tls ? { tls: tls.operator } : {}),
    master: { pid: 0, port: masterPort, workDir: layout.masterWorkDir, logPath: layout.masterLog },
    agents: [],
    ...(taskPorts ? { taskPorts } : {}),
    createdAt: new Date().toISOString(),
  };
  const wait: WaitContext = { timeoutMs: opts.timeoutMs ?? 30_000, progress, signal: opts.signal };
  const secrets = spec.secure ? secureLocalCredentials(layout.clusterDir, agentCount) : undefined;
  if (secrets) {
    record.operatorCredential = secrets.operatorFile;
    progress(`Authentication on; credentials in ${secrets.dir} (the CLI uses ${secrets.operatorFile})`);
  }

  try {
    stopIfAborted(opts.signal);
    if (zkCount > 0) {
      progress(`Starting a ${zkCount}-server ZooKeeper ensemble (logs: ${layout.zookeeperDir})`);
      const ensemble = await startLocalEnsemble({ dir: layout.zookeeperDir, size: zkCount, host: LOCAL_HOST });
      record.zookeepers = ensemble.servers.map((server) => ({ pid: serverPid(server) ?? 0, port: server.clientPort, workDir: server.dir, logPath: server.logFile }));
      record.zk = zkUrlOf(ensemble.connectString);
      catalog.write(record);
      progress(`ZooKeeper ensemble serving at ${ensemble.connectString}`);
    }
    const masters: DaemonRecord[] = [record.master];
    for (let i = 1; i < masterCount; i++) {
      masters.push({ pid: 0, port: standbyPorts[i - 1], workDir: layout.masterWorkDirOf(i), logPath: layout.masterLogOf(i) });
    }
    record.standbyMasters = masters.slice(1);
    if (record.standbyMasters.length === 0) delete record.standbyMasters;
    for (const [i, master] of masters.entries()) {
      fs.mkdirSync(master.workDir, { recursive: true });
      progress(`Starting master ${masterCount > 1 ? `${i + 1}/${masterCount} ` : ''}on ${LOCAL_HOST}:${master.port} (log: ${master.logPath})`);
      const args = [...masterArgs({ port: master.port, workDir: master.workDir, cluster: name, zk: record.zk, masters: masterCount, tls: tls?.daemons }), ...(secrets ? masterAuthArgs(secrets.credentialsFile, secrets.aclsFile) : [])];
      startSupervised(bundle, master, layout.service(i === 0 ? 'master' : `master-${i}`), args, layout.clusterDir, name);
      catalog.write(record);
    }

    const agentMaster = record.zk ?? `${scheme}://${LOCAL_HOST}:${masterPort}`;
    const share = splitMachine(layout.agentsDir, agentCount, agentResourcesText, progress);
    for (let i = 0; i < agentCount; i++) {
      const agent: AgentRecord = {
        index: i,
        pid: 0,
        port: agentPorts[i],
        workDir: layout.agentWorkDir(i),
        logPath: layout.agentLog(i),
        resources: agentResources(agentResourcesText, i, agentCount, taskPorts, share),
      };
      fs.mkdirSync(agent.workDir, { recursive: true });
      progress(`Starting agent ${i + 1}/${agentCount} on ${LOCAL_HOST}:${agent.port} (log: ${agent.logPath})`);
      const args = [...agentArgs({ master: agentMaster, port: agent.port, workDir: agent.workDir, resources: agent.resources!, cluster: record.name, tls: tls?.daemons }), ...(secrets ? agentAuthArgs(secrets.credentialsFile, secrets.agentFile(i)) : [])];
      startSupervised(bundle, agent, layout.service(`agent-${i}`), args, layout.clusterDir, name);
      record.agents.push(agent);
      catalog.write(record);
      stopIfAborted(opts.signal);
    }
    // The agents start while the masters do (they know where to register: the fixed URL or zk://),
    // rather than after them: both spend their first half second loading, which now overlaps.
    for (const master of masters) await waitForMaster(record, master, wait);
    progress(masterCount > 1 ? `${masterCount} masters answering` : `Master answering at ${record.masterUrl}`);
    if (record.zk) record.masterUrl = await waitForLeader(record, wait);
    await waitForLocalAgents(record, wait);
    // A Ctrl-C that came while the last agent registered still means "stop".
    stopIfAborted(opts.signal);
    catalog.write(record);
    return { alreadyRunning: false, record };
  } catch (err) {
    // A half-started cluster is worse than none: stop what was started before reporting, but keep
    // the logs the error message points at.
    progress(opts.signal?.aborted ? 'Interrupted; stopping what was started' : 'Launch failed; stopping what was started');
    const undone = await destroyLocal(catalog, name, progress, { keepLogs: true }).catch(() => undefined);
    throw launchFailure(err, name, path.dirname(layout.masterLog), undone);
  }
}

/** The error as it was, plus what was undone and where the logs are. */
function launchFailure(err: unknown, name: string, logsDir: string, undone: DestroyResult | undefined): ProviderError {
  const cause = err as Error & { code?: string; suggestions?: string[] };
  const code = err instanceof ProviderError ? err.code : 'LAUNCH_FAILED';
  const stopped = undone?.stopped.filter((p) => p.role !== 'task').length ?? 0;
  const undoneText = !undone
    ? `could not stop everything it had started; see the logs in ${logsDir}`
    : `${stopped === 0 ? 'nothing it had started is left running' : `stopped the ${stopped} process(es) it had started`}; logs kept in ${logsDir}`;
  const what = code === 'INTERRUPTED' ? `launch of cluster '${name}' was interrupted` : `launch of cluster '${name}' failed: ${cause.message}`;
  return new ProviderError(code, `${what}\n(${undoneText})`, [
    ...(cause.suggestions ?? []),
    `read the logs in ${logsDir}`,
    `remove them with: mesoscloud destroy --cluster ${name}`,
  ]);
}

/**
 * This machine, as each agent would measure it (cluster/agent/resources-probe.ts probeHost, which the
 * launcher may not import: it reaches the cluster only through the client and the protocol).
 */
function measureMachine(dir: string): MachineCapacity {
  fs.mkdirSync(dir, { recursive: true });
  const stats = fs.statfsSync(dir);
  return {
    cpus: os.availableParallelism(),
    memTotalMb: Math.floor(os.totalmem() / (1024 * 1024)),
    diskFreeMb: Math.floor((Number(stats.bavail) * Number(stats.bsize)) / (1024 * 1024)),
  };
}

/** Each agent's share of the machine (local-share.ts), said in one line, and why there are more cpus than the machine has when so. */
function splitMachine(agentsDir: string, agentCount: number, requested: string | undefined, progress: (line: string) => void): AgentShare {
  const machine = measureMachine(agentsDir);
  const share = shareMachine(machine, agentCount);
  const shared = requested?.trim().startsWith('[') ? [] : shareResources(share, (name) => requested !== undefined && namesResource(requested, name));
  if (shared.length > 0) {
    const who = agentCount === 1 ? 'The agent gets' : `Each of the ${agentCount} agents gets`;
    progress(`${who} ${shared.join(';')} of this machine (${machine.cpus} CPUs, ${machine.memTotalMb} MB memory, ${machine.diskFreeMb} MB free disk)`);
  }
  const note = shared.some((part) => part.startsWith('cpus:')) ? cpuFloorNote(agentCount, machine.cpus, share) : undefined;
  if (note) progress(note);
  return share;
}

/** A task port range no other registered cluster on this machine uses. */
function pickTaskPorts(catalog: ClusterCatalog, name: string, progress: (line: string) => void): PortRange {
  const taken: { cluster: string; range: PortRange }[] = [];
  for (const other of catalog.list()) {
    if (other === name) continue;
    try {
      const record = catalog.read(other);
      if (record?.provider === 'local') taken.push({ cluster: other, range: record.taskPorts ?? TASK_PORTS });
    } catch {
      // An unreadable entry claims nothing.
    }
  }
  const range = chooseTaskPorts(taken.map((t) => t.range));
  if (!range) {
    progress(`Every task port block is used by another cluster (${taken.map((t) => t.cluster).join(', ')}); tasks may collide on ports ${TASK_PORTS.begin}-${TASK_PORTS.end}`);
    return TASK_PORTS;
  }
  if (range !== TASK_PORTS) {
    const others = taken.map((t) => `'${t.cluster}' ${t.range.begin}-${t.range.end}`).join(', ');
    progress(`Tasks get ports ${range.begin}-${range.end} (other clusters here: ${others})`);
  }
  return range;
}

/** Says "still waiting" every few seconds, so a slow start never looks like a hang. */
function reminder(progress: (line: string) => void, everyMs = 5000): (what: () => string) => void {
  const started = Date.now();
  let next = started + everyMs;
  return (what) => {
    const now = Date.now();
    if (now < next) return;
    next = now + everyMs;
    progress(`Still waiting: ${what()} (${Math.round((now - started) / 1000)} s)`);
  };
}

/**
 * A new cluster CA and one certificate for this machine (127.0.0.1 and localhost), which every local
 * daemon uses, plus the operator's client certificate; keys 0600 under the cluster dir. node-forge
 * (865 KiB of JavaScript) is loaded only here, not by every launch.
 */
async function generateLocalTls(dir: string, cluster: string, progress: (line: string) => void) {
  const { clusterTlsMaterial, writeTlsFiles } = await import('../tls/cluster-ca');
  const material = clusterTlsMaterial(cluster, [{ name: 'local', addresses: [LOCAL_HOST, 'localhost'] }]);
  const files = writeTlsFiles(dir, material);
  progress(`Generated a cluster CA and certificates for TLS in ${dir}`);
  return { daemons: files.hosts.local, operator: files.operator };
}

async function waitForMaster(record: ClusterRecord, master: DaemonRecord, { timeoutMs, progress, signal }: WaitContext): Promise<void> {
  const access = recordAccess(record);
  const url = `${schemeFor(access.tls)}://${LOCAL_HOST}:${master.port}`;
  const operator = new OperatorClient(url, { timeoutMs: 2000, ...access });
  const deadline = Date.now() + timeoutMs;
  const remind = reminder(progress);
  try {
    for (;;) {
      stopIfAborted(signal);
      remind(() => `the master at ${url} does not answer yet`);
      if (exitedOnce(master)) {
        throw new ProviderError('MASTER_EXITED', `the master exited during start-up; last lines of ${master.logPath}:\n${tail(master.logPath)}`);
      }
      if (await operator.getHealth().catch(() => false)) return;
      if (Date.now() > deadline) {
        throw new ProviderError('MASTER_TIMEOUT', `the master did not answer at ${url} within ${timeoutMs / 1000} s; see ${master.logPath}`);
      }
      await sleep(50);
    }
  } finally {
    operator.close();
  }
}

/** The elected leader's URL, as ZooKeeper names it. */
async function waitForLeader(record: ClusterRecord, { timeoutMs, progress }: WaitContext): Promise<string> {
  const { locateMaster } = await import('../../cluster/client/leader');
  const locator = locateMaster(record.zk!, recordAccess(record));
  try {
    const url = await locator.leaderUrl(timeoutMs);
    progress(`Leading master: ${url}`);
    return url;
  } catch (err) {
    const logs = allMasters(record).map((m) => m.logPath).join(', ');
    throw new ProviderError('NO_LEADER', `no master was elected within ${timeoutMs / 1000} s (${(err as Error).message}); see ${logs}`);
  } finally {
    await locator.close();
  }
}

async function waitForLocalAgents(record: ClusterRecord, { timeoutMs, progress, signal }: WaitContext): Promise<void> {
  const remind = reminder(progress);
  const total = record.agents.length;
  const registered = await waitForAgents(record.masterUrl, record.agents.map((a) => String(a.port)), {
    timeoutMs,
    requestTimeoutMs: 2000,
    ...recordAccess(record),
    keyOf: (a) => String(a.agent_info.port),
    isUp: () => true,
    onCount: (n) => progress(`Agents registered: ${n}/${total}`),
    check: (count) => {
      stopIfAborted(signal);
      remind(() => `${count}/${total} agents registered`);
      const dead = record.agents.find((a) => exitedOnce(a));
      if (dead) {
        throw new ProviderError('AGENT_EXITED', `agent ${dead.index + 1} exited during start-up; last lines of ${dead.logPath}:\n${tail(dead.logPath)}`);
      }
    },
    timeoutError: (missing) => {
      const named = record.agents.filter((a) => missing.includes(String(a.port))).map((a) => `agent ${a.index + 1} (port ${a.port}, log ${a.logPath})`);
      return new ProviderError('AGENTS_TIMEOUT', `not every agent registered within ${timeoutMs / 1000} s: ${named.join(', ')}`);
    },
  });
  for (const agent of record.agents) {
    const found = registered.get(String(agent.port));
    agent.id = found?.agent_info.id?.value;
    agent.total = found && resourceText(found.total_resources ?? found.agent_info.resources);
  }
}

export interface StoppedProcess {
  role: 'master' | 'agent' | 'task' | 'zookeeper';
  pid: number;
  /** How it ended: on the polite signal, or killed after the grace period. */
  how: 'exited' | 'killed';
}

export interface DestroyResult {
  name: string;
  found: boolean;
  stopped: StoppedProcess[];
  removedDir?: string;
}

const AGENT_STOP_MS = 10_000;
const MASTER_STOP_MS = 5_000;

/** Signals each daemon, waits up to `graceMs`, then SIGKILLs (process group included) what is left. */
async function stopDaemons<D extends { pid: number }>(role: StoppedProcess['role'], daemons: D[], how: (d: D) => NodeJS.Signals, graceMs: number): Promise<StoppedProcess[]> {
  for (const d of daemons) signal(d.pid, how(d));
  const left = new Set(await waitForExit(daemons.map((d) => d.pid), graceMs));
  for (const pid of left) killGroupOrProcess(pid);
  return daemons.map((d) => ({ role, pid: d.pid, how: left.has(d.pid) ? 'killed' : 'exited' }));
}

/**
 * Agents get SIGUSR1 (kill their tasks, unregister, exit), then the master SIGTERM; whatever is
 * still alive is SIGKILLed by PID, task process groups included. Harmless when nothing is there.
 */
export async function destroyLocal(
  catalog: ClusterCatalog,
  name: string,
  progress: (line: string) => void = () => undefined,
  opts: { keepLogs?: boolean } = {},
): Promise<DestroyResult> {
  const dir = catalog.clusterDir(name);
  const layout: LocalLayout = localLayout(dir);
  let record: ClusterRecord | undefined;
  try {
    record = catalog.readLocal(name);
  } catch (err) {
    progress(`Ignoring an unreadable catalog entry: ${(err as Error).message}`);
  }
  const result: DestroyResult = { name, found: record !== undefined || fs.existsSync(dir), stopped: [] };
  if (!result.found) return result;

  if (record) {
    const agents = record.agents.filter(isRunning);
    if (agents.length > 0) {
      progress(`Stopping ${agents.length} agent(s) and their tasks`);
      // An agent that never registered runs no task; and one still starting may not handle SIGUSR1
      // yet, which would open Node's inspector instead of stopping it. It gets SIGTERM.
      result.stopped.push(...(await stopDaemons('agent', agents, (a) => (a.id ? 'SIGUSR1' : 'SIGTERM'), AGENT_STOP_MS)));
    }
    const masters = allMasters(record).filter(isRunning);
    if (masters.length > 0) {
      progress(masters.length === 1 ? `Stopping the master (pid ${masters[0].pid})` : `Stopping ${masters.length} masters`);
      result.stopped.push(...(await stopDaemons('master', masters, () => 'SIGTERM', MASTER_STOP_MS)));
    }
    // A daemon whose supervisor was killed on its own is still running: stop it by its pid file.
    const orphan = (d: DaemonRecord) => {
      const pid = d.definition ? daemonPid(d) : undefined;
      return pid === undefined ? [] : [{ pid }];
    };
    const [leftAgents, leftMasters] = [record.agents.flatMap(orphan), allMasters(record).flatMap(orphan)];
    if (leftAgents.length + leftMasters.length > 0) {
      progress(`Stopping ${leftAgents.length + leftMasters.length} daemon(s) left without their supervisor`);
      result.stopped.push(...(await stopDaemons('agent', leftAgents, () => 'SIGTERM', AGENT_STOP_MS)));
      result.stopped.push(...(await stopDaemons('master', leftMasters, () => 'SIGTERM', MASTER_STOP_MS)));
    }
    await waitForExit([...allMasters(record).map((m) => m.pid), ...record.agents.map((a) => a.pid)], 2000);
  }

  if (fs.existsSync(path.join(layout.zookeeperDir, 'ensemble.json'))) {
    const ensemble = readLocalEnsemble(layout.zookeeperDir);
    const running = ensemble.servers.map((s) => serverPid(s)).filter((pid): pid is number => pid !== undefined);
    if (running.length > 0) progress(`Stopping ${running.length} ZooKeeper server(s)`);
    await stopLocalEnsemble(ensemble);
    for (const pid of running) result.stopped.push({ role: 'zookeeper', pid, how: 'exited' });
  }

  const tasks = findTaskProcesses(layout.agentsDir);
  if (tasks.length > 0) {
    progress(`Killing ${tasks.length} task process(es) left behind: ${tasks.join(', ')}`);
    for (const pid of tasks) {
      killGroupOrProcess(pid);
      result.stopped.push({ role: 'task', pid, how: 'killed' });
    }
    await waitForExit(tasks, 2000);
  }

  for (const cgroup of removeCgroupRoot(cgroupsRoot(name))) progress(`Removed cgroup ${cgroup}`);

  if (opts.keepLogs) {
    for (const entry of fs.readdirSync(dir)) {
      if (path.join(dir, entry) !== path.dirname(layout.masterLog)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    }
  } else {
    catalog.remove(name);
    result.removedDir = dir;
  }
  return result;
}

function resourceText(list: Resource[] | undefined): string | undefined {
  try {
    return Resources.fromV1(list ?? []).toString();
  } catch {
    return undefined;
  }
}


export type LocalLaunched = { provider: 'local' } & LocalLaunchResult;
export type LocalDestroyed = { provider: 'local' } & DestroyResult;

export const localProvider: Provider<LocalPlan, LocalLaunched, LocalDestroyed> = {
  name: 'local',
  abortable: true,
  plan: (spec, ctx) => planLocal(ctx.catalog, spec, ctx.bundle),
  async launch(plan, ctx) {
    const result = await launchPlanned(ctx.catalog, plan, { progress: (line) => ctx.progress.note(line), timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    return { provider: 'local', ...result };
  },
  async destroy(cluster, ctx) {
    return { provider: 'local', ...(await destroyLocal(ctx.catalog, cluster, (line) => ctx.progress.note(line))) };
  },
};
