/**
 * The builder's temporary resources in EC2: a key pair (the operator's public key), a security group
 * that lets only the operator's address reach SSH, and the one instance. Each is tagged
 * `mesoscloud:ami-builder` with the build's id, so whatever a killed build left behind can be found
 * by that tag; and each is recorded in BuilderResources the moment it exists, so cleanup (which
 * always runs) knows exactly what to remove.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  ImportKeyPairCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Tag,
} from '@aws-sdk/client-ec2';
import { TAG } from '../infra/aws/tags';
import { ProviderError } from '../infra/errors';
import { awsCode, ec2Send } from '../infra/providers/aws/ec2-client';
import { pollUntil } from './poll';

export const BUILDER_TAG = 'mesoscloud:ami-builder';

/** What the build created so far; cleanup removes exactly these. */
export interface BuilderResources {
  keyName?: string;
  securityGroupId?: string;
  instanceId?: string;
  /** An image whose build did not finish (deregistered by cleanup, with its snapshots). */
  unfinishedImageId?: string;
}

export interface CleanupReport {
  /** What was removed, as "instance i-0abc terminated". */
  cleaned: string[];
  /** What could not be removed, with the command that removes it by hand. */
  failed: { what: string; error: string; byHand: string }[];
}

export const builderTags = (buildId: string, version: string, name: string): Tag[] => [
  { Key: TAG.name, Value: name },
  { Key: BUILDER_TAG, Value: buildId },
  { Key: TAG.version, Value: version },
];

/** The VPC the security group goes in: the subnet's, or the region's default VPC. */
export async function builderVpc(ec2: EC2Client, subnetId: string | undefined, region: string): Promise<string> {
  if (subnetId) {
    const out = await ec2Send(ec2, new DescribeSubnetsCommand({ SubnetIds: [subnetId] }), `looking up subnet ${subnetId}`);
    const vpc = out.Subnets?.[0]?.VpcId;
    if (!vpc) throw new ProviderError('BAD_FLAG', `--subnet: no subnet '${subnetId}' in ${region}`, ['list them with: aws ec2 describe-subnets --region ' + region]);
    return vpc;
  }
  const out = await ec2Send(ec2, new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }), 'looking up the default VPC');
  const vpc = out.Vpcs?.[0]?.VpcId;
  if (!vpc) {
    throw new ProviderError('NO_DEFAULT_VPC', `region ${region} has no default VPC to build the image in`, [
      'give a subnet with a route to the internet: --subnet subnet-...',
      `or create the default VPC: aws ec2 create-default-vpc --region ${region}`,
    ]);
  }
  return vpc;
}

export async function importKeyPair(ec2: EC2Client, res: BuilderResources, keyName: string, publicKey: string, tags: Tag[]): Promise<void> {
  await ec2Send(ec2, new ImportKeyPairCommand({
    KeyName: keyName,
    PublicKeyMaterial: Buffer.from(publicKey.trim() + '\n'),
    TagSpecifications: [{ ResourceType: 'key-pair', Tags: tags }],
  }), `importing the builder's key pair ${keyName}`);
  res.keyName = keyName;
}

export async function createSecurityGroup(ec2: EC2Client, res: BuilderResources, opts: { name: string; vpcId: string; allowCidr: string; sshPort: number; tags: Tag[] }): Promise<string> {
  const out = await ec2Send(ec2, new CreateSecurityGroupCommand({
    GroupName: opts.name,
    Description: `mesoscloud image builder: SSH from ${opts.allowCidr} only`,
    VpcId: opts.vpcId,
    TagSpecifications: [{ ResourceType: 'security-group', Tags: opts.tags }],
  }), `creating the builder's security group in ${opts.vpcId}`);
  const id = out.GroupId;
  if (!id) throw new ProviderError('AWS_ERROR', 'CreateSecurityGroup answered without a GroupId');
  res.securityGroupId = id;
  await ec2Send(ec2, new AuthorizeSecurityGroupIngressCommand({
    GroupId: id,
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: opts.sshPort, ToPort: opts.sshPort, IpRanges: [{ CidrIp: opts.allowCidr, Description: 'SSH from the operator' }] }],
  }), `opening SSH from ${opts.allowCidr} in ${id}`);
  return id;
}

export async function runBuilder(ec2: EC2Client, res: BuilderResources, opts: {
  imageId: string; instanceType: string; keyName: string; securityGroupId: string; subnetId?: string; tags: Tag[];
}): Promise<string> {
  const out = await ec2Send(ec2, new RunInstancesCommand({
    ImageId: opts.imageId,
    InstanceType: opts.instanceType as never,
    MinCount: 1,
    MaxCount: 1,
    KeyName: opts.keyName,
    // In --subnet, the builder has a public address when the subnet gives one on launch; else its private one is used.
    SecurityGroupIds: [opts.securityGroupId],
    ...(opts.subnetId ? { SubnetId: opts.subnetId } : {}),
    // A builder that outlives us (say, the operator's machine died) stops billing when shut down.
    InstanceInitiatedShutdownBehavior: 'terminate',
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    TagSpecifications: [{ ResourceType: 'instance', Tags: opts.tags }, { ResourceType: 'volume', Tags: opts.tags }],
  }), `starting the builder instance (${opts.instanceType}, ${opts.imageId})`);
  const id = out.Instances?.[0]?.InstanceId;
  if (!id) throw new ProviderError('AWS_ERROR', 'RunInstances answered without an instance id');
  res.instanceId = id;
  return id;
}

