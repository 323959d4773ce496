/**
 * The Mesos paper's scalability experiment, scaled to this machine: many frameworks keep a cluster of
 * working emulated agents (lib/working-agents.ts) busy with short tasks, and a probe framework
 * launches one small task at a time; what is measured is the probe's overhead per task, under that
 * load and on the same cluster idle. The paper reports under 1 s at 50,000 emulated nodes.
 *
 * Cluster: a master in its own process (the built CLI's `master`), 10,000 agents of
 * `cpus:24;mem:4096` (1,000 with --quick), 200 load frameworks (20 with --quick) in child processes.
 *
 * How the probe is sure to be offered something: the first PROBE_AGENTS agents (by hostname) are set
 * aside for it. Load frameworks decline their offers with a one-hour filter, and the probe declines
 * every other agent's offer the same way, so after the first round each side only hears of its own
 * agents. Without that, weighted DRF would hand the probe (the framework with the smallest share)
 * every agent that a finished load task frees, and it would spend its time declining thousands of
 * offers instead of measuring a launch; with a role and quota the effect would be the same, with
 * more set-up. The master still does all the work of the load (offers, launches, updates,
 * acknowledgements, declines) while the probe launches.
 *
 * Load: each load task takes a whole agent (`cpus:24;mem:4096`) and runs `sleep N`, N drawn from
 * 5-15 s (the emulated agents finish it after N s); each load framework keeps its share of 90% of the
 * other agents running, launching as tasks finish, declining what it does not need with a 2 s filter.
 *
 * Probe: PROBE_TASKS times, one task (`true`, `cpus:0.1;mem:32`, finished as soon as it runs): it
 * declines the offers it held (no filter), ACCEPTs the first fresh offer at once, and waits for
 * TASK_FINISHED (acknowledging both updates) and a short pause before the next. Measured per task:
 * offer received -> TASK_RUNNING received, and ACCEPT sent -> TASK_RUNNING received.
 *
 * Run: npm run bench -- probe-overhead [--quick]
 */
import { performance } from 'node:perf_hooks';
import type { Offer, TaskStatus } from '../cluster/protocol/types';
import { isTerminalState } from '../cluster/protocol/types';
import { BenchFramework, forkFrameworks, goAndAwait, resourcesV1, tasksThatFit } from './lib/bench-framework';
import { Child, runChild, sendToParent, untilParentSays } from './lib/child';
import { percentile, round, sleep } from './lib/http';
import { runMain } from './lib/main';
import { withMasterProcess, type MasterProcess } from './lib/master-process';
import { printTable, reportTargets, writeResults, type Row } from './lib/report';
import { benchAgent } from './lib/secure';
import { startWorkingAgents } from './lib/working-agents';

const QUICK = process.argv.includes('--quick');
const AGENTS = QUICK ? 1000 : 10_000;
const LOAD_FRAMEWORKS = QUICK ? 20 : 200;
const LOAD_PROCESSES = QUICK ? 2 : 4;
const PROBE_AGENTS = 10;
const BUSY_SHARE = 0.9;
const LOAD_CPUS = 24;
const LOAD_MEM = 4096;
const LOAD_RESOURCES = resourcesV1(`cpus:${LOAD_CPUS};mem:${LOAD_MEM}`);
const LOAD_SECONDS = [5, 15];
const PROBE_TASKS = 20;
const PROBE_RESOURCES = resourcesV1('cpus:0.1;mem:32');
const PROBE_PAUSE_MS = 200;
const LONG_FILTER_S = 3600;

/** The agents set aside for the probe, by the hostnames lib/emulated-agents.ts gives them. */
const isProbeAgent = (offer: Offer) => Number(offer.hostname.replace('agent-', '')) < PROBE_AGENTS;

// ---------------------------------------------------------------- load frameworks (child process)

