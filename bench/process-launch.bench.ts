/**
 * Real processes on one agent: how many command tasks a single agent launches per second, against
 * what Node itself can spawn on this machine in the same run.
 *
 * A real master and ONE real agent, started as processes through the built CLI (`mesoscloud master`,
 * `mesoscloud agent --isolation none`: no cgroups, tasks as the invoking user), and a framework in this
 * process on the v1 scheduler API that keeps WINDOW tasks in flight, launching on every offer and
 * acknowledging every update. Agent resources are far larger than the tasks ever need.
 *
 * 1. `true`: sustained completions/s, a task counting as in flight from its ACCEPT to its TASK_FINISHED.
 * 2. `sleep 1`: sustained TASK_RUNNING/s, in flight from ACCEPT to TASK_RUNNING; the running set grows.
 *
 * The ceiling: a fresh Node process spawning `/bin/sh -c <command>` (what a shell command task runs),
 * detached, WINDOW at a time (bench/lib/spawn-ceiling.ts): completions/s for `true`, starts/s for
 * `sleep 1`. The agent's own process chain (its wrapper shell, see cluster/agent/task-process.ts) counts
 * against the agent. Also printed: p50/p99 ACCEPT -> TASK_RUNNING, and the agent's and the master's CPU
 * per task (utime + stime from /proc, so each daemon's own work only, not its tasks').
 *
 * Run: npm run build && node dist/bench/process-launch.bench.js [--quick] [--tasks=N] [--window=N]
 *      [--profile-agent=DIR]  (the agent runs under `node --cpu-prof`; the profile lands in DIR when it exits)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SchedulerClient } from '../cluster/client/scheduler';
import { Resources } from '../cluster/protocol/resources';
import { isTerminalState, type Offer, type TaskInfo, type TaskState, type TaskStatus } from '../cluster/protocol/types';
import { DaemonSet, type AgentProcess, type MasterProcess } from '../test/helpers/daemon-processes';
import { percentile, round } from './lib/http';
import { runMain } from './lib/main';
import { printTable, reportTargets, writeResults, type Row } from './lib/report';
import { ceilingInFreshProcess, type CeilingResult } from './lib/spawn-ceiling';

const QUICK = process.argv.includes('--quick');
const option = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const TASKS = Number(option('tasks') ?? (QUICK ? 200 : 2000));
const WINDOW = Number(option('window') ?? 32);
const PROFILE_DIR = option('profile-agent');
const TASK_CPUS = 0.001;
const TASK_MEM = 1;
const TASK_RESOURCES = Resources.parse(`cpus:${TASK_CPUS};mem:${TASK_MEM}`).toV1();
const TARGET_RATIO = 0.7;

/** utime + stime of a process, in ms (USER_HZ is 100 on Linux). */
function cpuMsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // Fields 14 and 15 of stat (utime, stime), counted from 1, after "pid (comm)": indexes 11 and 12 here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface PhaseResult {
  command: string;
  /** The state that ends a task's turn in the window. */
  until: TaskState;
  seconds: number;
  perSecond: number;
  acceptToRunning: number[];
  agentCpuMsPerTask: number;
  masterCpuMsPerTask: number;
}

/**
 * The framework's side: launches `count` tasks of `command`, keeping `window` of them between ACCEPT
 * and `until`, on whatever offers come; resolves once every task is terminal and acknowledged.
 */
class LaunchingFramework {
  private offers: Offer[] = [];
  private readonly waiters = new Map<string, (status: TaskStatus) => void>();
  private wake?: () => void;

  constructor(private readonly client: SchedulerClient) {
    client.on('offers', (offers) => {
      this.offers.push(...offers);
      this.wake?.();
    });
    client.on('rescind', (id) => (this.offers = this.offers.filter((o) => o.id.value !== id)));
    client.on('update', (status: TaskStatus) => {
      void this.client.acknowledge(status).catch(() => undefined);
      this.waiters.get(status.task_id.value)?.(status);
    });
  }

  async run(prefix: string, command: string, count: number, window: number, until: TaskState): Promise<{ seconds: number; acceptToRunning: number[] }> {
    const acceptedAt = new Map<string, number>();
    const acceptToRunning: number[] = [];
    const terminal: Promise<void>[] = [];
    let inFlight = 0;
    let launched = 0;
    const start = performance.now();
    let lastDone = start;
    let slotFreed = () => undefined as void;
    while (launched < count) {
      if (inFlight >= window) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
        continue;
      }
      const offers = await this.takeOffers();
      const batch: TaskInfo[] = [];
      const fits = Math.min(...offers.map(tasksFitting).reduce((a, b) => [a[0] + b[0], a[1] + b[1]], [0, 0]));
      while (batch.length < Math.min(window - inFlight, fits) && launched < count) {
        const id = `${prefix}-${launched++}`;
        batch.push({ name: id, task_id: { value: id }, agent_id: offers[0].agent_id, command: { shell: true, value: command }, resources: TASK_RESOURCES });
      }
      inFlight += batch.length;
      const now = performance.now();
      for (const task of batch) {
        const id = task.task_id.value;
        acceptedAt.set(id, now);
        let counted = false;
        terminal.push(new Promise<void>((resolve, reject) => {
          this.waiters.set(id, ({ state, message }) => {
            if (state === 'TASK_RUNNING') acceptToRunning.push(performance.now() - acceptedAt.get(id)!);
            if (!counted && (state === until || isTerminalState(state))) {
              counted = true;
              inFlight--;
              lastDone = performance.now();
              slotFreed();
            }
            if (state === 'TASK_FINISHED') {
              this.waiters.delete(id);
              resolve();
            } else if (isTerminalState(state)) {
              reject(new Error(`task ${id} ended ${state}: ${message}`));
            }
          });
        }));
      }
      await this.client.launch(offers.map((o) => o.id), batch, { refuse_seconds: 0 });
    }
    while (inFlight > 0) await new Promise<void>((resolve) => (slotFreed = resolve));
    const seconds = (lastDone - start) / 1000;
    await Promise.all(terminal);
    return { seconds, acceptToRunning };
  }

  /** Every offer held (one agent's): a launch may use several of them at once, as their resources add up. */
  private async takeOffers(): Promise<Offer[]> {
    while (this.offers.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.offers.splice(0);
  }
}

