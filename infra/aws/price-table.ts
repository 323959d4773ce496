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

/**
 * Per region, the published prices the others are derived from: the long name the Price List
 * API's `location` uses, then each class's reference type ($/hour) and gp3, gp2 ($/GB-month).
 */
const REGION_ROWS: ReadonlyArray<readonly [region: string, location: string, t3Medium: number, m5Large: number, c5Large: number, r5Large: number, gp3: number, gp2: number]> = [
  ['us-east-1', 'US East (N. Virginia)', 0.0416, 0.096, 0.085, 0.126, 0.08, 0.1],
  ['us-east-2', 'US East (Ohio)', 0.0416, 0.096, 0.085, 0.126, 0.08, 0.1],
  ['us-west-1', 'US West (N. California)', 0.0496, 0.112, 0.106, 0.14, 0.096, 0.12],
  ['us-west-2', 'US West (Oregon)', 0.0416, 0.096, 0.085, 0.126, 0.08, 0.1],
  ['ca-central-1', 'Canada (Central)', 0.0464, 0.107, 0.093, 0.138, 0.088, 0.11],
  ['eu-west-1', 'EU (Ireland)', 0.0456, 0.107, 0.096, 0.141, 0.088, 0.11],
  ['eu-west-2', 'EU (London)', 0.0472, 0.111, 0.101, 0.148, 0.0928, 0.116],
  ['eu-west-3', 'EU (Paris)', 0.0472, 0.112, 0.101, 0.148, 0.0928, 0.116],
  ['eu-central-1', 'EU (Frankfurt)', 0.048, 0.115, 0.097, 0.152, 0.0952, 0.119],
  ['eu-north-1', 'EU (Stockholm)', 0.0432, 0.102, 0.091, 0.134, 0.0836, 0.1045],
  ['ap-south-1', 'Asia Pacific (Mumbai)', 0.0448, 0.101, 0.085, 0.127, 0.0912, 0.114],
  ['ap-southeast-1', 'Asia Pacific (Singapore)', 0.0528, 0.12, 0.098, 0.152, 0.096, 0.12],
  ['ap-southeast-2', 'Asia Pacific (Sydney)', 0.0528, 0.12, 0.111, 0.151, 0.096, 0.12],
  ['ap-northeast-1', 'Asia Pacific (Tokyo)', 0.0544, 0.124, 0.107, 0.152, 0.096, 0.12],
  ['ap-northeast-2', 'Asia Pacific (Seoul)', 0.052, 0.118, 0.096, 0.152, 0.0912, 0.114],
  ['sa-east-1', 'South America (Sao Paulo)', 0.0672, 0.153, 0.131, 0.201, 0.152, 0.19],
];

interface RegionPrices { reference: Record<PriceClass, number>; gp3: number; gp2: number }

const REGIONS: ReadonlyMap<string, RegionPrices> = new Map(REGION_ROWS.map(([region, , t3, m5, c5, r5, gp3, gp2]) =>
  [region, { reference: { burstable: t3, general: m5, compute: c5, memory: r5 }, gp3, gp2 }]));

/** Each class's reference type: its regional prices are the published ones. */
const REFERENCE_TYPES: Readonly<Record<PriceClass, string>> = { burstable: 't3.medium', general: 'm5.large', compute: 'c5.large', memory: 'r5.large' };

/** Region code -> the long name the Price List API's `location` attribute uses. */
export const REGION_LOCATIONS: Readonly<Record<string, string>> = Object.fromEntries(REGION_ROWS.map(([region, location]) => [region, location]));

export const TABLE_REGIONS: readonly string[] = REGION_ROWS.map(([region]) => region);

/** EBS $/GB-month in us-east-1 for the types kept only there (io1/io2: storage only, not provisioned IOPS). */
const EBS_US_EAST_1: Readonly<Record<Exclude<VolumeType, 'gp3' | 'gp2'>, number>> = {
  io1: 0.125, io2: 0.125, st1: 0.045, sc1: 0.015, standard: 0.05,
};

const US_EAST_1 = REGIONS.get('us-east-1')!;

/** A price from the table; `estimated` when derived through a regional factor rather than published as such. */
export interface TablePrice { usd: number; estimated: boolean }

/** Every instance type the table knows, in family order. */
export const TABLE_INSTANCE_TYPES: readonly string[] = Object.entries(FAMILIES)
  .flatMap(([name, f]) => f.sizes.map((size) => `${name}.${size}`));

/** Linux on-demand $/hour of `instanceType` in `region`, or undefined when the table does not know the type or the region. */
export function tableInstanceHourly(region: string, instanceType: string): TablePrice | undefined {
  const [name, size] = instanceType.split('.', 2);
  const fam = FAMILIES[name];
  const prices = REGIONS.get(region);
  if (!fam || !prices || size === undefined || !fam.sizes.includes(size)) return undefined;
  const usEast1 = fam.largeUsEast1 * SIZE_FACTORS[size];
  if (region === 'us-east-1') return { usd: usEast1, estimated: false };
  const regional = prices.reference[fam.cls];
  if (instanceType === REFERENCE_TYPES[fam.cls]) return { usd: regional, estimated: false };
  return { usd: usEast1 * (regional / US_EAST_1.reference[fam.cls]), estimated: true };
}

/** EBS $/GB-month of `volumeType` in `region`, or undefined for a region the table does not know. */
export function tableVolumeGbMonth(region: string, volumeType: VolumeType): TablePrice | undefined {
  const prices = REGIONS.get(region);
  if (!prices) return undefined;
  if (volumeType === 'gp3' || volumeType === 'gp2') return { usd: prices[volumeType], estimated: false };
  const base = EBS_US_EAST_1[volumeType];
  return region === 'us-east-1' ? { usd: base, estimated: false } : { usd: base * (prices.gp2 / US_EAST_1.gp2), estimated: true };
}
