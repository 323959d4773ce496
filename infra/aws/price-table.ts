/**
 * The prices the cost preview falls back on when the AWS Price List API cannot be asked (no
 * credentials, no network, access denied, an --endpoint-url cluster): Linux on-demand $/hour for
 * common instance types, EBS $/GB-month per volume type, the public IPv4 rate, per region, as AWS
 * published them when the table was compiled (PRICE_TABLE_DATE). The preview names the table and
 * its date whenever it uses it. Pure data and look-ups: no I/O.
 *
 * How the instance prices are kept, and how exact they are:
 * - AWS prices the sizes of a family linearly (an xlarge costs twice a large, a medium half), so a
 *   family is one us-east-1 price, for its `large`, and the sizes it comes in.
 * - Other regions: each class of families (burstable, general purpose, compute, memory) has a
 *   reference type whose price the table holds for every region (t3.medium, m5.large, c5.large,
 *   r5.large). Another type's price in that region is its us-east-1 price times the region's
 *   factor for its class (the reference's regional price over its us-east-1 price). That is how
 *   AWS's regional prices mostly relate, but not exactly: such a price is marked `estimated`.
 *   us-east-1 prices and the reference types' regional prices are the published ones.
 * - EBS: gp3 and gp2 are kept per region; io1, io2, st1, sc1 and standard are their us-east-1
 *   price times the region's gp2 factor (estimated, likewise).
 */
import type { VolumeType } from './types';

/** When the table's prices were compiled from AWS's published prices. */
export const PRICE_TABLE_DATE = '2026-12-01';

/** Public IPv4 addresses, in use or idle: $0.005 per hour each in every commercial region since Feb 2024. */
export const PUBLIC_IPV4_HOURLY_USD = 0.005;

/** Region code -> the long name the Price List API's `location` attribute uses. */
export const REGION_LOCATIONS: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'ca-central-1': 'Canada (Central)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'sa-east-1': 'South America (Sao Paulo)',
};

export const TABLE_REGIONS = Object.keys(REGION_LOCATIONS);

type PriceClass = 'burstable' | 'general' | 'compute' | 'memory';

/** A size's price relative to the family's `large`. */
const SIZE_FACTORS: Readonly<Record<string, number>> = {
  nano: 1 / 16, micro: 1 / 8, small: 1 / 4, medium: 1 / 2, large: 1, xlarge: 2, '2xlarge': 4, '4xlarge': 8,
};

const BURSTABLE_SIZES = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'];
const X86_SIZES = ['large', 'xlarge', '2xlarge', '4xlarge'];
const GRAVITON_SIZES = ['medium', ...X86_SIZES];

interface Family { cls: PriceClass; largeUsEast1: number; sizes: readonly string[] }

const family = (cls: PriceClass, largeUsEast1: number, sizes: readonly string[]): Family => ({ cls, largeUsEast1, sizes });

/** Linux on-demand $/hour of each family's `large` in us-east-1. */
const FAMILIES: Readonly<Record<string, Family>> = {
  t3: family('burstable', 0.0832, BURSTABLE_SIZES),
  t3a: family('burstable', 0.0752, BURSTABLE_SIZES),
  t4g: family('burstable', 0.0672, BURSTABLE_SIZES),
  m5: family('general', 0.096, X86_SIZES),
  m5a: family('general', 0.086, X86_SIZES),
  m6i: family('general', 0.096, X86_SIZES),
  m6a: family('general', 0.0864, X86_SIZES),
  m7i: family('general', 0.1008, X86_SIZES),
  m7a: family('general', 0.11592, X86_SIZES),
  m6g: family('general', 0.077, GRAVITON_SIZES),
  m7g: family('general', 0.0816, GRAVITON_SIZES),
  c5: family('compute', 0.085, X86_SIZES),
  c5a: family('compute', 0.077, X86_SIZES),
  c6i: family('compute', 0.085, X86_SIZES),
  c6a: family('compute', 0.0765, X86_SIZES),
  c7i: family('compute', 0.08925, X86_SIZES),
  c7a: family('compute', 0.10264, X86_SIZES),
  c6g: family('compute', 0.068, GRAVITON_SIZES),
  c7g: family('compute', 0.0725, GRAVITON_SIZES),
  r5: family('memory', 0.126, X86_SIZES),
  r5a: family('memory', 0.113, X86_SIZES),
  r6i: family('memory', 0.126, X86_SIZES),
  r6a: family('memory', 0.1134, X86_SIZES),
  r7i: family('memory', 0.1323, X86_SIZES),
  r6g: family('memory', 0.1008, GRAVITON_SIZES),
  r7g: family('memory', 0.1071, GRAVITON_SIZES),
};

