/**
 * Checks that span fields of a cluster spec, and the role counts' defaults: each finding names the
 * field to change. Role placement itself (enough hosts for the roles asked for) is roles.ts's, run
 * here too so that a bad spec is refused before anything connects anywhere.
 */
import { isIPv6 } from 'node:net';
import { assignRoles, plural, type Issue } from './roles';
import { DEFAULT_SSH_PORT, type ClusterSpec, type SpecFields } from './spec-schema';
import { AwsSchema } from './aws-spec-schema';

export function resolveSpec(fields: SpecFields): { spec: ClusterSpec; issues: Issue[] } {
  const masters = fields.masters ?? (fields.master_hosts?.length || 1);
  const zk = fields.zk ?? fields.zk_hosts?.length ?? 0;
  const { bastion, ...ssh } = fields.ssh;
  const aws = fields.provider === 'aws' ? { aws: fields.aws ?? AwsSchema.parse({}) } : {};
  const spec: ClusterSpec = {
    ...fields,
    ...aws,
    // EC2 hosts are made to measure: one agent unless asked for more.
    ...(fields.provider === 'aws' ? { agents: fields.agents ?? 1 } : {}),
    masters,
    zk,
    ssh: { ...ssh, ...(bastion ? { bastion: { host: bastion.host, port: bastion.port ?? DEFAULT_SSH_PORT, user: bastion.user ?? ssh.user } } : {}) },
  };
  const issues = [...hostIssues(spec), ...controlIssues(spec, fields), ...awsIssues(spec)];
  if (issues.length === 0 && spec.hosts.length > 0) {
    const result = assignRoles(roleRequest(spec));
    if (!result.ok) issues.push(...result.issues);
  }
  issues.push(...portIssues(spec));
  return { spec, issues };
}

export function roleRequest(spec: ClusterSpec) {
  return {
    hosts: spec.hosts.map((h) => h.host),
    masters: spec.masters,
    zk: spec.zk,
    agents: spec.agents,
    masterHosts: spec.master_hosts,
    zkHosts: spec.zk_hosts,
    colocate: spec.colocate,
  };
}

function hostIssues(spec: ClusterSpec): Issue[] {
  const issues: Issue[] = [];
  if (spec.hosts.length === 0 && spec.provider === 'ssh') {
    issues.push({ path: 'hosts', message: 'the ssh provider needs hosts: --hosts 10.0.0.11,10.0.0.12 or a hosts: list in the cluster file' });
  }
  const seenHost = new Map<string, number>();
  const seenAddress = new Map<string, number>();
  spec.hosts.forEach((h, i) => {
    const path = `hosts[${i}]`;
    const first = seenHost.get(h.host);
    if (first !== undefined) {
      issues.push({ path, message: `'${h.host}' is listed twice (also hosts[${first}])` });
      return;
    }
    seenHost.set(h.host, i);
    const address = h.address ?? h.host;
    if (isIPv6(address)) {
      issues.push({
        path: h.address ? `${path}.address` : path,
        message: `'${address}' is an IPv6 address, which daemons cannot advertise yet (zk:// URLs and agent addresses take none); give the host an IPv4 address or a name as address`,
      });
    }
    const other = seenAddress.get(address);
    if (other !== undefined) issues.push({ path: h.address ? `${path}.address` : path, message: `'${address}' is also the address of hosts[${other}]; each host needs its own` });
    else seenAddress.set(address, i);
  });
  return issues;
}

/** The aws provider makes its hosts: none may be given, and its settings belong to it alone. */
function awsIssues(spec: ClusterSpec): Issue[] {
  if (spec.provider !== 'aws') return spec.aws ? [{ path: 'aws', message: `is for provider aws; this cluster's provider is ${spec.provider}` }] : [];
  const issues: Issue[] = [];
  if (spec.hosts.length > 0) issues.push({ path: 'hosts', message: 'the aws provider makes its own hosts; leave hosts out (or use provider ssh for hosts you have)' });
  for (const field of ['master_hosts', 'zk_hosts'] as const) if (spec[field]) issues.push({ path: field, message: 'the aws provider places the roles itself; leave it out' });
  if (spec.colocate) issues.push({ path: 'colocate', message: 'each EC2 instance holds one role; leave colocate out' });
  const aws = spec.aws;
  if (aws?.subnets && !aws.vpc) issues.push({ path: 'aws.vpc', message: 'subnets need their VPC: give vpc too' });
  if (aws?.vpc && !aws.subnets) issues.push({ path: 'aws.subnets', message: 'an existing VPC needs the subnets to use: give subnets (public ones, one per zone)' });
  return issues;
}

function controlIssues(spec: ClusterSpec, given: SpecFields): Issue[] {
  const issues: Issue[] = [];
  if (spec.masters > 1 && spec.zk === 0) {
    issues.push({ path: 'masters', message: `${spec.masters} masters need zk >= 1 to elect their leader (--zk 3 is the usual ensemble)` });
  }
  const known = new Set(spec.hosts.map((h) => h.host));
  const lists = [
    ['master_hosts', spec.master_hosts, 'masters', given.masters, 'master'],
    ['zk_hosts', spec.zk_hosts, 'zk', given.zk, 'ZooKeeper server'],
  ] as const;
  for (const [field, list, countField, count, what] of lists) {
    if (!list) continue;
    const seen = new Set<string>();
    list.forEach((host, i) => {
      if (!known.has(host)) issues.push({ path: `${field}[${i}]`, message: `'${host}' is not one of hosts` });
      else if (seen.has(host)) issues.push({ path: `${field}[${i}]`, message: `'${host}' is named twice` });
      seen.add(host);
    });
    if (field === 'master_hosts' && list.length === 0) {
      issues.push({ path: field, message: 'names no host; leave it out to put the masters on the first hosts' });
    } else if (count !== undefined && count !== list.length) {
      issues.push({ path: field, message: `names ${plural(list.length, 'host')} but ${countField} is ${count}; name one host per ${what} (or leave ${countField} out)` });
    }
  }
  return issues;
}

function portIssues(spec: ClusterSpec): Issue[] {
  const zk = spec.zookeeper;
  const ports: [string, number][] = [];
  if (spec.zk > 0) ports.push(['zookeeper.client_port', zk.client_port], ['zookeeper.peer_port', zk.peer_port], ['zookeeper.election_port', zk.election_port]);
  // Without colocate only ZooKeeper's own three ports share a host.
  if (spec.colocate) ports.push(['master.port', spec.master.port], ['agent.port', spec.agent.port]);
  const issues: Issue[] = [];
  const taken = new Map<number, string>();
  for (const [path, port] of ports) {
    const owner = taken.get(port);
    if (owner) issues.push({ path, message: `${port} is also ${owner}; ports of services that share a host must differ` });
    else taken.set(port, path);
  }
  return issues;
}
