/**
 * The AWS provider's EC2 layer, driven through the real @aws-sdk/client-ec2 against the loopback EC2
 * endpoint (test/helpers/ec2-endpoint.ts): the SDK's own parser reads every answer, so a shape the
 * endpoint or the code gets wrong fails here. Covers the image lookup, the placement checks, tag
 * discovery and the wait for SSH, console host keys, the sweep, and the errors an operator sees.
 */
import * as sdk from '@aws-sdk/client-ec2';
import * as net from 'node:net';
import { checkPlacement } from '../../infra/providers/aws/aws-checks';
import type { ClientTiming } from '../../infra/providers/aws/aws-connection';
import { consoleHostKeys } from '../../infra/providers/aws/console-host-keys';
import { ec2Client, ec2Send } from '../../infra/providers/aws/ec2-client';
import { describeImage, newestUbuntuLts, requireUsableImage } from '../../infra/providers/aws/images';
import { findClusterInstances, listClusters, waitForInstances, type WaitProgress } from '../../infra/providers/aws/instances';
import { sweepCluster } from '../../infra/providers/aws/sweep';
import { ProviderError } from '../../infra/errors';
import { bootConsole, newHostKeyLine, startEc2Endpoint, type Ec2Endpoint } from '../helpers/ec2-endpoint';
import { createSshHosts, type SshTestFleet } from '../helpers/ssh-hosts';

const FAST: ClientTiming = { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3 };
const SAVED_ENV = { ...process.env };

beforeAll(() => {
  // Dummy credentials: the endpoint reads the signature's region, never checks it.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
});
afterAll(() => {
  process.env = SAVED_ENV;
});

let ep: Ec2Endpoint;
beforeEach(async () => {
  ep = await startEc2Endpoint({ timing: { runningAfterMs: 100, terminatedAfterMs: 100 } });
});
afterEach(async () => {
  await ep.close();
});

const client = (region = 'us-east-1', timing = FAST) => ec2Client({ region, endpointUrl: ep.url }, timing);

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  return err;
}

async function ubuntuImage(ec2: sdk.EC2Client): Promise<string> {
  return (await newestUbuntuLts(ec2, 'x86_64')).imageId;
}

/** One node as the stack makes it: its tags, name and role. */
async function launchNode(ec2: sdk.EC2Client, cluster: string, role: string, index: number, extra: Partial<sdk.RunInstancesCommandInput> = {}, version = '0.1.0') {
  const tags = [
    { Key: 'Name', Value: `${cluster}-${role}-${index}` },
    { Key: 'mesoscloud:cluster', Value: cluster },
    { Key: 'mesoscloud:version', Value: version },
    { Key: 'mesoscloud:role', Value: role },
    { Key: 'mesoscloud:index', Value: String(index) },
  ];
  const answer = await ec2.send(new sdk.RunInstancesCommand({
    ImageId: await ubuntuImage(ec2), InstanceType: 't3.small', MinCount: 1, MaxCount: 1,
    TagSpecifications: [{ ResourceType: 'instance', Tags: tags }, { ResourceType: 'volume', Tags: tags.slice(0, 3) }],
    ...extra,
  }));
  return answer.Instances![0].InstanceId!;
}

