/**
 * VPCs, subnets, security groups, internet gateways and route tables: create, describe, delete,
 * with EC2's dependency rules (a VPC with subnets, an attached gateway or groups in it cannot be
 * deleted; a subnet or group in use by an instance neither), so a teardown in the wrong order fails
 * here as it would on EC2. A new VPC gets its default security group and main route table, untagged.
 */
import type { ActionContext, Handler } from './context';
import { Ec2Fault, filtersOf, tagsFor } from './params';
import { newId, filterBy, tagSet, type Ec2State, type IpPermission, type InternetGateway, type Resource, type RouteTable, type SecurityGroup, type Subnet, type Vpc } from './state';
import { requireKnownIds } from './validation';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function requireCidr(cidr: string, min: number, max: number): void {
  const m = CIDR.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < min || Number(m[5]) > max) {
    throw new Ec2Fault('InvalidParameterValue', `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block (allowed prefix lengths: /${min} to /${max}).`);
  }
}

function inRegion<T extends Resource>(ctx: ActionContext, map: Map<string, T>): T[] {
  return [...map.values()].filter((r) => r.region === ctx.region);
}

/** Describe* over one kind: ids (`<IdParam>.N`, each must exist), then filters. */
function describe<T extends Resource>(ctx: ActionContext, map: Map<string, T>, idParam: string, prefix: string, codePrefix: string, noun: string, fields: Record<string, (r: T) => (string | undefined)[]>): T[] {
  const ids = ctx.params.list(idParam);
  const all = inRegion(ctx, map);
  if (ids.length > 0) requireKnownIds(ids, prefix, codePrefix, noun, (id) => all.some((r) => r.id === id));
  const filters = filtersOf(ctx.params);
  return all.filter((r) => ids.length === 0 || ids.includes(r.id)).filter(filterBy(filters, fields));
}

export function existing<T extends Resource>(ctx: ActionContext, map: Map<string, T>, id: string, prefix: string, codePrefix: string, noun: string): T {
  requireKnownIds([id], prefix, codePrefix, noun, (i) => map.get(i)?.region === ctx.region);
  return map.get(id)!;
}

function liveInstances(state: Ec2State) {
  return [...state.instances.values()].filter((i) => i.state !== 'terminated');
}

// --- VPCs

function vpcXml(state: Ec2State, v: Vpc) {
  return { vpcId: v.id, ownerId: state.accountId, state: 'available', cidrBlock: v.cidrBlock, dhcpOptionsId: 'dopt-0a1b2c3d4e5f6a7b8', instanceTenancy: 'default', isDefault: v.isDefault, tagSet: tagSet(v.tags) };
}

export const createVpc: Handler = (ctx) => {
  const cidrBlock = ctx.params.require('CidrBlock');
  requireCidr(cidrBlock, 16, 28);
  const vpc: Vpc = { id: newId('vpc'), region: ctx.region, tags: tagsFor(ctx.params, 'vpc'), cidrBlock, isDefault: false };
  ctx.state.vpcs.set(vpc.id, vpc);
  const group: SecurityGroup = { id: newId('sg'), region: ctx.region, tags: {}, groupName: 'default', description: 'default VPC security group', vpcId: vpc.id, ingress: [], egress: [ALL_OUT] };
  ctx.state.securityGroups.set(group.id, group);
  const main: RouteTable = { id: newId('rtb'), region: ctx.region, tags: {}, vpcId: vpc.id, main: true, subnetIds: [], routes: [] };
  ctx.state.routeTables.set(main.id, main);
  return { vpc: vpcXml(ctx.state, vpc) };
};

export const describeVpcs: Handler = (ctx) => ({
  vpcSet: describe(ctx, ctx.state.vpcs, 'VpcId', 'vpc', 'InvalidVpcID', 'vpc ID', {
    'vpc-id': (v) => [v.id],
    'cidr-block': (v) => [v.cidrBlock],
    cidr: (v) => [v.cidrBlock],
    state: () => ['available'],
    'is-default': (v) => [String(v.isDefault)],
    'owner-id': () => [ctx.state.accountId],
  }).map((v) => vpcXml(ctx.state, v)),
});

