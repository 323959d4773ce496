/**
 * What operators' tools cost the master at scale: GET /state with N emulated agents running 10 tasks
 * each, and whether /health stays quick while /state is polled in a loop (Mesos: /state takes about
 * 3 s at 20,000 agents and 400,000 tasks, and the master answers nothing else meanwhile).
 *
 * For N = 1,000 and 10,000 (only 1,000 with --quick), an in-process master and N emulated agents
 * (bench/lib/emulated-agents.ts) that report 10 RUNNING tasks each in their REGISTER:
 *  - /state: the first build, a rebuild after a change (one more agent with its tasks), and from
 *    the cache; its size; GET_STATE and /state-summary for comparison;
 *  - /health while a client polls /state back to back, from another process, for a few seconds:
 *    'steady' with nothing changing (every poll after the first is served from the cache), and
 *    'churn' with an agent and its 10 tasks registering every 250 ms, so most polls rebuild.
 *
 * Target: /state under 0.5 s at 10,000 agents / 100,000 tasks; /health p99 under 20 ms while polled.
 *
 * Run: tsc -p tsconfig.build.json && node dist/bench/operator-state.bench.js [--quick]
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createMaster } from '../cluster/master';
import { silentLogger } from '../cluster/util/log';
import { Child, runChild, sendToParent, untilParentSays } from './lib/child';
import { registerAgent, registerEmulatedAgents } from './lib/emulated-agents';
import { getText, percentile, round, sleep } from './lib/http';
import { runMain, scaleAgentCounts } from './lib/main';
import { printTable, writeResults, type Row } from './lib/report';

const TASKS_PER_AGENT = 10;
const LOAD_SECONDS = 8;
const HEALTH_EVERY_MS = 10;
const CHURN_EVERY_MS = 250;

interface LoadResult { stateMs: number[]; healthMs: number[]; churned: number }

// ---------------------------------------------------------------- load generator (child process)

/** Polls /state back to back and probes /health every 10 ms; with churn, registers an agent every 250 ms. */
async function runLoad(masterUrl: string, seconds: number, churnFrom: number): Promise<void> {
  await untilParentSays('go');
  const deadline = performance.now() + seconds * 1000;
  const result: LoadResult = { stateMs: [], healthMs: [], churned: 0 };
  const health = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const calls = new http.Agent({ keepAlive: true, maxSockets: 4 });

  const probe = () => new Promise<void>((resolve) => {
    const start = performance.now();
    http.get(`${masterUrl}/health`, { agent: health }, (res) => {
      res.resume();
      res.on('end', () => {
        result.healthMs.push(performance.now() - start);
        resolve();
      });
    }).on('error', () => resolve());
  });

  const pollState = async () => {
    while (performance.now() < deadline) result.stateMs.push((await getText(`${masterUrl}/state`, { keepText: false })).ms);
  };
  const probeHealth = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      await probe();
      await sleep(Math.max(0, HEALTH_EVERY_MS - (performance.now() - started)));
    }
  };
  const churn = async () => {
    if (churnFrom < 0) return;
    while (performance.now() < deadline) {
      await registerAgent(masterUrl, churnFrom + result.churned++, { tasksPerAgent: TASKS_PER_AGENT }, calls);
      await sleep(CHURN_EVERY_MS);
    }
  };
  await Promise.all([pollState(), probeHealth(), churn()]);
  sendToParent({ type: 'load', data: result });
}

// ---------------------------------------------------------------- the run (parent process)

async function load(masterUrl: string, churnFrom: number): Promise<LoadResult> {
  const child = new Child(__filename, ['load', masterUrl, String(LOAD_SECONDS), String(churnFrom)]);
  try {
    await child.ready;
    const done = child.next((m) => m.type === 'load');
    child.go();
    return (await done).data as LoadResult;
  } finally {
    // The churned agents' connections live in the child; it goes once its figures are in.
    child.stop();
  }
}

