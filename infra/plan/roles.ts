/**
 * Which host runs what. The first hosts take ZooKeeper, the next ones the masters, the rest are
 * agents, unless the operator named the control hosts. With `colocate` roles share hosts (masters
 * on the ZooKeeper hosts; agents on control hosts when there are too few others), without it a host
 * holds one role. Once a cluster runs, its control roles stay where they are: a later plan that
 * would move them is refused rather than carried out behind the operator's back.
 */
import { ROLES, type Role } from '../../cluster/protocol/service-definition';

export { ROLES, type Role } from '../../cluster/protocol/service-definition';

/** A problem with the field at `path` ("hosts", "master_hosts[1]"). */
export interface Issue { path: string; message: string }

export interface RoleRequest {
  /** Host keys, in the operator's order. */
  hosts: readonly string[];
  masters: number;
  zk: number;
  /** Default: every host left after the control roles (all hosts, with colocate and none left). */
  agents?: number;
  masterHosts?: readonly string[];
  zkHosts?: readonly string[];
  colocate: boolean;
}

/** Roles per host from the last launch. */
export type PreviousRoles = Readonly<Record<string, readonly Role[]>>;

export interface RoleAssignment {
  /** Every host, in host order; [] for a host left without a role. */
  roles: Map<string, Role[]>;
  zkHosts: string[];
  masterHosts: string[];
  agentHosts: string[];
  warnings: string[];
}

export type RoleResult = { ok: true; assignment: RoleAssignment } | { ok: false; issues: Issue[] };

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const ROLE_NAMES: Record<Role, string> = { zookeeper: 'ZooKeeper', master: 'master', agent: 'agent' };

export function assignRoles(req: RoleRequest, previousRoles?: PreviousRoles): RoleResult {
  // A Map, so that a host named like an Object property ("constructor") is just a host.
  const previous = previousRoles ? new Map(Object.entries(previousRoles)) : undefined;
  const order = new Map(req.hosts.map((h, i) => [h, i]));
  const inOrder = (list: Iterable<string>) => [...list].sort((a, b) => order.get(a)! - order.get(b)!);
  const issues: Issue[] = [];
  const kept = keptControl(req, previous, issues, inOrder);
  const control = issues.length > 0 ? undefined : kept ?? placeControl(req, issues, inOrder);
  if (!control) return { ok: false, issues };

  const controlSet = new Set([...control.zk, ...control.masters]);
  const free = req.hosts.filter((h) => !controlSet.has(h));
  const eligible = req.colocate ? [...free, ...inOrder(controlSet)] : free;
  const hadAgent = (h: string) => previous?.get(h)?.includes('agent') ?? false;
  const isNew = (h: string) => !previous?.has(h);
  // Hosts that ran an agent keep it before any other host gets one; with fewer agents than
  // before, the last of them in host order are the ones left without.
  const eligibleSet = new Set(eligible);
  const byPreference = [...req.hosts.filter((h) => hadAgent(h) && eligibleSet.has(h)), ...eligible.filter((h) => !hadAgent(h))];
  let count = req.agents;
  if (count === undefined) {
    count = eligible.filter(hadAgent).length + free.filter(isNew).length;
    if (count === 0 && req.colocate) count = eligible.length;
  }
  if (count < 1) {
    return fail('hosts', `no host is left for agents: ${plural(controlSet.size, 'host runs', 'hosts run')} ZooKeeper and masters; add hosts, or set colocate: true (--colocate) to run agents on them too`);
  }
  if (count > eligible.length) {
    return fail('agents', req.colocate
      ? `${plural(count, 'agent')} need ${plural(count, 'host')} (one agent per host), got ${req.hosts.length}`
      : `${plural(count, 'agent')} need ${plural(count, 'host')} besides the ${controlSet.size} that run ZooKeeper and masters; ${free.length} ${free.length === 1 ? 'is' : 'are'} left; add hosts, or set colocate: true (--colocate) to run agents on those too`);
  }
  const agentSet = new Set(byPreference.slice(0, count));
  const zkSet = new Set(control.zk);
  const masterSet = new Set(control.masters);
  const roles = new Map<string, Role[]>();
  const warnings: string[] = [];
  for (const h of req.hosts) {
    const mine = ROLES.filter((r) => (r === 'zookeeper' ? zkSet : r === 'master' ? masterSet : agentSet).has(h));
    roles.set(h, mine);
    if (mine.length > 0) continue;
    warnings.push(hadAgent(h)
      ? `${h} ran an agent and is left without a role (agents: ${count})`
      : `${h} gets no role (${plural(count, 'agent')} asked for, ${eligible.length} hosts could run one); it is left alone`);
  }
  for (const h of [...(previous?.keys() ?? [])].sort()) {
    if (!order.has(h) && hadAgent(h)) warnings.push(`${h} ran an agent and is no longer among the hosts`);
  }
  return {
    ok: true,
    assignment: { roles, zkHosts: inOrder(zkSet), masterHosts: inOrder(masterSet), agentHosts: inOrder(agentSet), warnings },
  };
}