/** The builder's address once it runs: its public IP, or its private one in a subnet without public IPs. */
export async function waitRunning(ec2: EC2Client, instanceId: string, opts: { timeoutMs: number; pollMs: number; signal?: AbortSignal }): Promise<string> {
  return pollUntil(`the builder instance ${instanceId} to run`, opts, async () => {
    const out = await ec2Send(ec2, new DescribeInstancesCommand({ InstanceIds: [instanceId] }), `looking at the builder instance ${instanceId}`);
    const instance = out.Reservations?.[0]?.Instances?.[0];
    const state = instance?.State?.Name;
    if (state === 'terminated' || state === 'shutting-down' || state === 'stopped') {
      throw new ProviderError('BUILDER_FAILED', `the builder instance ${instanceId} is ${state}${instance?.StateReason?.Message ? `: ${instance.StateReason.Message}` : ''}`);
    }
    if (state !== 'running') return undefined;
    return instance?.PublicIpAddress ?? instance?.PrivateIpAddress;
  });
}

/**
 * Removes what `res` records, in the order EC2 allows: the instance (and waits until it is gone, since
 * its security group cannot be deleted before), an unfinished image with its snapshots, the security
 * group, the key pair. Every step is tried even when one before it failed.
 */
export async function removeBuilderResources(ec2: EC2Client, res: BuilderResources, opts: { timeoutMs: number; pollMs: number; region: string }): Promise<CleanupReport> {
  const report: CleanupReport = { cleaned: [], failed: [] };
  const region = `--region ${opts.region}`;
  const attempt = async (what: string, byHand: string, work: () => Promise<void>) => {
    try {
      await work();
      report.cleaned.push(what);
    } catch (err) {
      report.failed.push({ what, error: (err as Error).message, byHand });
    }
  };
  if (res.instanceId) {
    const id = res.instanceId;
    await attempt(`instance ${id} terminated`, `aws ec2 terminate-instances ${region} --instance-ids ${id}`, async () => {
      await ec2Send(ec2, new TerminateInstancesCommand({ InstanceIds: [id] }), `terminating ${id}`);
      await pollUntil(`the builder instance ${id} to terminate`, opts, async () => {
        const out = await ec2Send(ec2, new DescribeInstancesCommand({ InstanceIds: [id] }), `looking at ${id}`);
        const state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
        return state === undefined || state === 'terminated' ? true : undefined;
      });
    });
  }
  if (res.unfinishedImageId) {
    const id = res.unfinishedImageId;
    let snapshots: string[] = [];
    await attempt(`unfinished image ${id} deregistered`, `aws ec2 deregister-image ${region} --image-id ${id}`, async () => {
      const out = await ec2Send(ec2, new DescribeImagesCommand({ ImageIds: [id] }), `looking at image ${id}`);
      snapshots = snapshotsOf(out.Images?.[0]?.BlockDeviceMappings);
      await ec2Send(ec2, new DeregisterImageCommand({ ImageId: id }), `deregistering image ${id}`);
    });
    for (const snapshot of snapshots) {
      await attempt(`snapshot ${snapshot} deleted`, `aws ec2 delete-snapshot ${region} --snapshot-id ${snapshot}`, async () => {
        await ec2Send(ec2, new DeleteSnapshotCommand({ SnapshotId: snapshot }), `deleting snapshot ${snapshot}`);
      });
    }
  }
  if (res.securityGroupId) {
    const id = res.securityGroupId;
    await attempt(`security group ${id} deleted`, `aws ec2 delete-security-group ${region} --group-id ${id}`, async () => {
      // The instance's network interface can hold on to the group a little after it terminated.
      await pollUntil(`security group ${id} to be free to delete`, opts, async () => {
        try {
          await ec2Send(ec2, new DeleteSecurityGroupCommand({ GroupId: id }), `deleting security group ${id}`);
          return true;
        } catch (err) {
          if (awsCode(err) === 'DependencyViolation') return undefined;
          throw err;
        }
      });
    });
  }
  if (res.keyName) {
    const name = res.keyName;
    await attempt(`key pair ${name} deleted`, `aws ec2 delete-key-pair ${region} --key-name ${name}`, async () => {
      await ec2Send(ec2, new DeleteKeyPairCommand({ KeyName: name }), `deleting key pair ${name}`);
    });
  }
  return report;
}

export function snapshotsOf(mappings: { Ebs?: { SnapshotId?: string } }[] | undefined): string[] {
  return (mappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
}