/** How many tasks an offer holds room for, by cpus and by mem. */
function tasksFitting(offer: Offer): [number, number] {
  const r = Resources.fromV1(offer.resources);
  return [Math.floor(r.scalar('cpus') / TASK_CPUS + 1e-6), Math.floor(r.scalar('mem') / TASK_MEM + 1e-6)];
}


async function phase(framework: LaunchingFramework, pids: { agent: number; master: number }, prefix: string, command: string, until: TaskState): Promise<PhaseResult> {
  const agentBefore = cpuMsOf(pids.agent);
  const masterBefore = cpuMsOf(pids.master);
  const { seconds, acceptToRunning } = await framework.run(prefix, command, TASKS, WINDOW, until);
  return {
    command, until, seconds, perSecond: TASKS / seconds, acceptToRunning,
    agentCpuMsPerTask: (cpuMsOf(pids.agent) - agentBefore) / TASKS,
    masterCpuMsPerTask: (cpuMsOf(pids.master) - masterBefore) / TASKS,
  };
}

function rows(result: PhaseResult, ceiling: CeilingResult): Row[] {
  const what = result.until === 'TASK_FINISHED' ? 'completions/s' : 'TASK_RUNNING/s';
  return [{
    command: result.command,
    measure: what,
    'agent /s': round(result.perSecond),
    'ceiling /s': round(ceiling.perSecond),
    ratio: round(result.perSecond / ceiling.perSecond, 2),
    target: TARGET_RATIO,
    'p50 ms': round(percentile(result.acceptToRunning, 0.5)),
    'p99 ms': round(percentile(result.acceptToRunning, 0.99)),
    'agent cpu ms/task': round(result.agentCpuMsPerTask, 2),
    'master cpu ms/task': round(result.masterCpuMsPerTask, 2),
    'ceiling cpu ms/spawn': round(ceiling.cpuMsPerSpawn, 2),
  }];
}

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-bench-proc-'));
  const daemons = new DaemonSet(scratch);
  let client: SchedulerClient | undefined;
  try {
    const master: MasterProcess = await daemons.startMaster();
    // The shell execs node ($0) with the profiler on (NODE_OPTIONS may not carry it), keeping the pid whose CPU time is read.
    const prefix = PROFILE_DIR ? ['/bin/sh', '-c', `exec "$0" --cpu-prof --cpu-prof-dir='${path.resolve(PROFILE_DIR)}' "$@"`] : undefined;
    const agent: AgentProcess = await daemons.startAgent(master, ['--resources', 'cpus:1000;mem:1000000;disk:1000000'], prefix ? { prefix } : {});
    client = new SchedulerClient({ master: master.url, frameworkInfo: { user: os.userInfo().username, name: 'bench-process-launch', checkpoint: true } });
    const framework = new LaunchingFramework(client);
    await client.subscribe();
    const pids = { agent: agent.daemon.pid, master: master.daemon.pid };

    // Warm-up: the first launches pay for lazily loaded code in both daemons.
    await framework.run('warm', 'true', Math.min(50, TASKS), WINDOW, 'TASK_FINISHED');
    const trueRun = await phase(framework, pids, 'true', 'true', 'TASK_FINISHED');
    const trueCeiling = await ceilingInFreshProcess(['/bin/sh', '-c', 'true'], 'exit', TASKS, WINDOW);
    const sleepRun = await phase(framework, pids, 'sleep', 'sleep 1', 'TASK_RUNNING');
    const sleepCeiling = await ceilingInFreshProcess(['/bin/sh', '-c', 'sleep 1'], 'spawn', TASKS, WINDOW);

    const table = [...rows(trueRun, trueCeiling), ...rows(sleepRun, sleepCeiling)];
    printTable(`process launches on one agent (${TASKS} tasks per command, ${WINDOW} in flight, --isolation none, ${os.cpus().length} cpus, node ${process.version})`, table);
    reportTargets(table.map((row) => ({
      benchmark: `real processes on one agent: \`${row.command}\` launches, ${row.measure}`,
      measured: `${row['agent /s']}/s = ${row.ratio} of the ceiling`,
      anchor: `child_process.spawn ceiling ${row['ceiling /s']}/s (same run)`,
      target: `>= ${TARGET_RATIO} of the ceiling`,
      met: Number(row.ratio) >= TARGET_RATIO,
    })));
    const file = writeResults('process-launch', {
      date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, quick: QUICK, tasks: TASKS, window: WINDOW,
      targets: { 'ratio to the spawn ceiling': TARGET_RATIO }, rows: table,
      ceilings: { true: trueCeiling, sleep: sleepCeiling },
      samples: { trueAcceptToRunning: trueRun.acceptToRunning, sleepAcceptToRunning: sleepRun.acceptToRunning },
    });
    process.stdout.write(`results: ${file}\n`);
    await client.teardown().catch(() => undefined);
    client.close();
    client = undefined;
    // SIGTERM lets the agent exit normally, so that a profiler writes its profile.
    if (PROFILE_DIR) await agent.daemon.stop('SIGTERM');
  } finally {
    client?.close();
    await daemons.stopAll();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

runMain(main);