/** A TCP server that greets as sshd does (or with `greeting`); its port. */
async function bannerServer(greeting = 'SSH-2.0-test\r\n'): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.end(greeting);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('the loopback EC2 endpoint, as the SDK reads it', () => {
  it('runs an instance through pending and running to terminated, with its tags, addresses and reservation', async () => {
    const ec2 = await client('eu-west-1');
    const id = await launchNode(ec2, 'prod', 'agent', 0, { InstanceMarketOptions: { MarketType: 'spot' } });
    const first = (await ec2.send(new sdk.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0];
    expect(first.OwnerId).toBe('123456789012');
    expect(first.Instances![0]).toMatchObject({ InstanceId: id, State: { Code: 0, Name: 'pending' }, InstanceLifecycle: 'spot', Placement: { AvailabilityZone: 'eu-west-1a' } });
    await new Promise((r) => setTimeout(r, 150));
    const running = (await ec2.send(new sdk.DescribeInstancesCommand({ Filters: [{ Name: 'tag:mesoscloud:cluster', Values: ['prod'] }, { Name: 'instance-state-name', Values: ['running'] }] }))).Reservations![0].Instances![0];
    expect(running.State).toEqual({ Code: 16, Name: 'running' });
    expect(running.PublicIpAddress).toMatch(/^203\.0\.113\.\d+$/);
    expect(running.PrivateIpAddress).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(running.Tags).toContainEqual({ Key: 'Name', Value: 'prod-agent-0' });

    const terminating = await ec2.send(new sdk.TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(terminating.TerminatingInstances).toEqual([{ InstanceId: id, CurrentState: { Code: 32, Name: 'shutting-down' }, PreviousState: { Code: 16, Name: 'running' } }]);
    await new Promise((r) => setTimeout(r, 150));
    const gone = (await ec2.send(new sdk.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
    expect(gone.State?.Name).toBe('terminated');
    expect(gone.StateReason?.Code).toBe('Client.UserInitiatedShutdown');
    // Regions are separate: the instance is in eu-west-1 only.
    const elsewhere = await client('us-east-1');
    await expect(elsewhere.send(new sdk.DescribeInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound', $metadata: { httpStatusCode: 400 } });
    expect(ep.calls.filter((c) => c.action === 'RunInstances').map((c) => c.region)).toEqual(['eu-west-1']);
  });

  it('answers bad input with EC2 error codes and statuses, and DryRun with DryRunOperation', async () => {
    const ec2 = await client();
    await expect(ec2.send(new sdk.RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.small', MinCount: 1, MaxCount: 1 }))).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });
    await expect(ec2.send(new sdk.RunInstancesCommand({ ImageId: await ubuntuImage(ec2), InstanceType: 'm7g.large', MinCount: 1, MaxCount: 1 }))).rejects.toThrow(/architecture 'arm64' of the specified instance type does not match the architecture 'x86_64'/);
    await expect(ec2.send(new sdk.DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue', message: "The filter 'colour' is invalid" });
    await expect(ec2.send(new sdk.DescribeRegionsCommand({ DryRun: true }))).rejects.toMatchObject({ name: 'DryRunOperation', $metadata: { httpStatusCode: 412 } });
    const vpc = (await ec2.send(new sdk.CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }))).Vpc!;
    await ec2.send(new sdk.CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.42.1.0/24' }));
    await expect(ec2.send(new sdk.DeleteVpcCommand({ VpcId: vpc.VpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
  });
});

describe('the loopback EC2 endpoint: a network made usable', () => {
  it('takes security group rules, routes, route table associations and the public-address attribute, and refuses them twice', async () => {
    const ec2 = await client();
    const vpc = (await ec2.send(new sdk.CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await ec2.send(new sdk.CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.42.1.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet!.SubnetId!;
    const group = (await ec2.send(new sdk.CreateSecurityGroupCommand({ VpcId: vpc, GroupName: 'nodes', Description: 'nodes' }))).GroupId!;
    const ssh = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '198.51.100.7/32', Description: 'operator' }] };
    await ec2.send(new sdk.AuthorizeSecurityGroupIngressCommand({ GroupId: group, IpPermissions: [ssh, { IpProtocol: 'tcp', FromPort: 5050, ToPort: 5051, UserIdGroupPairs: [{ GroupId: group }] }] }));
    await expect(ec2.send(new sdk.AuthorizeSecurityGroupIngressCommand({ GroupId: group, IpPermissions: [ssh] }))).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate' });
    const described = (await ec2.send(new sdk.DescribeSecurityGroupsCommand({ GroupIds: [group] }))).SecurityGroups![0];
    expect(described.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [], IpRanges: [{ CidrIp: '198.51.100.7/32', Description: 'operator' }], Ipv6Ranges: [], PrefixListIds: [] },
      { IpProtocol: 'tcp', FromPort: 5050, ToPort: 5051, UserIdGroupPairs: [{ GroupId: group, UserId: '123456789012' }], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] },
    ]);
    expect(described.IpPermissionsEgress).toEqual([expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })]);

    const igw = (await ec2.send(new sdk.CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    const rtb = (await ec2.send(new sdk.CreateRouteTableCommand({ VpcId: vpc }))).RouteTable!.RouteTableId!;
    await expect(ec2.send(new sdk.CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await ec2.send(new sdk.AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
    await ec2.send(new sdk.CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
    const { AssociationId } = await ec2.send(new sdk.AssociateRouteTableCommand({ RouteTableId: rtb, SubnetId: subnet }));
    const table = (await ec2.send(new sdk.DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnet] }] }))).RouteTables![0];
    expect(table.RouteTableId).toBe(rtb);
    expect(table.Routes!.map((r) => [r.DestinationCidrBlock, r.GatewayId])).toEqual([['10.42.0.0/16', 'local'], ['0.0.0.0/0', igw]]);
    expect(table.Associations).toEqual([expect.objectContaining({ RouteTableAssociationId: AssociationId, SubnetId: subnet, Main: false })]);
    await expect(ec2.send(new sdk.DeleteRouteTableCommand({ RouteTableId: rtb }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new sdk.DisassociateRouteTableCommand({ AssociationId }));
    await ec2.send(new sdk.DeleteRouteTableCommand({ RouteTableId: rtb }));

    await ec2.send(new sdk.ModifySubnetAttributeCommand({ SubnetId: subnet, MapPublicIpOnLaunch: { Value: true } }));
    expect((await ec2.send(new sdk.DescribeSubnetsCommand({ SubnetIds: [subnet] }))).Subnets![0]).toMatchObject({ MapPublicIpOnLaunch: true, AvailabilityZone: 'us-east-1b', VpcId: vpc });
  });
});

describe('newestUbuntuLts and describeImage', () => {
  it('picks the newest LTS release and its newest build, from Canonical only, for each architecture', async () => {
    const ec2 = await client();
    const amd = await newestUbuntuLts(ec2, 'x86_64');
    // Not 24.10 or 25.04 (interim releases), not the look-alike of another owner dated 2099, not a daily or minimal build.
    expect(amd.name).toBe('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115');
    expect(ep.state.images.get(amd.imageId)?.ownerId).toBe('099720109477');
    const arm = await newestUbuntuLts(ec2, 'arm64');
    expect(arm.name).toBe('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250115');
    expect(arm.imageId).not.toBe(amd.imageId);
    const call = ep.calls.find((c) => c.action === 'DescribeImages')!;
    expect(call.params).toMatchObject({ 'Owner.1': '099720109477', 'Filter.1.Name': 'name' });
  });

  it('falls back to the previous LTS when the newest is gone, and says so when there is none', async () => {
    const ec2 = await client();
    for (const [id, img] of ep.state.images) if (img.name.includes('noble-24.04')) ep.state.images.delete(id);
    expect((await newestUbuntuLts(ec2, 'x86_64')).name).toBe('ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-20240927');
    for (const [id, img] of ep.state.images) if (img.ownerId === '099720109477' && /-(2[02])\.04-/.test(img.name)) ep.state.images.delete(id);
    const err = await rejection(newestUbuntuLts(ec2, 'x86_64'));
    expect(err.code).toBe('AWS_NO_IMAGE');
    expect(err.message).toContain('099720109477');
  });

  it('describes an image by id, returns undefined for one the region lacks, and refuses one that is not ready', async () => {
    const ec2 = await client();
    const { imageId } = await newestUbuntuLts(ec2, 'x86_64');
    expect(await describeImage(ec2, imageId)).toMatchObject({ imageId, state: 'available', architecture: 'x86_64', tags: {} });
    expect(await describeImage(ec2, 'ami-0123456789abcdef0')).toBeUndefined();
    expect((await rejection(describeImage(ec2, 'ubuntu'))).code).toBe('BAD_AMI');
    expect((await rejection(requireUsableImage(ec2, 'ami-0123456789abcdef0', 'us-east-1'))).message).toBe('image ami-0123456789abcdef0 does not exist in us-east-1 (or this account may not use it)');
    // An image being built is pending for a while.
    const id = await launchNode(ec2, 'img', 'agent', 0);
    await new Promise((r) => setTimeout(r, 150));
    const built = await ec2.send(new sdk.CreateImageCommand({ InstanceId: id, Name: 'mesoscloud-0.1.0-test' }));
    const err = await rejection(requireUsableImage(ec2, built.ImageId!, 'us-east-1'));
    expect(err.code).toBe('AWS_IMAGE_NOT_READY');
    expect(err.message).toContain('is pending');
  });
});

describe('checkPlacement', () => {
  it('defaults to the first three available zones offering every type, in one round of calls', async () => {
    const ec2 = await client();
    expect(await checkPlacement(ec2, { region: 'us-east-1', instanceTypes: ['t3.small', 'm6i.large'] })).toEqual({ zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
    expect(ep.actions().sort()).toEqual(['DescribeAvailabilityZones', 'DescribeInstanceTypeOfferings', 'DescribeInstanceTypeOfferings', 'DescribeRegions']);
    ep.state.zones.find((z) => z.name === 'us-east-1b')!.state = 'impaired';
    expect((await checkPlacement(ec2, { region: 'us-east-1', instanceTypes: ['m6i.large'] })).zones).toEqual(['us-east-1a', 'us-east-1c', 'us-east-1d']);
    // A region with two zones gives two.
    expect((await checkPlacement(await client('us-west-1'), { region: 'us-west-1', instanceTypes: ['t3.small'] })).zones).toEqual(['us-west-1b', 'us-west-1c']);
  });

  it('names a misspelt region and the nearest real ones', async () => {
    const err = await rejection(checkPlacement(await client('eu-wset-1'), { region: 'eu-wset-1', instanceTypes: ['t3.small'] }, { regionsClient: await client('us-east-1') }));
    expect(err.code).toBe('AWS_UNKNOWN_REGION');
    expect(err.message).toMatch(/^region "eu-wset-1" does not exist; nearest: eu-west-1, /);
    const optIn = await rejection(checkPlacement(await client('af-south-1'), { region: 'af-south-1', instanceTypes: ['t3.small'] }));
    expect(optIn.code).toBe('AWS_REGION_NOT_ENABLED');
  });

  it('names an instance type the region does not offer and suggests similar ones', async () => {
    const typo = await rejection(checkPlacement(await client(), { region: 'us-east-1', instanceTypes: ['m5.larg'] }));
    expect(typo.code).toBe('AWS_INSTANCE_TYPE_UNAVAILABLE');
    expect(typo.message).toBe('instance type "m5.larg" is not offered in us-east-1');
    expect(typo.suggestions[0]).toMatch(/^similar types offered there: .*m5\.large/);
    const newer = await rejection(checkPlacement(await client('sa-east-1'), { region: 'sa-east-1', instanceTypes: ['t3.small', 'm7i.large'] }));
    expect(newer.message).toBe('instance type "m7i.large" is not offered in sa-east-1');
    expect(newer.suggestions[0]).toContain('m6i.large');
  });

  it('checks the zones given: they exist, are available and offer each type', async () => {
    const ec2 = await client();
    expect(await checkPlacement(ec2, { region: 'us-east-1', zones: ['us-east-1d', 'us-east-1f'], instanceTypes: ['m6i.large'] })).toEqual({ zones: ['us-east-1d', 'us-east-1f'] });
    const unknown = await rejection(checkPlacement(ec2, { region: 'us-east-1', zones: ['us-east-1z'], instanceTypes: ['t3.small'] }));
    expect(unknown.code).toBe('AWS_UNKNOWN_ZONE');
    expect(unknown.message).toContain('its zones are us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f');
    const notHere = await rejection(checkPlacement(ec2, { region: 'us-east-1', zones: ['us-east-1a', 'us-east-1e'], instanceTypes: ['m6i.large'] }));
    expect(notHere.code).toBe('AWS_INSTANCE_TYPE_NOT_IN_ZONE');
    expect(notHere.message).toBe('instance type m6i.large is not offered in availability zone us-east-1e');
    expect(notHere.suggestions).toEqual(['zones of us-east-1 that offer it: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f']);
  });
});

describe('finding a cluster by its tags', () => {
  it('finds the live instances of one cluster and lists every cluster, with no local state', async () => {
    const ec2 = await client();
    await launchNode(ec2, 'prod', 'agent', 1);
    await launchNode(ec2, 'prod', 'master', 0);
    await launchNode(ec2, 'prod', 'agent', 0);
    const dead = await launchNode(ec2, 'prod', 'agent', 2);
    await launchNode(ec2, 'dev', 'master', 0, {}, '0.2.0');
    await ec2.send(new sdk.RunInstancesCommand({ ImageId: await ubuntuImage(ec2), InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 })); // not ours
    await ec2.send(new sdk.TerminateInstancesCommand({ InstanceIds: [dead] }));
    await new Promise((r) => setTimeout(r, 150));

    const prod = await findClusterInstances(ec2, 'prod');
    expect(prod.map((i) => [i.name, i.role, i.index, i.state])).toEqual([['master-0', 'master', 0, 'running'], ['agent-0', 'agent', 0, 'running'], ['agent-1', 'agent', 1, 'running']]);
    expect(prod[0]).toMatchObject({ availabilityZone: 'us-east-1a', spot: false, version: '0.1.0' });
    expect(prod[0].publicIp).toMatch(/^203\.0\.113\./);
    const clusters = await listClusters(ec2);
    expect(clusters.map((c) => [c.cluster, c.version, c.instances.map((i) => i.name)])).toEqual([['dev', '0.2.0', ['master-0']], ['prod', '0.1.0', ['master-0', 'agent-0', 'agent-1']]]);
    expect(await findClusterInstances(ec2, 'nothing')).toEqual([]);
  });
});

describe('waitForInstances', () => {
  it('waits until each node runs and its SSH port answers with a banner, reporting each stage', async () => {
    const ssh = await bannerServer();
    try {
      ep.addMachines([{ publicIp: '127.0.0.1', privateIp: '10.1.0.5' }, { privateIp: '127.0.0.1' }]);
      const ec2 = await client();
      const ids = [await launchNode(ec2, 'w', 'master', 0), await launchNode(ec2, 'w', 'agent', 0)];
      const progress: WaitProgress[] = [];
      const ready = await waitForInstances(ec2, 'w', ['master-0', 'agent-0'], { timeoutMs: 20_000, pollMs: 50, sshPort: ssh.port, onProgress: (p) => progress.push(p) });
      expect(ready.map((i) => [i.name, i.instanceId, i.state])).toEqual([['master-0', ids[0], 'running'], ['agent-0', ids[1], 'running']]);
      expect(ready[0].publicIp).toBe('127.0.0.1');
      // The second machine has no public address: its private one is used.
      expect(ready[1].publicIp).toBeUndefined();
      expect(progress.filter((p) => p.name === 'agent-0').map((p) => p.stage)).toEqual(['pending', 'running', 'ssh']);
      expect(progress.find((p) => p.name === 'agent-0' && p.stage === 'ssh')?.address).toBe('127.0.0.1');
    } finally {
      await ssh.close();
    }
  });

  it('fails naming the node and EC2\'s reason when its instance is terminated', async () => {
    const ec2 = await client();
    const id = await launchNode(ec2, 'w', 'agent', 3, { InstanceMarketOptions: { MarketType: 'spot' } });
    ep.setInstanceState(id, 'terminated', { code: 'Server.SpotInstanceTermination', message: 'Server.SpotInstanceTermination: Spot instance termination' });
    const err = await rejection(waitForInstances(ec2, 'w', ['agent-3'], { timeoutMs: 10_000, pollMs: 50 }));
    expect(err.code).toBe('AWS_INSTANCE_FAILED');
    expect(err.message).toBe(`instance agent-3 (${id}) of cluster w is terminated: Server.SpotInstanceTermination: Spot instance termination`);
  });

  it('tells a node from an instance of an earlier launch with the same name', async () => {
    const ssh = await bannerServer();
    try {
      const ec2 = await client();
      const old = await launchNode(ec2, 'again', 'agent', 0);
      await ec2.send(new sdk.TerminateInstancesCommand({ InstanceIds: [old] }));
      ep.addMachines([{ publicIp: '127.0.0.1', privateIp: '10.1.0.5' }]);
      const current = await launchNode(ec2, 'again', 'agent', 0);
      const [ready] = await waitForInstances(ec2, 'again', ['agent-0'], { timeoutMs: 20_000, pollMs: 50, sshPort: ssh.port, instanceIds: { 'agent-0': current } });
      expect(ready.instanceId).toBe(current);
      // Told to wait for the old one, the wait reports it terminated.
      const err = await rejection(waitForInstances(ec2, 'again', ['agent-0'], { timeoutMs: 20_000, pollMs: 50, sshPort: ssh.port, instanceIds: { 'agent-0': old } }));
      expect(err.message).toMatch(new RegExp(`^instance agent-0 \\(${old}\\) of cluster again is (shutting-down|terminated): Client.UserInitiatedShutdown`));
    } finally {
      await ssh.close();
    }
  });

  it('gives up after its timeout, saying how far each node got', async () => {
    const notSsh = await bannerServer('HTTP/1.1 400 Bad Request\r\n\r\n');
    try {
      ep.addMachines([{ publicIp: '127.0.0.1', privateIp: '10.1.0.5' }]);
      const ec2 = await client();
      await launchNode(ec2, 'w', 'agent', 0);
      const err = await rejection(waitForInstances(ec2, 'w', ['agent-0', 'agent-1'], { timeoutMs: 1_000, pollMs: 100, sshPort: notSsh.port }));
      expect(err.code).toBe('AWS_INSTANCES_TIMEOUT');
      expect(err.message).toMatch(/: agent-0 \(running, SSH not answering\), agent-1 \(no instance found\)$/);
    } finally {
      await notSsh.close();
    }
  });
});

describe('consoleHostKeys', () => {
  it('polls the console until cloud-init\'s key block appears, and decodes it', async () => {
    await ep.close();
    ep = await startEc2Endpoint({ timing: { runningAfterMs: 50, consoleAfterMs: 300 } });
    const keys = [newHostKeyLine('ed25519'), newHostKeyLine('ecdsa')];
    ep.addMachines([{ publicIp: '127.0.0.1', privateIp: '10.1.0.5', consoleOutput: bootConsole(keys) }]);
    const ec2 = await client();
    const id = await launchNode(ec2, 'k', 'agent', 0);
    expect(await consoleHostKeys(ec2, id, { timeoutMs: 10_000, pollMs: 50 })).toEqual({ keys, source: 'console' });
    const polls = ep.calls.filter((c) => c.action === 'GetConsoleOutput');
    expect(polls.length).toBeGreaterThan(1);
    expect(polls[0].params).toMatchObject({ InstanceId: id, Latest: 'true' });
  });

  it('asks for the buffered output where the latest is not supported, and reports none when no keys appear', async () => {
    const ec2 = await client();
    const id = await launchNode(ec2, 'k', 'agent', 0);
    await new Promise((r) => setTimeout(r, 150));
    ep.failNext('GetConsoleOutput', { code: 'UnsupportedOperation', message: 'This instance type does not support retrieving the latest console output.' });
    const found = await consoleHostKeys(ec2, id, { timeoutMs: 5_000, pollMs: 50 });
    expect(found.source).toBe('console');
    expect(found.keys).toHaveLength(2);
    const polls = ep.calls.filter((c) => c.action === 'GetConsoleOutput');
    expect(polls.map((c) => c.params.Latest)).toEqual(['true', undefined]);

    ep.setConsoleOutput(id, '[    0.000000] Linux version 6.8.0\r\nno keys here\r\n');
    expect(await consoleHostKeys(ec2, id, { timeoutMs: 300, pollMs: 50 })).toEqual({ keys: [], source: 'none' });
  });
});

describe('sweepCluster', () => {
  it('reports everything still tagged for the cluster, terminates its instances when asked, and ends empty', async () => {
    const ec2 = await client();
    const tag = (resourceType: sdk.ResourceType, cluster = 'gone') => [{ ResourceType: resourceType, Tags: [{ Key: 'mesoscloud:cluster', Value: cluster }, { Key: 'Name', Value: `${cluster}-${resourceType}` }] }];
    const vpc = (await ec2.send(new sdk.CreateVpcCommand({ CidrBlock: '10.42.0.0/16', TagSpecifications: tag('vpc') }))).Vpc!.VpcId!;
    const subnet = (await ec2.send(new sdk.CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.42.1.0/24', TagSpecifications: tag('subnet') }))).Subnet!.SubnetId!;
    const group = (await ec2.send(new sdk.CreateSecurityGroupCommand({ VpcId: vpc, GroupName: 'gone-nodes', Description: 'nodes', TagSpecifications: tag('security-group') }))).GroupId!;
    const igw = (await ec2.send(new sdk.CreateInternetGatewayCommand({ TagSpecifications: tag('internet-gateway') }))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new sdk.AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
    const rtb = (await ec2.send(new sdk.CreateRouteTableCommand({ VpcId: vpc, TagSpecifications: tag('route-table') }))).RouteTable!.RouteTableId!;
    const key = (await ec2.send(new sdk.ImportKeyPairCommand({ KeyName: 'gone', PublicKeyMaterial: Buffer.from(newHostKeyLine('ed25519')), TagSpecifications: tag('key-pair') }))).KeyPairId!;
    const instance = await launchNode(ec2, 'gone', 'agent', 0, { SubnetId: subnet, SecurityGroupIds: [group], KeyName: 'gone' });
    const volume = ep.state.instances.get(instance)!.rootVolumeId;
    // Another cluster's and untagged resources are none of its business.
    await ec2.send(new sdk.CreateVpcCommand({ CidrBlock: '10.43.0.0/16', TagSpecifications: tag('vpc', 'other') }));
    await ec2.send(new sdk.CreateVpcCommand({ CidrBlock: '10.44.0.0/16' }));
    await new Promise((r) => setTimeout(r, 150));
    const image = (await ec2.send(new sdk.CreateImageCommand({ InstanceId: instance, Name: 'gone-image', TagSpecifications: tag('image') }))).ImageId!;

    const found = await sweepCluster(ec2, 'gone', { terminate: true });
    expect(found.map((l) => [l.type, l.id, l.state])).toEqual([
      ['instance', instance, 'shutting-down'],
      ['volume', volume, 'in-use'],
      ['subnet', subnet, 'available'],
      ['route-table', rtb, undefined],
      ['internet-gateway', igw, 'attached'],
      ['security-group', group, undefined],
      ['vpc', vpc, 'available'],
      ['key-pair', key, undefined],
      ['image', image, 'pending'],
    ]);
    expect(found[0].name).toBe('gone-agent-0');

    // Once the instance is terminated, its root volume is gone too; the network is deleted in EC2's order.
    await new Promise((r) => setTimeout(r, 150));
    await ec2.send(new sdk.DeleteSubnetCommand({ SubnetId: subnet }));
    await ec2.send(new sdk.DeleteRouteTableCommand({ RouteTableId: rtb }));
    await ec2.send(new sdk.DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
    await ec2.send(new sdk.DeleteInternetGatewayCommand({ InternetGatewayId: igw }));
    await ec2.send(new sdk.DeleteSecurityGroupCommand({ GroupId: group }));
    await ec2.send(new sdk.DeleteVpcCommand({ VpcId: vpc }));
    await ec2.send(new sdk.DeleteKeyPairCommand({ KeyPairId: key }));
    expect((await sweepCluster(ec2, 'gone')).map((l) => l.type)).toEqual(['image']);
    await ec2.send(new sdk.DeregisterImageCommand({ ImageId: image }));
    expect(await sweepCluster(ec2, 'gone')).toEqual([]);
  });
});

describe('what an operator sees when AWS says no', () => {
  it('throttling that outlasts the SDK\'s retries', async () => {
    ep.failNext('DescribeInstances', { code: 'RequestLimitExceeded', times: 10 });
    const err = await rejection(findClusterInstances(await client(), 'prod'));
    expect(err.code).toBe('AWS_THROTTLED');
    expect(err.message).toBe('AWS throttled the requests while finding the instances of cluster prod (RequestLimitExceeded, still after 3 attempts)');
    expect(ep.actions().filter((a) => a === 'DescribeInstances')).toHaveLength(3);
  });

  it('a missing IAM permission, named, without the encoded explanation', async () => {
    ep.failNext('DescribeImages', { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation. Encoded authorization failure message: AbCdEf0123456789' });
    const err = await rejection(newestUbuntuLts(await client(), 'x86_64'));
    expect(err.code).toBe('AWS_PERMISSION_DENIED');
    expect(err.message).toBe('not allowed to looking up Ubuntu x86_64 images: the AWS identity lacks the IAM permission ec2:DescribeImages (UnauthorizedOperation: You are not authorized to perform this operation.)');
    expect(err.message).not.toContain('AbCdEf');
    expect(err.suggestions[0]).toContain('grant ec2:DescribeImages');
  });

  it('rejected credentials, no capacity, and an image that is not there', async () => {
    const ec2 = await client();
    ep.failNext('DescribeRegions', { code: 'AuthFailure' });
    expect((await rejection(ec2Send(ec2, new sdk.DescribeRegionsCommand({}), 'listing regions'))).code).toBe('AWS_AUTH_FAILED');
    ep.addMachines([{ publicIp: '127.0.0.1', privateIp: '10.1.0.5' }]);
    const image = await ubuntuImage(ec2);
    await ec2Send(ec2, new sdk.RunInstancesCommand({ ImageId: image, InstanceType: 't3.small', MinCount: 1, MaxCount: 1 }), 'launching');
    const full = await rejection(ec2Send(ec2, new sdk.RunInstancesCommand({ ImageId: image, InstanceType: 't3.small', MinCount: 1, MaxCount: 1 }), 'launching agent-1'));
    expect(full.code).toBe('AWS_NO_CAPACITY');
    expect(full.message).toMatch(/^AWS has no capacity for this request while launching agent-1 \(InsufficientInstanceCapacity: We currently do not have sufficient t3.small capacity/);
    const missing = await rejection(ec2Send(ec2, new sdk.RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.small', MinCount: 1, MaxCount: 1 }), 'launching agent-2'));
    expect(missing.code).toBe('AWS_IMAGE_NOT_FOUND');
  });

  it('an endpoint nothing listens on, and one that never answers, fail within their timeouts and name the URL', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as net.AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await rejection(listClusters(await ec2Client({ region: 'us-east-1', endpointUrl: deadUrl }, FAST)));
    expect(refused.code).toBe('AWS_UNREACHABLE');
    expect(refused.message).toContain(`could not reach the EC2 endpoint at ${deadUrl} while listing mesoscloud clusters (ECONNREFUSED`);
    expect(refused.suggestions.join('\n')).toContain('--endpoint-url');

    const held = new Set<net.Socket>();
    const silent = net.createServer((s) => held.add(s)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;
    try {
      const stalled = await rejection(listClusters(await ec2Client({ region: 'us-east-1', endpointUrl: silentUrl }, { connectionTimeoutMs: 500, requestTimeoutMs: 300, maxAttempts: 2 })));
      expect(stalled.code).toBe('AWS_UNREACHABLE');
      expect(stalled.message).toContain(`at ${silentUrl} while listing mesoscloud clusters (timed out`);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('no credentials anywhere: says how to provide them', async () => {
    const saved = { ...process.env };
    try {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/mesoscloud-test/credentials';
      process.env.AWS_CONFIG_FILE = '/nonexistent/mesoscloud-test/config';
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      delete process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
      delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
      delete process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
      const err = await rejection(listClusters(await client()));
      expect(err.code).toBe('AWS_NO_CREDENTIALS');
      expect(err.message).toMatch(/^no AWS credentials found while listing mesoscloud clusters/);
      expect(err.suggestions.join('\n')).toMatch(/AWS_ACCESS_KEY_ID[\s\S]*aws configure[\s\S]*aws sso login[\s\S]*--profile/);
      expect(ep.calls).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});

describe('on a real SSH test host', () => {
  let fleet: SshTestFleet;
  beforeAll(async () => {
    fleet = await createSshHosts(1);
  });
  afterAll(() => fleet?.remove());

  it('an instance on the host: its SSH banner is waited for and its console gives the host\'s own keys', async () => {
    const host = fleet.hosts[0];
    // known_hosts lines ("<host> <type> <key>") -> the key lines cloud-init prints.
    const keyLines = fleet.hostKeys.map((l) => l.split(' ').slice(1, 3).join(' '));
    ep.addMachines([{ publicIp: host.ip, privateIp: '10.42.1.10', consoleOutput: bootConsole(keyLines) }]);
    const ec2 = await client();
    const id = await launchNode(ec2, 'real', 'master', 0);
    const [ready] = await waitForInstances(ec2, 'real', ['master-0'], { timeoutMs: 30_000, pollMs: 100, sshPort: host.port });
    expect(ready).toMatchObject({ instanceId: id, publicIp: host.ip, privateIp: '10.42.1.10' });
    const { keys, source } = await consoleHostKeys(ec2, id, { timeoutMs: 5_000, pollMs: 100 });
    expect(source).toBe('console');
    expect(keys.sort()).toEqual([...keyLines].sort());
  });
});
