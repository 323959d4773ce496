/**
 * How fast a user gets a task running, on a local cluster started through the local provider
 * (a real master and agent as separate processes, on a free port, in a temporary data dir).
 *
 * 1. "exec wall": `node bin/run.js exec --name bench-<i> --command true --master ...` run N times one
 *    after the other, timed from spawn to exit, as a user experiences it (Node start-up, oclif, subscribe,
 *    offer, launch, the task, its updates, acknowledgements, TEARDOWN). `--version` is timed too, for
 *    the share of plain CLI start-up.
 * 2. "subscribe -> TASK_RUNNING": in this process, with the scheduler client, M tasks in a row, each
 *    from a fresh framework: from sending SUBSCRIBE to receiving TASK_RUNNING, plus the legs
 *    subscribe -> first offer and launch -> TASK_RUNNING.
 *
 * Targets: exec wall p50 < 500 ms; subscribe -> TASK_RUNNING p50 < 10 ms.
 * --secure: the same on a cluster launched with --secure (TLS and authentication on every endpoint); the
 * CLI then names the cluster (--cluster) and reads its CA and credential from the catalog, as a user's does.
 *
 * Run: npm run build && node dist/bench/exec.bench.js [--quick] [--secure]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ExecSession } from '../cluster/client/exec-session';
import { destroyLocal, launchLocal, localSpec } from '../infra/providers/local';
import { cliEntryPoint } from '../infra/package-root';
import { freePort } from '../infra/machine/ports';
import { ClusterCatalog } from '../infra/cluster-catalog';
import { recordAccess } from '../infra/providers/record-access';
import { percentile } from './lib/http';
import { runMain } from './lib/main';
import { printTable, writeResults, type Row } from './lib/report';

const QUICK = process.argv.includes('--quick');
const SECURE = process.argv.includes('--secure');
const WALL_RUNS = QUICK ? 5 : 20;
const LATENCY_RUNS = QUICK ? 10 : 50;

function summary(metric: string, values: number[]): Row {
  const r = (n: number) => Math.round(n * 100) / 100;
  return { metric, n: values.length, 'p50 ms': r(percentile(values, 0.5)), 'p90 ms': r(percentile(values, 0.9)), 'min ms': r(Math.min(...values)), 'max ms': r(Math.max(...values)) };
}

function timeCli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [cliEntryPoint(), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - start;
      if (code === 0) resolve(ms);
      else reject(new Error(`mesoscloud ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-bench-'));
  const catalog = new ClusterCatalog(dataDir);
  const name = 'bench';
  const env = { ...process.env, XDG_DATA_HOME: dataDir, MESOSCLOUD_DATA_DIR: dataDir };
  try {
    const masterPort = await freePort();
    const { record } = await launchLocal(catalog, localSpec({ name, agents: 1, masterPort, agentResources: 'cpus:4;mem:4096;disk:4096', secure: SECURE }));
    const master = record.masterUrl;
    const access = recordAccess(record);
    // A secure cluster is named, so that the CLI finds its CA and credential in the catalog.
    const target = SECURE ? ['--cluster', name] : ['--master', master];

    const versionWall: number[] = [];
    for (let i = 0; i < WALL_RUNS; i++) versionWall.push(await timeCli(['--version'], env));
    const execWall: number[] = [];
    for (let i = 0; i < WALL_RUNS; i++) {
      execWall.push(await timeCli(['exec', '--name', `bench-${i}`, '--command', 'true', ...target], env));
    }

    const toRunning: number[] = [];
    const toOffer: number[] = [];
    const launchToRunning: number[] = [];
    const launchToStarting: number[] = [];
    const startingToRunning: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const taskId = `latency-${i}`;
      const session = new ExecSession({
        master, ...(access.tls ? { tls: access.tls } : {}), ...(access.credential ? { credential: access.credential } : {}),
        name: taskId, command: 'true', shell: true, resources: 'cpus:0.1;mem:32', role: '*',
        checkpoint: false, user: process.getuid?.() === 0 ? 'nobody' : os.userInfo().username, print: () => undefined, note: () => undefined,
      });
      const result = await session.run();
      if (result.state !== 'TASK_FINISHED') throw new Error(`task ${taskId} ended ${result.state}`);
      const t = session.timings;
      const running = t.runningAt.get(taskId)!;
      toRunning.push(running - t.subscribeStartedAt!);
      toOffer.push(t.firstOfferAt! - t.subscribeStartedAt!);
      launchToRunning.push(running - t.launchedAt.get(taskId)!);
      const starting = t.stateAt.get(taskId)?.TASK_STARTING;
      if (starting !== undefined) {
        launchToStarting.push(starting - t.launchedAt.get(taskId)!);
        startingToRunning.push(running - starting);
      }
    }

    const rows = [
      summary('exec --command true (wall)', execWall),
      summary('mesoscloud --version (wall)', versionWall),
      summary('subscribe -> TASK_RUNNING', toRunning),
      summary('subscribe -> first offer', toOffer),
      summary('launch -> TASK_RUNNING', launchToRunning),
      ...(launchToStarting.length ? [summary('  launch -> TASK_STARTING', launchToStarting), summary('  TASK_STARTING -> TASK_RUNNING', startingToRunning)] : []),
    ];
    printTable(`exec latency (local cluster${SECURE ? ' with TLS + authentication' : ''}, 1 agent, ${os.cpus().length} cpus, node ${process.version})`, rows);
    const file = writeResults(SECURE ? 'exec-secure' : 'exec', {
      secure: SECURE,
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      quick: QUICK,
      targets: { 'exec wall p50 ms': 500, 'subscribe -> TASK_RUNNING p50 ms': 10 },
      rows,
      samples: { execWall, versionWall, toRunning, toOffer, launchToRunning, launchToStarting, startingToRunning },
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await destroyLocal(catalog, name);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runMain(main);
