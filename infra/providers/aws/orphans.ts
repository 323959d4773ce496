/**
 * What a killed launch can leave in EC2 that its stack does not know: a resource EC2 made while the
 * engine was waiting for the answer. Pulumi clears such a pending create and, on the next `up`,
 * makes the resource again, which fails when the first one is in the way (a subnet's CIDR block is
 * taken) or costs money unseen (a second instance). Every resource the program makes carries the
 * cluster's tag, so anything tagged for the cluster that the stack's state does not hold is such a
 * leftover: it is removed before the next `up`, in the order EC2's dependencies allow.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Leftover, LeftoverType } from './sweep';
import { ec2Send } from './ec2-client';

/** The kinds of resource the program makes itself (volumes come and go with their instances; images are not the stack's). */
const STACK_KINDS: ReadonlySet<LeftoverType> = new Set(['instance', 'vpc', 'subnet', 'security-group', 'internet-gateway', 'route-table', 'key-pair']);

/** Tagged resources the stack does not hold (a key pair's id in the stack is its name). */
export function orphansOf(tagged: readonly Leftover[], stackIds: ReadonlySet<string>): Leftover[] {
  const held = (l: Leftover) => stackIds.has(l.id) || (l.type === 'key-pair' && l.name !== undefined && stackIds.has(l.name));
  return tagged.filter((l) => STACK_KINDS.has(l.type) && l.id !== '' && !held(l) && l.state !== 'shutting-down' && l.state !== 'terminated');
}

const WAIT_MS = 180_000;

/** Removes them: instances first (and waits until they are terminated), then what they stood in, the VPC last. */
export async function removeOrphans(ec2: EC2Client, cluster: string, orphans: readonly Leftover[]): Promise<void> {
  const sdk = await import('@aws-sdk/client-ec2');
  const doing = `removing what a broken-off launch of cluster ${cluster} left`;
  const of = (type: LeftoverType) => orphans.filter((o) => o.type === type).map((o) => o.id);
  const instances = of('instance');
  if (instances.length > 0) {
    await ec2Send(ec2, new sdk.TerminateInstancesCommand({ InstanceIds: instances }), doing);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const answer = await ec2Send(ec2, new sdk.DescribeInstancesCommand({ InstanceIds: instances }), doing);
      const live = (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'terminated');
      if (live.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  for (const id of of('security-group')) await ec2Send(ec2, new sdk.DeleteSecurityGroupCommand({ GroupId: id }), doing);
  for (const id of of('route-table')) {
    const tables = await ec2Send(ec2, new sdk.DescribeRouteTablesCommand({ RouteTableIds: [id] }), doing);
    for (const a of tables.RouteTables?.[0]?.Associations ?? []) {
      if (a.RouteTableAssociationId && !a.Main) await ec2Send(ec2, new sdk.DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }), doing);
    }
    await ec2Send(ec2, new sdk.DeleteRouteTableCommand({ RouteTableId: id }), doing);
  }
  for (const id of of('subnet')) await ec2Send(ec2, new sdk.DeleteSubnetCommand({ SubnetId: id }), doing);
  for (const id of of('internet-gateway')) {
    const gateways = await ec2Send(ec2, new sdk.DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }), doing);
    for (const a of gateways.InternetGateways?.[0]?.Attachments ?? []) {
      if (a.VpcId) await ec2Send(ec2, new sdk.DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: a.VpcId }), doing);
    }
    await ec2Send(ec2, new sdk.DeleteInternetGatewayCommand({ InternetGatewayId: id }), doing);
  }
  for (const id of of('vpc')) await ec2Send(ec2, new sdk.DeleteVpcCommand({ VpcId: id }), doing);
  for (const id of of('key-pair')) await ec2Send(ec2, new sdk.DeleteKeyPairCommand({ KeyPairId: id }), doing);
}
