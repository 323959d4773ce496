/**
 * The pure AWS layout (infra/aws): names, the subnet plan, the firewall rules, tags, node
 * placement and the first-boot script, with properties checked over generated inputs.
 */
import fc from 'fast-check';
import { contains, formatCidr, overlaps, parseCidr, type CidrBlock } from '../../infra/aws/cidr';
import { clusterLayout } from '../../infra/aws/cluster-layout';
import { AwsLayoutError } from '../../infra/aws/layout-error';
import { NAME_LIMITS, clusterNames, nodeName, parseNodeName, parseResourceName, resourceName } from '../../infra/aws/naming';
import { DEFAULT_VPC_CIDR, subnetLayout } from '../../infra/aws/network-layout';
import { nodeLayout, type NodePlan } from '../../infra/aws/node-layout';
import { TASK_PORTS, securityRules, type SecurityRule } from '../../infra/aws/security-rules';
import { TAG, TAG_LIMITS, anyClusterTagFilter, clusterTagFilter, clusterTags, nodeTags, userTags } from '../../infra/aws/tags';
import { NODE_RELEASE, USER_DATA_DONE, nodeInstallScript, userData } from '../../infra/aws/user-data';
import { ROLES, type Role } from '../../infra/plan/roles';
import { machines, stackConfig } from '../helpers/stack-config';

const clusterName = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
const role = fc.constantFrom<Role>(...ROLES);
const zoneNames = (n: number) => Array.from({ length: n }, (_, i) => `eu-west-3${'abcdefghijklmnop'[i]}`);
const PORTS = stackConfig().ports;

function layoutError(fn: () => unknown): AwsLayoutError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsLayoutError) return e;
    throw e;
  }
  throw new Error('expected an AwsLayoutError, nothing was thrown');
}

function block(text: string): CidrBlock {
  const b = parseCidr(text);
  if ('error' in b) throw new Error(b.error);
  return b;
}

describe('CIDR blocks', () => {
  it('read back what they print, IPv4 and IPv6', () => {
    const v4 = fc.tuple(fc.bigInt(0n, (1n << 32n) - 1n), fc.integer({ min: 0, max: 32 })).map(([n, p]) => ({ family: 4 as const, prefix: p, base: (n >> BigInt(32 - p)) << BigInt(32 - p) }));
    const v6 = fc.tuple(fc.bigInt(0n, (1n << 128n) - 1n), fc.integer({ min: 0, max: 128 })).map(([n, p]) => ({ family: 6 as const, prefix: p, base: (n >> BigInt(128 - p)) << BigInt(128 - p) }));
    fc.assert(fc.property(fc.oneof(v4, v6), (b) => {
      expect(parseCidr(formatCidr(b))).toEqual(b);
    }));
  });

  it('print IPv6 as RFC 5952 does, and refuse host bits and garbage with the reason', () => {
    expect(formatCidr(block('2001:0DB8:0:0:0:0:0:0/32'))).toBe('2001:db8::/32');
    expect(formatCidr(block('::/0'))).toBe('::/0');
    expect(formatCidr(block('203.0.113.7'))).toBe('203.0.113.7/32');
    expect(parseCidr('10.42.1.0/16')).toEqual({ error: "'10.42.1.0/16' has host bits set under /16; the block is 10.42.0.0/16" });
    expect(parseCidr('10.0.0.0/33')).toEqual({ error: expect.stringContaining('prefix is 0 to 32') });
    expect(parseCidr('10.0.0.256/32')).toEqual({ error: expect.stringContaining('is not an IPv4 or IPv6 CIDR block') });
    expect(parseCidr('1::2::3/64')).toEqual({ error: expect.stringContaining('is not an IPv4 or IPv6 CIDR block') });
  });
});

