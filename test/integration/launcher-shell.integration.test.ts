/**
 * The shell snippets the bootstrap sends to hosts, run for real with /bin/sh on this machine in a
 * scratch directory (no SSH involved): writing files in one round trip, and starting, probing,
 * restarting, stopping and removing a service under the daemon bundle's own supervisor. The
 * supervised daemon is a real master of the built bundle on a free loopback port. Every process
 * started here is killed by pid at the end.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFilesScript } from '../../infra/bootstrap/file-script';
import { isRunningCommand, removeCommand, restartCommand, stopCommand, type ServiceRef } from '../../infra/bootstrap/service-commands';
import { freePort } from '../../infra/machine/ports';
import { findTaskProcesses, isAlive } from '../../infra/machine/processes';
import { eventually, request } from '../helpers/http';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILT = path.join(ROOT, 'dist', 'daemon', 'mesoscloud-daemon.js');
const WAIT_MS = 30_000;
jest.setTimeout(120_000);

let scratch: string;
/** Every pid seen in a pid file, killed at the end if still alive. */
const seen = new Set<number>();

interface ShResult { code: number; stdout: string; stderr: string }

function sh(script: string): Promise<ShResult> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', script], { cwd: scratch, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    seen.add(pid);
    return pid;
  } catch {
    return undefined;
  }
}

beforeAll(() => {
  if (!fs.existsSync(BUILT)) throw new Error(`the daemon bundle is not built: ${BUILT} is missing; run \`npm run build\``);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-launcher-shell-'));
});

