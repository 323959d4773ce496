/**
 * The EC2 launcher as a user runs it (`node bin/run.js ...`), in three parts:
 *  1. `launch --provider aws --dry-run` for 3 masters, 3 ZooKeeper servers and 5 agents, spawn to
 *     exit, median of 5 runs: (a) with nothing at all (empty HOME, no AWS_* credentials, no Pulumi,
 *     the instance metadata service off), priced from the shipped table; (b) with credentials and
 *     the AWS Price List API answering from a stand-in on loopback (test/helpers/price-list-endpoint.ts,
 *     through MESOSCLOUD_PRICING_ENDPOINT). Target: seconds at most.
 *  2. The cost preview of that cluster in us-east-1 (default instance types), total and per role,
 *     each figure next to the price table's own (infra/aws/price-table.ts) it came from.
 *  3. Launch end to end for 3, 10 and 20 hosts (1 ZooKeeper, 1 master, the rest agents), with
 *     everything real but Pulumi's engine and EC2 itself: the stand-in stack engine
 *     (test/fixtures/stand-in-stack-engine.js: the project's Pulumi program under Pulumi's mocks,
 *     each resource made through the EC2 API), the EC2 Query API endpoint of the tests on loopback
 *     (test/helpers/ec2-endpoint.ts), whose instances are network-namespace hosts running sshd with
 *     their host keys in their console output. From spawn until the launch exits 0 (every agent
 *     registered, checked with `agents --json`), split into phases by its progress lines; then
 *     `destroy`, after which the endpoint may hold no live instance, VPC, subnet, security group,
 *     internet gateway, route table or key pair.
 *     Anchor: flintrock starts 100 real EC2 nodes in about 3 minutes, EC2's boot included. These
 *     figures have no boot time (the endpoint's instances run at once on hosts that are already up)
 *     and their stack step is the stand-in's, not Pulumi's.
 * Needs root (namespaces), sshd, Java and ZooKeeper (as the EC2 e2e suite does) and `npm run build`.
 * Run: npm run build && node dist/bench/aws-launch.bench.js [--quick] [--sizes=3,10] [--runs=N]
 * (--quick: 3 and 10 hosts); BENCH_VERBOSE=1 echoes the launcher's progress lines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PRICE_TABLE_DATE, PUBLIC_IPV4_HOURLY_USD, REGION_LOCATIONS, tableInstanceHourly, tableVolumeGbMonth } from '../infra/aws/price-table';
import type { VolumeType } from '../infra/aws/types';
import { round } from './lib/http';
import { leftoverNamespaces, median, secs, spread } from './lib/launch-figures';
import { AWS_PHASES, awsLaunchPhases, type AwsPhase } from './lib/launch-phases';
import { runMain } from './lib/main';
import { printTable, writeResults, type Row } from './lib/report';
import { addFleetMachines, bareAwsEnv, DUMMY_CREDENTIALS, loopbackAwsEnv } from '../test/helpers/aws-cli-env';
import { startEc2Endpoint, type Ec2Endpoint } from '../test/helpers/ec2-endpoint';
import { computeProduct, startPriceListEndpoint, storageProduct, type CatalogueProduct } from '../test/helpers/price-list-endpoint';
import { createSshHosts, type SshTestFleet } from '../test/helpers/ssh-hosts';
import { timedCli, type TimedRun } from '../test/helpers/timed-cli';

const QUICK = process.argv.includes('--quick');
const REGION = 'us-east-1';
const DRY_RUNS = 5;
/** The dry run's target: an answer within seconds. */
const DRY_TARGET = 'seconds at most';
/** flintrock's figure for 100 real EC2 nodes, boot included. */
const FLINTROCK = { hosts: 100, seconds: 180 };

