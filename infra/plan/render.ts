/** A plan as the operator reads it (`launch --dry-run`), and as JSON (`--json`). */
import { endpointText } from './host-address';
import type { ClusterPlan, HostPlan } from './planner';
import { plural, type Role } from './roles';

export function renderPlan(plan: ClusterPlan): string {
  const count = (role: Role) => plan.hosts.filter((h) => h.roles.includes(role)).length;
  const zkCount = count('zookeeper');
  const lines = [
    `Plan for cluster '${plan.cluster}': ${plural(plan.hosts.length, 'host')}, ` +
      `${zkCount > 0 ? `${plural(zkCount, 'ZooKeeper server')}, ` : ''}${plural(plan.masters.length, 'master')}, ${plural(plan.agentCount, 'agent')}`,
    `  zk:      ${plan.zk ?? '(none: the master runs standalone)'}`,
    `  masters: ${plan.masters.join(', ')}  (quorum ${plan.quorum})`,
    `  bundle:  version ${plan.bundle.version}, sha256 ${plan.bundle.sha256.slice(0, 12)}..., installed as ${plan.bundle.remotePath}`,
    ...(plan.bastion ? [`  bastion: ${endpointText(plan.bastion)}`] : []),
    '',
    ...alignedColumns(['HOST', 'ADDRESS', 'SSH', 'ROLES', 'ZK ID', 'PORTS'], plan.hosts.map(hostRow), '  '),
  ];
  if (plan.warnings.length > 0) lines.push('', 'Warnings:', ...plan.warnings.map((w) => `  - ${w}`));
  return lines.join('\n') + '\n';
}

function hostRow(h: HostPlan): string[] {
  return [
    h.host,
    h.address,
    endpointText({ host: h.host, port: h.sshPort, user: h.user }),
    h.roles.length > 0 ? h.roles.join(', ') : '(none)',
    h.zkId !== undefined ? String(h.zkId) : '-',
    h.services.map((s) => `${s.role} ${s.port}`).join(', ') || '-',
  ];
}

function alignedColumns(headers: string[], rows: string[][], indent: string): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => indent + cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** The plan for --json: what runs where and with which arguments, without file contents. */
export function planJson(plan: ClusterPlan) {
  return {
    cluster: plan.cluster,
    zk: plan.zk ?? null,
    masters: plan.masters,
    quorum: plan.quorum,
    agent_count: plan.agentCount,
    bundle: { version: plan.bundle.version, sha256: plan.bundle.sha256, remote_path: plan.bundle.remotePath },
    bastion: plan.bastion ?? null,
    hosts: plan.hosts.map((h) => ({
      host: h.host,
      ssh: endpointText({ host: h.host, port: h.sshPort, user: h.user }),
      address: h.address,
      roles: h.roles,
      zk_id: h.zkId ?? null,
      services: h.services.map((s) => ({
        role: s.role,
        unit: s.unit,
        port: s.port,
        args: s.definition.args,
        files: s.files.map((f) => f.path),
        // Where its secrets go (0600, owned by `user`, else root); never their contents.
        secret_files: s.secrets.map((f) => f.path),
        user: s.user ?? 'root',
        config_hash: s.configHash,
        probe: s.probe,
      })),
    })),
    warnings: plan.warnings,
  };
}