describe('names', () => {
  it('parse back, and stay within AWS limits', () => {
    fc.assert(fc.property(clusterName, role, fc.integer({ min: 0, max: 999_999 }), (cluster, r, index) => {
      const node = nodeName(r, index);
      expect(node).toBe(`${r}-${index}`);
      expect(parseNodeName(node)).toEqual({ role: r, index });
      const resource = resourceName(cluster, r, index);
      expect(resource).toBe(`${cluster}-${r}-${index}`);
      expect(parseResourceName(resource)).toEqual({ cluster, role: r, index });
      expect(resource.length).toBeLessThanOrEqual(NAME_LIMITS.tagValue);
      const names = clusterNames(cluster);
      expect(names.securityGroup.length).toBeLessThanOrEqual(NAME_LIMITS.securityGroupName);
      expect(names.securityGroup.startsWith('sg-')).toBe(false);
      expect(names.keyPair.length).toBeLessThanOrEqual(NAME_LIMITS.keyPairName);
      for (const name of [names.vpc, names.subnet('ap-southeast-2c'), names.routeTable, names.internetGateway]) {
        expect(name.length).toBeLessThanOrEqual(NAME_LIMITS.tagValue);
      }
    }));
  });

  it('tell a cluster whose name holds a role word from the node', () => {
    expect(parseResourceName('agent-1-master-2')).toEqual({ cluster: 'agent-1', role: 'master', index: 2 });
    expect(parseResourceName('prod-agent-03')).toBeUndefined();
    expect(parseResourceName('prod-worker-3')).toBeUndefined();
    expect(parseNodeName('agent-3x')).toBeUndefined();
  });

  it('refuse a cluster name AWS names cannot carry', () => {
    expect(layoutError(() => resourceName('Prod_1', 'agent', 0)).message).toBe("cluster: must be 1-63 lowercase letters, digits or '-', not starting or ending with '-'; got 'Prod_1'");
  });
});

describe('the subnet plan', () => {
  const privateVpc = fc.tuple(
    fc.constantFrom('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'),
    fc.integer({ min: 16, max: 24 }),
    fc.bigInt(0n, (1n << 24n) - 1n),
  ).map(([range, prefix, n]) => {
    const outer = block(range);
    const p = Math.max(prefix, outer.prefix);
    const offset = (n % (1n << BigInt(p - outer.prefix))) << BigInt(32 - p);
    return formatCidr({ family: 4, prefix: p, base: outer.base + offset });
  });

  it('gives each of 1..6 zones one subnet, inside the VPC, none overlapping', () => {
    fc.assert(fc.property(privateVpc, fc.integer({ min: 1, max: 6 }), (vpc, zones) => {
      const subnets = subnetLayout(vpc, zoneNames(zones));
      expect(subnets.map((s) => s.zone)).toEqual(zoneNames(zones));
      for (const [i, s] of subnets.entries()) {
        expect(contains(block(vpc), block(s.cidr))).toBe(true);
        expect(s.usableAddresses).toBeGreaterThanOrEqual(11);
        for (const other of subnets.slice(i + 1)) expect(overlaps(block(s.cidr), block(other.cidr))).toBe(false);
      }
    }));
  });

  it('cuts the default block into /20s, and keeps them when a zone is added', () => {
    const two = subnetLayout(DEFAULT_VPC_CIDR, ['us-east-1a', 'us-east-1b']);
    expect(two.map((s) => s.cidr)).toEqual(['10.42.0.0/20', '10.42.16.0/20']);
    expect(two[0].usableAddresses).toBe(4091);
    expect(subnetLayout(DEFAULT_VPC_CIDR, ['us-east-1a', 'us-east-1b', 'us-east-1d']).slice(0, 2)).toEqual(two);
  });

  it('refuses a block too small, too large, public, IPv6 or with host bits, naming vpcCidr', () => {
    const zones = ['us-east-1a'];
    expect(layoutError(() => subnetLayout('10.0.0.0/25', zones)).message).toMatch(/^vpcCidr: 10\.0\.0\.0\/25 is too small: a VPC block may be \/16 to \/24/);
    expect(layoutError(() => subnetLayout('10.0.0.0/8', zones)).message).toMatch(/^vpcCidr: 10\.0\.0\.0\/8 is too large/);
    expect(layoutError(() => subnetLayout('8.8.0.0/16', zones)).message).toBe('vpcCidr: 8.8.0.0/16 is not a private range; use a block inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16');
    expect(layoutError(() => subnetLayout('172.32.0.0/16', zones)).message).toMatch(/not a private range/);
    expect(layoutError(() => subnetLayout('fd00::/48', zones)).message).toBe('vpcCidr: must be an IPv4 block, got fd00::/48');
    expect(layoutError(() => subnetLayout('10.42.0.1/16', zones)).message).toMatch(/host bits set/);
    expect(layoutError(() => subnetLayout(DEFAULT_VPC_CIDR, [])).field).toBe('availabilityZones');
    expect(layoutError(() => subnetLayout(DEFAULT_VPC_CIDR, ['us-east-1a', 'us-east-1a'])).message).toBe("availabilityZones[1]: 'us-east-1a' is named twice");
  });
});

