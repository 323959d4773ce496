/**
 * The SSH launcher as a user runs it, on test hosts made here (network namespaces on a private
 * bridge, each with its own sshd and overlaid /etc, /opt, /var...: test/helpers/ssh-hosts.ts), for 3, 10 and
 * 20 hosts (1 ZooKeeper, 1 master, the rest agents):
 *  1. launch: `node bin/run.js launch --provider ssh --hosts ... --masters 1 --zk 1` from spawn until
 *     it exits 0, which it does once every agent is registered with the leader (checked afterwards
 *     with `agents --json`); split into phases by its progress lines (lib/launch-phases.ts);
 *  2. relaunch: the same command again on the healthy cluster (nothing to do);
 *  3. destroy: `destroy`, after which no daemon may be left on any host.
 * Plus the daemon bundle's size, raw and gzipped. Each run gets fresh hosts and a fresh data dir;
 * every fleet is removed after its run.
 *
 * Target: 20 hosts launched in under 20 s, and time growing sub-linearly with the number of hosts.
 * Needs root (namespaces, mounts), sshd, Java and ZooKeeper (as the SSH e2e suite does).
 * Run: npm run build && node dist/bench/ssh-launch.bench.js [--quick] [--sizes=3,10] [--runs=N]
 * (--quick: 3 and 10 hosts); BENCH_VERBOSE=1 echoes the launcher's progress lines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { findDaemonBundle } from '../infra/bootstrap/bundle';
import { round } from './lib/http';
import { leftoverNamespaces, median, secs, spread } from './lib/launch-figures';
import { launchPhases, longestSteps, PHASES, type Phase } from './lib/launch-phases';
import { runMain } from './lib/main';
import { printTable, writeResults, type Row } from './lib/report';
import { createSshHosts, type SshTestFleet } from '../test/helpers/ssh-hosts';
import { timedCli, type TimedRun } from '../test/helpers/timed-cli';

const QUICK = process.argv.includes('--quick');
const TARGET_HOSTS = 20;
const TARGET_MS = 20_000;

function option(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** Hosts per case and how many runs each (fewer for the big ones: each run is a whole cluster). */
function cases(): { hosts: number; runs: number }[] {
  const sizes = option('sizes')?.split(',').map(Number) ?? (QUICK ? [3, 10] : [3, 10, 20]);
  const runs = option('runs');
  return sizes.map((hosts) => ({ hosts, runs: runs ? Number(runs) : hosts >= 20 ? 2 : QUICK && hosts >= 10 ? 1 : 3 }));
}

interface RunFigures {
  hosts: number;
  fleetMs: number;
  launchMs: number;
  phases: Record<Phase, number>;
  longestSteps: Record<string, number>;
  relaunchMs: number;
  destroyMs: number;
}

const fleets = new Set<SshTestFleet>();
const namespaces: string[] = [];

function expectOk(what: string, run: TimedRun): void {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
}

