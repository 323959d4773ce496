/**
 * The address plan of a VPC the launcher makes: its block (default 10.42.0.0/16) cut into sixteen
 * equal slots, and the public subnet of the i-th availability zone in slot i. Slots are fixed, so a
 * zone added later gets a new subnet and the existing ones keep their blocks (a changed block would
 * make Pulumi replace the subnet and every instance in it).
 */
import { blockSize, formatCidr, parseCidr, subBlock, contains, type CidrBlock } from './cidr';
import { AwsLayoutError } from './layout-error';

export const DEFAULT_VPC_CIDR = '10.42.0.0/16';
/** log2 of the slots a VPC block is cut into: 16 slots, /20 subnets in a /16. */
export const SLOT_BITS = 4;
export const MAX_ZONES = 1 << SLOT_BITS;
/** AWS's limits on a VPC's IPv4 block, and the smallest subnet it allows. */
export const VPC_PREFIX = { widest: 16, narrowest: 28 } as const;
export const SMALLEST_SUBNET_PREFIX = 28;
/** AWS keeps the first four addresses of a subnet and the last one. */
export const RESERVED_PER_SUBNET = 5;

/** RFC 1918: the blocks meant for private networks. */
export const PRIVATE_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] as const;

export interface SubnetPlan {
  zone: string;
  /** The zone's place in availabilityZones, and the subnet's slot in the VPC block. */
  index: number;
  cidr: string;
  /** Addresses instances can take. */
  usableAddresses: number;
}

/** The VPC block, checked: an IPv4 private block AWS accepts and that leaves /28 or larger subnets. */
export function vpcBlock(vpcCidr: string): CidrBlock {
  const block = parseCidr(vpcCidr);
  if ('error' in block) throw new AwsLayoutError('vpcCidr', block.error, [`the default is ${DEFAULT_VPC_CIDR}`]);
  if (block.family !== 4) throw new AwsLayoutError('vpcCidr', `must be an IPv4 block, got ${vpcCidr}`, [`the default is ${DEFAULT_VPC_CIDR}`]);
  const narrowest = SMALLEST_SUBNET_PREFIX - SLOT_BITS;
  if (block.prefix < VPC_PREFIX.widest || block.prefix > narrowest) {
    throw new AwsLayoutError('vpcCidr', `${vpcCidr} is ${block.prefix < VPC_PREFIX.widest ? 'too large' : 'too small'}: a VPC block may be /${VPC_PREFIX.widest} to /${narrowest} (AWS allows /${VPC_PREFIX.widest} at most; it is cut into ${MAX_ZONES} subnets of /${SMALLEST_SUBNET_PREFIX} or more)`, [`the default is ${DEFAULT_VPC_CIDR}`]);
  }
  if (!PRIVATE_BLOCKS.some((p) => contains(parseCidr(p) as CidrBlock, block))) {
    throw new AwsLayoutError('vpcCidr', `${vpcCidr} is not a private range; use a block inside ${PRIVATE_BLOCKS.join(', ')}`, [`the default is ${DEFAULT_VPC_CIDR}`]);
  }
  return block;
}

/** One public subnet per zone, in the zones' order. */
export function subnetLayout(vpcCidr: string, zones: readonly string[]): SubnetPlan[] {
  const block = vpcBlock(vpcCidr);
  checkZones(zones);
  const prefix = block.prefix + SLOT_BITS;
  return zones.map((zone, index) => {
    const sub = subBlock(block, prefix, index);
    return { zone, index, cidr: formatCidr(sub), usableAddresses: Number(blockSize(sub)) - RESERVED_PER_SUBNET };
  });
}

export function checkZones(zones: readonly string[]): void {
  if (zones.length === 0) throw new AwsLayoutError('availabilityZones', 'is empty; name at least one zone of the region');
  if (zones.length > MAX_ZONES) throw new AwsLayoutError('availabilityZones', `names ${zones.length} zones; at most ${MAX_ZONES} are supported`);
  const seen = new Set<string>();
  zones.forEach((zone, i) => {
    if (!/^[a-z]{2}(-[a-z0-9]+)+[a-z]$/.test(zone)) throw new AwsLayoutError(`availabilityZones[${i}]`, `'${zone}' is not a zone name like us-east-1a`);
    if (seen.has(zone)) throw new AwsLayoutError(`availabilityZones[${i}]`, `'${zone}' is named twice`);
    seen.add(zone);
  });
}
