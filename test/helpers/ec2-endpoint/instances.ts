/**
 * RunInstances, DescribeInstances, TerminateInstances and GetConsoleOutput, with EC2's life cycle:
 * pending -> running after a delay, shutting-down -> terminated, terminated instances still listed
 * for a while. An instance takes the next free machine of the pool (its addresses and console);
 * without one its addresses are made up.
 */
import type { ActionContext, Handler } from './context';
import { bootConsole, newHostKeyLine } from './console-text';
import { Ec2Fault, filtersOf, tagsFor, tagSpecificationsOf, type Params } from './params';
import { newId, page, filterBy, STATE_CODES, tagSet, type Ec2State, type Instance, type InstanceStateName } from './state';
import { VOLUME_TYPES, requireKnownIds } from './validation';
import type { XmlValue } from './xml';

const TAGGABLE_AT_LAUNCH = ['instance', 'volume', 'network-interface', 'spot-instances-request', 'elastic-gpu'];
const USER_DATA_LIMIT = 16 * 1024;

/** Moves every resource whose delay is over to its next state; run before each request. */
export function advance(state: Ec2State, now: number, visibleMs: number): void {
  for (const i of state.instances.values()) {
    if (i.stateUntil !== undefined && i.stateUntil <= now) {
      if (i.state === 'pending') setState(state, i, 'running', now, visibleMs);
      else if (i.state === 'shutting-down') setState(state, i, 'terminated', now, visibleMs);
    }
    if (i.state === 'terminated' && i.visibleUntil !== undefined && i.visibleUntil <= now) state.instances.delete(i.id);
  }
  for (const img of state.images.values()) {
    if (img.state === 'pending' && img.stateUntil !== undefined && img.stateUntil <= now) {
      img.state = 'available';
      img.stateUntil = undefined;
    }
  }
}

/** Puts an instance in a state; terminating frees its machine and deletes its root volume. */
export function setState(state: Ec2State, i: Instance, name: InstanceStateName, now: number, visibleMs: number, reason?: { code: string; message: string }): void {
  if (name === 'running') i.runningSince = i.stateUntil ?? now;
  i.state = name;
  i.stateUntil = undefined;
  if (reason) i.stateReason = reason;
  if (name === 'terminated') {
    i.visibleUntil = now + visibleMs;
    i.publicIp = undefined;
    if (i.machine !== undefined) state.machineHolders[i.machine] = undefined;
    state.volumes.delete(i.rootVolumeId);
  }
}

function stateXml(name: InstanceStateName) {
  return { code: STATE_CODES[name], name };
}

