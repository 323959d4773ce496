/**
 * The Pulumi program (infra/pulumi) under Pulumi's mocks: what it would ask the engine to create,
 * with which inputs, under which parents and on which provider, and the outputs it returns. Pulumi
 * is imported after the mocks are set (they are process-wide, so every program test is here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { MockResourceArgs } from '@pulumi/pulumi/runtime';
import type { ClusterStackConfig } from '../../infra/aws/types';
import { AwsLayoutError } from '../../infra/aws/layout-error';
import { OPERATOR_PUBLIC_KEY, stackConfig } from '../helpers/stack-config';

type Pulumi = typeof import('@pulumi/pulumi');
type Recorded = MockResourceArgs & { urn?: string };

const T = {
  stack: 'pulumi:pulumi:Stack',
  cluster: 'mesoscloud:aws:Cluster',
  network: 'mesoscloud:aws:Network',
  firewall: 'mesoscloud:aws:Firewall',
  nodes: 'mesoscloud:aws:Nodes',
  provider: 'pulumi:providers:aws',
  vpc: 'aws:ec2/vpc:Vpc',
  gateway: 'aws:ec2/internetGateway:InternetGateway',
  routeTable: 'aws:ec2/routeTable:RouteTable',
  route: 'aws:ec2/route:Route',
  subnet: 'aws:ec2/subnet:Subnet',
  association: 'aws:ec2/routeTableAssociation:RouteTableAssociation',
  group: 'aws:ec2/securityGroup:SecurityGroup',
  ingress: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  egress: 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule',
  keyPair: 'aws:ec2/keyPair:KeyPair',
  instance: 'aws:ec2/instance:Instance',
} as const;
/** Resources EC2 cannot tag. */
const UNTAGGABLE = new Set<string>([T.provider, T.route, T.association]);
const COMPONENTS = new Set<string>([T.stack, T.cluster, T.network, T.firewall, T.nodes]);

let pulumi: Pulumi;
let recorded: Recorded[] = [];

beforeAll(async () => {
  pulumi = await import('@pulumi/pulumi');
  await pulumi.runtime.setMocks({
    newResource(args) {
      recorded.push(args);
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === T.instance) {
        // What EC2 would fill in: the zone of the subnet the instance is in, and its addresses.
        const subnet = recorded.find((r) => r.type === T.subnet && `${r.name}-id` === args.inputs.subnetId);
        // Addresses from the name ('prod-agent-4' -> x.x.3.4), as registration order is the engine's.
        const [, role, index] = /-(zookeeper|master|agent)-(\d+)$/.exec(args.name)!;
        const host = `${['zookeeper', 'master', 'agent'].indexOf(role) + 1}.${index}`;
        Object.assign(state, {
          availabilityZone: subnet?.inputs.availabilityZone ?? `zone-of-${args.inputs.subnetId}`,
          privateIp: `10.42.${host}`,
          publicIp: args.inputs.associatePublicIpAddress ? `198.51.${host}` : '',
        });
      }
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  }, 'mesoscloud', 'test', false);
});

interface Run { outputs: Record<string, any>; resources: Recorded[]; urns: Map<string, { urn: string; state: any }> }

async function run(config: ClusterStackConfig): Promise<Run> {
  recorded = [];
  const { clusterProgram } = await import('../../infra/pulumi/program');
  const outputs = (await pulumi.runtime.runInPulumiStack(() => clusterProgram(config))) as Record<string, any>;
  const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, { urn: string; state: any }> };
  const urns = new Map([...monitor.resources.values()].map((r) => [r.urn.split('::').pop()!, r]));
  for (const r of recorded) r.urn = [...monitor.resources.keys()].find((u) => u.endsWith(`::${r.name}`) && u.split('::')[2].split('$').pop() === r.type);
  return { outputs, resources: [...recorded], urns };
}

const ofType = (resources: Recorded[], type: string) => resources.filter((r) => r.type === type);
const count = (resources: Recorded[]) => resources.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + 1 }), {});
/** The type of a resource's parent, from its URN ("<parent type>$<type>"). */
const parentType = (r: Recorded) => r.urn!.split('::')[2].split('$').slice(-2, -1)[0];

/** Security groups that carry rules inline; rule resources must be the only rules. */
function inlineRules(resources: Recorded[]): string[] {
  return ofType(resources, T.group).filter((g) => g.inputs.ingress !== undefined || g.inputs.egress !== undefined).map((g) => g.name);
}

