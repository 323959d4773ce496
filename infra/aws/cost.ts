/**
 * What an AWS cluster would cost, from its roles and a set of prices: per role (instances and
 * their root volumes), the public IPv4 addresses (one per instance), and the total, hourly and
 * monthly (730 hours). Prices come in as plain data (PriceSource), from the Price List API or from
 * the shipped table (price-table.ts); this module neither fetches nor knows which. A price it lacks
 * is no error: the line says so and the total is marked partial. Pure: the I/O side is
 * infra/providers/aws/price-list.ts.
 */
import type { ClusterStackConfig, Role, RoleMachines, VolumeType } from './types';
import { PRICE_TABLE_DATE, PUBLIC_IPV4_HOURLY_USD, tableInstanceHourly, tableVolumeGbMonth } from './price-table';

/** AWS's own figure for a month of hours. */
export const HOURS_PER_MONTH = 730;

/** Where one price came from: the Price List API, the table as published, or the table through a regional factor. */
export type PriceOrigin = 'live' | 'table' | 'estimate';

export interface Price { usd: number; origin: PriceOrigin }

/** The prices an estimate is computed from, for one region. */
export interface PriceSource {
  kind: 'live' | 'table';
  /** For the reader: 'AWS Price List API, fetched ...' or 'mesoscloud price table of ...'. */
  label: string;
  /** The date of the table whose prices are used (every table price, and the IPv4 rate, comes from it). */
  tableDate: string;
  /** Why the table was used rather than the Price List API ('no AWS credentials', ...), for all prices or some. */
  reason?: string;
  /** Linux on-demand $/hour by instance type; a type missing here has no known price. */
  instanceHourly: Readonly<Record<string, Price>>;
  /** EBS $/GB-month by volume type. */
  volumeGbMonth: Readonly<Partial<Record<VolumeType, Price>>>;
  publicIpv4Hourly: Price;
}

/** What the estimate needs of a cluster: its region and its roles. */
export type CostInput = Pick<ClusterStackConfig, 'region' | 'roles'> & { cluster?: string };

export interface RoleCost {
  role: Role;
  count: number;
  instanceType: string;
  spot: boolean;
  /** $/hour of one instance, or null when unknown. */
  instanceHourlyEach: number | null;
  instanceOrigin: PriceOrigin | null;
  volume: { type: VolumeType; sizeGb: number; gbMonth: number | null; hourlyEach: number | null; origin: PriceOrigin | null };
  /** The whole role, of what is known. */
  hourly: number;
  monthly: number;
  /** What has no price ('instance type x9.huge in eu-west-1'). */
  unknown: string[];
}

export interface CostEstimate {
  cluster?: string;
  region: string;
  roles: RoleCost[];
  publicIpv4: { count: number; hourlyEach: number; hourly: number; monthly: number; origin: PriceOrigin };
  total: { hourly: number; monthly: number; partial: boolean };
  source: { kind: 'live' | 'table'; label: string; tableDate: string; reason?: string };
  /** What the figures leave out or assume, one sentence each. */
  notes: string[];
}

/** Roles in the order a reader expects them: control plane first. */
const ROLE_ORDER: readonly Role[] = ['master', 'zookeeper', 'agent'];

function roleCost(role: Role, machines: RoleMachines, region: string, prices: PriceSource): RoleCost {
  const { count, instanceType, spot, volumeSizeGb, volumeType } = machines;
  const instance = prices.instanceHourly[instanceType];
  const storage = prices.volumeGbMonth[volumeType];
  const unknown: string[] = [];
  if (!instance) unknown.push(`instance type ${instanceType} in ${region}`);
  if (!storage) unknown.push(`${volumeType} volumes in ${region}`);
  const volumeHourlyEach = storage ? (storage.usd * volumeSizeGb) / HOURS_PER_MONTH : null;
  const hourly = count * ((instance?.usd ?? 0) + (volumeHourlyEach ?? 0));
  return {
    role, count, instanceType, spot,
    instanceHourlyEach: instance?.usd ?? null,
    instanceOrigin: instance?.origin ?? null,
    volume: { type: volumeType, sizeGb: volumeSizeGb, gbMonth: storage?.usd ?? null, hourlyEach: volumeHourlyEach, origin: storage?.origin ?? null },
    hourly,
    monthly: hourly * HOURS_PER_MONTH,
    unknown,
  };
}