function option(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** Hosts per case and how many runs each (fewer for the big ones: each run is a whole cluster). */
function cases(): { hosts: number; runs: number }[] {
  const sizes = option('sizes')?.split(',').map(Number) ?? (QUICK ? [3, 10] : [3, 10, 20]);
  const runs = option('runs');
  return sizes.map((hosts) => ({ hosts, runs: runs ? Number(runs) : QUICK || hosts >= 20 ? 1 : 2 }));
}

function expectOk(what: string, run: TimedRun): void {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
}

const verbose = process.env.BENCH_VERBOSE
  ? (l: { ms: number; text: string }) => process.stderr.write(`  ${(l.ms / 1000).toFixed(1).padStart(5)}s | ${l.text}\n`)
  : undefined;

// ---- 1 and 2: the dry run and its cost preview -------------------------------------------------

const DRY_RUN = ['launch', '--provider', 'aws', '--region', REGION, '--masters', '3', '--zk', '3', '--agents', '5', '--dry-run', '--cluster', 'bench-dry'];

/** The parts of the dry run's --json the benchmark reads (snake_case, as infra/aws/cost-render.ts writes it). */
interface CostJson {
  source: { kind: string; label: string; table_date: string; reason: string | null };
  roles: { role: string; count: number; instance_type: string; instance_hourly_each: number; volume: { type: VolumeType; size_gb: number; gb_month: number; hourly_each: number }; hourly: number; monthly: number }[];
  public_ipv4: { count: number; hourly_each: number; hourly: number; monthly: number };
  total: { hourly: number; monthly: number; partial: boolean };
}

interface DryCase { name: string; env: Record<string, string>; pricesFrom: RegExp }

/** `runs` timed dry runs of one case; each must succeed and take its prices where the case says. */
async function timeDryRuns(c: DryCase, work: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < DRY_RUNS; i++) {
    const run = await timedCli(DRY_RUN, { dataHome: fs.mkdtempSync(path.join(work, 'dry-')), env: c.env, timeoutMs: 60_000 });
    expectOk(`dry run (${c.name})`, run);
    if (!c.pricesFrom.test(run.stdout)) throw new Error(`dry run (${c.name}): prices not from where expected (${c.pricesFrom}):\n${run.stdout}`);
    times.push(run.ms);
  }
  return times;
}

