/**
 * What makes a network usable, after its parts exist: security group rules, routes, route table
 * associations and a subnet's public-address attribute. Checked as EC2 checks them (the groups,
 * gateways and subnets named exist and belong to the same VPC; a rule or route is not added twice).
 */
import type { ActionContext, Handler } from './context';
import { associationId, existing } from './network';
import { Ec2Fault, type Params } from './params';
import type { IpPermission } from './state';

function permissionsOf(ctx: ActionContext, params: Params): IpPermission[] {
  const list = params.structs('IpPermissions');
  if (list.length === 0) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter ipPermissions');
  return list.map((p) => {
    const ipProtocol = p.require('IpProtocol');
    const groupIds = p.structs('Groups').map((g) => g.require('GroupId'));
    for (const id of groupIds) if (!ctx.state.securityGroups.has(id)) throw new Ec2Fault('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    const fromPort = p.int('FromPort');
    const toPort = p.int('ToPort');
    if (ipProtocol !== '-1' && (fromPort === undefined || toPort === undefined || fromPort > toPort)) {
      throw new Ec2Fault('InvalidParameterValue', `Invalid port range for protocol ${ipProtocol}: from ${fromPort} to ${toPort}`);
    }
    return { ipProtocol, fromPort, toPort, cidrs: p.structs('IpRanges').map((r) => ({ cidrIp: r.require('CidrIp'), description: r.get('Description') })), groupIds };
  });
}

function authorize(direction: 'ingress' | 'egress'): Handler {
  return (ctx) => {
    const group = existing(ctx, ctx.state.securityGroups, ctx.params.require('GroupId'), 'sg', 'InvalidGroup', 'security group');
    const rules = group[direction];
    for (const p of permissionsOf(ctx, ctx.params)) {
      const same = rules.find((r) => r.ipProtocol === p.ipProtocol && r.fromPort === p.fromPort && r.toPort === p.toPort);
      const dup = same && (p.cidrs.some((c) => same.cidrs.some((x) => x.cidrIp === c.cidrIp)) || p.groupIds.some((g) => same.groupIds.includes(g)));
      if (dup) {
        const peer = p.cidrs[0]?.cidrIp ?? p.groupIds[0];
        throw new Ec2Fault('InvalidPermission.Duplicate', `the specified rule "peer: ${peer}, ${p.ipProtocol.toUpperCase()}, from port: ${p.fromPort}, to port: ${p.toPort}, ALLOW" already exists`);
      }
      if (same) {
        same.cidrs.push(...p.cidrs);
        same.groupIds.push(...p.groupIds);
      } else {
        rules.push(p);
      }
    }
    return { return: true };
  };
}

export const authorizeSecurityGroupIngress = authorize('ingress');
export const authorizeSecurityGroupEgress = authorize('egress');

export const createRoute: Handler = (ctx) => {
  const table = existing(ctx, ctx.state.routeTables, ctx.params.require('RouteTableId'), 'rtb', 'InvalidRouteTableID', 'route table ID');
  const destinationCidrBlock = ctx.params.require('DestinationCidrBlock');
  const gatewayId = ctx.params.require('GatewayId');
  const gateway = existing(ctx, ctx.state.internetGateways, gatewayId, 'igw', 'InvalidInternetGatewayID', 'internet gateway ID');
  if (gateway.vpcId !== table.vpcId) throw new Ec2Fault('InvalidParameterValue', `route table ${table.id} and network gateway ${gateway.id} belong to different networks`);
  if (table.routes.some((r) => r.destinationCidrBlock === destinationCidrBlock)) {
    throw new Ec2Fault('RouteAlreadyExists', `The route identified by ${destinationCidrBlock} already exists.`);
  }
  table.routes.push({ destinationCidrBlock, gatewayId });
  return { return: true };
};

export const associateRouteTable: Handler = (ctx) => {
  const table = existing(ctx, ctx.state.routeTables, ctx.params.require('RouteTableId'), 'rtb', 'InvalidRouteTableID', 'route table ID');
  const subnet = existing(ctx, ctx.state.subnets, ctx.params.require('SubnetId'), 'subnet', 'InvalidSubnetID', 'subnet ID');
  if (subnet.vpcId !== table.vpcId) throw new Ec2Fault('InvalidParameterValue', `Route table ${table.id} and subnet ${subnet.id} belong to different networks`);
  const current = [...ctx.state.routeTables.values()].find((t) => t.subnetIds.includes(subnet.id));
  if (current) throw new Ec2Fault('Resource.AlreadyAssociated', `the specified association for route table ${current.id} conflicts with an existing association`);
  table.subnetIds.push(subnet.id);
  return { associationId: associationId(subnet.id), associationState: { state: 'associated' } };
};

export const disassociateRouteTable: Handler = (ctx) => {
  const id = ctx.params.require('AssociationId');
  const table = [...ctx.state.routeTables.values()].find((t) => t.region === ctx.region && t.subnetIds.some((s) => associationId(s) === id));
  if (!table) throw new Ec2Fault('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
  table.subnetIds = table.subnetIds.filter((s) => associationId(s) !== id);
  return { return: true };
};

export const modifySubnetAttribute: Handler = (ctx) => {
  const subnet = existing(ctx, ctx.state.subnets, ctx.params.require('SubnetId'), 'subnet', 'InvalidSubnetID', 'subnet ID');
  const value = ctx.params.get('MapPublicIpOnLaunch.Value');
  if (value === undefined) throw new Ec2Fault('MissingParameter', 'The request must contain exactly one attribute to modify');
  subnet.mapPublicIpOnLaunch = value === 'true';
  return { return: true };
};
