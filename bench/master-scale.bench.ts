/**
 * The master at cluster scale: an in-process master, N emulated agents speaking the real agent
 * channel over loopback (a REGISTER stream each, PONGs for PINGs), and 10 schedulers on the v1
 * scheduler API that decline every offer with a one-hour filter, as in Mesos's DeclineOffers
 * benchmark.
 *
 * For N = 1,000 and 10,000 (only 1,000 with --quick):
 *  - register: wall time from the first REGISTER to the last REGISTERED, the agents coming all at
 *    once (64 REGISTERs in flight per emulator process), and the registration rate;
 *  - offer cycles: allocation runs that produced offers (each offers every agent to one framework),
 *    timed inside the master: the allocator's run, then master/offer_publish_ms (turning the
 *    allocations into offers and writing the OFFERS events);
 *  - idle cycles: the periodic runs (every 1 s, Mesos's default) once every framework has filtered
 *    every agent;
 *  - GET /state with all agents, the 10 frameworks and their filters: time and size, the first
 *    time (every agent's views built), rebuilt after a change (one more agent), and from the cache;
 *    the same for the operator API's GET_STATE.
 *
 * The emulated agents and the schedulers run in child processes: 10,000 agent connections on both
 * ends would not fit in one process's file-descriptor limit (20,000 on the machines this was written
 * on; each emulator process holds 2,500), and their JSON work must not be counted as the master's.
 *
 * --secure: the same with TLS on every connection and every call authenticated (lib/secure.ts).
 *
 * Run: tsc -p tsconfig.build.json && node dist/bench/master-scale.bench.js [--quick] [--secure]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAllocator, type Allocator } from '../cluster/allocator';
import { createMaster } from '../cluster/master';
import { SCHEDULER_API_PATH } from '../cluster/master/api/scheduler-api';
import { RecordIODecoder } from '../cluster/protocol/recordio';
import { silentLogger } from '../cluster/util/log';
import { Child, runChild, sendToParent, untilParentSays } from './lib/child';
import { AGENT_RESOURCES, registerEmulatedAgents } from './lib/emulated-agents';
import { getText, percentile, round, sleep } from './lib/http';
import { runMain, scaleAgentCounts } from './lib/main';
import { printTable, writeResults, type Row } from './lib/report';
import { benchAgent, benchRequest, PRINCIPAL, SECURE, secureSetup } from './lib/secure';

const FRAMEWORKS = 10;
const REFUSE_SECONDS = 3600;
const IDLE_CYCLES = 5;
const ALLOCATION_INTERVAL_MS = 1000;

// ---------------------------------------------------------------- schedulers (child process)

async function runSchedulers(masterUrl: string, count: number): Promise<void> {
  const calls = benchAgent({ keepAlive: true, maxSockets: 16 });
  const url = `${masterUrl}${SCHEDULER_API_PATH}`;
  let declined = 0;

  const decline = (frameworkId: string, streamId: string, offerIds: { value: string }[]) => {
    const req = benchRequest(url, {
      method: 'POST', agent: calls, headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        declined += offerIds.length;
        sendToParent({ type: 'declined', count: declined });
      });
    });
    req.end(JSON.stringify({
      framework_id: { value: frameworkId },
      type: 'DECLINE',
      decline: { offer_ids: offerIds, filters: { refuse_seconds: REFUSE_SECONDS } },
    }));
  };

  const subscribe = (index: number) => {
    const req = benchRequest(url, {
      method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    }, (res) => {
      if (res.statusCode !== 200) throw new Error(`SUBSCRIBE answered ${res.statusCode}`);
      const streamId = String(res.headers['mesos-stream-id']);
      const decoder = new RecordIODecoder();
      let frameworkId = '';
      res.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk) as { type: string; subscribed?: { framework_id: { value: string } }; offers?: { offers: { id: { value: string } }[] } }[]) {
          if (event.type === 'SUBSCRIBED') frameworkId = event.subscribed!.framework_id.value;
          else if (event.type === 'OFFERS') decline(frameworkId, streamId, event.offers!.offers.map((o) => o.id));
        }
      });
    });
    req.end(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'bench', name: `bench-${index}`, principal: PRINCIPAL } } }));
  };

  await untilParentSays('go');
  for (let i = 0; i < count; i++) subscribe(i);
}

// ---------------------------------------------------------------- the run (parent process)

interface Cycle { ms: number; offers: number }

/** The allocator the master runs, with each run timed; nothing else about it changes. */
function timedAllocator(inner: Allocator, cycles: Cycle[]): Allocator {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'allocate') {
        return (now: number) => {
          const start = performance.now();
          const out = target.allocate(now);
          cycles.push({ ms: performance.now() - start, offers: out.length });
          return out;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function run(agentCount: number, secure: object): Promise<Row> {
  const cycles: Cycle[] = [];
  const master = createMaster({
    ...secure,
    ip: '127.0.0.1', port: 0, logger: silentLogger, allocationIntervalMs: ALLOCATION_INTERVAL_MS,
    allocator: timedAllocator(createAllocator({ seed: 1 }), cycles),
    // Every emulated agent connects from 127.0.0.1.
    maxConnectionsPerClient: 0,
  });
  await master.listen();
  const children: Child[] = [];
  try {
    // Register every agent at once.
    // The master runs in this process: its CPU time while the agents register (the emulators' is theirs).
    const cpuBefore = process.cpuUsage();
    const agents = await registerEmulatedAgents(master.url, agentCount);
    const cpu = process.cpuUsage(cpuBefore);
    const registerCpuMs = (cpu.user + cpu.system) / 1000;
    children.push(...agents.children);
    const registerMs = agents.registerMs;
    const afterRegister = JSON.parse((await getText(`${master.url}/metrics/snapshot`)).text);
    if (afterRegister['master/slaves_connected'] !== agentCount) throw new Error(`only ${afterRegister['master/slaves_connected']} agents connected`);

    // Ten frameworks decline everything with a long filter until each has seen every agent once.
    const schedulers = new Child(__filename, ['schedulers', master.url, String(FRAMEWORKS)]);
    children.push(schedulers);
    await schedulers.ready;
    const firstOfferCycle = cycles.length;
    const allDeclined = schedulers.next((m) => m.type === 'declined' && (m.count ?? 0) >= agentCount * FRAMEWORKS);
    const offersStart = performance.now();
    schedulers.go();
    await allDeclined;
    const offersMs = performance.now() - offersStart;
    const offerCycles = cycles.slice(firstOfferCycle).filter((c) => c.offers > 0);
    const metrics = JSON.parse((await getText(`${master.url}/metrics/snapshot`)).text);

    // Every agent is filtered for every framework: what the periodic cycle costs then.
    const firstIdleCycle = cycles.length;
    await sleep(ALLOCATION_INTERVAL_MS * IDLE_CYCLES + ALLOCATION_INTERVAL_MS / 2);
    const idleCycles = cycles.slice(firstIdleCycle);

    // The first /state builds every agent's per-registration views; after a change it is rebuilt
    // around them; with no change in between it is served from the cache.
    const cold = await getText(`${master.url}/state`);
    const state = JSON.parse(cold.text);
    if (state.slaves.length !== agentCount || state.frameworks.length !== FRAMEWORKS) throw new Error('/state is missing agents or frameworks');
    children.push(...(await registerEmulatedAgents(master.url, 1, agentCount)).children);
    const rebuilt = await getText(`${master.url}/state`);
    const cached = await getText(`${master.url}/state`);
    const operatorState = await getText(`${master.url}/api/v1`, { method: 'POST', body: JSON.stringify({ type: 'GET_STATE' }) });

    return {
      agents: agentCount,
      'register s': round(registerMs / 1000, 2),
      'agents/s': Math.round(agentCount / (registerMs / 1000)),
      'master cpu ms/agent': round(registerCpuMs / agentCount, 2),
      'offer cycles': offerCycles.length,
      'offers s (all)': round(offersMs / 1000, 2),
      'alloc ms p50': round(percentile(offerCycles.map((c) => c.ms), 0.5)),
      'alloc ms max': round(Math.max(...offerCycles.map((c) => c.ms))),
      'publish ms p50': round(metrics['master/offer_publish_ms/p50']),
      'publish ms max': round(metrics['master/offer_publish_ms/max']),
      'idle ms p50': round(percentile(idleCycles.map((c) => c.ms), 0.5), 2),
      'idle ms max': round(Math.max(...idleCycles.map((c) => c.ms)), 2),
      '/state ms cold': round(cold.ms),
      '/state ms': round(rebuilt.ms),
      '/state cached ms': round(cached.ms),
      '/state MB': round(rebuilt.bytes / 1e6, 2),
      'GET_STATE ms': round(operatorState.ms),
      'GET_STATE MB': round(operatorState.bytes / 1e6, 2),
      'master heap MB': Math.round(process.memoryUsage().heapUsed / 1e6),
    };
  } finally {
    for (const child of children) child.stop();
    await master.close();
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-bench-scale-'));
  const secure = SECURE ? secureSetup(dir).masterOptions : {};
  const rows: Row[] = [];
  try {
    for (const agents of scaleAgentCounts()) rows.push(await run(agents, secure));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printTable(`master at scale${SECURE ? ' (TLS + authentication)' : ''}: ${FRAMEWORKS} frameworks declining with a ${REFUSE_SECONDS} s filter, ${ALLOCATION_INTERVAL_MS} ms allocation interval`, rows);
  const file = writeResults(SECURE ? 'master-scale-secure' : 'master-scale', { secure: SECURE, frameworks: FRAMEWORKS, refuseSeconds: REFUSE_SECONDS, agentResources: AGENT_RESOURCES, rows });
  process.stdout.write(`results: ${file}\n`);
}

const [role, masterUrl, count] = process.argv.slice(2);
if (role === 'schedulers') runChild(runSchedulers(masterUrl, Number(count)));
else runMain(main);
