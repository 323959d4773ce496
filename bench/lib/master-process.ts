/**
 * A master in its own process (the built CLI's `master`), so a benchmark's frameworks and emulated
 * agents do not count as the master's CPU, and its CPU time and RSS can be read from /proc. With a
 * profile directory it runs under `node --cpu-prof`, written when it stops (SIGTERM ends it cleanly).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliEntryPoint } from '../../infra/package-root';
import { freePort } from '../../infra/machine/ports';
import { getText, sleep } from './http';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

export interface MasterProcess {
  url: string;
  pid: number;
  /** User + system CPU time the master has used so far. */
  cpuMs(): number;
  rssMb(): number;
  /** System calls that wrote (sockets, files) so far: a figure that the machine's load does not blur. */
  writeSyscalls(): number;
  stop(): Promise<void>;
}

export interface MasterProcessOptions {
  /** Where `--cpu-prof` writes the master's profile; none without it. */
  profileDir?: string;
  /** More master flags. */
  flags?: string[];
}

export async function startMasterProcess(dir: string, opts: MasterProcessOptions = {}): Promise<MasterProcess> {
  const port = await freePort();
  const workDir = fs.mkdtempSync(path.join(dir, 'master-'));
  const log = fs.openSync(path.join(workDir, 'master.log'), 'a');
  const node = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [];
  const child: ChildProcess = spawn(process.execPath, [
    ...node, cliEntryPoint(), 'master', '--ip', '127.0.0.1', '--port', String(port), '--work_dir', workDir,
    // Pings are not what is measured; keep them out of the way at 10k agents.
    '--agent_ping_timeout', '30secs',
    // Every emulated agent and framework connects from 127.0.0.1.
    '--max_connections_per_client', '0',
    ...(opts.flags ?? []),
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const pid = child.pid!;
  for (let i = 0; ; i++) {
    try {
      await getText(`${url}/health`);
      break;
    } catch (err) {
      if (i > 600 || child.exitCode !== null) throw new Error(`master did not come up: ${(err as Error).message}; see ${workDir}/master.log`);
      await sleep(50);
    }
  }
  return {
    url, pid,
    cpuMs: () => {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    },
    rssMb: () => {
      const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
      return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
    },
    writeSyscalls: () => {
      const line = fs.readFileSync(`/proc/${pid}/io`, 'utf8').split('\n').find((l) => l.startsWith('syscw:'));
      return Number(line?.split(/\s+/)[1] ?? 0);
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs `work` against a master process in a fresh temporary directory, stops the master and removes
 * the directory after it; with --profile on the command line the master runs under `--cpu-prof` and
 * the directory (with the profile) is kept and named.
 */
export async function withMasterProcess<T>(name: string, work: (master: MasterProcess) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mesoscloud-bench-${name}-`));
  const profileDir = process.argv.includes('--profile') ? path.join(dir, 'profile') : undefined;
  const master = await startMasterProcess(dir, { profileDir });
  try {
    return await work(master);
  } finally {
    await master.stop();
    if (profileDir) process.stdout.write(`master profile: ${fs.readdirSync(profileDir).map((f) => path.join(profileDir, f)).join(' ')}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}