/** Ingress rules that let an address block of the whole internet reach a port in `ports`. */
function worldOpen(resources: Recorded[], ports: number[]): string[] {
  return ofType(resources, T.ingress)
    .filter((r) => ['0.0.0.0/0', '::/0'].includes(r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6))
    .filter((r) => r.inputs.ipProtocol === '-1' || ports.some((p) => r.inputs.fromPort <= p && p <= r.inputs.toPort))
    .map((r) => r.name);
}

describe('a new cluster in a new VPC', () => {
  let result: Run;
  beforeAll(async () => {
    result = await run(stackConfig());
  });

  it('makes one VPC, gateway and route table, a subnet per zone, one group with its rules, a key pair and an instance per node', () => {
    expect(count(result.resources)).toEqual({
      [T.stack]: 1, [T.cluster]: 1, [T.network]: 1, [T.firewall]: 1, [T.nodes]: 1, [T.provider]: 1,
      [T.vpc]: 1, [T.gateway]: 1, [T.routeTable]: 1, [T.route]: 1, [T.subnet]: 3, [T.association]: 3,
      [T.group]: 1, [T.ingress]: 8, [T.egress]: 2, [T.keyPair]: 1, [T.instance]: 11,
    });
  });

  it('puts every resource under its component, and the components under the cluster', () => {
    const expected: Record<string, string> = {
      [T.cluster]: T.stack, [T.network]: T.cluster, [T.firewall]: T.cluster, [T.nodes]: T.cluster, [T.provider]: T.cluster,
      [T.vpc]: T.network, [T.gateway]: T.network, [T.routeTable]: T.network, [T.route]: T.network, [T.subnet]: T.network, [T.association]: T.network,
      [T.group]: T.firewall, [T.ingress]: T.firewall, [T.egress]: T.firewall, [T.keyPair]: T.nodes, [T.instance]: T.nodes,
    };
    for (const r of result.resources.filter((x) => x.type !== T.stack)) expect([r.name, parentType(r)]).toEqual([r.name, expected[r.type]]);
    // Every component registered its outputs (the mock monitor then holds them as the component's state).
    for (const r of result.resources.filter((x) => COMPONENTS.has(x.type) && x.type !== T.stack)) {
      expect(Object.keys(result.urns.get(r.name)!.state.toJavaScript?.() ?? {})).not.toEqual([]);
    }
  });

  it('creates every resource through the cluster\'s own AWS provider', () => {
    const [provider] = ofType(result.resources, T.provider);
    expect(provider.name).toBe('prod-aws');
    for (const r of result.resources.filter((x) => !COMPONENTS.has(x.type) && x.type !== T.provider)) {
      expect([r.name, r.provider]).toEqual([r.name, `${provider.urn}::prod-aws-id`]);
    }
  });

  it('sets only the region on the provider when no endpoint is given (the rest are the provider\'s defaults)', () => {
    const inputs = ofType(result.resources, T.provider)[0].inputs;
    expect(inputs.region).toBe('us-east-1');
    for (const key of ['endpoints', 'accessKey', 'secretKey', 'skipRequestingAccountId', 'skipMetadataApiCheck']) expect(inputs).not.toHaveProperty(key);
    expect(inputs.skipCredentialsValidation).not.toBe('true');
  });

  it('tags every taggable resource with the cluster, the version and the operator\'s tags', () => {
    const taggable = result.resources.filter((r) => !COMPONENTS.has(r.type) && !UNTAGGABLE.has(r.type));
    expect(taggable.length).toBe(29);
    for (const r of taggable) {
      expect([r.name, r.inputs.tags]).toEqual([r.name, expect.objectContaining({ 'mesoscloud:cluster': 'prod', 'mesoscloud:version': '0.1.0', team: 'data', Name: expect.any(String) })]);
    }
    const agent = ofType(result.resources, T.instance).find((r) => r.name === 'prod-agent-4')!;
    expect(agent.inputs.tags).toEqual({ 'mesoscloud:cluster': 'prod', 'mesoscloud:version': '0.1.0', 'mesoscloud:role': 'agent', 'mesoscloud:index': '4', Name: 'prod-agent-4', team: 'data' });
    expect(agent.inputs.volumeTags).toEqual(agent.inputs.tags);
  });

  it('builds the network: DNS hostnames, a default route to the gateway, public subnets from the plan', () => {
    const [vpc] = ofType(result.resources, T.vpc);
    expect(vpc.inputs).toMatchObject({ cidrBlock: '10.42.0.0/16', enableDnsHostnames: true });
    expect(ofType(result.resources, T.route)[0].inputs).toEqual({ routeTableId: 'prod-public-id', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'prod-igw-id' });
    expect(ofType(result.resources, T.subnet).map((s) => [s.inputs.availabilityZone, s.inputs.cidrBlock, s.inputs.mapPublicIpOnLaunch, s.inputs.vpcId])).toEqual([
      ['us-east-1a', '10.42.0.0/20', true, 'prod-vpc-id'],
      ['us-east-1b', '10.42.16.0/20', true, 'prod-vpc-id'],
      ['us-east-1c', '10.42.32.0/20', true, 'prod-vpc-id'],
    ]);
    expect(ofType(result.resources, T.association).map((a) => a.inputs)).toEqual(['a', 'b', 'c'].map((z) => ({ subnetId: `prod-public-us-east-1${z}-id`, routeTableId: 'prod-public-id' })));
  });

  it('uses rule resources only: no inline rules, nothing sensitive open to the world, one egress rule per family', () => {
    expect(inlineRules(result.resources)).toEqual([]);
    expect(worldOpen(result.resources, [22, 5050, 5051, 2181, 2888, 3888, 31000])).toEqual([]);
    const rows = ofType(result.resources, T.ingress).map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6 ?? (r.inputs.referencedSecurityGroupId === 'mesoscloud-prod-id' ? 'self' : r.inputs.referencedSecurityGroupId)].join(' '));
    expect(rows.sort()).toEqual(['2181 2181 self', '22 22 203.0.113.7/32', '2888 2888 self', '31000 32000 self', '3888 3888 self', '5050 5050 203.0.113.7/32', '5050 5050 self', '5051 5051 self']);
    for (const r of ofType(result.resources, T.ingress)) expect([r.inputs.securityGroupId, r.inputs.ipProtocol]).toEqual(['mesoscloud-prod-id', 'tcp']);
    expect(ofType(result.resources, T.egress).map((r) => r.inputs)).toEqual([
      expect.objectContaining({ securityGroupId: 'mesoscloud-prod-id', ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }),
      expect.objectContaining({ securityGroupId: 'mesoscloud-prod-id', ipProtocol: '-1', cidrIpv6: '::/0' }),
    ]);
    expect(ofType(result.resources, T.group)[0].inputs).toMatchObject({ name: 'mesoscloud-prod', vpcId: 'prod-vpc-id' });
  });

  it('would notice an inline rule or a rule open to the world', () => {
    const group = ofType(result.resources, T.group)[0];
    expect(inlineRules([{ ...group, inputs: { ...group.inputs, ingress: [{ fromPort: 22, toPort: 22, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }] } }])).toEqual(['mesoscloud-prod']);
    expect(inlineRules([{ ...group, inputs: { ...group.inputs, egress: [] } }])).toEqual(['mesoscloud-prod']);
    const rule = ofType(result.resources, T.ingress)[0];
    expect(worldOpen([{ ...rule, inputs: { ...rule.inputs, cidrIpv4: '0.0.0.0/0' } }], [22])).toEqual([rule.name]);
    expect(worldOpen([{ ...rule, inputs: { ipProtocol: '-1', cidrIpv6: '::/0' } }], [2181])).toEqual([rule.name]);
  });

  it('imports the operator\'s key and starts each node with its machine, volume, zone and market', () => {
    expect(ofType(result.resources, T.keyPair)[0].inputs).toMatchObject({ keyName: 'mesoscloud-prod', publicKey: OPERATOR_PUBLIC_KEY });
    // Registration order is the engine's; the layout's order is by name.
    const order = (name: string) => ['zookeeper', 'master', 'agent'].indexOf(name.split('-')[1]) * 1000 + Number(name.split('-')[2]);
    const instances = ofType(result.resources, T.instance).sort((a, b) => order(a.name) - order(b.name));
    expect(instances.map((i) => [i.name, i.inputs.instanceType, i.inputs.subnetId.replace(/^prod-public-|-id$/g, ''), i.inputs.instanceMarketOptions?.marketType ?? 'on-demand'])).toEqual([
      ['prod-zookeeper-0', 't3.small', 'us-east-1a', 'on-demand'],
      ['prod-zookeeper-1', 't3.small', 'us-east-1b', 'on-demand'],
      ['prod-zookeeper-2', 't3.small', 'us-east-1c', 'on-demand'],
      ['prod-master-0', 't3.medium', 'us-east-1a', 'on-demand'],
      ['prod-master-1', 't3.medium', 'us-east-1b', 'on-demand'],
      ['prod-master-2', 't3.medium', 'us-east-1c', 'on-demand'],
      ['prod-agent-0', 'm7g.large', 'us-east-1a', 'spot'],
      ['prod-agent-1', 'm7g.large', 'us-east-1b', 'spot'],
      ['prod-agent-2', 'm7g.large', 'us-east-1c', 'spot'],
      ['prod-agent-3', 'm7g.large', 'us-east-1a', 'spot'],
      ['prod-agent-4', 'm7g.large', 'us-east-1b', 'spot'],
    ]);
    const agent = instances.find((i) => i.name === 'prod-agent-0')!;
    expect(agent.inputs).toMatchObject({
      ami: 'ami-0123456789abcdef0',
      keyName: 'mesoscloud-prod',
      vpcSecurityGroupIds: ['mesoscloud-prod-id'],
      associatePublicIpAddress: true,
      rootBlockDevice: { volumeSize: 100, volumeType: 'gp3', deleteOnTermination: true, encrypted: true },
      instanceMarketOptions: { marketType: 'spot', spotOptions: { instanceInterruptionBehavior: 'terminate', spotInstanceType: 'one-time' } },
      metadataOptions: { httpTokens: 'required' },
      userDataReplaceOnChange: false,
    });
    expect(agent.inputs.userData).toMatch(/^#!\/bin\/bash\n/);
    expect(agent.inputs.iamInstanceProfile).toBeUndefined();
    const master = instances.find((i) => i.name === 'prod-master-0')!;
    expect(master.inputs.instanceMarketOptions).toBeUndefined();
    expect(master.inputs.rootBlockDevice).toEqual({ volumeSize: 20, volumeType: 'gp3', deleteOnTermination: true, encrypted: true });
  });

  it('returns the stack outputs in the shape the provider reads', () => {
    const { outputs } = result;
    expect(Object.keys(outputs).sort()).toEqual(['keyName', 'nodes', 'securityGroupId', 'subnetIds', 'vpcId']);
    expect(outputs).toMatchObject({ vpcId: 'prod-vpc-id', securityGroupId: 'mesoscloud-prod-id', keyName: 'mesoscloud-prod' });
    expect(outputs.subnetIds).toEqual(['prod-public-us-east-1a-id', 'prod-public-us-east-1b-id', 'prod-public-us-east-1c-id']);
    expect(outputs.nodes).toHaveLength(11);
    expect(outputs.nodes[6]).toEqual({
      name: 'agent-0', role: 'agent', index: 0, instanceId: 'prod-agent-0-id', publicIp: '198.51.3.0', privateIp: '10.42.3.0', availabilityZone: 'us-east-1a', spot: true,
    });
    for (const node of outputs.nodes) expect(Object.keys(node).sort()).toEqual(['availabilityZone', 'index', 'instanceId', 'name', 'privateIp', 'publicIp', 'role', 'spot']);
  });
});