function instanceXml(state: Ec2State, i: Instance): Record<string, XmlValue> {
  const showsAddresses = i.state !== 'terminated';
  const publicIp = i.state === 'running' || i.state === 'stopping' ? i.publicIp : undefined;
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: stateXml(i.state),
    privateDnsName: showsAddresses ? `ip-${i.privateIp.replace(/\./g, '-')}.${i.region}.compute.internal` : '',
    dnsName: publicIp ? `ec2-${publicIp.replace(/\./g, '-')}.${i.region}.compute.amazonaws.com` : '',
    reason: i.stateTransitionReason,
    keyName: i.keyName,
    amiLaunchIndex: i.amiLaunchIndex,
    productCodes: [],
    instanceType: i.instanceType,
    launchTime: i.launchTime,
    placement: { availabilityZone: i.availabilityZone, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: showsAddresses ? i.subnetId : undefined,
    vpcId: showsAddresses ? i.vpcId : undefined,
    privateIpAddress: showsAddresses ? i.privateIp : undefined,
    ipAddress: publicIp,
    sourceDestCheck: true,
    groupSet: i.securityGroupIds.map((groupId) => ({ groupId, groupName: state.securityGroups.get(groupId)?.groupName ?? '' })),
    stateReason: i.stateReason,
    architecture: i.architecture,
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/sda1',
    blockDeviceMapping: i.state === 'terminated' ? [] : [{ deviceName: '/dev/sda1', ebs: { volumeId: i.rootVolumeId, status: 'attached', attachTime: i.launchTime, deleteOnTermination: true } }],
    instanceLifecycle: i.spot ? 'spot' : undefined,
    spotInstanceRequestId: i.spot ? `sir-${i.id.slice(2, 10)}` : undefined,
    virtualizationType: 'hvm',
    clientToken: '',
    tagSet: tagSet(i.tags),
    hypervisor: 'xen',
    iamInstanceProfile: i.iamInstanceProfile ? { arn: i.iamInstanceProfile, id: `AIPA${i.id.slice(2, 14).toUpperCase()}` } : undefined,
    ebsOptimized: false,
    enaSupport: true,
    platformDetails: 'Linux/UNIX',
    metadataOptions: { state: 'applied', httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
  };
}

function instancesIn(ctx: ActionContext): Instance[] {
  return [...ctx.state.instances.values()].filter((i) => i.region === ctx.region);
}

const INSTANCE_FILTERS: Record<string, (i: Instance) => (string | undefined)[]> = {
  'instance-id': (i) => [i.id],
  'instance-state-name': (i) => [i.state],
  'instance-state-code': (i) => [String(STATE_CODES[i.state])],
  'instance-type': (i) => [i.instanceType],
  'image-id': (i) => [i.imageId],
  'availability-zone': (i) => [i.availabilityZone],
  'subnet-id': (i) => [i.subnetId],
  'vpc-id': (i) => [i.vpcId],
  'key-name': (i) => [i.keyName],
  'private-ip-address': (i) => [i.privateIp],
  'ip-address': (i) => [i.state === 'running' ? i.publicIp : undefined],
  'instance-lifecycle': (i) => [i.spot ? 'spot' : undefined],
  'reservation-id': (i) => [i.reservationId],
  'instance.group-id': (i) => i.securityGroupIds,
  architecture: (i) => [i.architecture],
};

/** The instances `InstanceId.N` names (each must exist) or all of the region. */
function selectInstances(ctx: ActionContext, ids: string[]): Instance[] {
  if (ids.length === 0) return instancesIn(ctx);
  requireKnownIds(ids, 'i', 'InvalidInstanceID', 'instance ID', (id) => ctx.state.instances.get(id)?.region === ctx.region);
  return ids.map((id) => ctx.state.instances.get(id)!);
}

function reservations(state: Ec2State, instances: Instance[]) {
  const byReservation = new Map<string, Instance[]>();
  for (const i of instances) byReservation.set(i.reservationId, [...(byReservation.get(i.reservationId) ?? []), i]);
  return [...byReservation.entries()].map(([reservationId, list]) => ({
    reservationId,
    ownerId: state.accountId,
    groupSet: [],
    instancesSet: list.map((i) => instanceXml(state, i)),
  }));
}

export const describeInstances: Handler = (ctx) => {
  const filters = filtersOf(ctx.params);
  const matching = selectInstances(ctx, ctx.params.list('InstanceId')).filter(filterBy(filters, INSTANCE_FILTERS));
  const { items, nextToken } = page(matching, ctx.params.int('MaxResults'), ctx.params.get('NextToken'));
  return { reservationSet: reservations(ctx.state, items), nextToken };
};

/** Addresses in the subnet's block (from .4, as AWS reserves the first four), or made up in 10.x. */
function privateAddress(state: Ec2State, cidr: string | undefined): string {
  const n = state.instances.size + 4;
  if (cidr) {
    const [a, b, c] = cidr.split('/')[0].split('.').map(Number);
    return `${a}.${b}.${c + Math.floor(n / 250)}.${(n % 250) + 4}`;
  }
  return `10.0.${Math.floor(n / 250)}.${(n % 250) + 4}`;
}

function publicAddress(state: Ec2State): string {
  const n = state.instances.size;
  return n < 250 ? `203.0.113.${n + 4}` : `198.51.100.${(n % 250) + 4}`;
}

interface LaunchPlan {
  imageId: string;
  architecture: 'x86_64' | 'arm64';
  instanceType: string;
  zone: string;
  subnetId?: string;
  vpcId?: string;
  subnetCidr?: string;
  securityGroupIds: string[];
  keyName?: string;
  spot: boolean;
  userData?: string;
  iamInstanceProfile?: string;
  rootSize: number;
  rootType: string;
}

function imageFor(ctx: ActionContext, imageId: string) {
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) throw new Ec2Fault('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  const image = ctx.state.images.get(imageId);
  if (!image || image.region !== ctx.region) throw new Ec2Fault('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
  if (image.state !== 'available') throw new Ec2Fault('InvalidAMIID.Unavailable', `The image id '[${imageId}]' is not available: it is ${image.state}`);
  return image;
}

function placementOf(ctx: ActionContext, p: Params, instanceType: string) {
  const subnetId = p.get('SubnetId');
  let zone = p.get('Placement.AvailabilityZone');
  let vpcId: string | undefined;
  let subnetCidr: string | undefined;
  if (subnetId) {
    const subnet = ctx.state.subnets.get(subnetId);
    if (!subnet || subnet.region !== ctx.region) throw new Ec2Fault('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
    zone = subnet.availabilityZone;
    vpcId = subnet.vpcId;
    subnetCidr = subnet.cidrBlock;
  }
  const zones = ctx.state.zones.filter((z) => z.region === ctx.region && z.state === 'available');
  if (zone === undefined) zone = zones.find((z) => offered(ctx, instanceType, z.name))?.name ?? zones[0]?.name;
  if (!zone || !zones.some((z) => z.name === zone)) throw new Ec2Fault('InvalidParameterValue', `Invalid availability zone: [${zone}]`);
  if (!offered(ctx, instanceType, zone)) {
    const others = zones.filter((z) => offered(ctx, instanceType, z.name)).map((z) => z.name);
    throw new Ec2Fault('Unsupported', `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${zone}). Please retry your request by not specifying an Availability Zone or choosing ${others.join(', ')}.`);
  }
  return { zone, subnetId, vpcId, subnetCidr };
}

function offered(ctx: ActionContext, instanceType: string, zone: string): boolean {
  return ctx.state.offerings.some((o) => o.instanceType === instanceType && o.locationType === 'availability-zone' && o.location === zone);
}

function launchPlan(ctx: ActionContext): LaunchPlan {
  const p = ctx.params;
  const image = imageFor(ctx, p.require('ImageId'));
  const instanceType = p.get('InstanceType') ?? 'm1.small';
  const typeInfo = ctx.state.instanceTypes.find((t) => t.name === instanceType);
  if (!typeInfo) throw new Ec2Fault('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
  if (typeInfo.architecture !== image.architecture) {
    throw new Ec2Fault('InvalidParameterValue', `The architecture '${typeInfo.architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.`);
  }
  const place = placementOf(ctx, p, instanceType);
  const securityGroupIds = p.list('SecurityGroupId');
  for (const id of securityGroupIds) {
    const group = ctx.state.securityGroups.get(id);
    if (!group || group.region !== ctx.region) throw new Ec2Fault('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    if (place.vpcId && group.vpcId !== place.vpcId) throw new Ec2Fault('InvalidParameter', `Security group ${id} and subnet ${place.subnetId} belong to different networks.`);
  }
  const keyName = p.get('KeyName');
  if (keyName !== undefined && ![...ctx.state.keyPairs.values()].some((k) => k.keyName === keyName && k.region === ctx.region)) {
    throw new Ec2Fault('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`);
  }
  for (const spec of tagSpecificationsOf(p)) {
    if (!TAGGABLE_AT_LAUNCH.includes(spec.resourceType)) throw new Ec2Fault('InvalidParameterValue', `'${spec.resourceType}' is not a valid taggable resource type for this operation.`);
  }
  const marketType = p.get('InstanceMarketOptions.MarketType');
  if (marketType !== undefined && marketType !== 'spot' && marketType !== 'capacity-block') throw new Ec2Fault('InvalidParameterValue', `Value (${marketType}) for parameter InstanceMarketOptions.MarketType is invalid.`);
  const encoded = p.get('UserData');
  const userData = encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  if (userData !== undefined && Buffer.byteLength(userData) > USER_DATA_LIMIT) throw new Ec2Fault('InvalidParameterValue', `User data is limited to ${USER_DATA_LIMIT} bytes`);
  const root = p.structs('BlockDeviceMapping').find((b) => b.get('DeviceName') === '/dev/sda1') ?? p.structs('BlockDeviceMapping')[0];
  const rootType = root?.get('Ebs.VolumeType') ?? 'gp2';
  if (!VOLUME_TYPES.includes(rootType)) throw new Ec2Fault('InvalidParameterValue', `Value (${rootType}) for parameter volumeType is invalid. Valid values: ${VOLUME_TYPES.join(', ')}`);
  const rootSize = root?.int('Ebs.VolumeSize') ?? 8;
  if (rootSize < 8) throw new Ec2Fault('InvalidBlockDeviceMapping', `Volume of size ${rootSize}GB is smaller than snapshot 'snap-0123456789abcdef0', expect size >= 8GB`);
  return {
    imageId: image.id,
    architecture: image.architecture,
    instanceType,
    zone: place.zone,
    subnetId: place.subnetId,
    vpcId: place.vpcId,
    subnetCidr: place.subnetCidr,
    securityGroupIds,
    keyName,
    spot: marketType === 'spot',
    userData,
    iamInstanceProfile: p.get('IamInstanceProfile.Arn') ?? (p.get('IamInstanceProfile.Name') ? `arn:aws:iam::${ctx.state.accountId}:instance-profile/${p.get('IamInstanceProfile.Name')}` : undefined),
    rootSize,
    rootType,
  };
}

/** Free machines of the pool, when there is one: an empty pool means addresses are made up. */
function freeMachines(state: Ec2State): number[] {
  return state.machines.map((_, i) => i).filter((i) => state.machineHolders[i] === undefined);
}

export const runInstances: Handler = (ctx) => {
  const p = ctx.params;
  const min = p.int('MinCount');
  const max = p.int('MaxCount');
  if (min === undefined) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter MinCount');
  if (max === undefined) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter MaxCount');
  if (min < 1 || max < min) throw new Ec2Fault('InvalidParameterValue', `Invalid counts: MinCount ${min}, MaxCount ${max} (need 1 <= MinCount <= MaxCount)`);
  const plan = launchPlan(ctx);
  const pool = freeMachines(ctx.state);
  let count = max;
  if (ctx.state.machines.length > 0) {
    if (pool.length < min) {
      throw new Ec2Fault('InsufficientInstanceCapacity', `We currently do not have sufficient ${plan.instanceType} capacity in the Availability Zone you requested (${plan.zone}). Our system will be working on provisioning additional capacity. You can currently get ${plan.instanceType} capacity by not specifying an Availability Zone in your request or choosing other Availability Zones.`, 500);
    }
    count = Math.min(max, pool.length);
  }
  const reservationId = newId('r');
  const launched: Instance[] = [];
  for (let n = 0; n < count; n++) {
    const machineIndex = ctx.state.machines.length > 0 ? pool[n] : undefined;
    const machine = machineIndex === undefined ? undefined : ctx.state.machines[machineIndex];
    const id = newId('i');
    const rootVolumeId = newId('vol');
    const launchTime = new Date(Math.floor(ctx.now / 1000) * 1000);
    const instance: Instance = {
      id,
      region: ctx.region,
      tags: tagsFor(p, 'instance'),
      imageId: plan.imageId,
      instanceType: plan.instanceType,
      state: 'pending',
      stateUntil: ctx.now + ctx.timing.runningAfterMs,
      stateTransitionReason: '',
      launchTime,
      availabilityZone: plan.zone,
      subnetId: plan.subnetId,
      vpcId: plan.vpcId,
      securityGroupIds: plan.securityGroupIds,
      keyName: plan.keyName,
      privateIp: machine?.privateIp ?? privateAddress(ctx.state, plan.subnetCidr),
      publicIp: machine ? machine.publicIp : publicAddress(ctx.state),
      spot: plan.spot,
      userData: plan.userData,
      iamInstanceProfile: plan.iamInstanceProfile,
      architecture: plan.architecture,
      amiLaunchIndex: n,
      reservationId,
      rootVolumeId,
      consoleOutput: machine ? machine.consoleOutput ?? '' : bootConsole([newHostKeyLine('ecdsa'), newHostKeyLine('ed25519')]),
      machine: machineIndex,
    };
    if (machineIndex !== undefined) ctx.state.machineHolders[machineIndex] = id;
    ctx.state.instances.set(id, instance);
    ctx.state.volumes.set(rootVolumeId, {
      id: rootVolumeId,
      region: ctx.region,
      tags: tagsFor(p, 'volume'),
      size: plan.rootSize,
      volumeType: plan.rootType,
      availabilityZone: plan.zone,
      state: 'in-use',
      instanceId: id,
      device: '/dev/sda1',
      createTime: launchTime,
    });
    launched.push(instance);
  }
  return { reservationId, ownerId: ctx.state.accountId, groupSet: [], instancesSet: launched.map((i) => instanceXml(ctx.state, i)) };
};

export const terminateInstances: Handler = (ctx) => {
  const ids = ctx.params.list('InstanceId');
  if (ids.length === 0) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter InstanceId');
  const instances = selectInstances(ctx, ids);
  return {
    instancesSet: instances.map((i) => {
      const previous = i.state;
      if (previous !== 'terminated' && previous !== 'shutting-down') {
        i.state = 'shutting-down';
        i.stateUntil = ctx.now + ctx.timing.terminatedAfterMs;
        i.stateTransitionReason = `User initiated (${new Date(ctx.now).toISOString().replace('T', ' ').slice(0, 19)} GMT)`;
        i.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
      }
      return { instanceId: i.id, currentState: stateXml(i.state), previousState: stateXml(previous) };
    }),
  };
};

export const getConsoleOutput: Handler = (ctx) => {
  const id = ctx.params.require('InstanceId');
  const [instance] = selectInstances(ctx, [id]);
  // The console is there once the instance has run a while; EC2 leaves `output` out before that.
  const since = instance.runningSince;
  const shown = since !== undefined && ctx.now >= since + ctx.timing.consoleAfterMs && instance.consoleOutput !== '';
  return {
    instanceId: id,
    timestamp: new Date(ctx.now),
    output: shown ? Buffer.from(instance.consoleOutput).toString('base64') : undefined,
  };
};