async function run(agentCount: number): Promise<Row[]> {
  const master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger });
  await master.listen();
  const children: Child[] = [];
  try {
    const agents = await registerEmulatedAgents(master.url, agentCount, 0, { tasksPerAgent: TASKS_PER_AGENT });
    children.push(...agents.children);
    const metrics = JSON.parse((await getText(`${master.url}/metrics/snapshot`)).text);
    const tasks = metrics['master/tasks_running'];
    if (metrics['master/slaves_connected'] !== agentCount || tasks !== agentCount * TASKS_PER_AGENT) {
      throw new Error(`expected ${agentCount} agents and ${agentCount * TASKS_PER_AGENT} running tasks, got ${metrics['master/slaves_connected']} and ${tasks}`);
    }

    const cold = await getText(`${master.url}/state`);
    const state = JSON.parse(cold.text);
    if (state.slaves.length !== agentCount) throw new Error(`/state has ${state.slaves.length} agents`);
    children.push(...(await registerEmulatedAgents(master.url, 1, agentCount, { tasksPerAgent: TASKS_PER_AGENT })).children);
    const rebuilt = await getText(`${master.url}/state`, { keepText: false });
    const cached = await getText(`${master.url}/state`, { keepText: false });
    const operatorState = await getText(`${master.url}/api/v1`, { method: 'POST', body: JSON.stringify({ type: 'GET_STATE' }), keepText: false });
    const summary = await getText(`${master.url}/state-summary`, { keepText: false });

    const steady = await load(master.url, -1);
    const churn = await load(master.url, agentCount + 1);
    const base: Row = {
      agents: agentCount,
      tasks: tasks + TASKS_PER_AGENT,
      'register s': round(agents.registerMs / 1000, 2),
      '/state MB': round(rebuilt.bytes / 1e6, 1),
      '/state ms cold': round(cold.ms),
      '/state ms': round(rebuilt.ms),
      '/state cached ms': round(cached.ms),
      'GET_STATE ms': round(operatorState.ms),
      'GET_STATE MB': round(operatorState.bytes / 1e6, 1),
      '/state-summary ms': round(summary.ms),
    };
    const underLoad = (name: string, result: LoadResult): Row => ({
      ...base,
      load: name,
      '/state polls': result.stateMs.length,
      'poll ms p50': round(percentile(result.stateMs, 0.5)),
      'poll ms max': round(Math.max(...result.stateMs)),
      '/health n': result.healthMs.length,
      '/health ms p50': round(percentile(result.healthMs, 0.5), 2),
      '/health ms p99': round(percentile(result.healthMs, 0.99), 2),
      '/health ms max': round(Math.max(...result.healthMs), 2),
      'master heap MB': Math.round(process.memoryUsage().heapUsed / 1e6),
    });
    return [underLoad('steady', steady), underLoad(`churn ${CHURN_EVERY_MS}ms`, churn)];
  } finally {
    for (const child of children) child.stop();
    await master.close();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const agents of scaleAgentCounts()) rows.push(...await run(agents));
  const keys = (row: Row, names: string[]) => Object.fromEntries(names.map((n) => [n, row[n]]));
  printTable(`GET /state with ${TASKS_PER_AGENT} running tasks per agent`, rows.filter((_, i) => i % 2 === 0).map((row) => keys(row, [
    'agents', 'tasks', 'register s', '/state MB', '/state ms cold', '/state ms', '/state cached ms', 'GET_STATE ms', 'GET_STATE MB', '/state-summary ms',
  ])));
  printTable(`/health while /state is polled back to back for ${LOAD_SECONDS} s (probe every ${HEALTH_EVERY_MS} ms)`, rows.map((row) => keys(row, [
    'agents', 'load', '/state polls', 'poll ms p50', 'poll ms max', '/health n', '/health ms p50', '/health ms p99', '/health ms max', 'master heap MB',
  ])));
  const file = writeResults('operator-state', { tasksPerAgent: TASKS_PER_AGENT, loadSeconds: LOAD_SECONDS, churnEveryMs: CHURN_EVERY_MS, rows });
  process.stdout.write(`results: ${file}\n`);
}

const [role, masterUrl, seconds, churnFrom] = process.argv.slice(2);
if (role === 'load') runChild(runLoad(masterUrl, Number(seconds), Number(churnFrom)));
else runMain(main);
