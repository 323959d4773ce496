/**
 * `launch --provider ssh`: the cluster spec from the cluster file, the recorded cluster (when
 * resuming) and the flags, in that order of precedence from low to high; then either the plan
 * (--dry-run) or the launch itself, and the summary an operator needs afterwards.
 */
import type { ClusterSpec, SpecFlags } from '../infra/plan/spec';
import type { SshLaunchResult } from '../infra/providers/ssh';
import type { ClusterCatalog } from '../infra/cluster-catalog';

export interface SshLaunchInputs {
  catalog: ClusterCatalog;
  /** --cluster when given (it names the cluster over the file's name). */
  cluster?: string;
  file?: string;
  flags: SpecFlags;
}

/** The spec to launch: a recorded cluster is the base (so `launch --cluster x` alone resumes it), then the file, then flags. */
export async function sshSpec(inputs: SshLaunchInputs): Promise<ClusterSpec> {
  const { loadSpecFile, specFromSources } = await import('../infra/plan');
  const fromFile = inputs.file ? (loadSpecFile(inputs.file) as Record<string, unknown> | null) ?? {} : {};
  const name = inputs.cluster ?? (typeof fromFile.name === 'string' ? fromFile.name : undefined);
  const recorded = name ? inputs.catalog.read(name) : undefined;
  const base = recorded?.provider === 'ssh' ? recorded.spec : {};
  return specFromSources({ ...base, ...fromFile }, { ...inputs.flags, ...(name ? { cluster: name } : {}) }, inputs.file);
}

export interface SshLaunchJson {
  cluster: string;
  provider: 'ssh';
  unchanged: boolean;
  master_url: string;
  reached: 'direct' | 'tunnel';
  zk?: string;
  hosts: { host: string; address: string; roles: string[]; changes: Record<string, string>; agent_id?: string }[];
  web_ui: string;
  tunnel_command?: string;
  ca_file?: string;
  operator_credential?: string;
}

/** How to reach the UI when the master's address does not answer from here: an SSH tunnel. */
export function tunnelCommand(spec: ClusterSpec, master: { host: string; sshPort: number; user: string; address: string }, port: number): string {
  // The master listens on its cluster address only.
  const parts = ['ssh', '-N', '-L', `${port}:${master.address}:${port}`];
  if (spec.ssh.key) parts.push('-i', spec.ssh.key);
  if (master.sshPort !== 22) parts.push('-p', String(master.sshPort));
  if (spec.ssh.bastion) {
    const b = spec.ssh.bastion;
    parts.push('-J', `${b.user}@${b.host}${b.port !== 22 ? `:${b.port}` : ''}`);
  }
  parts.push(`${master.user}@${master.host}`);
  return parts.join(' ');
}

/** `reachAt: 'host'`: the operator reaches the masters at the host SSH uses (an EC2 instance's public address), not the address they advertise. */
export function sshLaunchSummary(spec: ClusterSpec, result: SshLaunchResult, clusterArg: string, reachAt: 'address' | 'host' = 'address'): { lines: string[]; json: SshLaunchJson } {
  const { plan, access } = result;
  const reached = (h: { host: string; address: string }) => (reachAt === 'host' ? h.host : h.address);
  const leader = plan.hosts.find((h) => access.leader === `${reached(h)}:${h.services.find((s) => s.role === 'master')?.port}`) ?? plan.hosts.find((h) => h.roles.includes('master'))!;
  const port = leader.services.find((s) => s.role === 'master')!.port;
  const scheme = result.record.tls ? 'https' : 'http';
  const leaderUrl = `${scheme}://${reached(leader)}:${port}`;
  const tunnel = access.via === 'tunnel' ? tunnelCommand(spec, leader, port) : undefined;
  const webUi = access.via === 'tunnel' ? `${scheme}://127.0.0.1:${port}/` : `${leaderUrl}/`;
  const count = (role: string) => plan.hosts.filter((h) => h.roles.includes(role as 'agent')).length;
  const lines = [
    result.unchanged ? `Cluster '${plan.cluster}' is up; nothing changed.` : `Cluster '${plan.cluster}' is up.`,
    `  ${count('zookeeper')} ZooKeeper, ${count('master')} master(s), ${count('agent')} agent(s) on ${plan.hosts.filter((h) => h.roles.length > 0).length} host(s)`,
    ...(plan.zk ? [`  zk:      ${plan.zk}`] : []),
    `  leader:  ${leaderUrl}`,
    ...(result.record.tls ? [`  tls:     HTTPS only; CA ${result.record.tls.caFile}`] : []),
    ...(result.record.operatorCredential ? [`  auth:    on; the CLI authenticates with ${result.record.operatorCredential}`] : []),
  ];
  for (const h of result.hosts) {
    const changes = Object.entries(h.changes).map(([r, c]) => `${r} ${c}`).join(', ');
    lines.push(`    ${h.host.padEnd(16)} ${h.roles.join('+').padEnd(24)} ${changes}`.trimEnd());
  }
  if (tunnel) {
    lines.push(`  The masters do not answer from this machine; open a tunnel first:`, `    ${tunnel}`, `  then the web UI is at ${webUi}`);
  } else {
    lines.push(`  web UI:  ${webUi}`);
  }
  lines.push(`Try: mesoscloud exec${clusterArg} --name hello --command "echo hello world"`);
  const json: SshLaunchJson = {
    cluster: plan.cluster,
    provider: 'ssh',
    unchanged: result.unchanged,
    master_url: leaderUrl,
    reached: access.via,
    ...(plan.zk ? { zk: plan.zk } : {}),
    hosts: result.hosts.map((h) => {
      const address = plan.hosts.find((p) => p.host === h.host)!.address;
      return { host: h.host, address, roles: h.roles, changes: h.changes as Record<string, string>, ...(result.agentIds[address] ? { agent_id: result.agentIds[address] } : {}) };
    }),
    web_ui: webUi,
    ...(tunnel ? { tunnel_command: tunnel } : {}),
    ...(result.record.tls ? { ca_file: result.record.tls.caFile } : {}),
    ...(result.record.operatorCredential ? { operator_credential: result.record.operatorCredential } : {}),
  };
  return { lines, json };
}