describe('running instances', () => {
  it('keep their image, first-boot script and key when any changes later; named parts replace delete-first', async () => {
    const options = new Map<string, unknown>();
    recorded = [];
    const { clusterProgram } = await import('../../infra/pulumi/program');
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        options.set(`${args.type} ${args.name}`, args.opts);
        return undefined;
      });
      return clusterProgram(stackConfig());
    });
    const instances = [...options].filter(([key]) => key.startsWith(`${T.instance} `));
    expect(instances).toHaveLength(11);
    for (const [, opts] of instances) expect((opts as any).ignoreChanges).toEqual(['ami', 'userData', 'userDataBase64', 'keyName']);
    expect((options.get(`${T.group} mesoscloud-prod`) as any).ignoreChanges).toBeUndefined();
    expect((options.get(`${T.group} mesoscloud-prod`) as any).deleteBeforeReplace).toBe(true);
    expect((options.get(`${T.keyPair} mesoscloud-prod`) as any).deleteBeforeReplace).toBe(true);
    for (const [, opts] of instances) expect((opts as any).dependsOn.map((r: any) => r.constructor.name)).toEqual(['KeyPair']);
  });
});

describe('a cluster against an endpoint of its own (LocalStack)', () => {
  it('points EC2 and STS there and skips the checks such an endpoint cannot answer', async () => {
    const { resources } = await run(stackConfig({ endpointUrl: 'http://localhost:4566' }));
    const inputs = ofType(resources, T.provider)[0].inputs;
    // Provider inputs reach the engine as text.
    expect(JSON.parse(inputs.endpoints)).toEqual([{ ec2: 'http://localhost:4566', sts: 'http://localhost:4566' }]);
    expect(inputs).toMatchObject({ region: 'us-east-1', skipCredentialsValidation: 'true', skipRequestingAccountId: 'true', skipMetadataApiCheck: 'true', skipRegionValidation: 'true' });
  });

  it('gives LocalStack its test credentials only when the environment names none', async () => {
    const { awsProviderArgs } = await import('../../infra/pulumi/provider-args');
    const config = { region: 'us-east-1', endpointUrl: 'http://localhost:4566' };
    expect(awsProviderArgs(config, {})).toMatchObject({ accessKey: 'test', secretKey: 'test' });
    expect(awsProviderArgs(config, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' })).not.toHaveProperty('accessKey');
    expect(awsProviderArgs({ region: 'us-east-1' }, {})).toEqual({ region: 'us-east-1' });
  });
});

describe('a cluster in an existing VPC', () => {
  it('makes no network, uses the given subnets zone by zone, and asks for no public address itself', async () => {
    const subnetIds = ['subnet-0aaaaaaa', 'subnet-0bbbbbbb', 'subnet-0ccccccc'];
    const { resources, outputs } = await run(stackConfig({ vpcId: 'vpc-0abcdef1', subnetIds, iamInstanceProfile: 'mesoscloud-nodes', imageHasDaemons: true }));
    for (const type of [T.vpc, T.subnet, T.gateway, T.routeTable, T.route, T.association]) expect(ofType(resources, type)).toEqual([]);
    expect(ofType(resources, T.network)).toHaveLength(1);
    expect(ofType(resources, T.group)[0].inputs.vpcId).toBe('vpc-0abcdef1');
    const instances = ofType(resources, T.instance);
    const zoneOf = (name: string) => subnetIds.indexOf(instances.find((i) => i.name === name)!.inputs.subnetId);
    expect(['zookeeper-0', 'zookeeper-1', 'zookeeper-2', 'master-0', 'master-1', 'master-2', 'agent-0', 'agent-1', 'agent-2', 'agent-3', 'agent-4'].map((n) => zoneOf(`prod-${n}`)))
      .toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]);
    for (const i of instances) {
      expect(i.inputs.associatePublicIpAddress).toBeUndefined();
      expect(i.inputs.iamInstanceProfile).toBe('mesoscloud-nodes');
      expect(i.inputs.userData).not.toContain('curl');
    }
    expect(outputs).toMatchObject({ vpcId: 'vpc-0abcdef1', subnetIds });
    // No address of our asking: none reported (an empty address is no address).
    expect(outputs.nodes[0].publicIp).toBeUndefined();
  });

  it('refuses a bad setting before it registers anything', async () => {
    const { clusterProgram } = await import('../../infra/pulumi/program');
    recorded = [];
    await expect(clusterProgram(stackConfig({ allowCidrs: ['0.0.0.0/0'] }))).rejects.toThrow(AwsLayoutError);
    expect(recorded).toEqual([]);
  });

  it('opens SSH and the master to the world when asked to, and nothing else', async () => {
    const { resources } = await run(stackConfig({ allowCidrs: ['0.0.0.0/0'], allowWorld: true }));
    expect(worldOpen(resources, [22, 5050]).sort()).toEqual(['prod-master-from-0-0-0-0_0', 'prod-ssh-from-0-0-0-0_0']);
    expect(worldOpen(resources, [5051, 2181, 2888, 3888, 31000])).toEqual([]);
  });
});

