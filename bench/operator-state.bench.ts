/**
 * What operators' tools cost the master at scale: GET /state with N emulated agents running 10 tasks
 * each, and whether /health stays quick while /state is polled in a loop (Mesos: /state takes about
 * 3 s at 20,000 agents and 400,000 tasks, and the master answers nothing else meanwhile).
 *
 * For N = 1,000 and 10,000 (only 1,000 with --quick), an in-process master and N emulated agents
 * (bench/lib/emulated-agents.ts) that report 10 RUNNING tasks each in their REGISTER:
 *  - /state and the operator API's GET_STATE (JSON and protobuf): the first build, a rebuild after a
 *    change (one more agent with its tasks), and from the cache; their sizes; /state-summary;
 *  - /health while a client polls /state, or GET_STATE in JSON, back to back, from another process,
 *    for a few seconds: 'steady' with nothing changing (every poll after the first is served from the
 *    cache), and 'churn' with an agent and its 10 tasks registering every 250 ms, so most polls rebuild;
 *  - the master's RSS and heap (this process: the emulated agents live in child processes) after a
 *    full collection: with the agents registered, once everything is rendered, and after each load.
 *
 * Target: /state under 0.5 s and GET_STATE under 0.2 s at 10,000 agents / 100,000 tasks; /health p99
 * under 20 ms while polled; master RSS under 1 GB.
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
import { JSON_TYPE, PROTOBUF_TYPE } from '../cluster/http/v1-media';
import { runMain, scaleAgentCounts } from './lib/main';
import { settledMemory } from './lib/memory';
import { printTable, reportTargets, writeResults, type Row, type TargetRow } from './lib/report';

const TASKS_PER_AGENT = 10;
const LOAD_SECONDS = 8;
const HEALTH_EVERY_MS = 10;
const CHURN_EVERY_MS = 250;

interface LoadResult { stateMs: number[]; healthMs: number[]; churned: number }

// ---------------------------------------------------------------- load generator (child process)

/** What a load polls: /state, or GET_STATE in JSON. */
type Polled = '/state' | 'GET_STATE';

function poll(masterUrl: string, polled: Polled, accept?: string) {
  return polled === '/state'
    ? getText(`${masterUrl}/state`, { keepText: false })
    : getText(`${masterUrl}/api/v1`, { method: 'POST', body: JSON.stringify({ type: 'GET_STATE' }), keepText: false, accept });
}

/** Polls back to back and probes /health every 10 ms; with churn, registers an agent every 250 ms. */
async function runLoad(masterUrl: string, seconds: number, churnFrom: number, polled: Polled): Promise<void> {
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
    while (performance.now() < deadline) result.stateMs.push((await poll(masterUrl, polled)).ms);
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

async function load(masterUrl: string, churnFrom: number, polled: Polled): Promise<LoadResult> {
  const child = new Child(__filename, ['load', masterUrl, String(LOAD_SECONDS), String(churnFrom), polled]);
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
  // Every emulated agent holds a connection from 127.0.0.1: no per-client cap.
  const master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, maxConnectionsPerClient: 0 });
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

    const registered = settledMemory();
    const cold = await getText(`${master.url}/state`);
    const listed = (JSON.parse(cold.text) as { slaves: unknown[] }).slaves.length;
    if (listed !== agentCount) throw new Error(`/state has ${listed} agents`);
    const getState = (accept: string) => poll(master.url, 'GET_STATE', accept);
    const jsonCold = await getState(JSON_TYPE);
    const protobufCold = await getState(PROTOBUF_TYPE);
    children.push(...(await registerEmulatedAgents(master.url, 1, agentCount, { tasksPerAgent: TASKS_PER_AGENT })).children);
    const rebuilt = await getText(`${master.url}/state`, { keepText: false });
    const cached = await getText(`${master.url}/state`, { keepText: false });
    const json = { rebuilt: await getState(JSON_TYPE), cached: await getState(JSON_TYPE) };
    const protobuf = { rebuilt: await getState(PROTOBUF_TYPE), cached: await getState(PROTOBUF_TYPE) };
    const summary = await getText(`${master.url}/state-summary`, { keepText: false });
    // Every rendering is kept now: /state's and both GET_STATE encodings'.
    const rendered = settledMemory();

    const base: Row = {
      agents: agentCount,
      tasks: tasks + TASKS_PER_AGENT,
      'register s': round(agents.registerMs / 1000, 2),
      '/state MB': round(rebuilt.bytes / 1e6, 1),
      '/state ms cold': round(cold.ms),
      '/state ms': round(rebuilt.ms),
      '/state cached ms': round(cached.ms),
      '/state-summary ms': round(summary.ms),
      'GET_STATE JSON MB': round(json.rebuilt.bytes / 1e6, 1),
      'GET_STATE JSON ms cold': round(jsonCold.ms),
      'GET_STATE JSON ms': round(json.rebuilt.ms),
      'GET_STATE JSON cached ms': round(json.cached.ms),
      'GET_STATE protobuf MB': round(protobuf.rebuilt.bytes / 1e6, 1),
      'GET_STATE protobuf ms cold': round(protobufCold.ms),
      'GET_STATE protobuf ms': round(protobuf.rebuilt.ms),
      'GET_STATE protobuf cached ms': round(protobuf.cached.ms),
      'RSS MB registered': registered.rssMB,
      'heap MB registered': registered.heapMB,
      'RSS MB rendered': rendered.rssMB,
      'heap MB rendered': rendered.heapMB,
      'external MB rendered': rendered.externalMB,
    };
    const rows: Row[] = [];
    for (const polled of ['/state', 'GET_STATE'] as const) {
      rows.push(underLoad(base, polled, 'steady', await load(master.url, -1, polled)));
      rows.push(underLoad(base, polled, `churn ${CHURN_EVERY_MS}ms`, await load(master.url, agentCount + 1 + rows.length * 100, polled)));
    }
    return rows;
  } finally {
    for (const child of children) child.stop();
    await master.close();
  }
}

