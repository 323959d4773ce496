/**
 * A cost estimate as the operator reads it (`launch --provider aws --dry-run`): one aligned table,
 * amounts right-aligned, then where the prices came from and what the figures leave out; and the
 * same estimate for `--json`, amounts rounded (hourly to 6 places, monthly to cents).
 */
import { plural } from '../plan/roles';
import type { CostEstimate, PriceOrigin, RoleCost } from './cost';

const UNKNOWN = 'price unknown';

/** Right-aligned columns: the amounts. */
const RIGHT = new Set([1, 3, 5, 6, 7]);
const HEADERS = ['ROLE', 'COUNT', 'INSTANCE', '$/H EACH', 'ROOT VOLUME', '$/H EACH', '$/HOUR', '$/MONTH'];

/** A unit price; its column keeps a place for the mark of an estimate, so the decimal points line up. */
function each(value: number | null, origin: PriceOrigin | null): string {
  return (value === null ? UNKNOWN : value.toFixed(4)) + (origin === 'estimate' ? '*' : ' ');
}

function roleRow(r: RoleCost): string[] {
  return [
    r.role,
    String(r.count),
    r.spot ? `${r.instanceType} (spot)` : r.instanceType,
    each(r.instanceHourlyEach, r.instanceOrigin),
    `${r.volume.type} ${r.volume.sizeGb} GB`,
    each(r.volume.hourlyEach, r.volume.origin),
    r.unknown.length > 0 ? `${r.hourly.toFixed(4)}+` : r.hourly.toFixed(4),
    r.unknown.length > 0 ? `${r.monthly.toFixed(2)}+` : r.monthly.toFixed(2),
  ];
}

function aligned(rows: string[][]): string[] {
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((cells) => cells.map((c, i) => (RIGHT.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
}

function sourceLine(e: CostEstimate): string {
  return `Prices: ${e.source.label}${e.source.reason ? ` (${e.source.reason})` : ''}.`;
}

export function renderCostPreview(e: CostEstimate): string {
  const partial = e.total.partial;
  const rows = [
    HEADERS,
    ...e.roles.map(roleRow),
    ['public IPv4', String(e.publicIpv4.count), '(one per instance)', each(e.publicIpv4.hourlyEach, e.publicIpv4.origin), '', '', e.publicIpv4.hourly.toFixed(4), e.publicIpv4.monthly.toFixed(2)],
    ['total', '', '', '', '', '', `${e.total.hourly.toFixed(4)}${partial ? '+' : ''}`, `${e.total.monthly.toFixed(2)}${partial ? '+' : ''}`],
  ];
  const title = `Cost preview${e.cluster ? ` for cluster '${e.cluster}'` : ''} in ${e.region}: ` +
    `${plural(e.publicIpv4.count, 'instance')}, on-demand Linux prices in USD`;
  const lines = [title, '', ...aligned(rows).map((l) => `  ${l}`), '', sourceLine(e)];
  if (partial) {
    lines.push(`Partial: no price for ${e.roles.flatMap((r) => r.unknown).join('; ')}; the totals (+) leave those out.`);
  }
  lines.push(...e.notes);
  return lines.join('\n') + '\n';
}

const round = (value: number, places: number) => Number(value.toFixed(places));
const hourly = (value: number | null) => (value === null ? null : round(value, 6));
const monthly = (value: number) => round(value, 2);

/** The estimate for --json: snake_case like the plan's JSON, null for a price not known. */
export function costJson(e: CostEstimate) {
  return {
    cluster: e.cluster ?? null,
    region: e.region,
    currency: 'USD',
    source: { kind: e.source.kind, label: e.source.label, table_date: e.source.tableDate, reason: e.source.reason ?? null },
    roles: e.roles.map((r) => ({
      role: r.role,
      count: r.count,
      instance_type: r.instanceType,
      spot: r.spot,
      instance_hourly_each: hourly(r.instanceHourlyEach),
      instance_price_origin: r.instanceOrigin,
      volume: {
        type: r.volume.type,
        size_gb: r.volume.sizeGb,
        gb_month: r.volume.gbMonth,
        hourly_each: hourly(r.volume.hourlyEach),
        price_origin: r.volume.origin,
      },
      hourly: hourly(r.hourly),
      monthly: monthly(r.monthly),
      unknown: r.unknown,
    })),
    public_ipv4: {
      count: e.publicIpv4.count,
      hourly_each: e.publicIpv4.hourlyEach,
      hourly: hourly(e.publicIpv4.hourly),
      monthly: monthly(e.publicIpv4.monthly),
    },
    total: { hourly: hourly(e.total.hourly), monthly: monthly(e.total.monthly), partial: e.total.partial },
    notes: e.notes,
  };
}
