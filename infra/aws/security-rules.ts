/**
 * The cluster's firewall as plain data, one entry per rule resource. Launchers that open ports to
 * the world are how clusters get taken over, so:
 *   - SSH and the master's API/UI are reachable from `allowCidrs` only (the operator's address, found
 *     at launch, or --allow-cidr);
 *   - the master, agent and ZooKeeper ports and the task port range are reachable from the cluster's
 *     own security group only (a self-reference), never from an address block;
 *   - one egress rule per address family lets hosts reach everything (the v7 provider removes the
 *     default egress AWS adds, and hosts must fetch Node.js, packages and task artifacts).
 * An allowed block wider than /8 (IPv4) or /32 (IPv6), 0.0.0.0/0 and ::/0 among them, is refused
 * unless `allowWorld` is set: opening SSH to the internet has to be asked for in so many words.
 */
import { formatCidr, parseCidr } from './cidr';
import { AwsLayoutError } from './layout-error';
import type { ClusterPorts } from './types';

/** The task port range agents offer (ports:[31000-32000]). */
export const TASK_PORTS = { from: 31000, to: 32000 } as const;
/** The widest allowed block that is not "the world". */
export const WIDEST_ALLOWED_PREFIX = { 4: 8, 6: 32 } as const;

export type RulePeer = { cidrIpv4: string } | { cidrIpv6: string } | { self: true };

export interface SecurityRule {
  /** Unique within the group; part of the rule's resource name ('ssh-from-203-0-113-7_32'). */
  name: string;
  direction: 'ingress' | 'egress';
  /** 'tcp', or '-1' for every protocol. */
  ipProtocol: 'tcp' | '-1';
  /** Both set for tcp; both unset for '-1' (AWS takes no ports then). */
  fromPort?: number;
  toPort?: number;
  /** Where traffic may come from (ingress) or go to (egress). */
  peer: RulePeer;
  description: string;
}

export interface FirewallRequest {
  allowCidrs: readonly string[];
  allowWorld?: boolean;
  ports: ClusterPorts;
}

const PORT_NAMES: Record<keyof ClusterPorts, string> = {
  ssh: 'SSH', master: 'master API and web UI', agent: 'agent API', zkClient: 'ZooKeeper clients', zkPeer: 'ZooKeeper peers', zkElection: 'ZooKeeper leader election',
};

export function securityRules(req: FirewallRequest): SecurityRule[] {
  checkPorts(req.ports);
  const allowed = allowedBlocks(req.allowCidrs, req.allowWorld === true);
  const { ports } = req;
  const rules: SecurityRule[] = [];
  for (const cidr of allowed) {
    const peer: RulePeer = cidr.includes(':') ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
    const tag = cidr.replace(/\./g, '-').replace(/:/g, '.').replace('/', '_');
    rules.push(tcp(`ssh-from-${tag}`, ports.ssh, ports.ssh, peer, `SSH from ${cidr}`));
    rules.push(tcp(`master-from-${tag}`, ports.master, ports.master, peer, `master API and web UI from ${cidr}`));
  }
  const self: RulePeer = { self: true };
  for (const key of ['master', 'agent', 'zkClient', 'zkPeer', 'zkElection'] as const) {
    rules.push(tcp(`${kebab(key)}-from-cluster`, ports[key], ports[key], self, `${PORT_NAMES[key]} from the cluster hosts`));
  }
  rules.push(tcp('tasks-from-cluster', TASK_PORTS.from, TASK_PORTS.to, self, `task ports ${TASK_PORTS.from}-${TASK_PORTS.to} from the cluster hosts`));
  rules.push({ name: 'egress-all-ipv4', direction: 'egress', ipProtocol: '-1', peer: { cidrIpv4: '0.0.0.0/0' }, description: 'everything out (IPv4): packages, Node.js, task artifacts' });
  rules.push({ name: 'egress-all-ipv6', direction: 'egress', ipProtocol: '-1', peer: { cidrIpv6: '::/0' }, description: 'everything out (IPv6)' });
  return rules;
}

/** The allowed blocks, canonical and without repeats. */
export function allowedBlocks(allowCidrs: readonly string[], allowWorld: boolean): string[] {
  if (allowCidrs.length === 0) {
    throw new AwsLayoutError('allowCidrs', 'is empty: nobody could reach SSH or the master', ['give the operator\'s address block with --allow-cidr, e.g. 203.0.113.7/32']);
  }
  const out: string[] = [];
  allowCidrs.forEach((text, i) => {
    const block = parseCidr(text);
    if ('error' in block) throw new AwsLayoutError(`allowCidrs[${i}]`, block.error);
    const cidr = formatCidr(block);
    if (!allowWorld && block.prefix < WIDEST_ALLOWED_PREFIX[block.family]) {
      throw new AwsLayoutError(`allowCidrs[${i}]`,
        `${cidr} would open SSH and the master to ${block.prefix === 0 ? 'the whole internet' : 'a large part of the internet'}; blocks wider than /${WIDEST_ALLOWED_PREFIX[block.family]} are refused`,
        ['name your own address or network, e.g. 203.0.113.7/32', 'or pass --allow-world if you really mean it']);
    }
    if (!out.includes(cidr)) out.push(cidr);
  });
  return out;
}

function checkPorts(ports: ClusterPorts): void {
  const seen = new Map<number, string>();
  for (const key of Object.keys(PORT_NAMES) as (keyof ClusterPorts)[]) {
    const port = ports[key];
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AwsLayoutError(`ports.${key}`, `must be a port from 1 to 65535, got ${port}`);
    const other = seen.get(port);
    if (other) throw new AwsLayoutError(`ports.${key}`, `${port} is also ports.${other}; each service needs its own port`);
    if (key !== 'ssh' && port >= TASK_PORTS.from && port <= TASK_PORTS.to) {
      throw new AwsLayoutError(`ports.${key}`, `${port} lies in the task port range ${TASK_PORTS.from}-${TASK_PORTS.to} that agents offer to tasks`);
    }
    seen.set(port, key);
  }
}

function tcp(name: string, fromPort: number, toPort: number, peer: RulePeer, description: string): SecurityRule {
  return { name, direction: 'ingress', ipProtocol: 'tcp', fromPort, toPort, peer, description };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
