/**
 * What the loopback EC2 endpoint holds: the seeded catalogue (regions, zones, instance types, images)
 * and every resource created through it, as plain objects a test can read and change. Resources
 * live in one region each (the region the request was signed for), as on EC2.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Ec2Fault, type Filter } from './params';

export type Tags = Record<string, string>;

export interface RegionInfo { name: string; optInStatus: 'opt-in-not-required' | 'opted-in' | 'not-opted-in' }
export interface ZoneInfo { name: string; region: string; zoneId: string; state: 'available' | 'information' | 'impaired' | 'unavailable' }
export interface InstanceTypeInfo { name: string; architecture: 'x86_64' | 'arm64'; vcpus: number; memoryMiB: number }
/** Where an instance type may be launched: a region, or a zone of one. */
export interface Offering { instanceType: string; locationType: 'region' | 'availability-zone' | 'availability-zone-id'; location: string }

export interface Resource { id: string; region: string; tags: Tags }

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';
export const STATE_CODES: Record<InstanceStateName, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export interface Instance extends Resource {
  imageId: string;
  instanceType: string;
  state: InstanceStateName;
  /** When the current state moves on by itself (pending -> running, shutting-down -> terminated). */
  stateUntil?: number;
  /** When it started running (its console output is shown from then, plus the console delay). */
  runningSince?: number;
  /** Set once terminated: after this the instance is no longer listed. */
  visibleUntil?: number;
  stateReason?: { code: string; message: string };
  stateTransitionReason: string;
  launchTime: Date;
  availabilityZone: string;
  subnetId?: string;
  vpcId?: string;
  securityGroupIds: string[];
  keyName?: string;
  privateIp: string;
  publicIp?: string;
  spot: boolean;
  userData?: string;
  iamInstanceProfile?: string;
  architecture: 'x86_64' | 'arm64';
  amiLaunchIndex: number;
  reservationId: string;
  rootVolumeId: string;
  /** What GetConsoleOutput returns once the instance runs (plain text; the endpoint base64-encodes it). */
  consoleOutput: string;
  /** The machine of the pool this instance runs on, if any. */
  machine?: number;
}

export interface Image extends Resource {
  name: string;
  ownerId: string;
  state: 'pending' | 'available' | 'failed';
  stateUntil?: number;
  architecture: 'x86_64' | 'arm64';
  creationDate: string;
  description?: string;
  isPublic: boolean;
  rootDeviceName: string;
  sourceInstanceId?: string;
}

export interface Vpc extends Resource { cidrBlock: string; isDefault: boolean }
export interface Subnet extends Resource { vpcId: string; cidrBlock: string; availabilityZone: string; mapPublicIpOnLaunch: boolean }
/** One security group rule: a protocol and port range, from (or to) address blocks and other groups. */
export interface IpPermission { ipProtocol: string; fromPort?: number; toPort?: number; cidrs: { cidrIp: string; description?: string }[]; groupIds: string[] }
export interface SecurityGroup extends Resource { groupName: string; description: string; vpcId: string; ingress: IpPermission[]; egress: IpPermission[] }
export interface InternetGateway extends Resource { vpcId?: string }
export interface RouteTable extends Resource { vpcId: string; main: boolean; subnetIds: string[]; routes: { destinationCidrBlock: string; gatewayId: string }[] }
export interface KeyPair extends Resource { keyName: string; fingerprint: string; publicKey: string; keyType: 'rsa' | 'ed25519'; createTime: Date }
export interface Volume extends Resource { size: number; volumeType: string; availabilityZone: string; state: 'creating' | 'available' | 'in-use' | 'deleting' | 'deleted'; instanceId?: string; device?: string; createTime: Date }

/** A machine the tests provide (an SSH test host): RunInstances gives its addresses to the next instance. */
export interface Machine {
  publicIp?: string;
  privateIp: string;
  /** What the instance's console shows (cloud-init's host key block, say). */
  consoleOutput?: string;
}

export interface Ec2State {
  accountId: string;
  regions: RegionInfo[];
  zones: ZoneInfo[];
  instanceTypes: InstanceTypeInfo[];
  offerings: Offering[];
  instances: Map<string, Instance>;
  images: Map<string, Image>;
  vpcs: Map<string, Vpc>;
  subnets: Map<string, Subnet>;
  securityGroups: Map<string, SecurityGroup>;
  internetGateways: Map<string, InternetGateway>;
  routeTables: Map<string, RouteTable>;
  keyPairs: Map<string, KeyPair>;
  volumes: Map<string, Volume>;
  machines: Machine[];
  /** Which instance holds each machine of the pool (by index). */
  machineHolders: (string | undefined)[];
}

/** An EC2-shaped id: the prefix and 17 hex digits. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

/** The same id for the same seed: seeded images keep their ids across runs. */
export function stableId(prefix: string, seed: string): string {
  return `${prefix}-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;
}

/** EC2's filter values take `*` (any run) and `?` (one character). */
export function wildcardMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

export type FilterFields<T> = Record<string, (r: T) => (string | undefined)[]>;

/**
 * A predicate for resources passing every filter (filters AND, values OR). `fields` gives a
 * resource's values for each filter name this kind of resource has; any other name is refused, as
 * EC2 refuses it, whether or not there is anything to filter. `tag:<key>`, `tag-key` and
 * `tag-value` work on every taggable resource.
 */
export function filterBy<T extends object>(filters: Filter[], fields: FilterFields<T>): (resource: T) => boolean {
  for (const f of filters) {
    if (!f.name.startsWith('tag:') && f.name !== 'tag-key' && f.name !== 'tag-value' && !(f.name in fields)) {
      throw new Ec2Fault('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    }
  }
  return (resource) => {
    const tags: Tags = 'tags' in resource ? (resource.tags as Tags) : {};
    return filters.every((f) => {
      const values = f.name.startsWith('tag:') ? (f.name.slice(4) in tags ? [tags[f.name.slice(4)]] : [])
        : f.name === 'tag-key' ? Object.keys(tags)
        : f.name === 'tag-value' ? Object.values(tags)
        : fields[f.name](resource);
      return values.some((v) => v !== undefined && f.values.some((p) => wildcardMatch(p, v)));
    });
  };
}

/** `tagSet` as EC2 writes it. */
export function tagSet(tags: Tags): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** EC2's MaxResults/NextToken paging over an already filtered list. */
export function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number(Buffer.from(nextToken, 'base64').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) throw new Ec2Fault('InvalidNextToken', `The token '${nextToken}' is invalid`);
  if (maxResults === undefined) return { items: items.slice(start) };
  const end = start + maxResults;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64') } : {}) };
}

/** Every taggable resource by id, wherever it is kept. */
export function findResource(state: Ec2State, id: string): Resource | undefined {
  for (const map of [state.instances, state.images, state.vpcs, state.subnets, state.securityGroups, state.internetGateways, state.routeTables, state.keyPairs, state.volumes] as Map<string, Resource>[]) {
    const found = map.get(id);
    if (found) return found;
  }
  return undefined;
}
