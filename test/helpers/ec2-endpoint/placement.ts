/** DescribeRegions, DescribeAvailabilityZones, DescribeInstanceTypes and DescribeInstanceTypeOfferings. */
import type { Handler } from './context';
import { Ec2Fault, filtersOf } from './params';
import { page, filterBy, type InstanceTypeInfo, type Offering, type RegionInfo, type ZoneInfo } from './state';

export const describeRegions: Handler = (ctx) => {
  const names = ctx.params.list('RegionName');
  const all = ctx.params.bool('AllRegions');
  const filters = filtersOf(ctx.params);
  const fields: Record<string, (r: RegionInfo) => string[]> = {
    'region-name': (r) => [r.name],
    endpoint: (r) => [`ec2.${r.name}.amazonaws.com`],
    'opt-in-status': (r) => [r.optInStatus],
  };
  for (const name of names) {
    if (!ctx.state.regions.some((r) => r.name === name)) throw new Ec2Fault('InvalidParameterValue', `Invalid region: ${name}`);
  }
  const regions = ctx.state.regions
    .filter((r) => all || r.optInStatus !== 'not-opted-in')
    .filter((r) => names.length === 0 || names.includes(r.name))
    .filter(filterBy(filters, fields));
  return { regionInfo: regions.map((r) => ({ regionName: r.name, regionEndpoint: `ec2.${r.name}.amazonaws.com`, optInStatus: r.optInStatus })) };
};

export const describeAvailabilityZones: Handler = (ctx) => {
  const names = ctx.params.list('ZoneName');
  const filters = filtersOf(ctx.params);
  const fields: Record<string, (z: ZoneInfo) => string[]> = {
    'region-name': (z) => [z.region],
    'zone-name': (z) => [z.name],
    'zone-id': (z) => [z.zoneId],
    state: (z) => [z.state],
    'zone-type': () => ['availability-zone'],
    'opt-in-status': () => ['opt-in-not-required'],
  };
  const inRegion = ctx.state.zones.filter((z) => z.region === ctx.region);
  for (const name of names) {
    if (!inRegion.some((z) => z.name === name)) throw new Ec2Fault('InvalidParameterValue', `Invalid availability zone: [${name}]`);
  }
  const zones = inRegion.filter((z) => names.length === 0 || names.includes(z.name)).filter(filterBy(filters, fields));
  return {
    availabilityZoneInfo: zones.map((z) => ({
      zoneName: z.name,
      zoneState: z.state,
      regionName: z.region,
      zoneId: z.zoneId,
      groupName: z.region,
      optInStatus: 'opt-in-not-required',
      networkBorderGroup: z.region,
      zoneType: 'availability-zone',
      messageSet: z.state === 'available' ? [] : [{ message: `This zone is ${z.state}.` }],
    })),
  };
};

function typeXml(t: InstanceTypeInfo) {
  return {
    instanceType: t.name,
    currentGeneration: true,
    supportedUsageClasses: ['on-demand', 'spot'],
    supportedRootDeviceTypes: ['ebs'],
    supportedVirtualizationTypes: ['hvm'],
    hypervisor: 'nitro',
    processorInfo: { supportedArchitectures: [t.architecture], sustainedClockSpeedInGhz: t.architecture === 'arm64' ? 2.6 : 3.1 },
    vCpuInfo: { defaultVCpus: t.vcpus, defaultCores: Math.max(1, t.vcpus / 2), defaultThreadsPerCore: t.architecture === 'arm64' ? 1 : 2 },
    memoryInfo: { sizeInMiB: t.memoryMiB },
    instanceStorageSupported: false,
    burstablePerformanceSupported: t.name.startsWith('t'),
  };
}

export const describeInstanceTypes: Handler = (ctx) => {
  const names = ctx.params.list('InstanceType');
  const unknown = names.filter((n) => !ctx.state.instanceTypes.some((t) => t.name === n));
  if (unknown.length > 0) throw new Ec2Fault('InvalidInstanceType', `The following supplied instance types do not exist: [${unknown.join(', ')}]`);
  const filters = filtersOf(ctx.params);
  const fields: Record<string, (t: InstanceTypeInfo) => string[]> = {
    'instance-type': (t) => [t.name],
    'processor-info.supported-architecture': (t) => [t.architecture],
    'vcpu-info.default-vcpus': (t) => [String(t.vcpus)],
    'memory-info.size-in-mib': (t) => [String(t.memoryMiB)],
    'current-generation': () => ['true'],
  };
  const offeredHere = new Set(ctx.state.offerings.filter((o) => o.locationType === 'region' && o.location === ctx.region).map((o) => o.instanceType));
  const types = ctx.state.instanceTypes
    .filter((t) => offeredHere.has(t.name) || names.includes(t.name))
    .filter((t) => names.length === 0 || names.includes(t.name))
    .filter(filterBy(filters, fields));
  const { items, nextToken } = page(types, ctx.params.int('MaxResults'), ctx.params.get('NextToken'));
  return { instanceTypeSet: items.map(typeXml), nextToken };
};

export const describeInstanceTypeOfferings: Handler = (ctx) => {
  const locationType = ctx.params.get('LocationType') ?? 'region';
  if (!['region', 'availability-zone', 'availability-zone-id'].includes(locationType)) {
    throw new Ec2Fault('InvalidParameterValue', `Value (${locationType}) for parameter LocationType is invalid. Valid values: region, availability-zone, availability-zone-id`);
  }
  const zonesHere = new Set(ctx.state.zones.filter((z) => z.region === ctx.region).map((z) => z.name));
  const zoneId = (name: string) => ctx.state.zones.find((z) => z.name === name)?.zoneId ?? name;
  const here: Offering[] = ctx.state.offerings
    .filter((o) => (locationType === 'region' ? o.locationType === 'region' && o.location === ctx.region : o.locationType === 'availability-zone' && zonesHere.has(o.location)))
    .map((o) => (locationType === 'availability-zone-id' ? { ...o, locationType: 'availability-zone-id' as const, location: zoneId(o.location) } : o));
  const filters = filtersOf(ctx.params);
  const fields: Record<string, (o: Offering) => string[]> = { 'instance-type': (o) => [o.instanceType], location: (o) => [o.location] };
  const matching = here.filter(filterBy(filters, fields));
  const { items, nextToken } = page(matching, ctx.params.int('MaxResults'), ctx.params.get('NextToken'));
  return { instanceTypeOfferingSet: items.map((o) => ({ instanceType: o.instanceType, locationType: o.locationType, location: o.location })), nextToken };
};
