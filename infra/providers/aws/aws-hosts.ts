/**
 * From EC2 instances to the hosts the SSH bootstrap works on: each instance reached at its public
 * address (its private one when it has none), advertising its private address to the cluster, one
 * role per instance as its tags say; and their host keys pinned from what the instances printed
 * on their console at first boot, before anything connects.
 */
import { KnownHosts } from '../../bootstrap/known-hosts';
import { keyTypeOfBlob } from '../../bootstrap/ssh-host-keys';
import type { AwsNodeRecord } from '../../cluster-catalog';
import type { ClusterSpec } from '../../plan/spec';
import type { Role } from '../../plan/roles';
import { awsOf } from '../../aws/stack-config';

const ROLE_ORDER: Role[] = ['zookeeper', 'master', 'agent'];

export const sshHostOf = (n: Pick<AwsNodeRecord, 'publicIp' | 'privateIp' | 'name'>): string => {
  const host = n.publicIp ?? n.privateIp;
  if (!host) throw new Error(`instance ${n.name} has no address yet`);
  return host;
};

/** Nodes in start order: ZooKeeper, masters, agents, each by index. */
export function ordered<N extends Pick<AwsNodeRecord, 'role' | 'index'>>(nodes: N[]): N[] {
  return [...nodes].sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.index - b.index);
}

/** The spec the SSH planner takes: the instances as hosts, with the roles their tags give them. */
export function hostSpecOf(spec: ClusterSpec, nodes: AwsNodeRecord[], keyFile: string): ClusterSpec {
  const list = ordered(nodes);
  const of = (role: Role) => list.filter((n) => n.role === role).map(sshHostOf);
  return {
    ...spec,
    hosts: list.map((n) => ({ host: sshHostOf(n), address: n.privateIp ?? sshHostOf(n) })),
    master_hosts: of('master'),
    ...(of('zookeeper').length > 0 ? { zk_hosts: of('zookeeper') } : {}),
    masters: of('master').length,
    zk: of('zookeeper').length,
    agents: of('agent').length,
    colocate: false,
    ssh: { ...spec.ssh, user: awsOf(spec).ssh_user, port: 22, key: keyFile },
  };
}

/**
 * Records each host's keys as its console printed them. An instance whose console showed none is
 * left to trust-on-first-use; returns their names so the operator is told.
 */
export function pinHostKeys(knownHostsFile: string, keys: { host: string; keys: string[] }[]): { pinned: string[]; unpinned: string[] } {
  const known = new KnownHosts(knownHostsFile);
  const pinned: string[] = [];
  const unpinned: string[] = [];
  for (const { host, keys: lines } of keys) {
    let any = false;
    for (const line of lines) {
      const [type, base64] = line.trim().split(/\s+/);
      if (!type || !base64) continue;
      const blob = Buffer.from(base64, 'base64');
      try {
        if (keyTypeOfBlob(blob) !== type) continue;
      } catch {
        continue;
      }
      known.remember(host, 22, type, blob);
      any = true;
    }
    (any ? pinned : unpinned).push(host);
  }
  return { pinned, unpinned };
}
