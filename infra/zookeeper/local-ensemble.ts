/**
 * A ZooKeeper ensemble on this machine: each server a plain background java process with a
 * generated config, its own data dir and log file, tracked by PID file so another process (a later
 * `mesoscloud destroy`) can stop it. Layout under `dir`:
 *
 *   ensemble.json                 the server specs (ports), to find everything again
 *   zk-<id>/zoo.cfg               config (config.ts)
 *   zk-<id>/data/myid             server id
 *   zk-<id>/zookeeper.log         the server's output
 *   zk-<id>/zookeeper.pid         pid of the running server
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chooseFreePorts } from '../machine/ports';
import { isOurProcess, signal, tail, waitForExit } from '../machine/processes';
import { connectString as toConnectString, localEnsembleSpec, myidFile, zooConfig, type ZkConfigOptions, type ZkServerSpec } from './config';
import { fourLetterWord, parseServerMode, type ServerMode } from '../../cluster/zookeeper/four-letter';
import { findZooKeeper } from '../../cluster/zookeeper/install';

export interface LocalEnsembleOptions {
  dir: string;
  size: number;
  /** Loopback address to bind every port to; default 127.0.0.1. */
  host?: string;
  /** One {client, peer, election} per server; default free ports near 2181/2888/3888. */
  ports?: { client: number; peer: number; election: number }[];
  /** Default 500 ms: sessions between 1 s and maxSessionTimeout, fast failure detection. */
  tickTimeMs?: number;
  config?: Omit<ZkConfigOptions, 'tickTimeMs'>;
  /** Java heap per server in MB; default 128. */
  heapMb?: number;
  /** How long to wait for the ensemble to serve; default 30 s. */
  startTimeoutMs?: number;
}

export interface LocalZkServer extends ZkServerSpec {
  dir: string;
  configFile: string;
  logFile: string;
  pidFile: string;
}

export interface LocalEnsemble {
  dir: string;
  host: string;
  connectString: string;
  servers: LocalZkServer[];
  heapMb: number;
}

const MANIFEST = 'ensemble.json';

export async function startLocalEnsemble(opts: LocalEnsembleOptions): Promise<LocalEnsemble> {
  const install = findZooKeeper();
  const host = opts.host ?? '127.0.0.1';
  const dir = path.resolve(opts.dir);
  const ports = opts.ports ?? (await defaultPorts(opts.size, host));
  const specs = localEnsembleSpec(opts.size, host, ports);
  fs.mkdirSync(dir, { recursive: true });
  const servers = specs.map((spec): LocalZkServer => {
    const serverDir = path.join(dir, `zk-${spec.id}`);
    return {
      ...spec,
      dir: serverDir,
      configFile: path.join(serverDir, 'zoo.cfg'),
      logFile: path.join(serverDir, 'zookeeper.log'),
      pidFile: path.join(serverDir, 'zookeeper.pid'),
    };
  });
  for (const server of servers) {
    const dataDir = path.join(server.dir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'myid'), myidFile(server.id));
    fs.writeFileSync(server.configFile, zooConfig(server, specs, dataDir, { ...opts.config, tickTimeMs: opts.tickTimeMs ?? 500 }));
  }
  const ensemble: LocalEnsemble = { dir, host, connectString: toConnectString(specs), servers, heapMb: opts.heapMb ?? 128 };
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(ensemble, null, 2) + '\n');
  try {
    for (const server of servers) launch(ensemble, server, install);
    await waitForEnsemble(ensemble, opts.startTimeoutMs ?? 30_000);
  } catch (err) {
    await stopLocalEnsemble(ensemble);
    throw err;
  }
  return ensemble;
}

/** Reads a started ensemble's description back from its directory. */
export function readLocalEnsemble(dir: string): LocalEnsemble {
  return JSON.parse(fs.readFileSync(path.join(path.resolve(dir), MANIFEST), 'utf8')) as LocalEnsemble;
}

/** The pid of a server we started that is still running, if any. */
export function serverPid(server: LocalZkServer): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(server.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  // The config path is one of its arguments: a reused pid belongs to someone else.
  return isOurProcess(pid, server.configFile) ? pid : undefined;
}

/** (Re)starts server `id` and waits until it serves clients as part of the quorum. */
export async function startLocalServer(ensemble: LocalEnsemble, id: number, timeoutMs = 30_000): Promise<void> {
  const server = findServer(ensemble, id);
  if (serverPid(server) === undefined) launch(ensemble, server, findZooKeeper());
  await waitForServer(server, timeoutMs, ensemble.servers.length === 1);
}

/** Stops server `id` (SIGTERM, then SIGKILL after `graceMs`); a stopped one is fine. */
export async function stopLocalServer(ensemble: LocalEnsemble, id: number, graceMs = 5000): Promise<void> {
  await stopServers([findServer(ensemble, id)], graceMs);
}