/** Each class's reference type and its published $/hour in every region of the table. */
const REFERENCES: Readonly<Record<PriceClass, { type: string; byRegion: Readonly<Record<string, number>> }>> = {
  burstable: {
    type: 't3.medium',
    byRegion: {
      'us-east-1': 0.0416, 'us-east-2': 0.0416, 'us-west-1': 0.0496, 'us-west-2': 0.0416, 'ca-central-1': 0.0464,
      'eu-west-1': 0.0456, 'eu-west-2': 0.0472, 'eu-west-3': 0.0472, 'eu-central-1': 0.048, 'eu-north-1': 0.0432,
      'ap-south-1': 0.0448, 'ap-southeast-1': 0.0528, 'ap-southeast-2': 0.0528, 'ap-northeast-1': 0.0544,
      'ap-northeast-2': 0.052, 'sa-east-1': 0.0672,
    },
  },
  general: {
    type: 'm5.large',
    byRegion: {
      'us-east-1': 0.096, 'us-east-2': 0.096, 'us-west-1': 0.112, 'us-west-2': 0.096, 'ca-central-1': 0.107,
      'eu-west-1': 0.107, 'eu-west-2': 0.111, 'eu-west-3': 0.112, 'eu-central-1': 0.115, 'eu-north-1': 0.102,
      'ap-south-1': 0.101, 'ap-southeast-1': 0.12, 'ap-southeast-2': 0.12, 'ap-northeast-1': 0.124,
      'ap-northeast-2': 0.118, 'sa-east-1': 0.153,
    },
  },
  compute: {
    type: 'c5.large',
    byRegion: {
      'us-east-1': 0.085, 'us-east-2': 0.085, 'us-west-1': 0.106, 'us-west-2': 0.085, 'ca-central-1': 0.093,
      'eu-west-1': 0.096, 'eu-west-2': 0.101, 'eu-west-3': 0.101, 'eu-central-1': 0.097, 'eu-north-1': 0.091,
      'ap-south-1': 0.085, 'ap-southeast-1': 0.098, 'ap-southeast-2': 0.111, 'ap-northeast-1': 0.107,
      'ap-northeast-2': 0.096, 'sa-east-1': 0.131,
    },
  },
  memory: {
    type: 'r5.large',
    byRegion: {
      'us-east-1': 0.126, 'us-east-2': 0.126, 'us-west-1': 0.14, 'us-west-2': 0.126, 'ca-central-1': 0.138,
      'eu-west-1': 0.141, 'eu-west-2': 0.148, 'eu-west-3': 0.148, 'eu-central-1': 0.152, 'eu-north-1': 0.134,
      'ap-south-1': 0.127, 'ap-southeast-1': 0.152, 'ap-southeast-2': 0.151, 'ap-northeast-1': 0.152,
      'ap-northeast-2': 0.152, 'sa-east-1': 0.201,
    },
  },
};

/** EBS $/GB-month kept per region (gp3 and gp2). */
const EBS_BY_REGION: Readonly<Record<'gp3' | 'gp2', Readonly<Record<string, number>>>> = {
  gp3: {
    'us-east-1': 0.08, 'us-east-2': 0.08, 'us-west-1': 0.096, 'us-west-2': 0.08, 'ca-central-1': 0.088,
    'eu-west-1': 0.088, 'eu-west-2': 0.0928, 'eu-west-3': 0.0928, 'eu-central-1': 0.0952, 'eu-north-1': 0.0836,
    'ap-south-1': 0.0912, 'ap-southeast-1': 0.096, 'ap-southeast-2': 0.096, 'ap-northeast-1': 0.096,
    'ap-northeast-2': 0.0912, 'sa-east-1': 0.152,
  },
  gp2: {
    'us-east-1': 0.1, 'us-east-2': 0.1, 'us-west-1': 0.12, 'us-west-2': 0.1, 'ca-central-1': 0.11,
    'eu-west-1': 0.11, 'eu-west-2': 0.116, 'eu-west-3': 0.116, 'eu-central-1': 0.119, 'eu-north-1': 0.1045,
    'ap-south-1': 0.114, 'ap-southeast-1': 0.12, 'ap-southeast-2': 0.12, 'ap-northeast-1': 0.12,
    'ap-northeast-2': 0.114, 'sa-east-1': 0.19,
  },
};

/** EBS $/GB-month in us-east-1 for the types kept only there (io1/io2: storage only, not provisioned IOPS). */
const EBS_US_EAST_1: Readonly<Record<Exclude<VolumeType, 'gp3' | 'gp2'>, number>> = {
  io1: 0.125, io2: 0.125, st1: 0.045, sc1: 0.015, standard: 0.05,
};

/** A price from the table; `estimated` when derived through a regional factor rather than published as such. */
export interface TablePrice { usd: number; estimated: boolean }

/** Every instance type the table knows, in family order. */
export const TABLE_INSTANCE_TYPES: readonly string[] = Object.entries(FAMILIES)
  .flatMap(([name, f]) => f.sizes.map((size) => `${name}.${size}`));

/** Linux on-demand $/hour of `instanceType` in `region`, or undefined when the table does not know the type or the region. */
export function tableInstanceHourly(region: string, instanceType: string): TablePrice | undefined {
  const [name, size] = instanceType.split('.', 2);
  const fam = FAMILIES[name];
  if (!fam || size === undefined || !fam.sizes.includes(size)) return undefined;
  const reference = REFERENCES[fam.cls];
  const regional = reference.byRegion[region];
  if (regional === undefined) return undefined;
  const usEast1 = fam.largeUsEast1 * SIZE_FACTORS[size];
  if (region === 'us-east-1') return { usd: usEast1, estimated: false };
  if (instanceType === reference.type) return { usd: regional, estimated: false };
  return { usd: usEast1 * (regional / reference.byRegion['us-east-1']), estimated: true };
}

/** EBS $/GB-month of `volumeType` in `region`, or undefined for a region the table does not know. */
export function tableVolumeGbMonth(region: string, volumeType: VolumeType): TablePrice | undefined {
  if (volumeType === 'gp3' || volumeType === 'gp2') {
    const usd = EBS_BY_REGION[volumeType][region];
    return usd === undefined ? undefined : { usd, estimated: false };
  }
  const gp2 = EBS_BY_REGION.gp2[region];
  if (gp2 === undefined) return undefined;
  const base = EBS_US_EAST_1[volumeType];
  return region === 'us-east-1' ? { usd: base, estimated: false } : { usd: base * (gp2 / EBS_BY_REGION.gp2['us-east-1']), estimated: true };
}
