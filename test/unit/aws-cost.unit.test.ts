/**
 * The cost preview's pure parts: the shipped price table (published prices where it claims them,
 * regional estimates marked), the estimate (per role, public IPv4, totals; unknown prices make a
 * partial total, not a crash) with its properties checked over arbitrary clusters, and the
 * rendering for a terminal and for --json.
 */
import fc from 'fast-check';
import { HOURS_PER_MONTH, estimateCost, priceSource, type CostInput } from '../../infra/aws/cost';
import { costJson, renderCostPreview } from '../../infra/aws/cost-render';
import {
  PRICE_TABLE_DATE, PUBLIC_IPV4_HOURLY_USD, REGION_LOCATIONS, TABLE_INSTANCE_TYPES, TABLE_REGIONS,
  tableInstanceHourly, tableVolumeGbMonth,
} from '../../infra/aws/price-table';
import { VOLUME_TYPES, type RoleMachines, type VolumeType } from '../../infra/aws/types';

const machines = (count: number, instanceType: string, over: Partial<RoleMachines> = {}): RoleMachines =>
  ({ count, instanceType, spot: false, volumeSizeGb: 30, volumeType: 'gp3', ...over });

/** The cluster docs/aws-cost.md prices: 3 masters + 3 ZooKeeper + 5 agents. */
const DOC_CLUSTER: CostInput = {
  cluster: 'prod',
  region: 'us-east-1',
  roles: {
    master: machines(3, 'm6i.large', { volumeSizeGb: 30 }),
    zookeeper: machines(3, 't3.medium', { volumeSizeGb: 20 }),
    agent: machines(5, 'm6i.xlarge', { volumeSizeGb: 50 }),
  },
};

function tableEstimate(input: CostInput, reason = 'no AWS credentials') {
  const ms = Object.values(input.roles);
  return estimateCost(input, priceSource(input.region, ms.map((m) => m.instanceType), ms.map((m) => m.volumeType), { reason }));
}

