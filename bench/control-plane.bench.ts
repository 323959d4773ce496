/**
 * Control-plane throughput: how fast the master turns offers into running tasks through the real v1
 * scheduler API. A master in its own process (the built CLI's `master`, so only its own CPU is
 * counted, read from /proc), 1,000 working emulated agents (lib/working-agents.ts: they answer
 * RUN_TASK with TASK_RUNNING and wait for the acknowledgement, as an agent does, without spawning) of
 * `cpus:24;mem:4096` each, and 10 frameworks in child processes, each launching its share of the
 * tasks (`cpus:0.1;mem:32`, as many as fit in each offer, one ACCEPT per offer) and acknowledging
 * every update. Two rows: the frameworks on JSON, then on protobuf (each with a fresh master).
 *
 * Measured: from the first offer any framework received to the last TASK_RUNNING any framework saw,
 * tasks/s over that time, per task offer received -> TASK_RUNNING received (p50, p99), the master's
 * CPU time per task over the run and its RSS at the end.
 *
 * Sizes: 1,000 agents and 100,000 tasks; --quick: 1,000 agents and 10,000 tasks.
 * --profile: the master runs under `node --cpu-prof`; the profile's path is printed.
 *
 * Run: npm run bench -- control-plane [--quick] [--profile]
 */
import { performance } from 'node:perf_hooks';
import type { Offer, TaskInfo, TaskStatus } from '../cluster/protocol/types';
import { BenchFramework, forkFrameworks, type Encoding, goAndAwait, resourcesV1, tasksThatFit } from './lib/bench-framework';
import { Child, runChild, sendToParent, untilParentSays } from './lib/child';
import { percentile, round } from './lib/http';
import { runMain } from './lib/main';
import { withMasterProcess, type MasterProcess } from './lib/master-process';
import { printTable, reportTargets, writeResults, type Row } from './lib/report';
import { benchAgent } from './lib/secure';
import { startWorkingAgents } from './lib/working-agents';

const QUICK = process.argv.includes('--quick');
const AGENTS = 1000;
const TASKS = QUICK ? 10_000 : 100_000;
const FRAMEWORKS = 10;
const FRAMEWORK_PROCESSES = 2;
const TASK_CPUS = 0.1;
const TASK_MEM = 32;
const TASK_RESOURCES = resourcesV1(`cpus:${TASK_CPUS};mem:${TASK_MEM}`);

// ---------------------------------------------------------------- frameworks (child process)

interface FrameworkResult { firstOfferAt: number; lastRunningAt: number; latencies: number[]; offers: number }

/** Epoch ms with sub-ms precision, comparable across processes. */
const epoch = (at: number) => performance.timeOrigin + at;

/** One framework: launches `quota` tasks into whatever it is offered, then declines everything. */
function launchingFramework(masterUrl: string, index: number, quota: number, calls: ReturnType<typeof benchAgent>, encoding: Encoding): Promise<FrameworkResult> {
  return new Promise((resolve) => {
    const offeredAt = new Map<string, number>();
    const latencies: number[] = [];
    let launched = 0;
    let firstOfferAt = 0;
    let offered = 0;
    const framework: BenchFramework = new BenchFramework(masterUrl, `control-plane-${index}`, calls, {
      onOffers(offers: Offer[], at: number) {
        if (!firstOfferAt) firstOfferAt = epoch(at);
        offered += offers.length;
        const unused: Offer[] = [];
        for (const offer of offers) {
          const n = Math.min(quota - launched, tasksThatFit(offer.resources, TASK_CPUS, TASK_MEM));
          if (n <= 0) {
            unused.push(offer);
            continue;
          }
          const tasks: TaskInfo[] = [];
          for (let i = 0; i < n; i++) {
            const taskId = `t-${index}-${launched++}`;
            offeredAt.set(taskId, at);
            tasks.push({ name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, resources: TASK_RESOURCES, command: { value: 'sleep 3600' } });
          }
          framework.launch(offer, tasks);
        }
        framework.decline(unused, 3600);
      },
      onUpdate(status: TaskStatus, at: number) {
        if (status.state !== 'TASK_RUNNING') throw new Error(`task ${status.task_id.value}: ${status.state} ${status.message ?? ''}`);
        const offerAt = offeredAt.get(status.task_id.value);
        if (offerAt === undefined) return;
        offeredAt.delete(status.task_id.value);
        latencies.push(at - offerAt);
        if (latencies.length === quota) resolve({ firstOfferAt, lastRunningAt: epoch(at), latencies, offers: offered });
      },
    }, encoding);
    void framework.subscribe();
  });
}

