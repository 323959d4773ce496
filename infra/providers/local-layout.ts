/**
 * Pure layout of a local cluster: where each daemon keeps its files and which arguments it gets.
 * Every agent on one machine would otherwise offer the same ports:[31000-32000], and two tasks on
 * different agents could then be handed the same port, so the range is split between agents.
 */
import * as path from 'node:path';

export const LOCAL_HOST = '127.0.0.1';
export const TASK_PORTS = { begin: 31000, end: 32000 };

export interface LocalLayout {
  clusterDir: string;
  masterWorkDir: string;
  masterLog: string;
  agentsDir: string;
  agentWorkDir(index: number): string;
  agentLog(index: number): string;
}

export function localLayout(clusterDir: string): LocalLayout {
  return {
    clusterDir,
    masterWorkDir: path.join(clusterDir, 'master'),
    masterLog: path.join(clusterDir, 'logs', 'master.log'),
    agentsDir: path.join(clusterDir, 'agents'),
    agentWorkDir: (i) => path.join(clusterDir, 'agents', String(i)),
    agentLog: (i) => path.join(clusterDir, 'logs', `agent-${i}.log`),
  };
}

/** Agent i's share of the task port range, as resource text. */
export function agentPortRange(index: number, agentCount: number): string {
  const size = TASK_PORTS.end - TASK_PORTS.begin + 1;
  const span = Math.max(1, Math.floor(size / agentCount));
  const begin = TASK_PORTS.begin + index * span;
  const end = index === agentCount - 1 ? TASK_PORTS.end : begin + span - 1;
  return `ports:[${begin}-${end}]`;
}

/** The agent's --resources: what the operator asked for, plus a port share unless ports were given. */
export function agentResources(requested: string | undefined, index: number, agentCount: number): string {
  const text = requested?.trim() ?? '';
  if (/(^|;)\s*ports\s*[(:]/.test(text) || text.startsWith('[')) return text;
  const ports = agentPortRange(index, agentCount);
  return text === '' ? ports : `${text.replace(/;\s*$/, '')};${ports}`;
}

export function masterArgs(opts: { port: number; workDir: string; cluster: string }): string[] {
  return ['master', '--ip', LOCAL_HOST, '--port', String(opts.port), '--work_dir', opts.workDir, '--cluster', opts.cluster];
}

export function agentArgs(opts: { masterPort: number; port: number; workDir: string; resources: string }): string[] {
  return [
    'agent', '--master', `${LOCAL_HOST}:${opts.masterPort}`, '--ip', LOCAL_HOST, '--port', String(opts.port),
    '--work_dir', opts.workDir, '--resources', opts.resources,
  ];
}