describe('the firewall rules', () => {
  const SENSITIVE = [PORTS.ssh, PORTS.master, PORTS.agent, PORTS.zkClient, PORTS.zkPeer, PORTS.zkElection];
  const SELF_ONLY = [PORTS.agent, PORTS.zkClient, PORTS.zkPeer, PORTS.zkElection, TASK_PORTS.from];
  const covers = (r: SecurityRule, port: number) => r.ipProtocol === '-1' || (r.fromPort! <= port && port <= r.toPort!);
  const cidrOf = (r: SecurityRule) => ('cidrIpv4' in r.peer ? r.peer.cidrIpv4 : 'cidrIpv6' in r.peer ? r.peer.cidrIpv6 : undefined);
  const anyBlock = fc.oneof(
    fc.constantFrom('0.0.0.0/0', '::/0', '0.0.0.0/1', '128.0.0.0/1', '2000::/3', '203.0.113.7/32', '10.0.0.0/8', '2001:db8::/32', '198.51.100.0/24'),
    fc.tuple(fc.bigInt(0n, (1n << 32n) - 1n), fc.integer({ min: 0, max: 32 })).map(([n, p]) => formatCidr({ family: 4, prefix: p, base: (n >> BigInt(32 - p)) << BigInt(32 - p) })),
  );

  it('never open SSH, ZooKeeper, agent or master ports to the world, whatever the allowed blocks', () => {
    fc.assert(fc.property(fc.array(anyBlock, { minLength: 1, maxLength: 5 }), (allowCidrs) => {
      let rules: SecurityRule[];
      try {
        rules = securityRules({ allowCidrs, ports: PORTS });
      } catch (e) {
        expect(e).toBeInstanceOf(AwsLayoutError);
        expect((e as Error).message).toMatch(/^allowCidrs\[\d+\]: .* would open SSH and the master to (the whole|a large part of the) internet/);
        return;
      }
      for (const r of rules.filter((x) => x.direction === 'ingress')) {
        const cidr = cidrOf(r);
        if (cidr === undefined) continue;
        expect(['0.0.0.0/0', '::/0']).not.toContain(cidr);
        expect(block(cidr).prefix).toBeGreaterThanOrEqual(block(cidr).family === 4 ? 8 : 32);
        for (const port of SELF_ONLY) expect(covers(r, port)).toBe(false);
      }
      for (const port of SENSITIVE) expect(rules.some((r) => r.direction === 'ingress' && covers(r, port))).toBe(true);
    }));
  });

  it('with allowWorld, open only SSH and the master to the world; the rest stays inside the cluster', () => {
    fc.assert(fc.property(fc.array(anyBlock, { minLength: 1, maxLength: 5 }), (allowCidrs) => {
      const rules = securityRules({ allowCidrs, allowWorld: true, ports: PORTS });
      for (const r of rules.filter((x) => x.direction === 'ingress' && cidrOf(x) !== undefined)) {
        expect([PORTS.ssh, PORTS.master]).toContain(r.fromPort);
        expect(r.toPort).toBe(r.fromPort);
      }
      expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
      // AWS takes these characters in a rule description and no others.
      for (const r of rules) expect(r.description).toMatch(/^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{1,255}$/);
    }));
  });

  it('are exactly: SSH and master from the operator, the cluster ports from the group itself, and one egress rule per family', () => {
    const rules = securityRules({ allowCidrs: ['203.0.113.7/32', '2001:db8::/64'], ports: PORTS });
    const row = (r: SecurityRule) => [r.direction, r.ipProtocol, r.fromPort, r.toPort, 'self' in r.peer ? 'self' : cidrOf(r)].join(' ');
    expect(rules.map(row)).toEqual([
      'ingress tcp 22 22 203.0.113.7/32',
      'ingress tcp 5050 5050 203.0.113.7/32',
      'ingress tcp 22 22 2001:db8::/64',
      'ingress tcp 5050 5050 2001:db8::/64',
      'ingress tcp 5050 5050 self',
      'ingress tcp 5051 5051 self',
      'ingress tcp 2181 2181 self',
      'ingress tcp 2888 2888 self',
      'ingress tcp 3888 3888 self',
      'ingress tcp 31000 32000 self',
      'egress -1   0.0.0.0/0',
      'egress -1   ::/0',
    ]);
    expect(rules[0].name).toBe('ssh-from-203-0-113-7_32');
  });

  it('refuse the world, no block at all, and clashing ports, with the setting at fault', () => {
    const world = layoutError(() => securityRules({ allowCidrs: ['203.0.113.7/32', '0.0.0.0/0'], ports: PORTS }));
    expect(world.message).toBe('allowCidrs[1]: 0.0.0.0/0 would open SSH and the master to the whole internet; blocks wider than /8 are refused');
    expect(world.suggestions).toContain('or pass --allow-world if you really mean it');
    expect(layoutError(() => securityRules({ allowCidrs: [], ports: PORTS })).message).toBe('allowCidrs: is empty: nobody could reach SSH or the master');
    expect(layoutError(() => securityRules({ allowCidrs: ['bogus'], ports: PORTS })).field).toBe('allowCidrs[0]');
    expect(layoutError(() => securityRules({ allowCidrs: ['203.0.113.7/32'], ports: { ...PORTS, agent: 5050 } })).message).toBe('ports.agent: 5050 is also ports.master; each service needs its own port');
    expect(layoutError(() => securityRules({ allowCidrs: ['203.0.113.7/32'], ports: { ...PORTS, zkClient: 31500 } })).field).toBe('ports.zkClient');
    expect(layoutError(() => securityRules({ allowCidrs: ['203.0.113.7/32'], ports: { ...PORTS, ssh: 0 } })).field).toBe('ports.ssh');
  });
});