describe('the price table', () => {
  it('holds the published us-east-1 prices', () => {
    expect(tableInstanceHourly('us-east-1', 't3.medium')).toEqual({ usd: 0.0416, estimated: false });
    expect(tableInstanceHourly('us-east-1', 'm5.large')).toEqual({ usd: 0.096, estimated: false });
    expect(tableInstanceHourly('us-east-1', 'm6i.xlarge')).toEqual({ usd: 0.192, estimated: false });
    expect(tableInstanceHourly('us-east-1', 't3.nano')?.usd).toBeCloseTo(0.0052, 10);
    expect(tableInstanceHourly('us-east-1', 'c7g.medium')?.usd).toBeCloseTo(0.03625, 10);
    expect(tableVolumeGbMonth('us-east-1', 'gp3')).toEqual({ usd: 0.08, estimated: false });
    expect(tableVolumeGbMonth('us-east-1', 'gp2')).toEqual({ usd: 0.1, estimated: false });
    expect(PUBLIC_IPV4_HOURLY_USD).toBe(0.005);
    expect(PRICE_TABLE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('gives the reference types their regional price as published, and marks the others estimated', () => {
    expect(tableInstanceHourly('eu-west-1', 'm5.large')).toEqual({ usd: 0.107, estimated: false });
    expect(tableInstanceHourly('sa-east-1', 't3.medium')).toEqual({ usd: 0.0672, estimated: false });
    const m6i = tableInstanceHourly('eu-west-1', 'm6i.xlarge');
    expect(m6i?.estimated).toBe(true);
    expect(m6i?.usd).toBeCloseTo(0.214, 10); // m5.large's eu-west-1 factor (0.107/0.096) on 0.192
    expect(tableVolumeGbMonth('eu-central-1', 'gp3')).toEqual({ usd: 0.0952, estimated: false });
    expect(tableVolumeGbMonth('eu-west-1', 'io2')).toEqual({ usd: expect.closeTo(0.1375, 10), estimated: true });
  });

  it('knows every type in every region of the table, each size priced in proportion to its family', () => {
    for (const region of TABLE_REGIONS) {
      expect(REGION_LOCATIONS[region]).toBeTruthy();
      for (const type of TABLE_INSTANCE_TYPES) expect(tableInstanceHourly(region, type)?.usd).toBeGreaterThan(0);
      for (const volume of VOLUME_TYPES) expect(tableVolumeGbMonth(region, volume)?.usd).toBeGreaterThan(0);
      const large = tableInstanceHourly(region, 'm7i.large')!.usd;
      expect(tableInstanceHourly(region, 'm7i.4xlarge')!.usd).toBeCloseTo(8 * large, 10);
    }
    expect(TABLE_INSTANCE_TYPES).toEqual(expect.arrayContaining(['t3a.2xlarge', 't4g.nano', 'm7a.4xlarge', 'm6g.medium', 'c7i.large', 'r6g.4xlarge']));
  });

  it('answers undefined, not a wrong price, for what it does not know', () => {
    expect(tableInstanceHourly('us-east-1', 'x2iedn.32xlarge')).toBeUndefined();
    expect(tableInstanceHourly('us-east-1', 'm5.metal')).toBeUndefined();
    expect(tableInstanceHourly('us-east-1', 'm5')).toBeUndefined();
    expect(tableInstanceHourly('mars-north-1', 'm5.large')).toBeUndefined();
    expect(tableVolumeGbMonth('mars-north-1', 'gp3')).toBeUndefined();
    expect(tableVolumeGbMonth('mars-north-1', 'st1')).toBeUndefined();
  });
});

describe('estimateCost', () => {
  it('prices 3 masters + 3 ZooKeeper + 5 agents in us-east-1 from the table', () => {
    const e = tableEstimate(DOC_CLUSTER);
    expect(e.roles.map((r) => [r.role, r.count, r.instanceType, r.instanceHourlyEach])).toEqual([
      ['master', 3, 'm6i.large', 0.096], ['zookeeper', 3, 't3.medium', 0.0416], ['agent', 5, 'm6i.xlarge', 0.192],
    ]);
    // A 30 GB gp3 volume: 30 x 0.08 $/GB-month, over 730 hours.
    expect(e.roles[0].volume.hourlyEach).toBeCloseTo((30 * 0.08) / 730, 12);
    expect(e.publicIpv4).toMatchObject({ count: 11, hourlyEach: 0.005 });
    expect(e.publicIpv4.hourly).toBeCloseTo(0.055, 12);
    // 3x0.096 + 3x0.0416 + 5x0.192 + (3x30 + 3x20 + 5x50) GB x 0.08 / 730 + 11 x 0.005
    expect(e.total.hourly).toBeCloseTo(0.288 + 0.1248 + 0.96 + (400 * 0.08) / 730 + 0.055, 10);
    expect(e.total.monthly).toBeCloseTo(e.total.hourly * 730, 8);
    expect(e.total.partial).toBe(false);
    expect(e.source).toEqual({ kind: 'table', label: `mesoscloud price table of ${PRICE_TABLE_DATE}`, tableDate: PRICE_TABLE_DATE, reason: 'no AWS credentials' });
  });

  it('says "price unknown" for a type or region the prices lack and marks the total partial', () => {
    const e = tableEstimate({ ...DOC_CLUSTER, roles: { ...DOC_CLUSTER.roles, agent: machines(2, 'x9.huge') } });
    const agent = e.roles.find((r) => r.role === 'agent')!;
    expect(agent.instanceHourlyEach).toBeNull();
    expect(agent.unknown).toEqual(['instance type x9.huge in us-east-1']);
    expect(agent.hourly).toBeCloseTo((2 * 30 * 0.08) / 730, 12); // the volumes are still priced
    expect(e.total.partial).toBe(true);
    const text = renderCostPreview(e);
    expect(text).toMatch(/agent\s+2\s+x9\.huge\s+price unknown/);
    expect(text).toContain('Partial: no price for instance type x9.huge in us-east-1');

    const nowhere = tableEstimate({ ...DOC_CLUSTER, region: 'mars-north-1' });
    expect(nowhere.roles.every((r) => r.instanceHourlyEach === null && r.volume.hourlyEach === null)).toBe(true);
    expect(nowhere.total.hourly).toBeCloseTo(11 * 0.005, 12); // only the public IPv4 rate, the same everywhere
    expect(nowhere.total.partial).toBe(true);
  });

  it('prices spot nodes at the on-demand price and says it is the upper bound', () => {
    const spot = tableEstimate({ ...DOC_CLUSTER, roles: { ...DOC_CLUSTER.roles, agent: { ...DOC_CLUSTER.roles.agent, spot: true } } });
    expect(spot.total.hourly).toBeCloseTo(tableEstimate(DOC_CLUSTER).total.hourly, 12);
    expect(spot.notes.join('\n')).toMatch(/Spot \(agent\): shown at the on-demand price, the most/);
    expect(tableEstimate(DOC_CLUSTER).notes.join('\n')).not.toMatch(/Spot/);
    expect(tableEstimate(DOC_CLUSTER).notes.join('\n')).toMatch(/Burstable \(t3\.medium\): in unlimited mode/);
  });

  it('leaves out a role with no machines (a standalone master has no ZooKeeper)', () => {
    const e = tableEstimate({ ...DOC_CLUSTER, roles: { ...DOC_CLUSTER.roles, zookeeper: machines(0, 't3.medium') } });
    expect(e.roles.map((r) => r.role)).toEqual(['master', 'agent']);
    expect(e.publicIpv4.count).toBe(8);
  });

  it('takes live prices first and the table for what the live ones lack, and says so', () => {
    const prices = priceSource('eu-west-1', ['m6i.large', 't3.medium'], ['gp3'], {
      live: { label: 'AWS Price List API, fetched 2026-12-07 10:41 UTC', instanceHourly: { 'm6i.large': 0.107 }, volumeGbMonth: { gp3: 0.088 } },
    });
    expect(prices.kind).toBe('live');
    expect(prices.instanceHourly).toEqual({ 'm6i.large': { usd: 0.107, origin: 'live' }, 't3.medium': { usd: 0.0456, origin: 'table' } });
    expect(prices.volumeGbMonth).toEqual({ gp3: { usd: 0.088, origin: 'live' } });
    expect(prices.label).toBe(`AWS Price List API, fetched 2026-12-07 10:41 UTC; from the mesoscloud price table of ${PRICE_TABLE_DATE}: t3.medium`);
  });
});

describe('estimateCost, for any cluster', () => {
  const types = [...TABLE_INSTANCE_TYPES.slice(0, 40), 'x9.huge'];
  const role = fc.record({
    count: fc.integer({ min: 0, max: 50 }),
    instanceType: fc.constantFrom(...types),
    spot: fc.boolean(),
    volumeSizeGb: fc.integer({ min: 8, max: 2000 }),
    volumeType: fc.constantFrom<VolumeType>(...VOLUME_TYPES),
  });
  const cluster: fc.Arbitrary<CostInput> = fc.record({
    region: fc.constantFrom(...TABLE_REGIONS, 'mars-north-1'),
    roles: fc.record({ master: role, zookeeper: role, agent: role }),
  });

  it('totals the lines, hourly and monthly, and a month is 730 hours of each', () => {
    fc.assert(fc.property(cluster, (input) => {
      const e = tableEstimate(input);
      const lines = e.roles.reduce((sum, r) => sum + r.hourly, 0) + e.publicIpv4.hourly;
      expect(e.total.hourly).toBeCloseTo(lines, 9);
      expect(e.total.monthly).toBeCloseTo(e.roles.reduce((sum, r) => sum + r.monthly, 0) + e.publicIpv4.monthly, 6);
      for (const line of [...e.roles, e.publicIpv4, e.total]) expect(line.monthly).toBeCloseTo(line.hourly * HOURS_PER_MONTH, 6);
      expect(e.total.partial).toBe(e.roles.some((r) => r.unknown.length > 0));
      // The JSON's rounded figures keep the same relations, within their rounding.
      const json = costJson(e);
      expect(Math.abs(json.total.monthly - json.total.hourly! * HOURS_PER_MONTH)).toBeLessThanOrEqual(0.005 + 730 * 5e-7);
    }));
  });

  it('scales linearly with the number of machines', () => {
    fc.assert(fc.property(cluster, fc.integer({ min: 2, max: 10 }), (input, k) => {
      const times = (m: RoleMachines) => ({ ...m, count: m.count * k });
      const scaled = tableEstimate({ ...input, roles: { master: times(input.roles.master), zookeeper: times(input.roles.zookeeper), agent: times(input.roles.agent) } });
      expect(scaled.total.hourly).toBeCloseTo(k * tableEstimate(input).total.hourly, 8);
      expect(scaled.publicIpv4.count).toBe(k * tableEstimate(input).publicIpv4.count);
    }));
  });
});

describe('renderCostPreview and costJson', () => {
  it('prints one aligned table, the source with its date and reason, and what is not included', () => {
    const text = renderCostPreview(tableEstimate({ ...DOC_CLUSTER, region: 'eu-west-1' }));
    const lines = text.split('\n');
    expect(lines[0]).toBe("Cost preview for cluster 'prod' in eu-west-1: 11 instances, on-demand Linux prices in USD");
    const table = lines.slice(2, 8);
    expect(table[0]).toMatch(/^ {2}ROLE\s+COUNT\s+INSTANCE\s+\$\/H EACH\s+ROOT VOLUME\s+\$\/H EACH\s+\$\/HOUR\s+\$\/MONTH$/);
    expect(table.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(['master', 'zookeeper', 'agent', 'public IPv4', 'total']);
    // Amounts are right-aligned: every row's $/MONTH ends in the same column.
    expect(new Set(table.slice(1).map((l) => l.length)).size).toBe(1);
    expect(table[1]).toMatch(/master\s+3\s+m6i\.large\s+0\.1070\*\s+gp3 30 GB\s+0\.0036\s+0\.3318\s+242\.25$/);
    expect(text).toContain(`Prices: mesoscloud price table of ${PRICE_TABLE_DATE} (no AWS credentials).`);
    expect(text).toMatch(/Not included: data transfer/);
    expect(text).toMatch(/\* estimated: the table's us-east-1 price scaled by the region's price level/);
  });

  it('gives --json snake_case fields, rounded amounts and null for an unknown price', () => {
    const json = costJson(tableEstimate({ ...DOC_CLUSTER, roles: { ...DOC_CLUSTER.roles, agent: machines(1, 'x9.huge', { spot: true }) } }));
    expect(json.source).toEqual({ kind: 'table', label: `mesoscloud price table of ${PRICE_TABLE_DATE}`, table_date: PRICE_TABLE_DATE, reason: 'no AWS credentials' });
    expect(json.roles[0]).toEqual({
      role: 'master', count: 3, instance_type: 'm6i.large', spot: false, instance_hourly_each: 0.096, instance_price_origin: 'table',
      volume: { type: 'gp3', size_gb: 30, gb_month: 0.08, hourly_each: 0.003288, price_origin: 'table' },
      hourly: 0.297863, monthly: 217.44, unknown: [],
    });
    expect(json.roles[2]).toMatchObject({ instance_type: 'x9.huge', spot: true, instance_hourly_each: null, instance_price_origin: null, unknown: ['instance type x9.huge in us-east-1'] });
    expect(json.total.partial).toBe(true);
    expect(json.currency).toBe('USD');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
