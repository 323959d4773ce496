/**
 * Which instances a cluster has and where they go: ZooKeeper nodes first, then masters, then
 * agents, each role spread round-robin over the zones so that losing a zone loses at most its share
 * of every role. The round-robin continues where the previous role stopped, so small roles do not
 * all pile into the first zone; agents come last, so adding agents never moves a control node.
 */
import { nodeName, parseNodeName, resourceName } from './naming';
import { AwsLayoutError } from './layout-error';
import { ROLES, type Role } from '../plan/roles';
import { VOLUME_TYPES, type ClusterStackConfig, type VolumeType } from './types';

export interface NodePlan {
  /** 'agent-3'. */
  name: string;
  /** 'prod-agent-3': the Pulumi resource name and the `Name` tag. */
  resourceName: string;
  role: Role;
  index: number;
  instanceType: string;
  spot: boolean;
  volumeSizeGb: number;
  volumeType: VolumeType;
  /** Index into availabilityZones (and into subnetIds, or the subnets the network makes). */
  zoneIndex: number;
  availabilityZone: string;
}

/** How many nodes a role may have. */
export const ROLE_COUNTS: Record<Role, { min: number; max: number }> = {
  zookeeper: { min: 0, max: 7 },
  master: { min: 1, max: 5 },
  agent: { min: 1, max: 1000 },
};
/** AWS's root volume sizes, in GiB (8 is the least an Ubuntu image boots from). */
export const VOLUME_SIZE_GB = { min: 8, max: 16384 } as const;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

type LayoutInput = Pick<ClusterStackConfig, 'cluster' | 'roles' | 'onDemandNodes' | 'availabilityZones'>;

export function nodeLayout(config: LayoutInput): NodePlan[] {
  const zones = config.availabilityZones;
  if (zones.length === 0) throw new AwsLayoutError('availabilityZones', 'is empty; name at least one zone of the region');
  const onDemand = onDemandSet(config.onDemandNodes);
  const nodes: NodePlan[] = [];
  for (const role of ROLES) {
    const machines = config.roles[role];
    checkMachines(role, machines);
    const start = nodes.length;
    for (let index = 0; index < machines.count; index++) {
      const name = nodeName(role, index);
      const zoneIndex = (start + index) % zones.length;
      nodes.push({
        name,
        resourceName: resourceName(config.cluster, role, index),
        role,
        index,
        instanceType: machines.instanceType,
        spot: machines.spot && !onDemand.has(name),
        volumeSizeGb: machines.volumeSizeGb,
        volumeType: machines.volumeType,
        zoneIndex,
        availabilityZone: zones[zoneIndex],
      });
    }
  }
  return nodes;
}

/** Nodes per zone index. */
export function nodesPerZone(nodes: readonly NodePlan[], zones: number): number[] {
  const counts = new Array<number>(zones).fill(0);
  for (const node of nodes) counts[node.zoneIndex]++;
  return counts;
}

/**
 * Names that must be on-demand. A name of a node the layout does not have is no error: a scale-down
 * can leave one behind, and it means nothing then.
 */
function onDemandSet(names: readonly string[]): Set<string> {
  names.forEach((name, i) => {
    if (!parseNodeName(name)) throw new AwsLayoutError(`onDemandNodes[${i}]`, `'${name}' is not a node name like agent-3 (role zookeeper, master or agent, then '-' and an index)`);
  });
  return new Set(names);
}

function checkMachines(role: Role, machines: ClusterStackConfig['roles'][Role] | undefined): void {
  const field = `roles.${role}`;
  if (!machines) throw new AwsLayoutError(field, 'is missing');
  const { min, max } = ROLE_COUNTS[role];
  if (!Number.isInteger(machines.count) || machines.count < min || machines.count > max) {
    throw new AwsLayoutError(`${field}.count`, `must be a whole number from ${min} to ${max}, got ${machines.count}`);
  }
  if (!INSTANCE_TYPE.test(machines.instanceType)) {
    throw new AwsLayoutError(`${field}.instanceType`, `'${machines.instanceType}' is not an EC2 instance type like t3.medium or m7g.large`);
  }
  if (!Number.isInteger(machines.volumeSizeGb) || machines.volumeSizeGb < VOLUME_SIZE_GB.min || machines.volumeSizeGb > VOLUME_SIZE_GB.max) {
    throw new AwsLayoutError(`${field}.volumeSizeGb`, `must be a whole number of GiB from ${VOLUME_SIZE_GB.min} to ${VOLUME_SIZE_GB.max}, got ${machines.volumeSizeGb}`);
  }
  if (!VOLUME_TYPES.includes(machines.volumeType)) {
    throw new AwsLayoutError(`${field}.volumeType`, `'${machines.volumeType}' is not one of ${VOLUME_TYPES.join(', ')}`);
  }
  if (typeof machines.spot !== 'boolean') throw new AwsLayoutError(`${field}.spot`, `must be true or false, got ${JSON.stringify(machines.spot)}`);
}
