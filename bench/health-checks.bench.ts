/**
 * What health checks cost the agent: a master and an agent in this process (cgroups off), N tasks
 * (`sleep`) each with a health check probed every second, against the same N tasks unchecked.
 *
 * 1. "CPU ms per s": this process's CPU time (user + system) over a window, plus that of the
 *    processes it reaped meanwhile (the COMMAND probes' shells; /proc/self/stat cutime + cstime),
 *    per second of wall time. The master and the scheduler are in the process too: the unchecked
 *    row is their share, and "per probe" is the difference to it divided by the probes run.
 *    HTTP and TCP probes all hit one server, a separate node process whose own CPU is not counted.
 * 2. "probe latency": the agent's probe functions (agent/checks/probes.ts) called back to back
 *    against the same server: how long one HTTP request, one TCP connection, one shell takes.
 *
 * Run: npm run build && node dist/bench/health-checks.bench.js [--quick]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { probeCommand, probeHttp, probeTcp } from '../cluster/agent/checks/probes';
import { Resources } from '../cluster/protocol/resources';
import type { HealthCheck, Offer, TaskInfo, TaskStatus } from '../cluster/protocol/types';
import { isTerminalState } from '../cluster/protocol/types';
import { percentile } from './lib/http';
import { inProcessCluster } from './lib/in-process-cluster';
import { runMain } from './lib/main';
import { printTable, writeResults, type Row } from './lib/report';

const QUICK = process.argv.includes('--quick');
const TASKS = QUICK ? 10 : 100;
const WINDOW_MS = QUICK ? 5_000 : 20_000;
const LATENCY_SAMPLES = QUICK ? 20 : 200;
const TASK_CPUS = 0.5;

const scalar = (offer: Offer, name: string) => offer.resources.filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);

type Mode = 'none' | 'HTTP' | 'TCP' | 'COMMAND';

function healthCheck(mode: Mode, port: number): HealthCheck | undefined {
  const timing = { delay_seconds: 0, interval_seconds: 1, timeout_seconds: 5, grace_period_seconds: 600, consecutive_failures: 1000 };
  switch (mode) {
    case 'HTTP': return { type: 'HTTP', http: { port, path: '/' }, ...timing };
    case 'TCP': return { type: 'TCP', tcp: { port }, ...timing };
    case 'COMMAND': return { type: 'COMMAND', command: { value: 'true' }, ...timing };
    default: return undefined;
  }
}

/** CPU ms of this process and of the children it has reaped. */
function cpuMs(): number {
  const own = process.cpuUsage();
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // Fields 16 and 17 of stat (cutime, cstime), counted from 1, after "pid (comm)": indexes 13 and 14 here.
  const ticks = Number(fields[13]) + Number(fields[14]);
  return (own.user + own.system) / 1000 + (ticks * 1000) / 100;
}

async function startServer(): Promise<{ port: number; child: ChildProcess }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const code = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('up'))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', () => reject(new Error('the probe server exited')));
  });
  return { port, child };
}

function summary(metric: string, values: number[]): Row {
  const r = (n: number) => Math.round(n * 100) / 100;
  return { metric, n: values.length, 'p50 ms': r(percentile(values, 0.5)), 'p90 ms': r(percentile(values, 0.9)), 'max ms': r(Math.max(...values)) };
}

