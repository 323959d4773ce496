/**
 * A local cluster as a user starts it: `node bin/run.js launch --agents 5` (the built CLI, a fresh
 * data dir, a free master port) from spawn until it exits, which it does once every agent is
 * registered with the master (checked afterwards in /state), split into phases by its progress
 * lines; then the idle memory of each process it left running (VmRSS from /proc/<pid>/status once
 * they have settled: the master, the agents and their supervisors; RssAnon too, the part that is
 * each process's own, as the node binary's pages are shared between them); then `destroy`.
 * Median of a few runs (fewer with --quick).
 *
 * Anchor: `nomad agent -dev` is up in about 1-2 s. Targets: launch <= 1.5 s, agent idle RSS <= 45 MB.
 * Run: npm run build && node dist/bench/local-launch.bench.js [--quick] [--runs=N] [--agents=N]
 * BENCH_VERBOSE=1 echoes the launcher's progress lines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../infra/machine/ports';
import { timedCli, type TimedLine, type TimedRun } from '../test/helpers/timed-cli';
import { median, secs, spread } from './lib/launch-figures';
import { runMain } from './lib/main';
import { printTable, reportTargets, writeResults, type Row } from './lib/report';

const QUICK = process.argv.includes('--quick');
const TARGET_LAUNCH_MS = 1500;
const TARGET_AGENT_RSS_MB = 45;
/** How long the daemons are left alone before their memory is read: start-up garbage collected, timers settled. */
const SETTLE_MS = 3000;

function option(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const AGENTS = Number(option('agents') ?? 5);
const RUNS = Number(option('runs') ?? (QUICK ? 2 : 5));

/**
 * The launcher starts the master and the agents together, then waits for the master to answer, then
 * for the agents to be registered: 'daemons start' runs from the first daemon started until the
 * master answers, 'registration' from then until the launcher exits.
 */
export const LOCAL_PHASES = ['cli start', 'daemons start', 'registration'] as const;
type LocalPhase = (typeof LOCAL_PHASES)[number];

/** The line that opens each phase after 'cli start'; the last one ends at the process's exit. */
const MARKS: [Exclude<LocalPhase, 'cli start'>, RegExp][] = [
  ['daemons start', /^Starting master /],
  ['registration', /^(Master answering at |\d+ masters answering)/],
];

function localPhases(lines: TimedLine[], exitMs: number): Record<LocalPhase, number> {
  const starts = [0, ...MARKS.map(([, re]) => lines.find((l) => re.test(l.text))?.ms ?? NaN), exitMs];
  const out = {} as Record<LocalPhase, number>;
  LOCAL_PHASES.forEach((phase, i) => (out[phase] = (starts.slice(i + 1).find((s) => !Number.isNaN(s)) ?? exitMs) - (Number.isNaN(starts[i]) ? exitMs : starts[i])));
  return out;
}

/** Memory, and the CPU time a process has used so far: on a shared machine, CPU time says more than the wall clock. */
interface Memory { rssMb: number; anonMb: number; cpuMs: number }

const TICK_MS = 1000 / 100;

function memoryOf(pid: number): Memory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  // /proc/<pid>/stat: utime and stime are fields 14 and 15, counted after the parenthesised command name.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  return { rssMb: kb('VmRSS') / 1024, anonMb: kb('RssAnon') / 1024, cpuMs };
}

type Role = 'master' | 'agent' | 'supervisor';

interface RunFigures {
  launchMs: number;
  phases: Record<LocalPhase, number>;
  destroyMs: number;
  memory: Record<Role, Memory[]>;
}

function expectOk(what: string, run: TimedRun): void {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
}

interface LaunchJson {
  master_url: string;
  masters: { pid: number; supervisor_pid?: number }[];
  agents: { pid: number; supervisor_pid?: number }[];
}