describe('tags', () => {
  const userKey = fc.string({ minLength: 1, maxLength: 128 }).filter((k) => k !== 'Name' && !/^(aws|mesoscloud):/i.test(k));
  const user = fc.dictionary(userKey, fc.string({ maxLength: 256 }), { maxKeys: TAG_LIMITS.perResource - 5 });

  it('put ours on every node beside the operator\'s, within the limits', () => {
    fc.assert(fc.property(user, role, fc.nat(99), (tags, r, index) => {
      const config = stackConfig({ tags });
      const node = { role: r, index, resourceName: resourceName('prod', r, index) };
      const t = nodeTags(config, node);
      expect(t).toEqual({ ...tags, [TAG.cluster]: 'prod', [TAG.version]: '0.1.0', [TAG.role]: r, [TAG.index]: String(index), Name: `prod-${r}-${index}` });
      expect(Object.keys(t).length).toBeLessThanOrEqual(TAG_LIMITS.perResource);
      expect(clusterTags(config)).toEqual({ ...tags, [TAG.cluster]: 'prod', [TAG.version]: '0.1.0' });
    }));
  });

  it('refuse a tag that would replace ours, AWS\'s prefix, and too many or too long', () => {
    expect(layoutError(() => userTags({ 'mesoscloud:cluster': 'other' })).message).toBe("tags.mesoscloud:cluster: 'mesoscloud:cluster' is set by mesoscloud and may not be given; choose another key");
    expect(layoutError(() => userTags({ Name: 'x' })).field).toBe('tags.Name');
    expect(layoutError(() => userTags({ 'AWS:thing': 'x' })).message).toBe("tags.AWS:thing: keys starting with 'aws:' are reserved by AWS; got 'AWS:thing'");
    expect(layoutError(() => userTags({ ['k'.repeat(129)]: 'x' })).message).toMatch(/a tag key is 1 to 128 characters, got 129/);
    expect(layoutError(() => userTags({ k: 'v'.repeat(257) })).message).toBe('tags.k: a tag value is at most 256 characters, got 257');
    const many = Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`k${i}`, 'v']));
    expect(layoutError(() => userTags(many)).message).toBe('tags: 46 tags given; at most 45 fit beside the 5 mesoscloud sets (AWS allows 50 per resource)');
    // Lengths are in characters, as AWS counts them, not UTF-16 units.
    expect(userTags({ ['😀'.repeat(128)]: 'x' })).toBeDefined();
  });

  it('give EC2 filters for one cluster and for all of them', () => {
    expect(clusterTagFilter('prod')).toEqual({ Name: 'tag:mesoscloud:cluster', Values: ['prod'] });
    expect(anyClusterTagFilter()).toEqual({ Name: 'tag-key', Values: ['mesoscloud:cluster'] });
  });
});