describe('the stack config', () => {
  it('round-trips every field through the config keys, and sets aws:region', async () => {
    const { CONFIG_KEYS, readStackConfig, stackConfigValues } = await import('../../infra/pulumi/config');
    const config = stackConfig({ vpcId: 'vpc-0abcdef1', subnetIds: ['subnet-0aaaaaaa'], availabilityZones: ['us-east-1a'], iamInstanceProfile: 'p', endpointUrl: 'http://localhost:4566', allowWorld: true, onDemandNodes: ['agent-1'] });
    const values = stackConfigValues(config);
    expect(Object.keys(values).sort()).toEqual(['aws:region', ...CONFIG_KEYS.map((k) => `mesoscloud:${k}`)].sort());
    expect(values['aws:region']).toEqual({ value: 'us-east-1' });
    expect(values['mesoscloud:roles'].value).toBe(JSON.stringify(config.roles));
    // Through Pulumi's own config store, as `pulumi up` and the Automation API set it.
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.value])));
    expect(readStackConfig()).toEqual(config);
  });

  it('fills in the defaults and leaves optional keys unset', async () => {
    const { readStackConfig, stackConfigValues, DEFAULT_PORTS } = await import('../../infra/pulumi/config');
    const full = stackConfigValues(stackConfig());
    const minimal = new Map(['cluster', 'region', 'version', 'imageId', 'availabilityZones', 'allowCidrs', 'publicKey', 'roles'].map((k) => [k, full[`mesoscloud:${k}`].value]));
    const read = readStackConfig({ get: (k) => minimal.get(k) });
    expect(read).toMatchObject({ vpcCidr: '10.42.0.0/16', imageHasDaemons: false, allowWorld: false, onDemandNodes: [], tags: {}, ports: DEFAULT_PORTS });
    expect(read).not.toHaveProperty('vpcId');
    expect(read).not.toHaveProperty('endpointUrl');
  });

  it('names the key at fault', async () => {
    const { readStackConfig, stackConfigValues } = await import('../../infra/pulumi/config');
    const full = new Map(Object.entries(stackConfigValues(stackConfig())).map(([k, v]) => [k.replace(/^mesoscloud:/, ''), v.value]));
    const readWith = (key: string, value: string | undefined) => () => readStackConfig({ get: (k) => (k === key ? value : full.get(k)) });
    expect(readWith('publicKey', undefined)).toThrow('mesoscloud:publicKey: is not set');
    expect(readWith('roles', '{"agent":')).toThrow(/^mesoscloud:roles: is not JSON/);
    expect(readWith('imageHasDaemons', 'yes')).toThrow("mesoscloud:imageHasDaemons: must be true or false, got 'yes'");
    const roles = JSON.parse(full.get('roles')!);
    roles.agent.count = 'five';
    expect(readWith('roles', JSON.stringify(roles))).toThrow("mesoscloud:roles.agent.count: must be a number, got 'five'");
    expect(readWith('allowCidrs', '[1]')).toThrow('mesoscloud:allowCidrs[0]: must be text, got 1');
  });

  it('is what the entry Pulumi.yaml names reads: the program runs from the stack\'s config alone', async () => {
    const { stackConfigValues } = await import('../../infra/pulumi/config');
    const config = stackConfig({ cluster: 'from-config', roles: { ...stackConfig().roles, agent: { ...stackConfig().roles.agent, count: 2 } } });
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(stackConfigValues(config)).map(([k, v]) => [k, v.value])));
    recorded = [];
    const outputs = (await pulumi.runtime.runInPulumiStack(async () => (await import('../../infra/pulumi/index')).default)) as Record<string, any>;
    expect(ofType(recorded, T.instance).map((r) => r.name).sort()).toEqual([
      'from-config-agent-0', 'from-config-agent-1', 'from-config-master-0', 'from-config-master-1', 'from-config-master-2',
      'from-config-zookeeper-0', 'from-config-zookeeper-1', 'from-config-zookeeper-2',
    ]);
    expect(outputs.keyName).toBe('mesoscloud-from-config');
  });

  it('is what Pulumi.yaml declares, and Pulumi.yaml runs the built program', async () => {
    const { CONFIG_KEYS } = await import('../../infra/pulumi/config');
    const project = parseYaml(fs.readFileSync(path.join(__dirname, '..', '..', 'Pulumi.yaml'), 'utf8'));
    expect(project).toMatchObject({ name: 'mesoscloud', runtime: { name: 'nodejs', options: { typescript: false } }, main: 'dist/infra/pulumi/index.js' });
    expect(Object.keys(project.config).sort()).toEqual(CONFIG_KEYS.map((k) => `mesoscloud:${k}`).sort());
    expect(project.config['mesoscloud:vpcCidr'].default).toBe('10.42.0.0/16');
  });
});
