/**
 * The built CLI, run exactly as a user runs it (`node bin/run.js ...`), against a local cluster it
 * launches itself: a master and two agents as background processes, in a temporary data dir
 * (XDG_DATA_HOME) and on a free master port (never 5050).
 *
 * Needs `npm run build` first (done here once when dist/ is missing) and, for the memory-limit case,
 * an agent that can use cgroups (root on Linux).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { destroyLocal, launchLocal, localSpec } from '../../infra/providers/local';
import { freePort, isPortFree } from '../../infra/machine/ports';
import { ClusterCatalog } from '../../infra/cluster-catalog';
import { isAlive } from '../../infra/machine/processes';
import { ensureBuilt, hasStackTrace, runCli, unwrap, type CliResult } from '../helpers/run-cli';
import { eventually, getJson } from '../helpers/http';
import type { ChildProcess } from 'node:child_process';

const CLUSTER = 'e2e';

let dataHome: string;
let masterPort: number;

function cli(args: string[], timeoutMs = 60_000, onStdout?: (soFar: string, child: ChildProcess) => void): Promise<CliResult> {
  return runCli(args, { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER }, timeoutMs, onStdout });
}

/** The cluster's cgroup root in the v1 memory hierarchy or the v2 unified one, where it exists. */
function clusterCgroupRoots(): string[] {
  return [`/sys/fs/cgroup/memory/mesoscloud-${CLUSTER}`, `/sys/fs/cgroup/mesoscloud-${CLUSTER}`].filter((dir) => fs.existsSync(dir));
}

function clusterDir(): string {
  return path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER);
}

interface Daemon { pid: number; pidFile?: string; definition?: string; logPath: string }

function readRecord(): { master: Daemon; agents: Daemon[]; masterUrl: string } {
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

/** The pid a supervised daemon wrote (it changes when its supervisor restarts it). */
function daemonPidOf(daemon: Daemon): number {
  return Number(fs.readFileSync(daemon.pidFile!, 'utf8').trim());
}

beforeAll(async () => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-e2e-'));
  masterPort = await freePort();
}, 180_000);