export const deleteVpc: Handler = (ctx) => {
  const vpc = existing(ctx, ctx.state.vpcs, ctx.params.require('VpcId'), 'vpc', 'InvalidVpcID', 'vpc ID');
  const blockers = [
    ...[...ctx.state.subnets.values()].filter((s) => s.vpcId === vpc.id).map((s) => s.id),
    ...[...ctx.state.internetGateways.values()].filter((g) => g.vpcId === vpc.id).map((g) => g.id),
    ...[...ctx.state.securityGroups.values()].filter((g) => g.vpcId === vpc.id && g.groupName !== 'default').map((g) => g.id),
    ...[...ctx.state.routeTables.values()].filter((t) => t.vpcId === vpc.id && !t.main).map((t) => t.id),
  ];
  if (blockers.length > 0) throw new Ec2Fault('DependencyViolation', `The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
  for (const g of [...ctx.state.securityGroups.values()]) if (g.vpcId === vpc.id) ctx.state.securityGroups.delete(g.id);
  for (const t of [...ctx.state.routeTables.values()]) if (t.vpcId === vpc.id) ctx.state.routeTables.delete(t.id);
  ctx.state.vpcs.delete(vpc.id);
  return { return: true };
};

// --- Subnets

function subnetXml(ctx: ActionContext, s: Subnet) {
  const used = liveInstances(ctx.state).filter((i) => i.subnetId === s.id).length;
  const size = 2 ** (32 - Number(s.cidrBlock.split('/')[1]));
  const zoneId = ctx.state.zones.find((z) => z.name === s.availabilityZone)?.zoneId;
  return {
    subnetId: s.id, subnetArn: `arn:aws:ec2:${s.region}:${ctx.state.accountId}:subnet/${s.id}`, state: 'available', vpcId: s.vpcId, cidrBlock: s.cidrBlock,
    availableIpAddressCount: size - 5 - used, availabilityZone: s.availabilityZone, availabilityZoneId: zoneId, defaultForAz: false,
    mapPublicIpOnLaunch: s.mapPublicIpOnLaunch, ownerId: ctx.state.accountId, tagSet: tagSet(s.tags),
  };
}

export const createSubnet: Handler = (ctx) => {
  const vpc = existing(ctx, ctx.state.vpcs, ctx.params.require('VpcId'), 'vpc', 'InvalidVpcID', 'vpc ID');
  const cidrBlock = ctx.params.require('CidrBlock');
  requireCidr(cidrBlock, 16, 28);
  const zones = ctx.state.zones.filter((z) => z.region === ctx.region);
  const zone = ctx.params.get('AvailabilityZone') ?? zones.find((z) => z.state === 'available')?.name;
  if (!zone || !zones.some((z) => z.name === zone)) throw new Ec2Fault('InvalidParameterValue', `Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.map((z) => z.name).join(', ')}.`);
  if ([...ctx.state.subnets.values()].some((s) => s.vpcId === vpc.id && s.cidrBlock === cidrBlock)) throw new Ec2Fault('InvalidSubnet.Conflict', `The CIDR '${cidrBlock}' conflicts with another subnet`);
  const subnet: Subnet = { id: newId('subnet'), region: ctx.region, tags: tagsFor(ctx.params, 'subnet'), vpcId: vpc.id, cidrBlock, availabilityZone: zone, mapPublicIpOnLaunch: false };
  ctx.state.subnets.set(subnet.id, subnet);
  return { subnet: subnetXml(ctx, subnet) };
};

export const describeSubnets: Handler = (ctx) => ({
  subnetSet: describe(ctx, ctx.state.subnets, 'SubnetId', 'subnet', 'InvalidSubnetID', 'subnet ID', {
    'subnet-id': (s) => [s.id],
    'vpc-id': (s) => [s.vpcId],
    'availability-zone': (s) => [s.availabilityZone],
    'cidr-block': (s) => [s.cidrBlock],
    state: () => ['available'],
  }).map((s) => subnetXml(ctx, s)),
});

export const deleteSubnet: Handler = (ctx) => {
  const subnet = existing(ctx, ctx.state.subnets, ctx.params.require('SubnetId'), 'subnet', 'InvalidSubnetID', 'subnet ID');
  if (liveInstances(ctx.state).some((i) => i.subnetId === subnet.id)) throw new Ec2Fault('DependencyViolation', `The subnet '${subnet.id}' has dependencies and cannot be deleted.`);
  for (const t of ctx.state.routeTables.values()) t.subnetIds = t.subnetIds.filter((id) => id !== subnet.id);
  ctx.state.subnets.delete(subnet.id);
  return { return: true };
};

// --- Security groups

/** A new group's one rule, as on EC2: everything may go out. */
const ALL_OUT: IpPermission = { ipProtocol: '-1', cidrs: [{ cidrIp: '0.0.0.0/0' }], groupIds: [] };

function permissionXml(state: Ec2State, p: IpPermission) {
  return {
    ipProtocol: p.ipProtocol, fromPort: p.fromPort, toPort: p.toPort,
    groups: p.groupIds.map((groupId) => ({ groupId, userId: state.accountId })),
    ipRanges: p.cidrs.map((c) => ({ cidrIp: c.cidrIp, description: c.description })),
    ipv6Ranges: [], prefixListIds: [],
  };
}

function groupXml(state: Ec2State, g: SecurityGroup) {
  return { ownerId: state.accountId, groupId: g.id, groupName: g.groupName, groupDescription: g.description, vpcId: g.vpcId, ipPermissions: g.ingress.map((p) => permissionXml(state, p)), ipPermissionsEgress: g.egress.map((p) => permissionXml(state, p)), tagSet: tagSet(g.tags) };
}

export const createSecurityGroup: Handler = (ctx) => {
  const groupName = ctx.params.require('GroupName');
  const description = ctx.params.require('GroupDescription');
  const vpc = existing(ctx, ctx.state.vpcs, ctx.params.require('VpcId'), 'vpc', 'InvalidVpcID', 'vpc ID');
  if (groupName.toLowerCase().startsWith('sg-')) throw new Ec2Fault('InvalidParameterValue', `Group names may not be in the format sg-*; got '${groupName}'`);
  if ([...ctx.state.securityGroups.values()].some((g) => g.vpcId === vpc.id && g.groupName === groupName)) {
    throw new Ec2Fault('InvalidGroup.Duplicate', `The security group '${groupName}' already exists for VPC '${vpc.id}'`);
  }
  const group: SecurityGroup = { id: newId('sg'), region: ctx.region, tags: tagsFor(ctx.params, 'security-group'), groupName, description, vpcId: vpc.id, ingress: [], egress: [ALL_OUT] };
  ctx.state.securityGroups.set(group.id, group);
  return { groupId: group.id, tagSet: tagSet(group.tags), securityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.state.accountId}:security-group/${group.id}` };
};