async function runOnce(hosts: number, run: number, work: string): Promise<RunFigures> {
  const fleetStart = performance.now();
  const fleet = await createSshHosts(hosts);
  fleets.add(fleet);
  namespaces.push(...fleet.hosts.map((h) => h.netns));
  const fleetMs = performance.now() - fleetStart;
  const dataHome = fs.mkdtempSync(path.join(work, `data-${hosts}-${run}-`));
  const cluster = `bench-ssh-${hosts}-${run}`;
  const env = { SSH_AUTH_SOCK: '' };
  const cli = (args: string[]) => timedCli([...args, '--cluster', cluster], {
    dataHome, env, timeoutMs: 300_000,
    onLine: process.env.BENCH_VERBOSE ? (l) => process.stderr.write(`  ${(l.ms / 1000).toFixed(1).padStart(5)}s | ${l.text}\n`) : undefined,
  });
  try {
    const launchArgs = ['launch', '--provider', 'ssh', '--hosts', fleet.hosts.map((h) => h.ip).join(','), '--masters', '1', '--zk', '1',
      '--key', fleet.keyPath, '--agent-resources', 'cpus:1;mem:256'];
    const launch = await cli(launchArgs);
    expectOk('launch', launch);
    const agents = await cli(['agents', '--json']);
    expectOk('agents --json', agents);
    const active = (JSON.parse(agents.stdout) as { agents: { state: string }[] }).agents.filter((a) => a.state === 'active').length;
    if (active !== hosts - 2) throw new Error(`launch returned with ${active} active agent(s), expected ${hosts - 2}`);

    const relaunch = await cli([...launchArgs, '--json']);
    expectOk('second launch', relaunch);
    if ((JSON.parse(relaunch.stdout) as { unchanged: boolean }).unchanged !== true) throw new Error('a launch on the healthy cluster changed something');

    const destroy = await cli(['destroy']);
    expectOk('destroy', destroy);
    const left = fleet.hosts.flatMap((h) => h.daemonPids());
    if (left.length > 0) throw new Error(`destroy left ${left.length} process(es) on the hosts: ${left.join(' ')}`);
    return {
      hosts, fleetMs, launchMs: launch.ms, phases: launchPhases(launch.lines, launch.ms), longestSteps: longestSteps(launch.lines),
      relaunchMs: relaunch.ms, destroyMs: destroy.ms,
    };
  } finally {
    fleet.remove();
    fleets.delete(fleet);
    fs.rmSync(dataHome, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const bundle = findDaemonBundle();
  const gzipped = gzipSync(bundle.content).length;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-bench-ssh-'));
  const byHosts = new Map<number, RunFigures[]>();
  try {
    for (const c of cases()) {
      const runs: RunFigures[] = [];
      for (let r = 0; r < c.runs; r++) {
        const figures = await runOnce(c.hosts, r, work);
        process.stderr.write(`${c.hosts} hosts, run ${r + 1}/${c.runs}: launch ${secs(figures.launchMs)} s, relaunch ${secs(figures.relaunchMs)} s, destroy ${secs(figures.destroyMs)} s\n`);
        runs.push(figures);
      }
      byHosts.set(c.hosts, runs);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  const rows: Row[] = [...byHosts].map(([hosts, runs]) => ({
    hosts,
    agents: hosts - 2,
    runs: runs.length,
    'launch s': spread(runs.map((r) => r.launchMs)),
    'relaunch s': spread(runs.map((r) => r.relaunchMs)),
    'destroy s': spread(runs.map((r) => r.destroyMs)),
    ...(hosts === TARGET_HOSTS ? { 'target s': TARGET_MS / 1000 } : {}),
  }));
  printTable('SSH launch: 1 ZooKeeper + 1 master + agents on namespace hosts (median (min-max), seconds)', rows);

  const phaseRows: Row[] = [...byHosts].map(([hosts, runs]) => ({
    hosts,
    ...Object.fromEntries(PHASES.map((p) => [p, secs(median(runs.map((r) => r.phases[p])))])),
    'slowest inspect': secs(median(runs.map((r) => r.longestSteps.inspecting ?? 0))),
    'slowest upload': secs(median(runs.map((r) => r.longestSteps['uploading the daemon bundle'] ?? 0))),
  }));
  printTable('Where the launch time goes (median seconds per phase, from the progress lines)', phaseRows);

  const sizes = [...byHosts.keys()].sort((a, b) => a - b);
  let growth: { from: number; to: number; hostsRatio: number; timeRatio: number; sublinear: boolean } | undefined;
  if (sizes.length >= 2) {
    const [from, to] = [sizes[0], sizes[sizes.length - 1]];
    const t = (n: number) => median(byHosts.get(n)!.map((r) => r.launchMs));
    growth = { from, to, hostsRatio: round(to / from, 2), timeRatio: round(t(to) / t(from), 2), sublinear: t(to) / t(from) < to / from };
    process.stdout.write(`Growth: ${to} vs ${from} hosts is x${growth.hostsRatio} hosts, x${growth.timeRatio} launch time: ${growth.sublinear ? 'sub-linear' : 'NOT sub-linear'}\n`);
  }
  process.stdout.write(`Daemon bundle: ${bundle.size} bytes (${round(bundle.size / 1024, 0)} KiB), gzipped ${gzipped} bytes (${round(gzipped / 1024, 0)} KiB)\n`);
  process.stdout.write(`Machine: ${os.cpus().length} cores (load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}); figures are noisy when it is shared\n`);

  const left = leftoverNamespaces(namespaces);
  if (left.length > 0) throw new Error(`network namespaces left behind: ${left.join(', ')}`);
  writeResults('ssh-launch', {
    rows, phases: phaseRows, growth,
    bundle: { bytes: bundle.size, gzipped_bytes: gzipped },
    runs: Object.fromEntries([...byHosts].map(([hosts, runs]) => [hosts, runs.map((r) => ({
      fleet_ms: Math.round(r.fleetMs), launch_ms: Math.round(r.launchMs), relaunch_ms: Math.round(r.relaunchMs), destroy_ms: Math.round(r.destroyMs),
      phases_ms: Object.fromEntries(Object.entries(r.phases).map(([k, v]) => [k, Math.round(v)])),
      longest_step_ms: Object.fromEntries(Object.entries(r.longestSteps).map(([k, v]) => [k, Math.round(v)])),
    }))])),
    note: 'launch: spawn to exit 0 (every agent registered with the leader); relaunch: the same launch on the healthy cluster; destroy: until exit 0 with no daemon left',
  });
}

// Ctrl-C must still remove the fleets: exiting runs their exit hook.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
runMain(main, () => {
  for (const fleet of fleets) fleet.remove();
});