async function main(): Promise<void> {
  const server = await startServer();
  const { client, workDir, close } = await inProcessCluster('health', `cpus:${TASKS};mem:${TASKS * 16};disk:1024`).catch((err) => {
    server.child.kill();
    throw err;
  });
  try {
    const offers: Offer[] = [];
    const seen = new Map<string, TaskStatus[]>();
    let probesReported = 0;
    client.on('offers', (o) => offers.push(...o));
    client.on('rescind', (id: string) => offers.splice(0, offers.length, ...offers.filter((o) => o.id.value !== id)));
    client.on('update', (status: TaskStatus) => {
      const list = seen.get(status.task_id.value) ?? [];
      list.push(status);
      seen.set(status.task_id.value, list);
      if (status.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED') probesReported++;
      void client.acknowledge(status).catch(() => undefined);
    });
    await client.subscribe();
    const until = async (what: () => boolean) => {
      while (!what()) await new Promise((r) => setTimeout(r, 20));
    };

    const rows: Row[] = [];
    let baseline = 0;
    for (const mode of ['none', 'HTTP', 'TCP', 'COMMAND'] as Mode[]) {
      // The previous round's resources come back task by task: wait until the offers hold them all.
      await until(() => offers.reduce((sum, o) => sum + scalar(o, 'cpus'), 0) >= TASKS * TASK_CPUS);
      const held = offers.splice(0);
      const offer = held[0];
      const ids = Array.from({ length: TASKS }, (_, i) => `${mode.toLowerCase()}-${i}`);
      const hc = healthCheck(mode, server.port);
      const tasks: TaskInfo[] = ids.map((id) => ({
        name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { value: 'exec sleep 3600' },
        resources: Resources.parse(`cpus:${TASK_CPUS};mem:8`).toV1(), ...(hc ? { health_check: hc } : {}),
      }));
      await client.launch(held.map((o) => o.id), tasks, { refuse_seconds: 0 });
      // Running, and for a checked task healthy once: its probes run from here on.
      const ready = (id: string) => (seen.get(id) ?? []).some((s) => (hc ? s.healthy === true : s.state === 'TASK_RUNNING'));
      await until(() => ids.every(ready));
      const probesBefore = probesReported;
      const cpuBefore = cpuMs();
      const start = performance.now();
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const wallMs = performance.now() - start;
      const cpu = cpuMs() - cpuBefore;
      const perSecond = (cpu / wallMs) * 1000;
      if (mode === 'none') baseline = perSecond;
      // Probes run: one per task per interval (healthy results are not reported, so count by time).
      const probes = hc ? (TASKS * wallMs) / 1000 : 0;
      rows.push({
        checks: mode === 'none' ? 'none' : `${mode} every 1s`,
        tasks: TASKS,
        'CPU ms per s': Math.round(perSecond * 10) / 10,
        'extra CPU ms per probe': hc ? Math.round(((perSecond - baseline) * (wallMs / 1000) / probes) * 1000) / 1000 : '',
        'unhealthy reports': probesReported - probesBefore,
      });
      for (const id of ids) await client.kill({ value: id }, offer.agent_id);
      await until(() => ids.every((id) => (seen.get(id) ?? []).some((s) => isTerminalState(s.state))));
    }
    printTable(`health check CPU cost (in-process master + agent, ${os.cpus().length} cpus, node ${process.version}${QUICK ? ', --quick: indicative only' : ''})`, rows);

    const latency = { HTTP: [] as number[], TCP: [] as number[], COMMAND: [] as number[] };
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      let t = performance.now();
      await probeHttp({ port: server.port, path: '/', timeoutMs: 5000 });
      latency.HTTP.push(performance.now() - t);
      t = performance.now();
      await probeTcp({ port: server.port, timeoutMs: 5000 });
      latency.TCP.push(performance.now() - t);
      t = performance.now();
      await probeCommand({ argv: ['/bin/sh', '-c', 'true'], env: {}, cwd: workDir, timeoutMs: 5000 });
      latency.COMMAND.push(performance.now() - t);
    }
    const latencyRows = (Object.keys(latency) as (keyof typeof latency)[]).map((k) => summary(`${k} probe`, latency[k]));
    printTable('probe latency (one probe at a time)', latencyRows);
    const file = writeResults('health-checks', { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, quick: QUICK, tasks: TASKS, windowMs: WINDOW_MS, rows, latency: latencyRows });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await close();
    server.child.kill();
  }
}

runMain(main);