/** Products for the stand-in Price List API: the cluster's types in REGION at the table's prices, as AWS would list them. */
function catalogueFor(cost: CostJson): CatalogueProduct[] {
  const location = REGION_LOCATIONS[REGION];
  const types = [...new Set(cost.roles.map((r) => r.instance_type))];
  const volumes = [...new Set(cost.roles.map((r) => r.volume.type))];
  return [
    ...types.map((t) => computeProduct(t, location, tableInstanceHourly(REGION, t)!.usd)),
    ...volumes.map((v) => storageProduct(v, location, tableVolumeGbMonth(REGION, v)!.usd)),
  ];
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

/** Each figure of the preview next to the price table's, and whether the preview's per-unit prices are the table's. */
function costRows(cost: CostJson): Row[] {
  const rows: Row[] = cost.roles.map((r) => {
    const tableInstance = tableInstanceHourly(REGION, r.instance_type)!.usd;
    const tableGbMonth = tableVolumeGbMonth(REGION, r.volume.type)!.usd;
    return {
      role: r.role,
      count: r.count,
      instance: r.instance_type,
      'table $/h': tableInstance,
      'preview $/h each': r.instance_hourly_each,
      volume: `${r.volume.type} ${r.volume.size_gb} GB`,
      'table $/GB-mo': tableGbMonth,
      'preview vol $/h each': round(r.volume.hourly_each, 6),
      '$/hour': round(r.hourly, 4),
      '$/month': round(r.monthly, 2),
      'as table': close(r.instance_hourly_each, tableInstance) && close(r.volume.gb_month, tableGbMonth) ? 'yes' : 'NO',
    };
  });
  rows.push({
    role: 'public IPv4', count: cost.public_ipv4.count, instance: '(one each)', 'table $/h': PUBLIC_IPV4_HOURLY_USD, 'preview $/h each': cost.public_ipv4.hourly_each,
    volume: '', 'table $/GB-mo': '', 'preview vol $/h each': '', '$/hour': round(cost.public_ipv4.hourly, 4), '$/month': round(cost.public_ipv4.monthly, 2),
    'as table': close(cost.public_ipv4.hourly_each, PUBLIC_IPV4_HOURLY_USD) ? 'yes' : 'NO',
  });
  rows.push({ role: 'total', count: cost.public_ipv4.count, instance: '', 'table $/h': '', 'preview $/h each': '', volume: '', 'table $/GB-mo': '', 'preview vol $/h each': '', '$/hour': round(cost.total.hourly, 4), '$/month': round(cost.total.monthly, 2), 'as table': '' });
  return rows;
}

async function dryRunPart(work: string) {
  const home = fs.mkdtempSync(path.join(work, 'home-'));
  const bare: DryCase = { name: 'no credentials, no Pulumi, no network', env: bareAwsEnv(home), pricesFrom: /^Prices: mesoscloud price table of .*\(no AWS credentials\)/m };

  // Once with --json: the cost the table gives, and the instance types the price list must know.
  const json = await timedCli([...DRY_RUN, '--json'], { dataHome: fs.mkdtempSync(path.join(work, 'dry-')), env: bare.env, timeoutMs: 60_000 });
  expectOk('dry run --json', json);
  const cost = (JSON.parse(json.stdout) as { plan: { cost: CostJson } }).plan.cost;
  if (cost.source.kind !== 'table' || cost.total.partial) throw new Error(`the dry run's cost is not a whole estimate from the table: ${JSON.stringify(cost.source)}`);

  const priceList = await startPriceListEndpoint('answer', catalogueFor(cost));
  try {
    const live: DryCase = {
      name: 'credentials, Price List API on loopback',
      env: { ...bareAwsEnv(home), ...DUMMY_CREDENTIALS, AWS_REGION: REGION, MESOSCLOUD_PRICING_ENDPOINT: priceList.url },
      pricesFrom: /^Prices: AWS Price List API, fetched /m,
    };
    const bareTimes = await timeDryRuns(bare, work);
    const liveTimes = await timeDryRuns(live, work);
    if (priceList.requests.length === 0) throw new Error('the Price List stand-in was never asked');
    const row = (c: DryCase, times: number[], prices: string): Row => ({
      case: c.name, runs: times.length, 'median s': secs(median(times)), 'min-max s': `${secs(Math.min(...times))}-${secs(Math.max(...times))}`, prices, target: DRY_TARGET,
    });
    return {
      rows: [row(bare, bareTimes, `table of ${PRICE_TABLE_DATE}`), row(live, liveTimes, 'Price List API (stand-in)')],
      times: { bare: bareTimes, live: liveTimes },
      priceRequests: priceList.requests.length,
      cost,
    };
  } finally {
    await priceList.close();
  }
}

// ---- 3: launch and destroy on loopback EC2 and SSH hosts ---------------------------------------

interface RunFigures {
  hosts: number;
  fleetMs: number;
  launchMs: number;
  phases: Record<AwsPhase, number>;
  launchCalls: number;
  destroyMs: number;
  destroyCalls: number;
  /** What the endpoint held after destroy (the run fails when anything is). */
  leftAfterDestroy: number;
}

const fleets = new Set<SshTestFleet>();
const endpoints = new Set<Ec2Endpoint>();
const namespaces: string[] = [];

const LIVE_KINDS = ['vpcs', 'subnets', 'securityGroups', 'internetGateways', 'routeTables', 'keyPairs'] as const;

/** What the endpoint still holds: instances neither terminated nor terminating, and every network resource and key pair. */
function leftOnEndpoint(endpoint: Ec2Endpoint): string[] {
  const instances = [...endpoint.state.instances.values()].filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down').map((i) => `${i.id} (${i.state})`);
  return [...instances, ...LIVE_KINDS.flatMap((kind) => [...endpoint.state[kind].keys()].map((id) => `${kind} ${id}`))];
}

async function runOnce(hosts: number, run: number, work: string): Promise<RunFigures> {
  const fleetStart = performance.now();
  const fleet = await createSshHosts(hosts);
  fleets.add(fleet);
  namespaces.push(...fleet.hosts.map((h) => h.netns));
  const fleetMs = performance.now() - fleetStart;
  const endpoint = await startEc2Endpoint();
  endpoints.add(endpoint);
  addFleetMachines(endpoint, fleet);
  const dataHome = fs.mkdtempSync(path.join(work, `data-${hosts}-${run}-`));
  const cluster = `bench-aws-${hosts}-${run}`;
  const cli = (args: string[]) => timedCli([...args, '--cluster', cluster], { dataHome, env: loopbackAwsEnv(endpoint), timeoutMs: 600_000, onLine: verbose });
  try {
    const launch = await cli(['launch', '--provider', 'aws', '--masters', '1', '--zk', '1', '--agents', String(hosts - 2), '--bootstrap',
      '--allow-cidr', `${fleet.bridgeIp}/32`, '--key', fleet.keyPath, '--user', 'root', '--agent-resources', 'cpus:1;mem:256']);
    expectOk('launch', launch);
    const launchCalls = endpoint.calls.length;
    const agents = await cli(['agents', '--json']);
    expectOk('agents --json', agents);
    const active = (JSON.parse(agents.stdout) as { agents: { state: string }[] }).agents.filter((a) => a.state === 'active').length;
    if (active !== hosts - 2) throw new Error(`launch returned with ${active} active agent(s), expected ${hosts - 2}`);

    const callsBefore = endpoint.calls.length;
    const destroy = await cli(['destroy', '--json']);
    expectOk('destroy', destroy);
    const swept = JSON.parse(destroy.stdout) as { left: unknown[] };
    if (swept.left.length > 0) throw new Error(`destroy reports resources left: ${JSON.stringify(swept.left)}`);
    const left = leftOnEndpoint(endpoint);
    if (left.length > 0) throw new Error(`destroy left on the EC2 endpoint: ${left.join(', ')}`);
    return {
      hosts, fleetMs, launchMs: launch.ms, phases: awsLaunchPhases(launch.lines, launch.ms), launchCalls,
      destroyMs: destroy.ms, destroyCalls: endpoint.calls.length - callsBefore, leftAfterDestroy: left.length,
    };
  } finally {
    fleet.remove();
    fleets.delete(fleet);
    await endpoint.close();
    endpoints.delete(endpoint);
    fs.rmSync(dataHome, { recursive: true, force: true });
  }
}

async function launchPart(work: string): Promise<Map<number, RunFigures[]>> {
  const byHosts = new Map<number, RunFigures[]>();
  for (const c of cases()) {
    const runs: RunFigures[] = [];
    for (let r = 0; r < c.runs; r++) {
      const figures = await runOnce(c.hosts, r, work);
      process.stderr.write(`${c.hosts} hosts, run ${r + 1}/${c.runs}: launch ${secs(figures.launchMs)} s, destroy ${secs(figures.destroyMs)} s\n`);
      runs.push(figures);
    }
    byHosts.set(c.hosts, runs);
  }
  return byHosts;
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-bench-aws-'));
  let dry: Awaited<ReturnType<typeof dryRunPart>>;
  let byHosts: Map<number, RunFigures[]>;
  try {
    dry = await dryRunPart(work);
    byHosts = await launchPart(work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  printTable(`launch --provider aws --dry-run, 3 masters + 3 ZooKeeper + 5 agents in ${REGION}: spawn to exit (seconds)`, dry.rows);

  const costTable = costRows(dry.cost);
  printTable(`Cost preview, 3 masters + 3 ZooKeeper + 5 agents in ${REGION} (default types), USD, next to the price table of ${dry.cost.source.table_date} it came from`, costTable);
  process.stdout.write(`  ${dry.cost.source.label}${dry.cost.source.reason ? ` (${dry.cost.source.reason})` : ''}; $/month = $/hour x 730\n\n`);

  const rows: Row[] = [...byHosts].map(([hosts, runs]) => ({
    hosts,
    agents: hosts - 2,
    runs: runs.length,
    'launch s': spread(runs.map((r) => r.launchMs)),
    'EC2 calls': median(runs.map((r) => r.launchCalls)),
    'destroy s': spread(runs.map((r) => r.destroyMs)),
    'destroy EC2 calls': median(runs.map((r) => r.destroyCalls)),
    'left after destroy': Math.max(...runs.map((r) => r.leftAfterDestroy)),
  }));
  rows.push({ hosts: FLINTROCK.hosts, agents: '', runs: '', 'launch s': `~${FLINTROCK.seconds} (flintrock, real EC2, boot included)`, 'EC2 calls': '', 'destroy s': '', 'destroy EC2 calls': '', 'left after destroy': '' });
  printTable('EC2 launch on loopback EC2 + namespace hosts: 1 ZooKeeper + 1 master + agents (median (min-max), seconds; no EC2 boot time, stack step by the stand-in engine, not Pulumi)', rows);

  const phaseRows: Row[] = [...byHosts].map(([hosts, runs]) => ({
    hosts,
    ...Object.fromEntries(AWS_PHASES.map((p) => [p, secs(median(runs.map((r) => r.phases[p])))])),
  }));
  printTable('Where the launch time goes (median seconds per phase, from the progress lines)', phaseRows);
  process.stdout.write(`Machine: ${os.cpus().length} cores (load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}); figures are noisy when it is shared\n`);

  const left = leftoverNamespaces(namespaces);
  if (left.length > 0) throw new Error(`network namespaces left behind: ${left.join(', ')}`);
  writeResults('aws-launch', {
    dry_run: { rows: dry.rows, runs_ms: { bare: dry.times.bare.map(Math.round), live: dry.times.live.map(Math.round) }, price_list_requests: dry.priceRequests },
    cost: { rows: costTable, source: dry.cost.source, total: dry.cost.total },
    launch: { rows, phases: phaseRows, anchor: { tool: 'flintrock', hosts: FLINTROCK.hosts, seconds: FLINTROCK.seconds, boot_included: true } },
    runs: Object.fromEntries([...byHosts].map(([hosts, runs]) => [hosts, runs.map((r) => ({
      fleet_ms: Math.round(r.fleetMs), launch_ms: Math.round(r.launchMs), launch_ec2_calls: r.launchCalls, destroy_ms: Math.round(r.destroyMs), destroy_ec2_calls: r.destroyCalls, left_after_destroy: r.leftAfterDestroy,
      phases_ms: Object.fromEntries(Object.entries(r.phases).map(([k, v]) => [k, Math.round(v)])),
    }))])),
    note: 'launch: spawn to exit 0 (every agent registered); no EC2 boot time (the instances are hosts already up); the stack step is the stand-in engine\'s (the Pulumi program under mocks, resources made through the EC2 API), not Pulumi\'s engine; destroy: until exit 0 with nothing left on the endpoint',
  });
}

// Ctrl-C must still remove the fleets: exiting runs their exit hook.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
runMain(main, () => {
  for (const fleet of fleets) fleet.remove();
  for (const endpoint of endpoints) void endpoint.close();
});
