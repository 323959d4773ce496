/**
 * The built CLI, run exactly as a user runs it (`node bin/run.js ...`), against a local cluster it
 * launches itself: a master and two agents as background processes, in a temporary data dir
 * (XDG_DATA_HOME) and on a free master port (never 5050).
 *
 * Needs `npm run build` first (done here once when dist/ is missing) and, for the memory-limit case,
 * an agent that can use cgroups (root on Linux).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'run.js');
const CLUSTER = 'e2e';

interface CliResult { code: number | null; stdout: string; stderr: string }

let dataHome: string;
let masterPort: number;

function cli(args: string[], timeoutMs = 60_000, onStdout?: (soFar: string, child: ChildProcess) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, XDG_DATA_HOME: dataHome, MESOSCLOUD_CLUSTER: CLUSTER, MESOSCLOUD_DATA_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mesoscloud ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Gone, or a zombie nobody reaped yet (it holds no resources and runs nothing). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function clusterDir(): string {
  return path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER);
}

function readRecord(): { master: { pid: number }; agents: { pid: number }[]; masterUrl: string } {
  return JSON.parse(fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8'));
}

function findFiles(dir: string, name: string, found: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findFiles(full, name, found);
    else if (entry.name === name) found.push(full);
  }
  return found;
}

/** Asserts that `expected` lines appear in `lines` in this order (other lines may sit between). */
function expectInOrder(lines: string[], expected: (string | RegExp)[]): void {
  let at = 0;
  for (const want of expected) {
    const index = lines.findIndex((line, i) => i >= at && (typeof want === 'string' ? line === want : want.test(line)));
    if (index < 0) throw new Error(`expected a line ${String(want)} after line ${at} in:\n${lines.join('\n')}`);
    at = index + 1;
  }
}

let recordedPids: number[] = [];

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'commands', 'exec.js'))) {
    try {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    } catch {
      // tsc reports errors in files still being written but emits anyway; what matters is below.
    }
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'commands', 'exec.js'))) throw new Error('the CLI is not built: run `npm run build`');
  }
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-e2e-'));
  masterPort = await freePort();
}, 180_000);

afterAll(async () => {
  if (dataHome && fs.existsSync(clusterDir())) await cli(['destroy']).catch(() => undefined);
  for (const pid of recordedPids) if (!isGone(pid)) process.kill(pid, 'SIGKILL');
  if (dataHome) fs.rmSync(dataHome, { recursive: true, force: true });
}, 60_000);