/** One load framework: keeps `target` tasks running; tells `onBusy` once it first got there. */
function loadFramework(masterUrl: string, index: number, target: number, calls: ReturnType<typeof benchAgent>, onBusy: () => void): BenchFramework {
  let active = 0;
  let launched = 0;
  let busy = false;
  const framework: BenchFramework = new BenchFramework(masterUrl, `load-${index}`, calls, {
    onOffers(offers: Offer[]) {
      const unused: Offer[] = [];
      for (const offer of offers) {
        if (isProbeAgent(offer)) {
          framework.decline([offer], LONG_FILTER_S);
          continue;
        }
        const n = Math.min(target - active, tasksThatFit(offer.resources, LOAD_CPUS, LOAD_MEM));
        if (n <= 0) {
          unused.push(offer);
          continue;
        }
        const tasks = Array.from({ length: n }, () => {
          const taskId = `load-${index}-${launched++}`;
          const seconds = LOAD_SECONDS[0] + Math.random() * (LOAD_SECONDS[1] - LOAD_SECONDS[0]);
          return { name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, resources: LOAD_RESOURCES, command: { value: `sleep ${seconds.toFixed(2)}` } };
        });
        active += n;
        framework.launch(offer, tasks, 0);
      }
      framework.decline(unused, 2);
    },
    onUpdate(status: TaskStatus) {
      if (status.state === 'TASK_RUNNING' && !busy && active >= target) {
        busy = true;
        onBusy();
      }
      if (isTerminalState(status.state)) active--;
    },
  });
  return framework;
}

async function runLoad(masterUrl: string, count: number, first: number, target: number): Promise<void> {
  const calls = benchAgent({ keepAlive: true, maxSockets: 16 });
  await untilParentSays('go');
  let busy = 0;
  const onBusy = () => { if (++busy === count) sendToParent({ type: 'busy' }) };
  for (let i = 0; i < count; i++) await loadFramework(masterUrl, first + i, target, calls, onBusy).subscribe();
}

// ---------------------------------------------------------------- probe framework (child process)

interface ProbeSample { offerToRunningMs: number; acceptToRunningMs: number }

class Probe {
  readonly framework: BenchFramework;
  private held: Offer[] = [];
  private wanting = false;
  private acceptedAt = 0;
  private offeredAt = 0;
  private running?: (sample: ProbeSample) => void;
  private finished?: () => void;
  private launched = 0;

  constructor(masterUrl: string) {
    this.framework = new BenchFramework(masterUrl, 'probe', benchAgent({ keepAlive: true, maxSockets: 4 }), {
      onOffers: (offers, at) => this.onOffers(offers, at),
      onUpdate: (status, at) => this.onUpdate(status, at),
    });
  }

  private onOffers(offers: Offer[], at: number): void {
    const mine = offers.filter(isProbeAgent);
    this.framework.decline(offers.filter((o) => !isProbeAgent(o)), LONG_FILTER_S);
    if (!this.wanting || mine.length === 0) {
      this.held.push(...mine);
      return;
    }
    this.wanting = false;
    const [offer, ...rest] = mine;
    this.held.push(...rest);
    const taskId = `probe-${this.launched++}`;
    this.offeredAt = at;
    this.acceptedAt = performance.now();
    this.framework.launch(offer, [{ name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, resources: PROBE_RESOURCES, command: { value: 'true' } }], 0);
  }

  private onUpdate(status: TaskStatus, at: number): void {
    if (status.state === 'TASK_RUNNING') this.running?.({ offerToRunningMs: at - this.offeredAt, acceptToRunningMs: at - this.acceptedAt });
    else if (isTerminalState(status.state)) this.finished?.();
  }

  /** One task: fresh offer, ACCEPT, TASK_RUNNING, TASK_FINISHED. */
  async once(): Promise<ProbeSample> {
    const running = new Promise<ProbeSample>((resolve) => { this.running = resolve });
    const finished = new Promise<void>((resolve) => { this.finished = resolve });
    this.wanting = true;
    // What it held was offered before it wanted anything: give it back so that the next offer is fresh.
    const held = this.held;
    this.held = [];
    this.framework.decline(held, 0);
    const sample = await running;
    await finished;
    return sample;
  }
}

async function runProbe(masterUrl: string): Promise<void> {
  const probe = new Probe(masterUrl);
  await probe.framework.subscribe();
  for (const phase of ['idle', 'busy']) {
    await untilParentSays(phase);
    const samples: ProbeSample[] = [];
    for (let i = 0; i < PROBE_TASKS; i++) {
      samples.push(await probe.once());
      await sleep(PROBE_PAUSE_MS);
    }
    sendToParent({ type: 'probed', data: samples });
  }
}

// ---------------------------------------------------------------- the run (parent process)

