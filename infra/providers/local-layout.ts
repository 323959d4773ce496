/**
 * Pure layout of a local cluster: where each daemon keeps its files and which arguments it gets.
 * Every agent on one machine would otherwise offer the same ports:[31000-32000], and two tasks on
 * different agents could then be handed the same port, so the range is split between agents; a
 * second cluster on the same machine gets another range for the same reason.
 */
import * as path from 'node:path';
import { cgroupsRoot, quorumOf } from '../plan/cluster-names';
import { tlsArgs, type DaemonTlsFiles } from '../plan/security-args';
import { shareResources, type AgentShare } from './local-share';

export { cgroupsRoot, quorumOf, zkUrlOf } from '../plan/cluster-names';
export type { DaemonTlsFiles } from '../plan/security-args';

export const LOCAL_HOST = '127.0.0.1';

export interface PortRange { begin: number; end: number }

/** Mesos's default task ports, for the first cluster on a machine. */
export const TASK_PORTS: PortRange = { begin: 31000, end: 32000 };

/** Further clusters step down in blocks of 1000: below Linux's ephemeral ports (32768 and up). */
const BLOCK = 1000;
const LOWEST_BLOCK_START = 20000;

/** The first task port range that overlaps none of `taken` (other clusters' ranges); undefined when all are taken. */
export function chooseTaskPorts(taken: PortRange[]): PortRange | undefined {
  const overlaps = (r: PortRange) => taken.some((t) => r.begin <= t.end && t.begin <= r.end);
  if (!overlaps(TASK_PORTS)) return TASK_PORTS;
  for (let begin = TASK_PORTS.begin - BLOCK; begin >= LOWEST_BLOCK_START; begin -= BLOCK) {
    const range = { begin, end: begin + BLOCK - 1 };
    if (!overlaps(range)) return range;
  }
  return undefined;
}

export interface LocalLayout {
  clusterDir: string;
  masterWorkDir: string;
  masterLog: string;
  /** Master i (0 is the first); with one master these are masterWorkDir and masterLog. */
  masterWorkDirOf(index: number): string;
  masterLogOf(index: number): string;
  zookeeperDir: string;
  /** With TLS: the cluster CA, this machine's certificate and the operator's (keys 0600). */
  tlsDir: string;
  agentsDir: string;
  agentWorkDir(index: number): string;
  agentLog(index: number): string;
  /** The service definition and pid file of a supervised daemon, by name (master, master-1, agent-0). */
  service(name: string): { definition: string; pidFile: string };
}

export function localLayout(clusterDir: string): LocalLayout {
  return {
    clusterDir,
    masterWorkDir: path.join(clusterDir, 'master'),
    masterLog: path.join(clusterDir, 'logs', 'master.log'),
    masterWorkDirOf: (i) => path.join(clusterDir, i === 0 ? 'master' : `master-${i}`),
    masterLogOf: (i) => path.join(clusterDir, 'logs', i === 0 ? 'master.log' : `master-${i}.log`),
    zookeeperDir: path.join(clusterDir, 'zookeeper'),
    tlsDir: path.join(clusterDir, 'tls'),
    agentsDir: path.join(clusterDir, 'agents'),
    agentWorkDir: (i) => path.join(clusterDir, 'agents', String(i)),
    agentLog: (i) => path.join(clusterDir, 'logs', `agent-${i}.log`),
    service: (name) => ({ definition: path.join(clusterDir, 'run', `${name}.json`), pidFile: path.join(clusterDir, 'run', `${name}.pid`) }),
  };
}

/** Agent i's share of the cluster's task port range, as resource text. */
export function agentPortRange(index: number, agentCount: number, range: PortRange = TASK_PORTS): string {
  const size = range.end - range.begin + 1;
  const span = Math.max(1, Math.floor(size / agentCount));
  const begin = range.begin + index * span;
  const end = index === agentCount - 1 ? range.end : begin + span - 1;
  return `ports:[${begin}-${end}]`;
}

/** Whether resource text names the resource `name` (in any role), in which case the operator's value stands. */
export function namesResource(text: string, name: string): boolean {
  return new RegExp(`(^|;)\\s*${name}\\s*[(:]`).test(text.trim());
}

/** Whether resource text names ports itself, in which case it is left alone. */
export function namesPorts(text: string): boolean {
  return namesResource(text, 'ports');
}

/**
 * The agent's --resources: what the operator asked for, plus this agent's `share` of the machine
 * for cpus, mem and disk it does not name (local-share.ts), plus a port share unless ports were
 * given. A JSON resource list is taken as it is.
 */
export function agentResources(requested: string | undefined, index: number, agentCount: number, range: PortRange = TASK_PORTS, share?: AgentShare): string {
  const text = requested?.trim() ?? '';
  if (text.startsWith('[')) return text;
  const parts = [
    ...(text === '' ? [] : [text.replace(/;\s*$/, '')]),
    ...(share ? shareResources(share, (name) => namesResource(text, name)) : []),
    ...(namesPorts(text) ? [] : [agentPortRange(index, agentCount, range)]),
  ];
  return parts.join(';');
}

/**
 * On one machine there is no network to ride out: a short session makes a dead leader's znode go
 * (and a standby take over) within about two seconds, instead of Mesos's default ten.
 */
export const LOCAL_ZK_SESSION_TIMEOUT = '2secs';

export function masterArgs(opts: { port: number; workDir: string; cluster: string; zk?: string; masters?: number; tls?: DaemonTlsFiles }): string[] {
  const args = ['master', '--ip', LOCAL_HOST, '--port', String(opts.port), '--work_dir', opts.workDir, '--cluster', opts.cluster];
  if (opts.zk) args.push('--zk', opts.zk, '--quorum', String(quorumOf(opts.masters ?? 1)), '--zk_session_timeout', LOCAL_ZK_SESSION_TIMEOUT);
  // Operators, schedulers and browsers need only trust the CA; agents must present a certificate (the master enforces it).
  return [...args, ...tlsArgs(opts.tls)];
}

/**
 * `master` is host:port of the one master, or the zk:// URL the agent follows the leader through.
 * With TLS an agent serves only clients with a certificate from the CA (the master, the operator's CLI).
 */
export function agentArgs(opts: { master: string; port: number; workDir: string; resources: string; cluster: string; tls?: DaemonTlsFiles }): string[] {
  return [
    'agent', '--master', opts.master, '--ip', LOCAL_HOST, '--port', String(opts.port),
    '--work_dir', opts.workDir, '--resources', opts.resources, '--cgroups_root', cgroupsRoot(opts.cluster),
    ...tlsArgs(opts.tls, true),
  ];
}