describe('a local cluster, through the built CLI', () => {
  it('launch --agents 2 starts a master and two agents and says where they are', async () => {
    // The first agent's usual port (master port + 1) is taken: launch must pick another and say so.
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.once('error', () => resolve()).listen(masterPort + 1, '127.0.0.1', resolve));
    const r = await cli(['launch', '--agents', '2', '--master-port', String(masterPort), '--agent-resources', 'cpus:2;mem:1024;disk:1024'])
      .finally(() => squatter.close());
    expect(r.stderr).toContain(`Port(s) ${masterPort + 1} in use`);
    expect(r.stderr).toMatch(/agents will listen on \d+, \d+/);
    expect(r.stderr).toContain('Agents registered: 2/2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`master:  http://127.0.0.1:${masterPort}`);
    expect(r.stdout).toContain('agents:  2');
    expect(r.stdout).toContain(path.join(clusterDir(), 'logs'));
    const record = readRecord();
    recordedPids = [record.master.pid, ...record.agents.map((a) => a.pid)];
    expect(record.agents).toHaveLength(2);
  }, 90_000);

  it('exec runs a shell command to TASK_FINISHED, printing mesos-execute lines, and its sandbox holds the output', async () => {
    const r = await cli(['exec', '--name', 'hello', '--command', 'echo hello world && sleep 1']);
    const lines = r.stdout.split('\n');
    expectInOrder(lines, [
      /^Subscribed with ID \S+$/,
      /^Submitted task 'hello' to agent '\S+'$/,
      "Received status update TASK_STARTING for task 'hello'",
      "Received status update TASK_RUNNING for task 'hello'",
      "Received status update TASK_FINISHED for task 'hello'",
    ]);
    expect(r.code).toBe(0);
    const frameworkId = /^Subscribed with ID (\S+)$/m.exec(r.stdout)![1];
    const stdoutFiles = findFiles(path.join(clusterDir(), 'agents'), 'stdout').filter((f) => f.includes(`${path.sep}${frameworkId}${path.sep}`));
    expect(stdoutFiles).toHaveLength(1);
    expect(fs.readFileSync(stdoutFiles[0], 'utf8')).toContain('hello world');
  });

  it('a task that outgrows its memory fails with a message about the memory limit', async () => {
    const r = await cli(['exec', '--name', 'hog', '--command', 'tail /dev/zero', '--resources', 'cpus:0.5;mem:32']);
    expect(r.code).not.toBe(0);
    const lines = r.stdout.split('\n');
    const terminal = lines.findIndex((l) => /^Received status update TASK_(FAILED|KILLED) for task 'hog'$/.test(l));
    expect(terminal).toBeGreaterThanOrEqual(0);
    expect(lines[terminal + 1]).toMatch(/^ {2}message: '.*[Mm]emory limit.*'$/);
  });

  it('--kill-after kills a long task once it has run that long', async () => {
    const r = await cli(['exec', '--name', 'sleeper', '--command', 'sleep 60', '--kill-after', '1s']);
    expectInOrder(r.stdout.split('\n'), [
      "Received status update TASK_RUNNING for task 'sleeper'",
      /^Asked to kill task 'sleeper' on agent '\S+'$/,
      "Received status update TASK_KILLED for task 'sleeper'",
    ]);
    expect(r.code).toBe(1);
  });

  it('--stream prints what the task writes while it runs', async () => {
    const r = await cli(['exec', '--name', 'talker', '--command', 'echo streamed-out; echo streamed-err >&2; sleep 0.5', '--stream']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('streamed-out');
    expect(r.stderr).toContain('streamed-err');
  });

  it('Ctrl-C kills the task, waits for its end and exits 130', async () => {
    let interrupted = false;
    const r = await cli(['exec', '--name', 'ctrl-c', '--command', 'sleep 60'], 30_000, (soFar, child) => {
      if (!interrupted && soFar.includes("Received status update TASK_RUNNING for task 'ctrl-c'")) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(r.stdout).toContain("Received status update TASK_KILLED for task 'ctrl-c'");
    expect(r.code).toBe(130);
  });

  it('an ask no agent could ever hold fails at once, naming the largest agent and the ask', async () => {
    const r = await cli(['exec', '--name', 'greedy', '--command', 'true', '--resources', 'cpus:1000;mem:128'], 20_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cpus:1000');
    expect(r.stderr).toMatch(/largest/);
    expect(r.stderr).toContain('RESOURCES_UNSATISFIABLE');
  });

  it('status --json describes the master, both agents and the finished tasks', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status).toMatchObject({
      cluster: CLUSTER,
      master: { url: `http://127.0.0.1:${masterPort}`, healthy: true },
      tasks: { running: [], completed: expect.any(Array) },
    });
    expect(status.agents).toHaveLength(2);
    for (const agent of status.agents) {
      expect(agent).toMatchObject({ id: expect.any(String), active: true, total: expect.objectContaining({ cpus: 2, mem: 1024 }) });
    }
    const completed = status.tasks.completed.map((t: { name: string; state: string }) => `${t.name}:${t.state}`);
    expect(completed).toEqual(expect.arrayContaining(['hello:TASK_FINISHED', 'sleeper:TASK_KILLED']));
  });

  it('launch again says it is already running and changes nothing', async () => {
    const before = fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8');
    const r = await cli(['launch', '--agents', '2', '--master-port', String(masterPort)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already running');
    expect(fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8')).toBe(before);
  });

  it('launching another cluster on a taken master port fails, naming the port and --master-port', async () => {
    const r = await cli(['launch', '--cluster', 'other', '--master-port', String(masterPort)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`port ${masterPort}`);
    expect(r.stderr).toContain('--master-port');
    expect(fs.existsSync(path.join(dataHome, 'mesoscloud', 'clusters', 'other'))).toBe(false);
  });

  it('destroy stops every recorded process and removes the cluster directory', async () => {
    const r = await cli(['destroy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Cluster '${CLUSTER}' destroyed.`);
    for (const pid of recordedPids) expect({ pid, gone: isGone(pid) }).toEqual({ pid, gone: true });
    expect(fs.existsSync(clusterDir())).toBe(false);
  }, 60_000);

  it('destroy again is harmless', async () => {
    const r = await cli(['destroy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing to destroy');
  });
});