afterAll(() => {
  if (!scratch) return;
  // Supervisors and daemons run with their cwd in the scratch dir; anything left is killed by pid.
  for (const pid of new Set([...seen, ...findTaskProcesses(scratch)])) {
    if (!isAlive(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('writeFilesScript', () => {
  it('creates directories and writes each file with its mode', async () => {
    const base = path.join(scratch, 'files-1');
    const script = writeFilesScript(
      [
        { path: `${base}/etc/c/master.json`, content: '{"role":"master"}\n', mode: 0o644 },
        { path: `${base}/var/lib/c/zookeeper/myid`, content: '3\n', mode: 0o600 },
        { path: `${base}/bin/start.sh`, content: '#!/bin/sh\necho started\n', mode: 0o755 },
      ],
      [`${base}/var/lib/c/master`, `${base}/var/log/c`],
    );
    const r = await sh(script);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readFileSync(`${base}/etc/c/master.json`, 'utf8')).toBe('{"role":"master"}\n');
    expect(fs.readFileSync(`${base}/var/lib/c/zookeeper/myid`, 'utf8')).toBe('3\n');
    expect(fs.statSync(`${base}/etc/c/master.json`).mode & 0o777).toBe(0o644);
    expect(fs.statSync(`${base}/var/lib/c/zookeeper/myid`).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`${base}/bin/start.sh`).mode & 0o777).toBe(0o755);
    expect(fs.statSync(`${base}/var/lib/c/master`).isDirectory()).toBe(true);
    expect(fs.statSync(`${base}/var/log/c`).isDirectory()).toBe(true);
    expect((await sh(`${base}/bin/start.sh`)).stdout).toBe('started\n');
  });

  it('keeps quotes, newlines, shell syntax and binary content byte for byte', async () => {
    const base = path.join(scratch, 'files-2');
    const tricky = `it's "quoted" $HOME \`id\` $(rm -rf /) \\ back\nslash\n\n'\n%s %d\n  trailing spaces  \n`;
    const binary = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const r = await sh(writeFilesScript([
      { path: `${base}/tricky.txt`, content: tricky, mode: 0o644 },
      { path: `${base}/bytes.bin`, content: binary, mode: 0o644 },
      { path: `${base}/empty`, content: '', mode: 0o644 },
      { path: `${base}/dir with space/it's.json`, content: 'x', mode: 0o644 },
    ]));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readFileSync(`${base}/tricky.txt`, 'utf8')).toBe(tricky);
    expect(fs.readFileSync(`${base}/bytes.bin`).equals(binary)).toBe(true);
    expect(fs.readFileSync(`${base}/empty`, 'utf8')).toBe('');
    expect(fs.readFileSync(`${base}/dir with space/it's.json`, 'utf8')).toBe('x');
  });

  it('replaces a file by renaming a new one over it, and leaves no temporary files', async () => {
    const base = path.join(scratch, 'files-3');
    const file = `${base}/state.json`;
    expect((await sh(writeFilesScript([{ path: file, content: 'old\n', mode: 0o644 }]))).code).toBe(0);
    // A reader that opened the old file keeps reading the old content: the file was replaced, not rewritten.
    const reader = fs.openSync(file, 'r');
    try {
      const before = fs.statSync(file).ino;
      expect((await sh(writeFilesScript([{ path: file, content: 'new content\n', mode: 0o600 }]))).code).toBe(0);
      expect(fs.readFileSync(file, 'utf8')).toBe('new content\n');
      expect(fs.statSync(file).ino).not.toBe(before);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const buf = Buffer.alloc(16);
      expect(buf.subarray(0, fs.readSync(reader, buf, 0, 16, 0)).toString()).toBe('old\n');
    } finally {
      fs.closeSync(reader);
    }
    expect(fs.readdirSync(base)).toEqual(['state.json']);
  });

  it('stops at the first file it cannot write, with a non-zero exit', async () => {
    const base = path.join(scratch, 'files-4');
    fs.mkdirSync(base);
    fs.writeFileSync(`${base}/not-a-dir`, 'a file');
    const r = await sh(writeFilesScript([
      { path: `${base}/not-a-dir/x.json`, content: 'x', mode: 0o644 },
      { path: `${base}/after.json`, content: 'y', mode: 0o644 },
    ]));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not-a-dir/);
    expect(fs.existsSync(`${base}/after.json`)).toBe(false);
  });
});

describe('a service under the supervisor', () => {
  let ref: ServiceRef;
  let url: string;
  const node = process.execPath;

  /** A master of the built bundle on a free loopback port, described as the launcher describes it. */
  async function masterService(name: string): Promise<{ ref: ServiceRef; url: string }> {
    const base = path.join(scratch, name);
    const bundle = path.join(base, 'opt', 'mesoscloud-daemon-0123456789ab.js');
    fs.mkdirSync(path.dirname(bundle), { recursive: true });
    fs.copyFileSync(BUILT, bundle);
    const port = await freePort();
    const workDir = path.join(base, 'var', 'lib', 'master');
    fs.mkdirSync(workDir, { recursive: true });
    const s: ServiceRef = {
      role: 'master',
      unit: `mesoscloud-${name}-master`,
      definitionPath: path.join(base, 'etc', 'master.json'),
      bundle,
      pidFile: path.join(base, 'var', 'lib', 'run', 'master.pid'),
      supervisorPidFile: path.join(base, 'var', 'lib', 'run', 'master.supervisor.pid'),
      log: path.join(base, 'var', 'log', 'master.log'),
    };
    fs.mkdirSync(path.dirname(s.definitionPath), { recursive: true });
    fs.writeFileSync(s.definitionPath, JSON.stringify({
      role: 'master', cluster: name, bundle,
      args: ['master', '--ip', '127.0.0.1', '--port', String(port), '--work_dir', workDir],
      pidFile: s.pidFile, log: s.log, env: {},
    }, null, 2));
    return { ref: s, url: `http://127.0.0.1:${port}` };
  }

  async function healthy(): Promise<boolean> {
    try {
      return (await request(`${url}/health`)).status === 200;
    } catch {
      return false;
    }
  }

  const logOf = () => (fs.existsSync(ref.log) ? fs.readFileSync(ref.log, 'utf8') : '(no log)');
  const withLog = async <T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> => {
    try {
      return await eventually(check, what, WAIT_MS);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- ${ref.log} ---\n${logOf()}`);
    }
  };
  const running = async () => (await sh(isRunningCommand(ref, 'supervisor'))).code === 0;

  /** Starts the service, kills its supervisor with -9 and returns the daemon left running without one. */
  async function orphanedDaemon(): Promise<number> {
    expect((await sh(restartCommand(ref, 'supervisor', node))).code).toBe(0);
    await withLog('the master answering /health', healthy);
    const supervisor = readPid(ref.supervisorPidFile)!;
    const daemon = await withLog('the daemon pid file', () => readPid(ref.pidFile));
    expect((await sh(`kill -9 ${supervisor}`)).code).toBe(0);
    await withLog('the supervisor gone', () => !isAlive(supervisor));
    expect(isAlive(daemon)).toBe(true);
    expect(await running()).toBe(false);
    return daemon;
  }

  beforeAll(async () => {
    ({ ref, url } = await masterService('svc'));
  });

  it('removeCommand is harmless when nothing runs', async () => {
    const r = await sh(removeCommand(ref, 'supervisor'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await running()).toBe(false);
    expect((await sh(stopCommand(ref, 'supervisor', 'TERM'))).code).toBe(0);
  });

  it('restartCommand starts it: the master answers and isRunning says so', async () => {
    expect(await running()).toBe(false);
    const r = await sh(restartCommand(ref, 'supervisor', node));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    await withLog('the master answering /health', healthy);
    expect(await running()).toBe(true);
    const supervisor = readPid(ref.supervisorPidFile)!;
    const daemon = await withLog('the daemon pid file', () => readPid(ref.pidFile));
    expect(isAlive(supervisor)).toBe(true);
    expect(isAlive(daemon)).toBe(true);
    expect(fs.readFileSync(`/proc/${supervisor}/cmdline`, 'utf8').split('\0')).toEqual([node, ref.bundle, 'supervise', ref.definitionPath, '']);
    expect(fs.readFileSync(`/proc/${daemon}/cmdline`, 'utf8').split('\0')).toEqual([node, ref.bundle, 'service', ref.definitionPath, '']);
  });

  it('the supervisor starts a new daemon when the daemon is killed with -9', async () => {
    const supervisor = readPid(ref.supervisorPidFile)!;
    const before = readPid(ref.pidFile)!;
    expect((await sh(`kill -9 ${before}`)).code).toBe(0);
    const after = await withLog('a new daemon pid', () => {
      const pid = readPid(ref.pidFile);
      return pid !== undefined && pid !== before && isAlive(pid) ? pid : undefined;
    });
    expect(after).not.toBe(before);
    expect(isAlive(before)).toBe(false);
    await withLog('the restarted master answering /health', healthy);
    expect(readPid(ref.supervisorPidFile)).toBe(supervisor);
    expect(await running()).toBe(true);
    expect(logOf()).toMatch(/daemon crashed; restarting/);
  });

  it('restartCommand on a running service replaces supervisor and daemon', async () => {
    const supervisor = readPid(ref.supervisorPidFile)!;
    const daemon = readPid(ref.pidFile)!;
    expect((await sh(restartCommand(ref, 'supervisor', node))).code).toBe(0);
    const newSupervisor = await withLog('a new supervisor', () => {
      const pid = readPid(ref.supervisorPidFile);
      return pid !== undefined && pid !== supervisor && isAlive(pid) ? pid : undefined;
    });
    expect(isAlive(supervisor)).toBe(false);
    expect(isAlive(daemon)).toBe(false);
    await withLog('the master answering after the restart', healthy);
    expect(newSupervisor).not.toBe(supervisor);
    expect(await running()).toBe(true);
  });

  it('stopCommand TERM stops supervisor and daemon and removes the supervisor pid file', async () => {
    const supervisor = readPid(ref.supervisorPidFile)!;
    const daemon = await withLog('the daemon pid file', () => readPid(ref.pidFile));
    const r = await sh(stopCommand(ref, 'supervisor', 'TERM'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(isAlive(supervisor)).toBe(false);
    await withLog('the daemon gone', () => !isAlive(daemon));
    expect(fs.existsSync(ref.supervisorPidFile)).toBe(false);
    // The daemon removed its own pid file on the way out: it was stopped, not killed.
    expect(fs.existsSync(ref.pidFile)).toBe(false);
    expect(await running()).toBe(false);
    expect(await healthy()).toBe(false);
    expect(logOf()).toMatch(/daemon stopped; supervisor ends/);
  });

  it('restartCommand after the supervisor was killed with -9 replaces the daemon that outlived it', async () => {
    const orphan = await orphanedDaemon();
    // A resumed launch sees no running service and starts it again: the old daemon must not keep the port.
    expect((await sh(restartCommand(ref, 'supervisor', node))).code).toBe(0);
    expect(isAlive(orphan)).toBe(false);
    await withLog('a new daemon answering', async () => {
      const pid = readPid(ref.pidFile);
      return pid !== undefined && pid !== orphan && isAlive(pid) && (await healthy());
    });
    expect(await running()).toBe(true);
    expect((await sh(stopCommand(ref, 'supervisor', 'TERM'))).code).toBe(0);
    expect(await running()).toBe(false);
  });

  it('removeCommand also stops a daemon that outlived its supervisor', async () => {
    const daemon = await orphanedDaemon();
    const r = await sh(removeCommand(ref, 'supervisor'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(isAlive(daemon)).toBe(false);
    expect(fs.existsSync(ref.supervisorPidFile)).toBe(false);
    expect(await healthy()).toBe(false);
    // And again, with nothing left: still harmless.
    expect((await sh(removeCommand(ref, 'supervisor'))).code).toBe(0);
  });

  it('stale pid files whose pid now belongs to another process do not get that process killed', async () => {
    const other = spawn('sleep', ['300'], { cwd: scratch, stdio: 'ignore' });
    seen.add(other.pid!);
    try {
      fs.mkdirSync(path.dirname(ref.pidFile), { recursive: true });
      fs.writeFileSync(ref.pidFile, `${other.pid}\n`);
      fs.writeFileSync(ref.supervisorPidFile, `${other.pid}\n`);
      expect(await running()).toBe(false);
      expect((await sh(stopCommand(ref, 'supervisor', 'TERM'))).code).toBe(0);
      expect(isAlive(other.pid!)).toBe(true);
      fs.writeFileSync(ref.supervisorPidFile, `${other.pid}\n`);
      expect((await sh(removeCommand(ref, 'supervisor'))).code).toBe(0);
      expect(isAlive(other.pid!)).toBe(true);
    } finally {
      other.kill('SIGKILL');
      fs.rmSync(ref.pidFile, { force: true });
    }
  });
});