/** Stops every server of the ensemble (given as returned by start, or by its directory). */
export async function stopLocalEnsemble(ensemble: LocalEnsemble | string, graceMs = 5000): Promise<void> {
  const e = typeof ensemble === 'string' ? readLocalEnsemble(ensemble) : ensemble;
  await stopServers(e.servers, graceMs);
}

/** Each server's mode as its `srvr` answer says ('not serving' also when it does not answer). */
export async function ensembleModes(ensemble: LocalEnsemble): Promise<ServerMode[]> {
  return Promise.all(
    ensemble.servers.map((s) => fourLetterWord(s.host, s.clientPort, 'srvr', 1000).then(parseServerMode, () => 'not serving' as const)),
  );
}

/** Waits until every server answers ruok with imok and the ensemble has exactly one leader. */
export async function waitForEnsemble(ensemble: LocalEnsemble, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const standalone = ensemble.servers.length === 1;
  await Promise.all(ensemble.servers.map((s) => waitForServer(s, Math.max(0, deadline - Date.now()), standalone)));
  for (;;) {
    const modes = await ensembleModes(ensemble);
    const leaders = modes.filter((m) => m === 'leader' || m === 'standalone').length;
    if (leaders === 1 && modes.every((m) => m !== 'not serving')) return;
    if (Date.now() > deadline) {
      throw new Error(`ZooKeeper ensemble in ${ensemble.dir} did not elect a leader within ${timeoutMs} ms (modes: ${modes.join(', ')})`);
    }
    await sleep(100);
  }
}

async function waitForServer(server: LocalZkServer, timeoutMs: number, standalone: boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const wanted: ServerMode[] = standalone ? ['standalone'] : ['leader', 'follower'];
  for (;;) {
    if (serverPid(server) === undefined) {
      throw new Error(`ZooKeeper server ${server.id} exited while starting; see ${server.logFile}:\n${logTail(server.logFile)}`);
    }
    const ok = await fourLetterWord(server.host, server.clientPort, 'ruok', 1000).catch(() => '');
    if (ok === 'imok') {
      const mode = await fourLetterWord(server.host, server.clientPort, 'srvr', 1000).then(parseServerMode, () => 'not serving' as const);
      if (wanted.includes(mode)) return;
    }
    if (Date.now() > deadline) {
      throw new Error(`ZooKeeper server ${server.id} at ${server.host}:${server.clientPort} was not serving within ${timeoutMs} ms; see ${server.logFile}:\n${logTail(server.logFile)}`);
    }
    await sleep(100);
  }
}

function launch(ensemble: LocalEnsemble, server: LocalZkServer, install: ReturnType<typeof findZooKeeper>): void {
  const log = fs.openSync(server.logFile, 'a');
  try {
    const child = spawn(
      install.java,
      [
        `-Xmx${ensemble.heapMb}m`,
        '-XX:+UseSerialGC',
        `-Dzookeeper.log.dir=${server.dir}`,
        '-cp', install.classpath,
        install.mainClass,
        server.configFile,
      ],
      { cwd: server.dir, detached: true, stdio: ['ignore', log, log] },
    );
    if (child.pid === undefined) throw new Error(`could not start ${install.java} for ZooKeeper server ${server.id}`);
    child.unref();
    fs.writeFileSync(server.pidFile, `${child.pid}\n`);
  } finally {
    fs.closeSync(log);
  }
}

async function stopServers(servers: LocalZkServer[], graceMs: number): Promise<void> {
  const pids = servers.map(serverPid).filter((p): p is number => p !== undefined);
  for (const pid of pids) signal(pid, 'SIGTERM');
  const left = await waitForExit(pids, graceMs);
  for (const pid of left) signal(pid, 'SIGKILL');
  await waitForExit(left, 5000);
  for (const server of servers) fs.rmSync(server.pidFile, { force: true });
}

async function defaultPorts(size: number, host: string): Promise<{ client: number; peer: number; election: number }[]> {
  const range = (base: number) => Array.from({ length: size }, (_, i) => base + i);
  const clients = await chooseFreePorts(range(2181), new Set(), host);
  const peers = await chooseFreePorts(range(2888), new Set(clients), host);
  const elections = await chooseFreePorts(range(3888), new Set([...clients, ...peers]), host);
  return clients.map((client, i) => ({ client, peer: peers[i], election: elections[i] }));
}

function findServer(ensemble: LocalEnsemble, id: number): LocalZkServer {
  const server = ensemble.servers.find((s) => s.id === id);
  if (!server) throw new Error(`ZooKeeper ensemble in ${ensemble.dir} has no server ${id} (ids ${ensemble.servers.map((s) => s.id).join(', ')})`);
  return server;
}

function logTail(file: string): string {
  return tail(file, 20) || '(no log)';
}