afterAll(async () => {
  if (dataHome && fs.existsSync(clusterDir())) await cli(['destroy']).catch(() => undefined);
  for (const pid of recordedPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
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
    // Not a terminal here: plain lines, no cursor tricks or colours, and a summary that ends its last line.
    expect(r.stderr).not.toMatch(/[\r\u001b]/);
    expect(r.stdout).not.toMatch(/[\r\u001b]/);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe(`Try: mesoscloud exec --cluster ${CLUSTER} --name hello --command "echo hello world"`);
    const record = readRecord();
    recordedPids = [record.master.pid, ...record.agents.map((a) => a.pid)];
    expect(record.agents).toHaveLength(2);
    // One way to start a daemon: the same bundle and command line as on SSH hosts, under the bundle's supervisor.
    const argv = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    for (const [role, daemon] of [['master', record.master], ...record.agents.map((a) => ['agent', a] as const)] as const) {
      const daemonArgv = argv(daemonPidOf(daemon));
      expect(path.basename(daemonArgv[1])).toBe('mesoscloud-daemon.js');
      expect(daemonArgv.slice(2, 4)).toEqual(['service', daemon.definition]);
      expect(JSON.parse(fs.readFileSync(daemon.definition!, 'utf8')).args[0]).toBe(role);
      expect(argv(daemon.pid).slice(2, 4)).toEqual(['supervise', daemon.definition]);
    }
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
    // The limit came from the cluster's own cgroup root, which destroy removes by name.
    expect(clusterCgroupRoots()).not.toEqual([]);
  });

  it.each<[string, string[]]>([
    ['sleeper', ['--kill-after', '1s']],
    // mesos-execute's spellings: underscores, and switches given as =true / =false.
    ['mesos-style', ['--kill_after=1secs', '--partition_aware=false', '--checkpoint=true']],
  ])('--kill-after kills a long task once it has run that long (task %s)', async (name, flags) => {
    const r = await cli(['exec', '--name', name, '--command', 'sleep 60', ...flags]);
    expectInOrder(r.stdout.split('\n'), [
      `Received status update TASK_RUNNING for task '${name}'`,
      new RegExp(`^Asked to kill task '${name}' on agent '\\S+'$`),
      `Received status update TASK_KILLED for task '${name}'`,
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

  it('a second cluster runs beside the first on its own port, with its own task ports, and is reached by --cluster', async () => {
    const otherPort = await freePort();
    const launched = await cli(['launch', '--cluster', 'e2e-b', '--master-port', String(otherPort), '--agent-resources', 'cpus:1;mem:256;disk:256']);
    try {
      expect(launched.code).toBe(0);
      expect(launched.stderr).toContain(`Tasks get ports 30000-30999 (other clusters here: '${CLUSTER}' 31000-32000)`);
      expect(launched.stdout).toContain('Try: mesoscloud exec --cluster e2e-b --name hello');

      const ran = await cli(['exec', '--cluster', 'e2e-b', '--name', 'beside', '--command', 'true']);
      expect(ran.code).toBe(0);
      const b = JSON.parse((await cli(['status', '--cluster', 'e2e-b', '--json'])).stdout);
      expect(b.master.url).toBe(`http://127.0.0.1:${otherPort}`);
      expect(b.agents).toHaveLength(1);
      expect(b.agents[0].total.ports).toBe('[30000-30999]');
      expect(b.tasks.completed.map((t: { name: string }) => t.name)).toEqual(['beside']);
      const a = JSON.parse((await cli(['status', '--json'])).stdout);
      expect(a.agents).toHaveLength(2);
      expect(a.tasks.completed.map((t: { name: string }) => t.name)).not.toContain('beside');
    } finally {
      const destroyed = await cli(['destroy', '--cluster', 'e2e-b']);
      expect(destroyed.code).toBe(0);
    }
  }, 90_000);

  it('a launch that fails half-way stops what it started, keeps the logs and says where they are', async () => {
    // The first agent's work dir holds a file where the agent keeps its sandboxes, so the agent dies at start.
    const brokenDir = path.join(dataHome, 'mesoscloud', 'clusters', 'broken');
    fs.mkdirSync(path.join(brokenDir, 'agents', '0'), { recursive: true });
    fs.writeFileSync(path.join(brokenDir, 'agents', '0', 'slaves'), 'not a directory');
    const port = await freePort();
    const r = await cli(['launch', '--cluster', 'broken', '--master-port', String(port)]);
    expect(r.code).toBe(1);
    const text = unwrap(r.stderr);
    expect(text).toContain('agent 1 exited during start-up');
    expect(text).toContain(`logs kept in ${path.join(brokenDir, 'logs')}`);
    expect(text).toContain('mesoscloud destroy --cluster broken');
    expect(text).toContain('Code: AGENT_EXITED');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(fs.existsSync(path.join(brokenDir, 'logs', 'master.log'))).toBe(true);
    expect(fs.existsSync(path.join(brokenDir, 'cluster.json'))).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    const destroyed = await cli(['destroy', '--cluster', 'broken']);
    expect(destroyed.code).toBe(0);
    expect(fs.existsSync(brokenDir)).toBe(false);
  }, 90_000);

  it('a launch stopped half-way (as Ctrl-C does) stops what it had started', async () => {
    const catalog = new ClusterCatalog(path.join(dataHome, 'mesoscloud'));
    const interrupt = new AbortController();
    const port = await freePort();
    const lines: string[] = [];
    const err = await launchLocal(catalog, localSpec({ name: 'interrupted', agents: 1, masterPort: port }), {
      signal: interrupt.signal,
      progress: (line) => {
        lines.push(line);
        if (line.startsWith('Starting agent 1/1')) interrupt.abort();
      },
    }).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(err?.code).toBe('INTERRUPTED');
    expect(err?.message).toContain("launch of cluster 'interrupted' was interrupted");
    expect(lines).toContain('Interrupted; stopping what was started');
    expect(await isPortFree(port)).toBe(true);
    expect(catalog.read('interrupted')).toBeUndefined();
    await destroyLocal(catalog, 'interrupted');
  });

  it('launch again says it is already running and changes nothing', async () => {
    const before = fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8');
    const r = await cli(['launch', '--agents', '3', '--master-port', String(masterPort)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already running');
    expect(r.stderr).toContain('it has 2 agent(s); --agents 3 was not applied');
    expect(fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8')).toBe(before);
  });

  it('launching another cluster on a taken master port fails, naming the port and --master-port', async () => {
    const r = await cli(['launch', '--cluster', 'other', '--master-port', String(masterPort)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`port ${masterPort}`);
    expect(r.stderr).toContain('--master-port');
    expect(fs.existsSync(path.join(dataHome, 'mesoscloud', 'clusters', 'other'))).toBe(false);
  });

  it('kill -9 of the master process (not its supervisor): it comes back on its work dir and both agents re-register', async () => {
    const record = readRecord();
    const killed = daemonPidOf(record.master);
    expect(killed).not.toBe(record.master.pid);
    recordedPids.push(killed, ...record.agents.map(daemonPidOf));
    process.kill(killed, 'SIGKILL');
    const restarted = await eventually(() => {
      const pid = daemonPidOf(record.master);
      return pid !== killed && isAlive(pid) ? pid : undefined;
    }, 'the supervisor starting the master again', 30_000);
    recordedPids.push(restarted);
    expect(isAlive(record.master.pid)).toBe(true);
    await eventually(async () => {
      const state = await getJson<{ activated_slaves: number }>(`${record.masterUrl}/state`).catch(() => undefined);
      return state?.activated_slaves === 2 || undefined;
    }, 'both agents active on the restarted master', 60_000);
    expect(fs.readFileSync(record.master.logPath, 'utf8')).toContain('daemon crashed; restarting');
    const status = await cli(['status', '--json']);
    expect(status.code).toBe(0);
  }, 90_000);

  it('destroy stops every recorded process and removes the cluster directory', async () => {
    const r = await cli(['destroy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Cluster '${CLUSTER}' destroyed.`);
    for (const pid of recordedPids) expect({ pid, alive: isAlive(pid) }).toEqual({ pid, alive: false });
    expect(fs.existsSync(clusterDir())).toBe(false);
    expect(clusterCgroupRoots()).toEqual([]);
  }, 60_000);

  it('destroy again is harmless', async () => {
    const r = await cli(['destroy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing to destroy');
  });
});