async function runFrameworks(masterUrl: string, count: number, first: number, quota: number, encoding: Encoding): Promise<void> {
  const calls = benchAgent({ keepAlive: true, maxSockets: 16 });
  await untilParentSays('go');
  const results = await Promise.all(Array.from({ length: count }, (_, i) => launchingFramework(masterUrl, first + i, quota, calls, encoding)));
  sendToParent({ type: 'done', data: results });
}

// ---------------------------------------------------------------- the run (parent process)

async function run(master: MasterProcess, encoding: Encoding): Promise<Row> {
  const children: Child[] = [];
  try {
    const agents = await startWorkingAgents(master.url, AGENTS);
    children.push(...agents.children);
    const frameworks = await forkFrameworks(__filename, 'frameworks', master.url, FRAMEWORKS, FRAMEWORK_PROCESSES, [String(TASKS / FRAMEWORKS), encoding], children);
    const cpuBefore = master.cpuMs();
    const writesBefore = master.writeSyscalls();
    const results = (await goAndAwait(frameworks, 'done')).flatMap((m) => m.data as FrameworkResult[]);
    const cpuMs = master.cpuMs() - cpuBefore;
    const writes = master.writeSyscalls() - writesBefore;
    const first = Math.min(...results.map((r) => r.firstOfferAt));
    const last = Math.max(...results.map((r) => r.lastRunningAt));
    const latencies = results.flatMap((r) => r.latencies);
    const seconds = (last - first) / 1000;
    return {
      system: `mesoscloud, ${encoding === 'json' ? 'JSON' : 'protobuf'} (1 master process, 2 cores shared with agents and frameworks)`,
      agents: AGENTS,
      frameworks: FRAMEWORKS,
      tasks: latencies.length,
      'first offer -> all RUNNING s': round(seconds, 2),
      'tasks/s': Math.round(latencies.length / seconds),
      'offer -> RUNNING p50 ms': round(percentile(latencies, 0.5)),
      'offer -> RUNNING p99 ms': round(percentile(latencies, 0.99)),
      // Offers the frameworks were sent (most declined): each costs the master too, so read CPU per task with it.
      'offers/task': round(results.reduce((n, r) => n + r.offers, 0) / latencies.length, 2),
      'master cpu ms/task': round(cpuMs / latencies.length, 3),
      'master writes/task': round(writes / latencies.length, 2),
      'master RSS MB': master.rssMb(),
    };
  } finally {
    for (const child of children) child.stop();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  // A fresh master for each encoding: the second row must not inherit the first one's tasks.
  for (const encoding of ['json', 'protobuf'] as const) rows.push(await withMasterProcess('cp', (master) => run(master, encoding)));
  const anchors: Row[] = [
    { system: 'target', 'tasks/s': '>= 5,000 on 2 cores' },
    { system: 'Nomad C1M (5 servers)', tasks: '1,000,000', 'tasks/s': '~3,750' },
    { system: 'Kubernetes scheduler', 'tasks/s': '680-1,100 pods/s' },
  ];
  printTable(`control plane: ${AGENTS} working emulated agents, ${FRAMEWORKS} frameworks on the v1 scheduler API, ${TASKS} tasks of cpus:${TASK_CPUS};mem:${TASK_MEM}`, [...rows, ...anchors]);
  const json = rows[0];
  reportTargets([{
    benchmark: `control plane: ${AGENTS} emulated agents, ${TASKS} tasks through the scheduler API (${FRAMEWORKS} frameworks, JSON)`,
    measured: `${json['tasks/s']} tasks/s (protobuf ${rows[1]['tasks/s']}); offer -> RUNNING p99 ${round(Number(json['offer -> RUNNING p99 ms']) / 1000, 1)} s`,
    anchor: 'Nomad C1M ~3,750/s on 5 servers; k8s scheduler 680-1,100 pods/s',
    target: '>= 5,000 tasks/s on 2 cores',
    met: Number(json['tasks/s']) >= 5000,
  }]);
  const file = writeResults('control-plane', { quick: QUICK, agents: AGENTS, frameworks: FRAMEWORKS, tasks: TASKS, rows });
  process.stdout.write(`results: ${file}\n`);
}

const [role, masterUrl, count, first, quota, encoding] = process.argv.slice(2);
if (role === 'frameworks') {
  process.on('disconnect', () => process.exit(0));
  runChild(runFrameworks(masterUrl, Number(count), Number(first), Number(quota), encoding as Encoding));
} else {
  runMain(main);
}
