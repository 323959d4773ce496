/**
 * How long a task on a custom executor takes to run: a master and an agent in this process (cgroups
 * off), a scheduler client, and the executor of test/fixtures/echo-executor.js (a Node program, so its
 * start-up is part of the figure, as a real executor's would be).
 *
 * 1. "new executor: launch -> TASK_RUNNING": each task brings a new executor id, so the agent starts
 *    the executor, which subscribes, gets LAUNCH and reports TASK_RUNNING.
 * 2. "running executor: launch -> TASK_RUNNING": tasks for an executor that already runs (LAUNCH on
 *    its stream, no process start).
 *
 * Run: npm run build && node dist/bench/executor.bench.js [--quick]
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Resources } from '../cluster/protocol/resources';
import type { Offer, TaskInfo, TaskStatus } from '../cluster/protocol/types';
import { packageRoot } from '../infra/package-root';
import { percentile } from './lib/http';
import { inProcessCluster } from './lib/in-process-cluster';
import { runMain } from './lib/main';
import { printTable, writeResults, type Row } from './lib/report';

const QUICK = process.argv.includes('--quick');
const NEW_EXECUTORS = QUICK ? 3 : 10;
const ON_RUNNING = QUICK ? 5 : 20;
const FIXTURE = path.join(packageRoot(), 'test', 'fixtures', 'echo-executor.js');

function summary(metric: string, values: number[]): Row {
  const r = (n: number) => Math.round(n * 100) / 100;
  return { metric, n: values.length, 'p50 ms': r(percentile(values, 0.5)), 'p90 ms': r(percentile(values, 0.9)), 'min ms': r(Math.min(...values)), 'max ms': r(Math.max(...values)) };
}

function task(offer: Offer, id: string, executorId: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: Resources.parse('cpus:0.01;mem:1').toV1(),
    data: Buffer.from(JSON.stringify({ run: 'finish' })).toString('base64'),
    executor: { type: 'CUSTOM', executor_id: { value: executorId }, command: { value: `'${process.execPath}' '${FIXTURE}'` } },
  };
}

async function main(): Promise<void> {
  const { client, close } = await inProcessCluster('executor', 'cpus:8;mem:8192;disk:1024', { checkpoint: true });
  try {
    const offers: Offer[] = [];
    const running = new Map<string, () => void>();
    client.on('offers', (o) => offers.push(...o));
    client.on('update', (status: TaskStatus) => {
      if (status.state === 'TASK_RUNNING') running.get(status.task_id.value)?.();
      void client.acknowledge(status).catch(() => undefined);
    });
    await client.subscribe();

    const launchOne = async (id: string, executorId: string): Promise<number> => {
      while (offers.length === 0) await new Promise((r) => setTimeout(r, 5));
      const offer = offers.shift()!;
      const ran = new Promise<void>((resolve) => running.set(id, resolve));
      const start = performance.now();
      await client.launch([offer.id], [task(offer, id, executorId)], { refuse_seconds: 0 });
      await ran;
      return performance.now() - start;
    };

    const fresh: number[] = [];
    for (let i = 0; i < NEW_EXECUTORS; i++) fresh.push(await launchOne(`new-${i}`, `bench-new-${i}`));
    const reused: number[] = [];
    for (let i = 0; i < ON_RUNNING; i++) reused.push(await launchOne(`reuse-${i}`, 'bench-new-0'));

    const rows = [summary('new executor: launch -> TASK_RUNNING', fresh), summary('running executor: launch -> TASK_RUNNING', reused)];
    printTable(`custom executor latency (in-process master + agent, ${os.cpus().length} cpus, node ${process.version})`, rows);
    const file = writeResults('executor', { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, quick: QUICK, rows, samples: { fresh, reused } });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await close();
  }
}

runMain(main);