/** The cost of `input` at `prices`; roles with no machines are left out. */
export function estimateCost(input: CostInput, prices: PriceSource): CostEstimate {
  const roles = ROLE_ORDER.filter((role) => input.roles[role] && input.roles[role].count > 0)
    .map((role) => roleCost(role, input.roles[role], input.region, prices));
  const instances = roles.reduce((n, r) => n + r.count, 0);
  const ipv4Hourly = instances * prices.publicIpv4Hourly.usd;
  const hourly = roles.reduce((sum, r) => sum + r.hourly, 0) + ipv4Hourly;
  const spotRoles = roles.filter((r) => r.spot).map((r) => r.role);
  const notes = [
    `Monthly = hourly x ${HOURS_PER_MONTH}. Not included: data transfer, EBS snapshots and images, provisioned IOPS and throughput above the volume's baseline, taxes.`,
  ];
  if (spotRoles.length > 0) {
    notes.push(`Spot (${spotRoles.join(', ')}): shown at the on-demand price, the most a spot instance costs; the spot price varies below it.`);
  }
  const burstable = [...new Set(roles.map((r) => r.instanceType).filter((t) => /^t\d/.test(t)))];
  if (burstable.length > 0) {
    notes.push(`Burstable (${burstable.join(', ')}): in unlimited mode, AWS's default for T3 and T4g, CPU use above the baseline is billed on top.`);
  }
  if (roles.some((r) => r.instanceOrigin === 'estimate' || r.volume.origin === 'estimate')) {
    notes.push(`* estimated: the table's us-east-1 price scaled by the region's price level (table of ${prices.tableDate}).`);
  }
  return {
    ...(input.cluster !== undefined ? { cluster: input.cluster } : {}),
    region: input.region,
    roles,
    publicIpv4: { count: instances, hourlyEach: prices.publicIpv4Hourly.usd, hourly: ipv4Hourly, monthly: ipv4Hourly * HOURS_PER_MONTH, origin: prices.publicIpv4Hourly.origin },
    total: { hourly, monthly: hourly * HOURS_PER_MONTH, partial: roles.some((r) => r.unknown.length > 0) },
    source: { kind: prices.kind, label: prices.label, tableDate: prices.tableDate, ...(prices.reason ? { reason: prices.reason } : {}) },
    notes,
  };
}

function fromTable(price: { usd: number; estimated: boolean } | undefined): Price | undefined {
  return price && { usd: price.usd, origin: price.estimated ? 'estimate' : 'table' };
}

/**
 * The table's prices for `region`, for the instance and volume types asked; `live` prices, when
 * given, take precedence (the rest comes from the table, and the label names them).
 */
export function priceSource(
  region: string,
  instanceTypes: readonly string[],
  volumeTypes: readonly VolumeType[],
  how: { live?: { label: string; instanceHourly: Record<string, number>; volumeGbMonth: Partial<Record<VolumeType, number>> }; reason?: string },
): PriceSource {
  const instanceHourly: Record<string, Price> = {};
  const volumeGbMonth: Partial<Record<VolumeType, Price>> = {};
  const fromTableToo: string[] = [];
  for (const type of new Set(instanceTypes)) {
    const live = how.live?.instanceHourly[type];
    const price = live !== undefined ? { usd: live, origin: 'live' as const } : fromTable(tableInstanceHourly(region, type));
    if (price) instanceHourly[type] = price;
    if (how.live && live === undefined) fromTableToo.push(type);
  }
  for (const type of new Set(volumeTypes)) {
    const live = how.live?.volumeGbMonth[type];
    const price = live !== undefined ? { usd: live, origin: 'live' as const } : fromTable(tableVolumeGbMonth(region, type));
    if (price) volumeGbMonth[type] = price;
    if (how.live && live === undefined) fromTableToo.push(type);
  }
  const tableLabel = `mesoscloud price table of ${PRICE_TABLE_DATE}`;
  const label = how.live
    ? `${how.live.label}${fromTableToo.length > 0 ? `; from the ${tableLabel}: ${fromTableToo.join(', ')}` : ''}`
    : tableLabel;
  return {
    kind: how.live ? 'live' : 'table',
    label,
    tableDate: PRICE_TABLE_DATE,
    ...(how.reason ? { reason: how.reason } : {}),
    instanceHourly,
    volumeGbMonth,
    publicIpv4Hourly: { usd: PUBLIC_IPV4_HOURLY_USD, origin: 'table' },
  };
}
