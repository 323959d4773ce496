/**
 * The AWS provider's own logic, apart from EC2 and Pulumi: the aws: part of the cluster spec and its
 * flags, the stack's config from a spec, the instances as SSH hosts, host keys pinned from console
 * lines, the operator's key, the dry-run plan, and the spot fallback's decisions (against an
 * in-memory engine that fails the way Pulumi reports capacity errors).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { specFromSources, SpecError } from '../../infra/plan/spec';
import { stackConfig, instanceTypes } from '../../infra/aws/stack-config';
import { nodeLayout } from '../../infra/aws/node-layout';
import { hostSpecOf, pinHostKeys } from '../../infra/providers/aws/aws-hosts';
import { ensureOperatorKey, existingKey } from '../../infra/providers/aws/operator-key';
import { describeAwsPlan, planAws } from '../../infra/providers/aws/aws-plan';
import { upWithFallback } from '../../infra/providers/aws/aws-launch';
import { StackOperationError, type StackEngine } from '../../infra/providers/aws/engine';
import { ClusterCatalog, type AwsNodeRecord } from '../../infra/cluster-catalog';
import { planCluster } from '../../infra/plan/planner';
import { KnownHosts } from '../../infra/bootstrap/known-hosts';
import type { ClusterStackConfig } from '../../infra/aws/types';
import { orphansOf } from '../../infra/providers/aws/orphans';

const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-aws-unit-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});
const spec = (flags: Record<string, unknown> = {}, file: Record<string, unknown> = {}) => specFromSources(file, { cluster: 'prod', provider: 'aws', region: 'eu-west-1', ...flags });
const silent = { step() {}, done() {}, fail() {}, note() {}, close() {} };

describe('the aws: part of a cluster spec', () => {
  test('GIVEN only a region THEN every machine has its default and one agent is planned', () => {
    const s = spec();
    expect(s.agents).toBe(1);
    expect(s.aws!.machines).toEqual({
      master: { instance_type: 'm6i.large', spot: false, volume_size: 30, volume_type: 'gp3' },
      zookeeper: { instance_type: 't3.medium', spot: false, volume_size: 20, volume_type: 'gp3' },
      agent: { instance_type: 'm6i.xlarge', spot: false, volume_size: 50, volume_type: 'gp3' },
    });
    expect(s.aws!.ssh_user).toBe('ubuntu');
  });

  test('flags set their fields, over the file', () => {
    const s = spec({ 'instance-type': 'c6i.2xlarge', spot: true, 'volume-size': 100, 'allow-cidr': '203.0.113.7,198.51.100.0/24', zones: 'eu-west-1a,eu-west-1b', tag: { team: 'infra' } },
      { aws: { machines: { agent: { instance_type: 'm5.large' } } } });
    expect(s.aws!.machines.agent).toEqual({ instance_type: 'c6i.2xlarge', spot: true, volume_size: 100, volume_type: 'gp3' });
    expect(s.aws!.allow_cidr).toEqual(['203.0.113.7/32', '198.51.100.0/24']);
    expect(s.aws!.zones).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(s.aws!.tags).toEqual({ team: 'infra' });
  });

  test('bad values are named with their flag and what is allowed, all at once', () => {
    let err: SpecError | undefined;
    try {
      spec({ region: 'Ireland', 'allow-cidr': '10.0.0.300/8', ami: 'ubuntu', vpc: 'vpc-0123456789abcdef0' });
    } catch (e) {
      err = e as SpecError;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect(err!.message).toContain("aws.region (--region): must be an AWS region like eu-west-1, got 'Ireland'");
    expect(err!.message).toContain("'10.0.0.300/8' is not an IPv4 address or CIDR block");
    expect(err!.message).toContain("aws.ami (--ami): must be an image id like ami-0abc12345def67890, or latest, got 'ubuntu'");
    expect(() => spec({ vpc: 'vpc-0123456789abcdef0' })).toThrow("aws.subnets: an existing VPC needs the subnets to use");
  });

  test('hosts and colocation are refused for aws, and aws: for ssh', () => {
    expect(() => spec({ hosts: '10.0.0.1' })).toThrow(/the aws provider makes its own hosts/);
    expect(() => spec({ colocate: true })).toThrow(/each EC2 instance holds one role/);
    expect(() => specFromSources({ aws: { region: 'eu-west-1' } }, { cluster: 'x', provider: 'ssh', hosts: 'a' })).toThrow(/is for provider aws/);
    expect(() => spec({}, { aws: { machines: { agent: { instance_typ: 'x' } } } })).toThrow(/did you mean 'instance_type'/);
  });
});

describe('the stack config from a spec', () => {
  const resolved = { imageId: 'ami-0123456789abcdef0', imageHasDaemons: false, availabilityZones: ['eu-west-1a'], allowCidrs: ['203.0.113.7/32'], publicKey: 'ssh-ed25519 AAAA', region: 'eu-west-1', version: '0.1.0' };

  test('counts per role follow --masters, --zk and --agents; names in start order', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 50 }), (masters, zk, agents) => {
      const c = stackConfig(spec({ masters, zk, agents }), resolved);
      expect([c.roles.master.count, c.roles.zookeeper.count, c.roles.agent.count]).toEqual([masters, zk, agents]);
      const names = nodeLayout(c).map((n) => n.name);
      expect(names.length).toBe(masters + zk + agents);
      expect(names[0]).toBe('zookeeper-0');
      expect(names[names.length - 1]).toBe(`agent-${agents - 1}`);
    }));
  });

  test('ports come from the spec, tags and network settings pass through, instance types once each', () => {
    const c = stackConfig(spec({ 'master-port': 6050, masters: 3, zk: 3, 'master-instance-type': 'm6i.xlarge' }, { aws: { tags: { env: 'prod' }, vpc: 'vpc-0123456789abcdef0', subnets: ['subnet-0123456789abcdef0'] } }), resolved);
    expect(c.ports).toEqual({ ssh: 22, master: 6050, agent: 5051, zkClient: 2181, zkPeer: 2888, zkElection: 3888 });
    expect(c.tags).toEqual({ env: 'prod' });
    expect([c.vpcId, c.subnetIds]).toEqual(['vpc-0123456789abcdef0', ['subnet-0123456789abcdef0']]);
    expect(instanceTypes(c.roles)).toEqual(['t3.medium', 'm6i.xlarge']);
  });
});

describe('instances as SSH hosts', () => {
  const nodes: AwsNodeRecord[] = [
    { name: 'agent-1', role: 'agent', index: 1, instanceId: 'i-4', publicIp: '203.0.113.4', privateIp: '10.42.0.4', spot: false },
    { name: 'master-0', role: 'master', index: 0, instanceId: 'i-2', publicIp: '203.0.113.2', privateIp: '10.42.0.2', spot: false },
    { name: 'zookeeper-0', role: 'zookeeper', index: 0, instanceId: 'i-1', publicIp: '203.0.113.1', privateIp: '10.42.0.1', spot: false },
    { name: 'agent-0', role: 'agent', index: 0, instanceId: 'i-3', privateIp: '10.42.0.3', spot: true },
  ];

  test('each instance holds the role its tags give it, reached at its public address, advertising its private one', () => {
    const s = hostSpecOf(spec({ zk: 1 }), nodes, '/keys/id');
    const plan = planCluster(s, { bundle: { version: '0.1.0', sha256: 'a'.repeat(64) }, secure: true });
    const roles = Object.fromEntries(plan.hosts.map((h) => [h.host, [h.address, h.user, ...h.roles]]));
    expect(roles).toEqual({
      '203.0.113.1': ['10.42.0.1', 'ubuntu', 'zookeeper'],
      '203.0.113.2': ['10.42.0.2', 'ubuntu', 'master'],
      '10.42.0.3': ['10.42.0.3', 'ubuntu', 'agent'],
      '203.0.113.4': ['10.42.0.4', 'ubuntu', 'agent'],
    });
    expect(plan.zk).toBe('zk://10.42.0.1:2181/mesos');
    expect(s.ssh.key).toBe('/keys/id');
  });

  test('console keys are pinned; a host whose console showed none is left to first use', () => {
    const dir = tmp();
    const file = path.join(dir, 'known_hosts');
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
    const line = `ssh-ed25519 ${blob.toString('base64')}`;
    const result = pinHostKeys(file, [{ host: '203.0.113.1', keys: [line, 'ssh-rsa not-base64!', `ssh-rsa ${blob.toString('base64')}`] }, { host: '203.0.113.2', keys: [] }]);
    expect(result).toEqual({ pinned: ['203.0.113.1'], unpinned: ['203.0.113.2'] });
    const known = new KnownHosts(file);
    expect(known.lookup('203.0.113.1', 22).map((l) => l.keyType)).toEqual(['ssh-ed25519']);
    expect(() => known.verify('203.0.113.1', 22, 'ssh-ed25519', Buffer.alloc(51, 1))).toThrow(/has changed/);
  });
});

describe("the operator's key", () => {
  test('GIVEN no key anywhere THEN one is made for the cluster, 0600, and used from then on', async () => {
    const home = tmp();
    const clusterKey = path.join(home, 'clusters', 'prod', 'secrets', 'ssh', 'id_ed25519');
    expect(existingKey(undefined, clusterKey, home)).toBeUndefined();
    const made = await ensureOperatorKey(undefined, clusterKey);
    expect(made.source).toBe('made for the cluster');
    expect(made.publicKey).toMatch(/^ssh-ed25519 AAAA/);
    expect(fs.statSync(clusterKey).mode & 0o777).toBe(0o600);
    expect(existingKey(undefined, clusterKey, home)).toEqual({ privateKeyFile: clusterKey, source: 'made for the cluster' });
  });

  test('a given key that is not there is named', () => {
    expect(() => existingKey('/nonexistent/id_ed25519', '/x')).toThrow('the SSH key file /nonexistent/id_ed25519 does not exist');
  });
});

describe('the dry-run plan', () => {
  test('says what would be created, who may connect, and that the image is resolved at launch', () => {
    const catalog = new ClusterCatalog(tmp());
    const { text, json } = describeAwsPlan(planAws(catalog, spec({ masters: 3, zk: 3, agents: 5, spot: true })));
    expect(text).toContain("Plan for cluster 'prod' on EC2 in eu-west-1: 11 instances");
    expect(text).toMatch(/5 agents\s+m6i\.xlarge\s+spot/);
    expect(text).toContain("only from this machine's public address (found at launch)");
    expect(text).toContain('newest Ubuntu LTS (x86_64), resolved at launch');
    expect(json).toMatchObject({ region: 'eu-west-1', roles: { agent: { count: 5, spot: true } }, bootstrap: true });
  });

  test('with an endpoint URL the hosts are not bootstrapped unless asked', () => {
    const catalog = new ClusterCatalog(tmp());
    expect(planAws(catalog, spec({ 'endpoint-url': 'http://localhost:4566' })).bootstrap).toBe(false);
    expect(planAws(catalog, spec({ 'endpoint-url': 'http://localhost:4566', bootstrap: true })).bootstrap).toBe(true);
  });
});

describe('spot without capacity', () => {
  const catalog = () => new ClusterCatalog(tmp());
  function engineFailing(failures: { name: string; message: string }[]): { engine: StackEngine; configs: ClusterStackConfig[] } {
    const configs: ClusterStackConfig[] = [];
    const engine: StackEngine = {
      name: 'in-memory',
      check: async () => undefined,
      up: async (_ref, config) => {
        configs.push(config);
        if (configs.length === 1 && failures.length > 0) throw new StackOperationError('update failed', failures.map((f) => ({ type: 'aws:ec2/instance:Instance', ...f })));
        return { vpcId: 'vpc-1', subnetIds: [], securityGroupId: 'sg-1', keyName: 'k', nodes: [] };
      },
      destroy: async () => undefined,
      outputs: async () => undefined,
      resources: async () => [],
      recover: async () => [],
    };
    return { engine, configs };
  }
  const resolved = { imageId: 'ami-0123456789abcdef0', imageHasDaemons: false, availabilityZones: ['eu-west-1a'], allowCidrs: ['203.0.113.7/32'], publicKey: 'k', region: 'eu-west-1', version: '0.1.0' };

  test('the spot nodes the engine names are relaunched on-demand, once', async () => {
    const s = spec({ agents: 3, spot: true });
    const { engine, configs } = engineFailing([{ name: 'prod-agent-2', message: 'InsufficientInstanceCapacity: We currently do not have sufficient capacity' }]);
    const out = await upWithFallback(engine, planAws(catalog(), s), stackConfig(s, resolved), () => undefined, silent);
    expect(configs.map((c) => c.onDemandNodes)).toEqual([[], ['agent-2']]);
    expect(out.config.onDemandNodes).toEqual(['agent-2']);
  });

  test('a failure that is not about spot capacity, or on an on-demand node, is not retried', async () => {
    const s = spec({ agents: 2, spot: true });
    const other = engineFailing([{ name: 'prod-agent-1', message: 'InvalidParameterValue: bad' }]);
    await expect(upWithFallback(other.engine, planAws(catalog(), s), stackConfig(s, resolved), () => undefined, silent)).rejects.toBeInstanceOf(StackOperationError);
    expect(other.configs.length).toBe(1);
    const onDemand = spec({ agents: 2 });
    const master = engineFailing([{ name: 'prod-master-0', message: 'InsufficientInstanceCapacity: no capacity' }]);
    await expect(upWithFallback(master.engine, planAws(catalog(), onDemand), stackConfig(onDemand, resolved), () => undefined, silent)).rejects.toBeInstanceOf(StackOperationError);
    expect(master.configs.length).toBe(1);
  });
});

describe('what a launch that broke off left', () => {
  test('tagged resources the stack does not hold are orphans; volumes, images and instances on their way out are not', () => {
    const tagged = [
      { type: 'instance' as const, id: 'i-1', state: 'running' },
      { type: 'instance' as const, id: 'i-2', state: 'running' },
      { type: 'instance' as const, id: 'i-3', state: 'shutting-down' },
      { type: 'subnet' as const, id: 'subnet-1' },
      { type: 'subnet' as const, id: 'subnet-2' },
      { type: 'volume' as const, id: 'vol-1', state: 'in-use' },
      { type: 'image' as const, id: 'ami-1', state: 'available' },
      { type: 'key-pair' as const, id: 'key-0abc', name: 'mesoscloud-prod' },
      { type: 'key-pair' as const, id: 'key-0def', name: 'mesoscloud-other' },
    ];
    // Pulumi's id of a key pair is its name.
    const held = new Set(['i-1', 'subnet-1', 'mesoscloud-prod']);
    expect(orphansOf(tagged, held).map((o) => o.id)).toEqual(['i-2', 'subnet-2', 'key-0def']);
    expect(orphansOf(tagged, new Set())).toHaveLength(6);
  });
});