describe('node placement', () => {
  const counts = fc.record({ zookeeper: fc.integer({ min: 0, max: 7 }), master: fc.integer({ min: 1, max: 5 }), agent: fc.integer({ min: 1, max: 60 }) });

  function layoutOf(c: Record<Role, number>, zones: number, onDemandNodes: string[] = []): NodePlan[] {
    return nodeLayout(stackConfig({
      availabilityZones: zoneNames(zones),
      onDemandNodes,
      roles: { zookeeper: machines({ count: c.zookeeper }), master: machines({ count: c.master }), agent: machines({ count: c.agent, spot: true, instanceType: 'c7g.xlarge' }) },
    }));
  }

  it('spreads every role over the zones, no zone holding more than one more of it than another', () => {
    fc.assert(fc.property(counts, fc.integer({ min: 1, max: 6 }), (c, zones) => {
      const nodes = layoutOf(c, zones);
      expect(nodes.map((n) => n.role)).toEqual(ROLES.flatMap((r) => Array<Role>(c[r]).fill(r)));
      for (const r of ROLES) {
        const mine = nodes.filter((n) => n.role === r);
        expect(mine.map((n) => n.index)).toEqual(mine.map((_, i) => i));
        const share = zoneNames(zones).map((z) => mine.filter((n) => n.availabilityZone === z).length);
        expect(Math.max(...share) - Math.min(...share)).toBeLessThanOrEqual(1);
      }
      expect(new Set(nodes.map((n) => n.name)).size).toBe(nodes.length);
    }));
  });

  it('keeps every node where it was when agents are added', () => {
    fc.assert(fc.property(counts, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 20 }), (c, zones, more) => {
      const before = layoutOf(c, zones);
      const after = layoutOf({ ...c, agent: c.agent + more }, zones);
      expect(after.slice(0, before.length)).toEqual(before);
    }));
  });

  it('takes the role\'s machine and spot setting, and on-demand for the nodes named so', () => {
    const nodes = layoutOf({ zookeeper: 1, master: 1, agent: 3 }, 2, ['agent-1', 'agent-9']);
    expect(nodes.map((n) => [n.name, n.resourceName, n.spot, n.availabilityZone, n.instanceType])).toEqual([
      ['zookeeper-0', 'prod-zookeeper-0', false, 'eu-west-3a', 't3.medium'],
      ['master-0', 'prod-master-0', false, 'eu-west-3b', 't3.medium'],
      ['agent-0', 'prod-agent-0', true, 'eu-west-3a', 'c7g.xlarge'],
      ['agent-1', 'prod-agent-1', false, 'eu-west-3b', 'c7g.xlarge'],
      ['agent-2', 'prod-agent-2', true, 'eu-west-3a', 'c7g.xlarge'],
    ]);
  });

  it('refuses bad counts, machines and node names, naming the setting', () => {
    const base = stackConfig();
    const withAgent = (over: object) => nodeLayout({ ...base, roles: { ...base.roles, agent: { ...base.roles.agent, ...over } } });
    expect(layoutError(() => withAgent({ count: 0 })).message).toBe('roles.agent.count: must be a whole number from 1 to 1000, got 0');
    expect(layoutError(() => withAgent({ instanceType: 'large' })).field).toBe('roles.agent.instanceType');
    expect(layoutError(() => withAgent({ volumeSizeGb: 4 })).field).toBe('roles.agent.volumeSizeGb');
    expect(layoutError(() => withAgent({ volumeType: 'ssd' })).message).toBe("roles.agent.volumeType: 'ssd' is not one of gp3, gp2, io1, io2, st1, sc1, standard");
    expect(layoutError(() => nodeLayout({ ...base, onDemandNodes: ['agent3'] })).field).toBe('onDemandNodes[0]');
  });
});