function fail(path: string, message: string): RoleResult {
  return { ok: false, issues: [{ path, message }] };
}

interface Control { zk: string[]; masters: string[] }

type Previous = Map<string, readonly Role[]>;

/** A first launch: control roles on the named hosts, else on the first ones. */
function placeControl(req: RoleRequest, issues: Issue[], inOrder: (l: Iterable<string>) => string[]): Control | undefined {
  const hosts = req.hosts;
  const zkCount = req.zkHosts?.length ?? req.zk;
  const masterCount = req.masterHosts?.length ?? req.masters;
  if (!req.colocate) {
    const zkNamed = new Set(req.zkHosts ?? []);
    req.masterHosts?.forEach((h, i) => {
      if (zkNamed.has(h)) issues.push({ path: `master_hosts[${i}]`, message: `'${h}' is also in zk_hosts; a host holds one role unless colocate is true (--colocate)` });
    });
    const needed = zkCount + masterCount + (req.agents ?? 1);
    if (hosts.length < needed) {
      const wanted = [
        ...(zkCount > 0 ? [plural(zkCount, 'ZooKeeper server')] : []),
        plural(masterCount, 'master'),
        plural(req.agents ?? 1, 'agent'),
      ];
      issues.push({
        path: 'hosts',
        message: `${listText(wanted)} need ${needed} hosts when each host holds one role, got ${hosts.length}; add hosts, or set colocate: true (--colocate) to let roles share hosts`,
      });
    }
  } else {
    const needed = Math.max(zkCount, masterCount);
    if (hosts.length < needed) {
      const what = zkCount >= masterCount ? plural(zkCount, 'ZooKeeper server') : plural(masterCount, 'master');
      issues.push({ path: 'hosts', message: `${what} need ${needed} hosts (one of each role per host), got ${hosts.length}` });
    }
  }
  if (issues.length > 0) return undefined;
  const others = (taken: Iterable<string>) => {
    const set = new Set(taken);
    return hosts.filter((h) => !set.has(h));
  };
  const masterNamed = req.masterHosts ?? [];
  const zk = req.zkHosts
    ? [...req.zkHosts]
    : (req.colocate ? [...inOrder(masterNamed), ...others(masterNamed)] : others(masterNamed)).slice(0, zkCount);
  const masters = req.masterHosts
    ? [...req.masterHosts]
    : (req.colocate ? [...inOrder(zk), ...others(zk)] : others(zk)).slice(0, masterCount);
  return { zk, masters };
}

/**
 * The control roles of the last launch, when there was one with control roles: kept as they are,
 * and anything in the request that would move them is an issue.
 */
function keptControl(req: RoleRequest, previous: Previous | undefined, issues: Issue[], inOrder: (l: Iterable<string>) => string[]): Control | undefined {
  if (!previous) return undefined;
  const holding = (role: Role) => [...previous].filter(([, roles]) => roles.includes(role)).map(([h]) => h).sort();
  const zk = holding('zookeeper');
  const masters = holding('master');
  if (zk.length === 0 && masters.length === 0) return undefined;
  const present = new Set(req.hosts);
  const fix = 'control roles do not move: destroy the cluster and launch it again to change them';
  for (const h of [...new Set([...zk, ...masters])].sort()) {
    if (present.has(h)) continue;
    const held = previous.get(h)!.filter((r) => r !== 'agent').map((r) => ROLE_NAMES[r]).join(' and ');
    issues.push({ path: 'hosts', message: `${h} runs ${held} and is missing from hosts; keep it there (${fix})` });
  }
  const counts: [string, number, string[], string][] = [['zk', req.zk, zk, 'ZooKeeper server'], ['masters', req.masters, masters, 'master']];
  for (const [path, wanted, running, what] of counts) {
    if (wanted !== running.length) {
      issues.push({ path, message: `the cluster runs ${plural(running.length, what)}${running.length > 0 ? ` (${running.join(', ')})` : ''}, not ${wanted}; ${fix}` });
    }
  }
  const named: [string, readonly string[] | undefined, string[]][] = [['zk_hosts', req.zkHosts, zk], ['master_hosts', req.masterHosts, masters]];
  for (const [path, list, running] of named) {
    if (list && !sameMembers(list, running)) {
      issues.push({ path, message: `the cluster runs them on ${running.join(', ') || 'no host'}, not on ${list.join(', ') || 'no host'}; ${fix}` });
    }
  }
  if (!req.colocate) {
    const shared = req.hosts.find((h) => (previous.get(h)?.length ?? 0) > 1);
    if (shared) {
      issues.push({ path: 'colocate', message: `${shared} runs ${previous.get(shared)!.map((r) => ROLE_NAMES[r]).join(', ')} on one host; keep colocate: true for this cluster` });
    }
  }
  return { zk: inOrder(zk.filter((h) => present.has(h))), masters: inOrder(masters.filter((h) => present.has(h))) };
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === b.length && b.every((h) => set.has(h));
}

function listText(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