async function runOnce(run: number, work: string): Promise<RunFigures> {
  const dataHome = fs.mkdtempSync(path.join(work, `data-${run}-`));
  const cluster = `bench-local-${run}`;
  const cli = (args: string[]) => timedCli([...args, '--cluster', cluster], {
    dataHome, timeoutMs: 120_000,
    onLine: process.env.BENCH_VERBOSE ? (l) => process.stderr.write(`  ${(l.ms / 1000).toFixed(2).padStart(6)}s | ${l.text}\n`) : undefined,
  });
  let measured: Omit<RunFigures, 'destroyMs'> | undefined;
  try {
    const launch = await cli(['launch', '--agents', String(AGENTS), '--master-port', String(await freePort())]);
    try {
      expectOk('launch', launch);
      const status = await cli(['launch', '--json']);
      expectOk('launch --json', status);
      const info = JSON.parse(status.stdout) as LaunchJson;
      const state = await (await fetch(`${info.master_url}/state`)).json() as { slaves: { active: boolean }[] };
      const active = state.slaves.filter((s) => s.active).length;
      if (active !== AGENTS) throw new Error(`launch returned with ${active} active agent(s), expected ${AGENTS}`);
      await sleep(SETTLE_MS);
      const supervisors = [...info.masters, ...info.agents].map((d) => d.supervisor_pid).filter((p): p is number => p !== undefined);
      const memory: Record<Role, Memory[]> = {
        master: info.masters.map((m) => memoryOf(m.pid)),
        agent: info.agents.map((a) => memoryOf(a.pid)),
        supervisor: supervisors.map(memoryOf),
      };
      measured = { launchMs: launch.ms, phases: localPhases(launch.lines, launch.ms), memory };
    } finally {
      // Also after a failed launch: nothing of a run may outlive it.
      const destroy = await cli(['destroy']);
      expectOk('destroy', destroy);
      if (measured) return { ...measured, destroyMs: destroy.ms };
    }
    throw new Error('unreachable: a failed launch throws before this');
  } finally {
    fs.rmSync(dataHome, { recursive: true, force: true });
  }
}

const mb = (values: number[]) => Math.round(median(values) * 10) / 10;

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-bench-local-'));
  const runs: RunFigures[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const figures = await runOnce(r, work);
      process.stderr.write(`run ${r + 1}/${RUNS}: launch ${secs(figures.launchMs)} s, destroy ${secs(figures.destroyMs)} s\n`);
      runs.push(figures);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  printTable(`Local launch: 1 master + ${AGENTS} agents on this machine (median (min-max), seconds)`, [{
    agents: AGENTS,
    runs: runs.length,
    'launch s': spread(runs.map((r) => r.launchMs)),
    'target s': TARGET_LAUNCH_MS / 1000,
    'anchor: nomad agent -dev s': '1-2',
    'destroy s': spread(runs.map((r) => r.destroyMs)),
  }]);
  printTable('Where the launch time goes (median seconds per phase, from the progress lines)', [
    Object.fromEntries(LOCAL_PHASES.map((p) => [p, secs(median(runs.map((r) => r.phases[p])))])),
  ]);
  const roles: Role[] = ['master', 'agent', 'supervisor'];
  const memoryRows: Row[] = roles.map((role) => {
    const all = runs.flatMap((r) => r.memory[role]);
    return {
      process: role,
      count: all.length / runs.length,
      'idle RSS MB': mb(all.map((m) => m.rssMb)),
      'of it own (RssAnon) MB': mb(all.map((m) => m.anonMb)),
      'CPU ms (start + idle)': Math.round(median(all.map((m) => m.cpuMs))),
      ...(role === 'agent' ? { 'target RSS MB': TARGET_AGENT_RSS_MB } : {}),
    };
  });
  printTable(`Idle memory ${SETTLE_MS / 1000} s after launch (median over processes and runs)`, memoryRows);
  const launchMs = median(runs.map((r) => r.launchMs));
  const agentRss = Number(memoryRows[1]['idle RSS MB']);
  reportTargets([
    {
      benchmark: `launch --agents ${AGENTS}, local, to all registered (median of ${runs.length})`,
      measured: `${secs(launchMs)} s`, anchor: 'nomad agent -dev ~1-2 s', target: `<= ${TARGET_LAUNCH_MS / 1000} s`, met: launchMs <= TARGET_LAUNCH_MS,
    },
    {
      benchmark: 'agent idle RSS',
      measured: `${agentRss} MB (own anonymous memory ${memoryRows[1]['of it own (RssAnon) MB']} MB)`, anchor: '',
      target: `<= ${TARGET_AGENT_RSS_MB} MB`, met: agentRss <= TARGET_AGENT_RSS_MB,
    },
  ]);
  const file = writeResults('local-launch', {
    agents: AGENTS, runCount: runs.length, settleMs: SETTLE_MS, targets: { launchMs: TARGET_LAUNCH_MS, agentRssMb: TARGET_AGENT_RSS_MB },
    launchMs: median(runs.map((r) => r.launchMs)), destroyMs: median(runs.map((r) => r.destroyMs)), memory: memoryRows, runs,
  });
  process.stdout.write(`results: ${file}\n`);
}

runMain(main);