describe('the first-boot script', () => {
  it('installs the pinned Node.js for either architecture, checking its sha256, only when Node 20+ is missing', () => {
    const script = nodeInstallScript();
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain(`node-v${NODE_RELEASE.version}-linux-$arch`);
    expect(script).toContain(`https://nodejs.org/dist/v${NODE_RELEASE.version}/$dir.tar.xz`);
    expect(script).toContain(`x86_64|amd64) arch=x64; sum=${NODE_RELEASE.sha256.x64}`);
    expect(script).toContain(`aarch64|arm64) arch=arm64; sum=${NODE_RELEASE.sha256.arm64}`);
    expect(script).toContain('sha256sum -c');
    expect(script).toContain('-C /usr/local --strip-components=1');
    expect(script).toContain('-ge 20 ]');
    for (const sum of Object.values(NODE_RELEASE.sha256)) expect(sum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same install in every instance\'s user data, and nothing but the marker on a mesoscloud image', () => {
    const fresh = userData({ cluster: 'prod', imageHasDaemons: false });
    expect(fresh.startsWith('#!/bin/bash\n')).toBe(true);
    expect(fresh).toContain(nodeInstallScript());
    expect(fresh.trimEnd().endsWith(USER_DATA_DONE)).toBe(true);
    // EC2 takes at most 16 KB of user data.
    expect(Buffer.byteLength(fresh)).toBeLessThan(16 * 1024);
    const baked = userData({ cluster: 'prod', imageHasDaemons: true });
    expect(baked).not.toContain('curl');
    expect(baked).toContain(USER_DATA_DONE);
    // Host keys must still reach the console: nothing here touches cloud-init's own settings.
    for (const text of [fresh, baked]) expect(text).not.toMatch(/cloud-config|ssh_key_console|no_ssh_fingerprints|ssh_fp_console/);
  });
});

describe('the whole layout', () => {
  it('uses an existing VPC as it is, each subnet in its zone', () => {
    const layout = clusterLayout(stackConfig({ vpcId: 'vpc-0abc1234', subnetIds: ['subnet-0a1b2c3d', 'subnet-1a1b2c3d', 'subnet-2a1b2c3d'] }));
    expect(layout.subnets).toBeUndefined();
    expect(layout.nodes).toHaveLength(11);
    expect(layoutError(() => clusterLayout(stackConfig({ vpcId: 'vpc-0abc1234', subnetIds: ['subnet-0a1b2c3d'] }))).message)
      .toBe('subnetIds: 1 subnets for 3 zones; give each zone its subnet (subnetIds[i] is in availabilityZones[i])');
    expect(layoutError(() => clusterLayout(stackConfig({ subnetIds: ['subnet-0a1b2c3d'] }))).field).toBe('vpcId');
  });

  it('refuses more nodes than a zone\'s subnet holds, a key EC2 cannot import, and a malformed image or region', () => {
    const crowded = stackConfig({ vpcCidr: '192.168.7.0/24', availabilityZones: ['us-east-1a'], roles: { ...stackConfig().roles, agent: machines({ count: 20 }) } });
    expect(layoutError(() => clusterLayout(crowded)).message).toBe('vpcCidr: the subnet of us-east-1a (192.168.7.0/28) holds 11 instances, but 26 are placed there; use a larger VPC block or more zones');
    expect(layoutError(() => clusterLayout(stackConfig({ publicKey: 'ecdsa-sha2-nistp256 AAAAE2VjZHNh' }))).field).toBe('publicKey');
    expect(layoutError(() => clusterLayout(stackConfig({ imageId: 'ubuntu' }))).field).toBe('imageId');
    expect(layoutError(() => clusterLayout(stackConfig({ region: 'mars' }))).field).toBe('region');
    expect(layoutError(() => clusterLayout(stackConfig({ endpointUrl: 'localhost:4566' }))).field).toBe('endpointUrl');
  });
});
