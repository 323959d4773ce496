/**
 * What fetching a task's artifact costs, from the framework's side: launch -> TASK_RUNNING for a
 * command task whose CommandInfo.uris name a tar.gz archive (extract: true), served by a loopback
 * HTTP server, on an in-process master and agent (real task processes, no cgroups).
 *
 *  - "no URI": the same task without an artifact, the baseline;
 *  - "direct": cache: false, so every launch downloads the archive, writes it to the sandbox and
 *    extracts it there;
 *  - "cache, cold": cache: true with a URI never fetched before (the query string differs), so the
 *    download goes into the agent's cache, then is extracted from there;
 *  - "cache, warm": cache: true with a URI already cached: no download, extraction only.
 *
 * The archive holds incompressible bytes, so its size on the wire is its size on disk: 50 MB, or 1 MB
 * with --quick.
 * Run: npm run build && node dist/bench/fetcher.bench.js [--quick]
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAgent } from '../cluster/agent';
import { SchedulerClient } from '../cluster/client/scheduler';
import { createMaster } from '../cluster/master';
import { Resources } from '../cluster/protocol/resources';
import { isTerminalState, type CommandInfo_URI, type Offer, type TaskStatus } from '../cluster/protocol/types';
import { silentLogger } from '../cluster/util/log';
import { percentile, round } from './lib/http';
import { runMain } from './lib/main';
import { printTable, writeResults, type Row } from './lib/report';

const QUICK = process.argv.includes('--quick');
const ARCHIVE_MB = QUICK ? 1 : 50;
const RUNS = QUICK ? 2 : 5;

/** A tar.gz of `mb` megabytes of random bytes (in 1 MB files), made with the system's tar. */
function buildArchive(dir: string, mb: number): string {
  const src = path.join(dir, 'src', 'payload');
  fs.mkdirSync(src, { recursive: true });
  for (let i = 0; i < mb; i++) fs.writeFileSync(path.join(src, `part-${i}.bin`), crypto.randomBytes(2 ** 20));
  const archive = path.join(dir, 'payload.tar.gz');
  execFileSync('tar', ['-czf', archive, 'payload'], { cwd: path.dirname(src) });
  return archive;
}

function serve(file: string): Promise<{ url: string; server: http.Server; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/payload.tar.gz`, server, hits: () => hits })));
}

function summary(metric: string, values: number[]): Row {
  return { metric, n: values.length, 'p50 ms': round(percentile(values, 0.5)), 'min ms': round(Math.min(...values)), 'max ms': round(Math.max(...values)) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-bench-fetcher-'));
  const archive = buildArchive(dir, ARCHIVE_MB);
  const { url, server, hits } = await serve(archive);
  const master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger });
  await master.listen();
  const agent = createAgent({
    ip: '127.0.0.1', port: 0, master: master.url, workDir: path.join(dir, 'agent'), resources: 'cpus:4;mem:4096;disk:8192',
    cgroups: 'none', switchUser: false, allowRootTasks: true, killGracePeriodSeconds: 1, statusUpdateRetrySeconds: 1, masterPingTimeoutSeconds: 75, logger: silentLogger,
  });
  await agent.start();
  await agent.whenRegistered();
  const scheduler = new SchedulerClient({ master: master.url, frameworkInfo: { user: os.userInfo().username, name: 'bench-fetcher' } });
  const offers: Offer[] = [];
  const waiting = new Map<string, (status: TaskStatus) => void>();
  scheduler.on('offers', (o) => offers.push(...o));
  scheduler.on('update', (status) => {
    void scheduler.acknowledge(status).catch(() => undefined);
    if (isTerminalState(status.state)) waiting.get(status.task_id.value)?.(status);
  });
  try {
    await scheduler.subscribe();
    let count = 0;
    /** Launches one task with `uris` and returns launch -> TASK_RUNNING in ms, once the task ended. */
    const run = async (uris: CommandInfo_URI[]): Promise<number> => {
      while (offers.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const offer = offers.shift()!;
      const id = `fetch-${++count}`;
      const ended = new Promise<TaskStatus>((resolve) => waiting.set(id, resolve));
      await scheduler.launch([offer.id], [{
        name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: Resources.parse('cpus:0.1;mem:32').toV1(),
        command: { shell: true, value: uris.length ? 'test -d payload' : 'true', uris },
      }], { refuse_seconds: 0 });
      const status = await ended;
      if (status.state !== 'TASK_FINISHED') throw new Error(`task ${id} ended ${status.state}: ${status.message ?? ''}`);
      return scheduler.timings.runningAt.get(id)! - scheduler.timings.launchedAt.get(id)!;
    };
    const samples: Record<string, number[]> = { 'no URI': [], direct: [], 'cache, cold': [], 'cache, warm': [] };
    // Puts the archive in the cache, so that every "warm" launch below finds it there.
    await run([{ value: url, cache: true }]);
    for (let i = 0; i < RUNS; i++) {
      samples['no URI'].push(await run([]));
      samples.direct.push(await run([{ value: url }]));
      samples['cache, cold'].push(await run([{ value: `${url}?cold=${i}`, cache: true, output_file: 'payload.tar.gz' }]));
      samples['cache, warm'].push(await run([{ value: url, cache: true }]));
    }
    // One download per direct launch, one per cold launch, and the one that warmed the cache.
    const expected = RUNS * 2 + 1;
    if (hits() !== expected) throw new Error(`the server saw ${hits()} downloads, expected ${expected}`);
    const rows = Object.entries(samples).map(([name, values]) => summary(`launch -> TASK_RUNNING, ${name}`, values));
    printTable(`fetch of a ${ARCHIVE_MB} MB tar.gz (extract: true), in-process master and agent, ${os.cpus().length} cpus, node ${process.version}`, rows);
    const file = writeResults('fetcher', { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, quick: QUICK, archiveMb: ARCHIVE_MB, rows, samples });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    scheduler.close();
    await agent.close({ killTasks: true });
    await master.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