export const describeSecurityGroups: Handler = (ctx) => {
  const names = ctx.params.list('GroupName');
  const groups = describe(ctx, ctx.state.securityGroups, 'GroupId', 'sg', 'InvalidGroup', 'security group', {
    'group-id': (g) => [g.id],
    'group-name': (g) => [g.groupName],
    'vpc-id': (g) => [g.vpcId],
    description: (g) => [g.description],
  });
  return { securityGroupInfo: groups.filter((g) => names.length === 0 || names.includes(g.groupName)).map((g) => groupXml(ctx.state, g)) };
};

export const deleteSecurityGroup: Handler = (ctx) => {
  const group = existing(ctx, ctx.state.securityGroups, ctx.params.require('GroupId'), 'sg', 'InvalidGroup', 'security group');
  if (group.groupName === 'default') throw new Ec2Fault('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user`);
  const referenced = [...ctx.state.securityGroups.values()].some((g) => g.id !== group.id && [...g.ingress, ...g.egress].some((p) => p.groupIds.includes(group.id)));
  if (referenced || liveInstances(ctx.state).some((i) => i.securityGroupIds.includes(group.id))) throw new Ec2Fault('DependencyViolation', `resource ${group.id} has a dependent object`);
  ctx.state.securityGroups.delete(group.id);
  return { return: true, groupId: group.id };
};

// --- Internet gateways

function gatewayXml(state: Ec2State, g: InternetGateway) {
  return { internetGatewayId: g.id, ownerId: state.accountId, attachmentSet: g.vpcId ? [{ vpcId: g.vpcId, state: 'available' }] : [], tagSet: tagSet(g.tags) };
}

export const createInternetGateway: Handler = (ctx) => {
  const gateway: InternetGateway = { id: newId('igw'), region: ctx.region, tags: tagsFor(ctx.params, 'internet-gateway') };
  ctx.state.internetGateways.set(gateway.id, gateway);
  return { internetGateway: gatewayXml(ctx.state, gateway) };
};

export const describeInternetGateways: Handler = (ctx) => ({
  internetGatewaySet: describe(ctx, ctx.state.internetGateways, 'InternetGatewayId', 'igw', 'InvalidInternetGatewayID', 'internet gateway ID', {
    'internet-gateway-id': (g) => [g.id],
    'attachment.vpc-id': (g) => [g.vpcId],
    'attachment.state': (g) => [g.vpcId ? 'available' : undefined],
  }).map((g) => gatewayXml(ctx.state, g)),
});

export const attachInternetGateway: Handler = (ctx) => {
  const gateway = existing(ctx, ctx.state.internetGateways, ctx.params.require('InternetGatewayId'), 'igw', 'InvalidInternetGatewayID', 'internet gateway ID');
  const vpc = existing(ctx, ctx.state.vpcs, ctx.params.require('VpcId'), 'vpc', 'InvalidVpcID', 'vpc ID');
  if (gateway.vpcId) throw new Ec2Fault('Resource.AlreadyAssociated', `resource ${gateway.id} is already attached to network ${gateway.vpcId}`);
  gateway.vpcId = vpc.id;
  return { return: true };
};

export const detachInternetGateway: Handler = (ctx) => {
  const gateway = existing(ctx, ctx.state.internetGateways, ctx.params.require('InternetGatewayId'), 'igw', 'InvalidInternetGatewayID', 'internet gateway ID');
  const vpcId = ctx.params.require('VpcId');
  if (gateway.vpcId !== vpcId) throw new Ec2Fault('Gateway.NotAttached', `resource ${gateway.id} is not attached to network ${vpcId}`);
  gateway.vpcId = undefined;
  return { return: true };
};

export const deleteInternetGateway: Handler = (ctx) => {
  const gateway = existing(ctx, ctx.state.internetGateways, ctx.params.require('InternetGatewayId'), 'igw', 'InvalidInternetGatewayID', 'internet gateway ID');
  if (gateway.vpcId) throw new Ec2Fault('DependencyViolation', `The internetGateway '${gateway.id}' has dependencies and cannot be deleted.`);
  ctx.state.internetGateways.delete(gateway.id);
  return { return: true };
};

// --- Route tables

/** A subnet's association with its route table (a subnet has at most one). */
export function associationId(subnetId: string): string {
  return `rtbassoc-${subnetId.slice('subnet-'.length)}`;
}

function routeTableXml(ctx: ActionContext, t: RouteTable) {
  const cidr = ctx.state.vpcs.get(t.vpcId)?.cidrBlock;
  return {
    routeTableId: t.id, vpcId: t.vpcId, ownerId: ctx.state.accountId,
    routeSet: [{ destinationCidrBlock: cidr, gatewayId: 'local', state: 'active', origin: 'CreateRouteTable' }, ...t.routes.map((r) => ({ ...r, state: 'active', origin: 'CreateRoute' }))],
    associationSet: [...(t.main ? [{ routeTableAssociationId: `rtbassoc-${t.id.slice(4)}`, routeTableId: t.id, main: true, associationState: { state: 'associated' } }] : []),
      ...t.subnetIds.map((subnetId) => ({ routeTableAssociationId: associationId(subnetId), routeTableId: t.id, subnetId, main: false, associationState: { state: 'associated' } }))],
    propagatingVgwSet: [],
    tagSet: tagSet(t.tags),
  };
}

export const createRouteTable: Handler = (ctx) => {
  const vpc = existing(ctx, ctx.state.vpcs, ctx.params.require('VpcId'), 'vpc', 'InvalidVpcID', 'vpc ID');
  const table: RouteTable = { id: newId('rtb'), region: ctx.region, tags: tagsFor(ctx.params, 'route-table'), vpcId: vpc.id, main: false, subnetIds: [], routes: [] };
  ctx.state.routeTables.set(table.id, table);
  return { routeTable: routeTableXml(ctx, table) };
};

export const describeRouteTables: Handler = (ctx) => ({
  routeTableSet: describe(ctx, ctx.state.routeTables, 'RouteTableId', 'rtb', 'InvalidRouteTableID', 'route table ID', {
    'route-table-id': (t) => [t.id],
    'vpc-id': (t) => [t.vpcId],
    'association.main': (t) => [String(t.main)],
    'association.subnet-id': (t) => t.subnetIds,
  }).map((t) => routeTableXml(ctx, t)),
});

export const deleteRouteTable: Handler = (ctx) => {
  const table = existing(ctx, ctx.state.routeTables, ctx.params.require('RouteTableId'), 'rtb', 'InvalidRouteTableID', 'route table ID');
  if (table.main || table.subnetIds.length > 0) throw new Ec2Fault('DependencyViolation', `The routeTable '${table.id}' has dependencies and cannot be deleted.`);
  ctx.state.routeTables.delete(table.id);
  return { return: true };
};