function probeRow(cluster: string, samples: ProbeSample[], master: { cpuMsPerS: number; rssMb: number }): Row {
  const offer = samples.map((s) => s.offerToRunningMs);
  const accept = samples.map((s) => s.acceptToRunningMs);
  return {
    cluster,
    agents: AGENTS,
    'load frameworks': cluster === 'idle' ? 0 : LOAD_FRAMEWORKS,
    'probe tasks': samples.length,
    'offer -> RUNNING p50 ms': round(percentile(offer, 0.5)),
    'offer -> RUNNING p99 ms': round(percentile(offer, 0.99)),
    'ACCEPT -> RUNNING p50 ms': round(percentile(accept, 0.5)),
    'ACCEPT -> RUNNING p99 ms': round(percentile(accept, 0.99)),
    'master cpu ms/s': Math.round(master.cpuMsPerS),
    'master RSS MB': master.rssMb,
  };
}

async function probePhase(probe: Child, phase: string, master: MasterProcess): Promise<{ samples: ProbeSample[]; cpuMsPerS: number; rssMb: number }> {
  const probed = probe.next((m) => m.type === 'probed');
  const cpu = master.cpuMs();
  const start = performance.now();
  probe.go(phase);
  const samples = (await probed).data as ProbeSample[];
  return { samples, cpuMsPerS: ((master.cpuMs() - cpu) * 1000) / (performance.now() - start), rssMb: master.rssMb() };
}

async function run(master: MasterProcess): Promise<Row[]> {
  const children: Child[] = [];
  try {
    children.push(...(await startWorkingAgents(master.url, AGENTS)).children);
    const probe = new Child(__filename, ['probe', master.url]);
    children.push(probe);
    await probe.ready;
    const idle = await probePhase(probe, 'idle', master);

    const target = Math.floor((BUSY_SHARE * (AGENTS - PROBE_AGENTS)) / LOAD_FRAMEWORKS);
    const load = await forkFrameworks(__filename, 'load', master.url, LOAD_FRAMEWORKS, LOAD_PROCESSES, [String(target)], children);
    const loadStart = performance.now();
    await goAndAwait(load, 'busy');
    const rampS = (performance.now() - loadStart) / 1000;
    // Let the first tasks end and the relaunching begin: the steady state, not the ramp.
    await sleep(LOAD_SECONDS[0] * 1000);
    const loaded = await probePhase(probe, 'busy', master);
    process.stdout.write(`load: ${LOAD_FRAMEWORKS} frameworks reached ${target} tasks each (${target * LOAD_FRAMEWORKS} running) in ${round(rampS, 1)} s\n`);
    return [probeRow('idle', idle.samples, idle), probeRow('busy', loaded.samples, loaded)];
  } finally {
    for (const child of children) child.stop();
  }
}

async function main(): Promise<void> {
  const rows = await withMasterProcess('probe', run);
  const anchors: Row[] = [
    { cluster: 'target', agents: 10_000, 'offer -> RUNNING p50 ms': '< 50' },
    { cluster: 'Mesos paper (busy)', agents: 50_000, 'load frameworks': 200, 'offer -> RUNNING p50 ms': '< 1,000' },
  ];
  printTable(`probe framework overhead: ${AGENTS} working emulated agents, ${LOAD_FRAMEWORKS} load frameworks, one-task launches`, [...rows, ...anchors]);
  const [idle, busy] = rows;
  const busyP50 = Number(busy['offer -> RUNNING p50 ms']);
  reportTargets([{
    benchmark: `probe framework's one-task overhead (offer -> RUNNING), ${AGENTS} agents kept busy by ${LOAD_FRAMEWORKS} frameworks`,
    measured: `p50 ${busyP50} ms, p99 ${busy['offer -> RUNNING p99 ms']} ms (idle p50 ${idle['offer -> RUNNING p50 ms']} ms)`,
    anchor: 'Mesos paper: < 1 s at 50k nodes',
    target: '< 50 ms at 10k',
    met: AGENTS >= 10_000 ? busyP50 < 50 : undefined,
  }]);
  const file = writeResults('probe-overhead', { quick: QUICK, agents: AGENTS, loadFrameworks: LOAD_FRAMEWORKS, probeAgents: PROBE_AGENTS, rows });
  process.stdout.write(`results: ${file}\n`);
}

const [role, masterUrl, count, first, target] = process.argv.slice(2);
process.on('disconnect', () => process.exit(0));
if (role === 'load') runChild(runLoad(masterUrl, Number(count), Number(first), Number(target)));
else if (role === 'probe') runChild(runProbe(masterUrl));
else runMain(main);
