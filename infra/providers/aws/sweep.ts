/**
 * What is still tagged for a cluster after its stack is gone: `destroy` runs this last, so that
 * anything the stack lost track of (a resource created by a run that was killed, a volume that
 * outlived its instance) is reported rather than left billing in silence. Instances can be
 * terminated on the way; everything else is only reported, for the operator to look at.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Send } from './ec2-client';
import { CLUSTER_TAG, LIVE_STATES } from './instances';

/** EC2's own resource-type names. */
export type LeftoverType = 'instance' | 'volume' | 'vpc' | 'subnet' | 'security-group' | 'internet-gateway' | 'route-table' | 'key-pair' | 'image';

export interface Leftover {
  type: LeftoverType;
  id: string;
  state?: string;
  /** Its Name tag (or key or image name), when it has one. */
  name?: string;
}

function nameTag(tags: { Key?: string; Value?: string }[] | undefined): string | undefined {
  return tags?.find((t) => t.Key === 'Name')?.Value;
}

/** EC2 takes at most this many ids per TerminateInstances call. */
const TERMINATE_BATCH = 1000;

/**
 * Everything tagged `mesoscloud:cluster=<cluster>` that still exists (terminated instances and
 * deleted volumes aside): [] means nothing of the cluster is left. With `terminate`, live instances
 * (but those in `keep`) are terminated and reported as shutting down.
 */
export async function sweepCluster(ec2: EC2Client, cluster: string, opts: { terminate?: boolean; keep?: ReadonlySet<string> } = {}): Promise<Leftover[]> {
  const sdk = await import('@aws-sdk/client-ec2');
  const byTag = [{ Name: `tag:${CLUSTER_TAG}`, Values: [cluster] }];
  const doing = `looking for what is left of cluster ${cluster}`;
  const list = async <T>(make: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> => {
    const out: T[] = [];
    let token: string | undefined;
    do {
      const { items, next } = await make(token);
      out.push(...items);
      token = next;
    } while (token);
    return out;
  };

  const [instances, volumes, vpcs, subnets, groups, gateways, tables, keys, images] = await Promise.all([
    list(async (NextToken) => {
      const a = await ec2Send(ec2, new sdk.DescribeInstancesCommand({ Filters: [...byTag, { Name: 'instance-state-name', Values: LIVE_STATES }], MaxResults: 1000, NextToken }), doing);
      return { items: (a.Reservations ?? []).flatMap((r) => r.Instances ?? []), next: a.NextToken };
    }),
    list(async (NextToken) => {
      const a = await ec2Send(ec2, new sdk.DescribeVolumesCommand({ Filters: byTag, MaxResults: 500, NextToken }), doing);
      return { items: a.Volumes ?? [], next: a.NextToken };
    }),
    ec2Send(ec2, new sdk.DescribeVpcsCommand({ Filters: byTag }), doing).then((a) => a.Vpcs ?? []),
    ec2Send(ec2, new sdk.DescribeSubnetsCommand({ Filters: byTag }), doing).then((a) => a.Subnets ?? []),
    ec2Send(ec2, new sdk.DescribeSecurityGroupsCommand({ Filters: byTag }), doing).then((a) => a.SecurityGroups ?? []),
    ec2Send(ec2, new sdk.DescribeInternetGatewaysCommand({ Filters: byTag }), doing).then((a) => a.InternetGateways ?? []),
    ec2Send(ec2, new sdk.DescribeRouteTablesCommand({ Filters: byTag }), doing).then((a) => a.RouteTables ?? []),
    ec2Send(ec2, new sdk.DescribeKeyPairsCommand({ Filters: byTag }), doing).then((a) => a.KeyPairs ?? []),
    ec2Send(ec2, new sdk.DescribeImagesCommand({ Owners: ['self'], Filters: byTag }), doing).then((a) => a.Images ?? []),
  ]);

  const live = instances.filter((i) => i.InstanceId);
  const toTerminate = opts.terminate ? live.filter((i) => i.State?.Name !== 'shutting-down' && !opts.keep?.has(i.InstanceId!)).map((i) => i.InstanceId!) : [];
  const newStates = new Map<string, string>();
  for (let at = 0; at < toTerminate.length; at += TERMINATE_BATCH) {
    const answer = await ec2Send(ec2, new sdk.TerminateInstancesCommand({ InstanceIds: toTerminate.slice(at, at + TERMINATE_BATCH) }), `terminating what is left of cluster ${cluster}`);
    for (const t of answer.TerminatingInstances ?? []) if (t.InstanceId) newStates.set(t.InstanceId, t.CurrentState?.Name ?? 'shutting-down');
  }

  return [
    ...live.map((i): Leftover => ({ type: 'instance', id: i.InstanceId!, state: newStates.get(i.InstanceId!) ?? i.State?.Name, name: nameTag(i.Tags) })),
    ...volumes.filter((v) => v.VolumeId && v.State !== 'deleted').map((v): Leftover => ({ type: 'volume', id: v.VolumeId!, state: v.State, name: nameTag(v.Tags) })),
    ...subnets.map((s): Leftover => ({ type: 'subnet', id: s.SubnetId ?? '', state: s.State, name: nameTag(s.Tags) })),
    ...tables.map((t): Leftover => ({ type: 'route-table', id: t.RouteTableId ?? '', name: nameTag(t.Tags) })),
    ...gateways.map((g): Leftover => ({ type: 'internet-gateway', id: g.InternetGatewayId ?? '', state: g.Attachments?.length ? 'attached' : 'detached', name: nameTag(g.Tags) })),
    ...groups.map((g): Leftover => ({ type: 'security-group', id: g.GroupId ?? '', name: g.GroupName })),
    ...vpcs.map((v): Leftover => ({ type: 'vpc', id: v.VpcId ?? '', state: v.State, name: nameTag(v.Tags) })),
    ...keys.map((k): Leftover => ({ type: 'key-pair', id: k.KeyPairId ?? '', name: k.KeyName })),
    ...images.map((i): Leftover => ({ type: 'image', id: i.ImageId ?? '', state: i.State, name: i.Name })),
  ];
}