function underLoad(base: Row, polled: Polled, name: string, result: LoadResult): Row {
  const memory = settledMemory();
  return {
    ...base,
    polled,
    load: name,
    '/state polls': result.stateMs.length,
    'poll ms p50': round(percentile(result.stateMs, 0.5)),
    'poll ms max': round(Math.max(...result.stateMs)),
    '/health n': result.healthMs.length,
    '/health ms p50': round(percentile(result.healthMs, 0.5), 2),
    '/health ms p99': round(percentile(result.healthMs, 0.99), 2),
    '/health ms max': round(Math.max(...result.healthMs), 2),
    'master RSS MB': memory.rssMB,
    'master heap MB': memory.heapMB,
  };
}

/** The rows, from the largest size run; pass/fail only at the size the targets name (10,000 / 100,000). */
function targetRows(rows: Row[]): TargetRow[] {
  const agents = Math.max(...rows.map((row) => Number(row.agents)));
  const at = rows.filter((row) => row.agents === agents);
  const first = at.find((row) => row.polled === '/state' && row.load === 'steady')!;
  const full = agents >= 10_000;
  const size = `${agents.toLocaleString('en-US')} agents / ${Number(first.tasks).toLocaleString('en-US')} tasks`;
  const rebuiltMs = Number(first['GET_STATE JSON ms']);
  // From another process, as operators' tools ask: polled back to back while an agent joins every 250 ms (each change makes the next poll rebuild).
  const churn = at.find((row) => row.polled === 'GET_STATE' && String(row.load).startsWith('churn'))!;
  const polledMs = Number(churn['poll ms p50']);
  const healthP99 = Math.max(...at.filter((row) => row.polled === 'GET_STATE').map((row) => Number(row['/health ms p99'])));
  const rssMB = Math.max(Number(first['RSS MB rendered']), ...at.map((row) => Number(row['master RSS MB'])));
  return [
    {
      benchmark: `operator GET_STATE (JSON, ${first['GET_STATE JSON MB']} MB) from another process, an agent joining every 250 ms, ${size}`,
      measured: `p50 ${polledMs} ms, max ${churn['poll ms max']} ms (in process, after one change: JSON ${rebuiltMs} ms, protobuf ${first['GET_STATE protobuf ms']} ms)`,
      anchor: 'Mesos /state ~3 s at 20k / 400k', target: '<= 200 ms at 10k / 100k', met: full ? polledMs <= 200 : undefined,
    },
    {
      benchmark: `/health p99 while GET_STATE is polled back to back, ${size}`,
      measured: `${healthP99} ms`, anchor: '', target: '<= 20 ms', met: full ? healthP99 <= 20 : undefined,
    },
    {
      benchmark: `master RSS with the tasks and every document built, ${size}`,
      measured: `${rssMB} MB`, anchor: '', target: '<= 1 GB at 10k / 100k', met: full ? rssMB <= 1024 : undefined,
    },
  ];
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const agents of scaleAgentCounts()) rows.push(...await run(agents));
  const keys = (row: Row, names: string[]) => Object.fromEntries(names.map((n) => [n, row[n]]));
  const firsts = rows.filter((row) => row.polled === '/state' && row.load === 'steady');
  printTable(`GET /state with ${TASKS_PER_AGENT} running tasks per agent (Mesos: ~3 s at 20,000 agents / 400,000 tasks)`, firsts.map((row) => keys(row, [
    'agents', 'tasks', 'register s', '/state MB', '/state ms cold', '/state ms', '/state cached ms', '/state-summary ms',
  ])));
  printTable('Operator API GET_STATE: first build, rebuilt after one agent joined, cached (target <= 200 ms at 10,000 / 100,000)', firsts.flatMap((row) => (['JSON', 'protobuf'] as const).map((encoding) => ({
    agents: row.agents,
    tasks: row.tasks,
    encoding,
    MB: row[`GET_STATE ${encoding} MB`],
    'ms cold': row[`GET_STATE ${encoding} ms cold`],
    'ms rebuilt': row[`GET_STATE ${encoding} ms`],
    'ms cached': row[`GET_STATE ${encoding} cached ms`],
  }))));
  printTable('Master memory (target: RSS <= 1 GB at 10,000 agents / 100,000 tasks)', firsts.map((row) => keys(row, [
    'agents', 'tasks', 'RSS MB registered', 'heap MB registered', 'RSS MB rendered', 'heap MB rendered', 'external MB rendered',
  ])));
  printTable(`/health while /state or GET_STATE (JSON) is polled back to back for ${LOAD_SECONDS} s (probe every ${HEALTH_EVERY_MS} ms)`, rows.map((row) => keys(row, [
    'agents', 'polled', 'load', '/state polls', 'poll ms p50', 'poll ms max', '/health n', '/health ms p50', '/health ms p99', '/health ms max', 'master RSS MB', 'master heap MB',
  ])));
  reportTargets(targetRows(rows));
  const file = writeResults('operator-state', { tasksPerAgent: TASKS_PER_AGENT, loadSeconds: LOAD_SECONDS, churnEveryMs: CHURN_EVERY_MS, rows });
  process.stdout.write(`results: ${file}\n`);
}

const [role, masterUrl, seconds, churnFrom, polled] = process.argv.slice(2);
if (role === 'load') runChild(runLoad(masterUrl, Number(seconds), Number(churnFrom), polled as Polled));
else runMain(main);
