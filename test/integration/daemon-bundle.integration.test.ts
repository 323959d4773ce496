/**
 * The daemon bundle as the launcher uses it on a host: the one file copied alone into an empty
 * directory (no node_modules anywhere above it) and run with `node`. Master, agent, ZooKeeper,
 * `service`, `supervise` and `probe` run as real processes on loopback ports; everything started
 * here runs with its cwd in the scratch directory and is killed by pid at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OperatorClient } from '../../cluster/client/operator';
import { DAEMON_BUNDLE_ENV, findDaemonBundle } from '../../infra/bootstrap/bundle';
import { freePort, isPortFree } from '../../infra/machine/ports';
import { findTaskProcesses, isAlive } from '../../infra/machine/processes';
import { myidFile, zooConfig } from '../../infra/zookeeper/config';
import { fourLetterWord } from '../../cluster/zookeeper/four-letter';
import { launchTasks } from '../helpers/daemon-processes';
import { eventually, getJson, request } from '../helpers/http';
import { RawScheduler, frameworkInfo } from '../helpers/scheduler';
import { startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILT = path.join(ROOT, 'dist', 'daemon', 'mesoscloud-daemon.js');
const WAIT_MS = 30_000;

let scratch: string;
let bundle: string;
const children: Proc[] = [];
const schedulers: RawScheduler[] = [];

interface Exit { code: number | null; signal: NodeJS.Signals | null }

/** A process of the bundle, its output collected. */
class Proc {
  readonly child: ChildProcess;
  output = '';
  stdout = '';
  stderr = '';
  readonly exit: Promise<Exit>;

  constructor(readonly args: string[]) {
    this.child = spawn(process.execPath, [bundle, ...args], { cwd: scratch, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => {
      this.output += c.toString();
      this.stdout += c.toString();
    });
    this.child.stderr!.on('data', (c: Buffer) => {
      this.output += c.toString();
      this.stderr += c.toString();
    });
    this.exit = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    children.push(this);
  }

  get pid(): number { return this.child.pid! }
  get running(): boolean { return this.child.exitCode === null && this.child.signalCode === null }

  /** How it ended; SIGKILLed (and failing) if it takes longer than WAIT_MS. */
  async ended(): Promise<Exit> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), WAIT_MS);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Polls `check` while the process lives, failing with its output. */
  async until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string): Promise<T> {
    try {
      return await eventually(async () => {
        if (!this.running) throw new Error(`${this.args[0]} exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}`);
        return check();
      }, what, WAIT_MS);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- output of mesoscloud-daemon ${this.args.join(' ')} ---\n${this.output}`);
    }
  }
}

/** No NODE_PATH or the like: the bundle must stand alone. */
function cleanEnv(): NodeJS.ProcessEnv {
  const { NODE_PATH: _np, NODE_OPTIONS: _no, ...env } = process.env;
  return { ...env, MESOSCLOUD_LOG_LEVEL: 'info' };
}

async function run(args: string[]): Promise<Exit & { stdout: string; stderr: string }> {
  const proc = new Proc(args);
  const exit = await proc.ended();
  return { ...exit, stdout: proc.stdout, stderr: proc.stderr };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await request(url)).status === 200;
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

let definitions = 0;

/** Writes a service definition as the launcher does, with everything under the scratch dir. */
function serviceDefinition(role: 'master' | 'agent' | 'zookeeper', args: string[]): { file: string; pidFile: string; log: string } {
  const n = ++definitions;
  const pidFile = path.join(scratch, `run-${n}`, `${role}.pid`);
  const log = path.join(scratch, `log-${n}`, `${role}.log`);
  const file = path.join(scratch, `etc-${n}`, `${role}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ role, cluster: 'bundle-test', bundle, args: [role, ...args], pidFile, log, env: {} }, null, 2));
  return { file, pidFile, log };
}

async function masterArgs(): Promise<{ args: string[]; url: string }> {
  const port = await freePort();
  const workDir = fs.mkdtempSync(path.join(scratch, 'master-'));
  return { args: ['--ip', '127.0.0.1', '--port', String(port), '--work_dir', workDir], url: `http://127.0.0.1:${port}` };
}

async function agentArgs(masterUrl: string): Promise<{ args: string[]; url: string }> {
  const port = await freePort();
  const workDir = fs.mkdtempSync(path.join(scratch, 'agent-'));
  return {
    // These tests are about the bundle, not about users: their frameworks name a made-up user, so tasks
    // run as the agent's user (root here), which a root agent allows only when told.
    args: [
      '--master', masterUrl, '--ip', '127.0.0.1', '--port', String(port), '--work_dir', workDir, '--isolation', 'none', '--resources', 'cpus:1;mem:256',
      '--no-switch_user', '--allow_root_tasks',
    ],
    url: `http://127.0.0.1:${port}`,
  };
}

async function startMaster(): Promise<{ proc: Proc; url: string }> {
  const { args, url } = await masterArgs();
  const proc = new Proc(['master', ...args]);
  await proc.until(() => answers(`${url}/health`), 'the master answering /health');
  return { proc, url };
}

/** The agent's id once it registered, and the master lists it as active. */
async function registeredAgent(proc: Proc, agentUrl: string, masterUrl: string): Promise<string> {
  const id = await proc.until(async () => (await getJson<{ id?: string }>(`${agentUrl}/state`).catch(() => undefined))?.id, 'the agent registering');
  const operator = new OperatorClient(masterUrl);
  try {
    await proc.until(async () => (await operator.getAgents()).agents.some((a) => a.active && a.agent_info.id?.value === id), `agent ${id} active on the master`);
  } finally {
    operator.close();
  }
  return id;
}

beforeAll(() => {
  if (!fs.existsSync(BUILT)) {
    throw new Error(`the daemon bundle is not built: ${BUILT} is missing; run \`npm run build\` (scripts/build-daemon.js writes it)`);
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-bundle-'));
  bundle = path.join(scratch, 'opt', 'mesoscloud-daemon.js');
  fs.mkdirSync(path.dirname(bundle));
  fs.copyFileSync(BUILT, bundle);
});

afterEach(() => {
  for (const scheduler of schedulers.splice(0)) scheduler.close();
});

afterAll(async () => {
  for (const proc of children) if (proc.running) proc.child.kill('SIGKILL');
  if (!scratch) return;
  // Whatever else was started here (daemons under a supervisor, ZooKeeper's java, tasks) runs in the scratch dir.
  for (const pid of findTaskProcesses(scratch)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the bundle alone in an empty directory', () => {
  it('version prints the package version and Node\'s', async () => {
    const { code, stdout } = await run(['version']);
    expect(code).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(JSON.parse(stdout)).toEqual({ version: pkg.version, node: process.version });
  });

  it('findDaemonBundle reads it, with its hash and version, from MESOSCLOUD_DAEMON_BUNDLE', () => {
    const found = findDaemonBundle({ [DAEMON_BUNDLE_ENV]: bundle });
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(found).toMatchObject({ path: bundle, size: fs.statSync(bundle).size, version: pkg.version });
    expect(found.sha256).toBe(createHash('sha256').update(fs.readFileSync(bundle)).digest('hex'));
    expect(found.sha12).toBe(found.sha256.slice(0, 12));
    expect(findDaemonBundle({}).sha256).toBe(found.sha256);
    expect(() => findDaemonBundle({ [DAEMON_BUNDLE_ENV]: path.join(scratch, 'nope.js') })).toThrow(/MESOSCLOUD_DAEMON_BUNDLE names '.*nope\.js', which cannot be read \(ENOENT\)/);
  });

  it.each([
    [['bogus'], "mesoscloud-daemon: 'bogus' is not a mesoscloud-daemon subcommand; the subcommands are master, agent, zookeeper, service, supervise, probe, version"],
    [['master', '--port', 'abc'], "mesoscloud-daemon master: --port must be a whole number from 0 to 65535, got 'abc'"],
    [['agent', '--work_dir', '/nonexistent'], 'mesoscloud-daemon agent needs --master, and it was not given'],
    [['zookeeper'], 'mesoscloud-daemon zookeeper needs --config, and it was not given'],
    [['probe', '--zk', 'nohost'], "mesoscloud-daemon probe: --zk must be host:port (e.g. 10.0.0.5:2181, port 1-65535), got 'nohost'"],
  ])('%j: exit 2 with one line naming what was wrong', async (args, line) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toBe(`${line}\n`);
  });

  it('a master serves /health and the web UI from inside the bundle; an agent registers with it', async () => {
    const { args, url } = await masterArgs();
    const def = serviceDefinition('master', args);
    const master = new Proc(['service', def.file]);
    await master.until(() => answers(`${url}/health`), 'the master answering /health');
    expect(readPid(def.pidFile)).toBe(master.pid);

    const page = await request(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('/static/app.js');
    const app = await request(`${url}/static/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(app.text.length).toBeGreaterThan(1000);
    expect((await request(`${url}/static/styles.css`)).status).toBe(200);

    // The message definitions travel in the bundle: master.proto Call { type = 1: GET_HEALTH (1) },
    // answered with Response { type = 1: GET_HEALTH (1); get_health = 2 { healthy = 1: true } }.
    const health = await request(`${url}/api/v1`, { body: Buffer.from([0x08, 0x01]), headers: { 'Content-Type': 'application/x-protobuf', Accept: 'application/x-protobuf' } });
    expect({ status: health.status, type: health.headers['content-type'], body: [...health.bytes] })
      .toEqual({ status: 200, type: 'application/x-protobuf', body: [0x08, 0x01, 0x12, 0x02, 0x08, 0x01] });

    const agentStart = await agentArgs(url);
    const agent = new Proc(['agent', ...agentStart.args]);
    const id = await registeredAgent(agent, agentStart.url, url);
    const state = await getJson<{ slaves: { id: string; active: boolean }[] }>(`${url}/state`);
    expect(state.slaves.find((s) => s.id === id)?.active).toBe(true);

    agent.child.kill('SIGTERM');
    expect(await agent.ended()).toEqual({ code: 0, signal: null });
    master.child.kill('SIGTERM');
    expect(await master.ended()).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(def.pidFile)).toBe(false);
  });

  it('supervise restarts a daemon killed with -9, and SIGTERM ends both without a restart', async () => {
    const { args, url } = await masterArgs();
    const def = serviceDefinition('master', args);
    const supervisorPidFile = def.pidFile.replace(/\.pid$/, '.supervisor.pid');
    const supervisor = new Proc(['supervise', def.file]);
    await supervisor.until(() => readPid(supervisorPidFile) === supervisor.pid, 'the supervisor writing its pid file');
    await supervisor.until(() => answers(`${url}/health`), 'the supervised master answering /health');
    const first = readPid(def.pidFile)!;
    expect(first).not.toBe(supervisor.pid);
    expect(isAlive(first)).toBe(true);

    process.kill(first, 'SIGKILL');
    const second = await supervisor.until(async () => {
      const pid = readPid(def.pidFile);
      return pid !== undefined && pid !== first && (await answers(`${url}/health`)) ? pid : undefined;
    }, 'a new master answering after kill -9');
    expect(isAlive(first)).toBe(false);
    expect(fs.readFileSync(def.log, 'utf8')).toContain('daemon crashed; restarting');

    supervisor.child.kill('SIGTERM');
    expect(await supervisor.ended()).toEqual({ code: 0, signal: null });
    expect(isAlive(second)).toBe(false);
    expect(fs.existsSync(def.pidFile)).toBe(false);
    expect(fs.existsSync(supervisorPidFile)).toBe(false);
    expect(await isPortFree(Number(new URL(url).port))).toBe(true);
  });

  it('SIGUSR1 to the supervisor of an agent kills its task, and both leave for good', async () => {
    const master = await startMaster();
    const start = await agentArgs(master.url);
    const def = serviceDefinition('agent', start.args);
    const supervisor = new Proc(['supervise', def.file]);
    const agentId = await registeredAgent(supervisor, start.url, master.url);
    const agentPid = readPid(def.pidFile)!;

    const scheduler = await RawScheduler.subscribe(master.url, frameworkInfo({ name: 'bundle-test' }));
    schedulers.push(scheduler);
    scheduler.autoAcknowledge();
    const { doomed } = await launchTasks(scheduler, agentId, { doomed: 'sleep 120' });
    expect(isAlive(doomed)).toBe(true);

    supervisor.child.kill('SIGUSR1');
    expect(await supervisor.ended()).toEqual({ code: 0, signal: null });
    await scheduler.update('doomed', 'TASK_KILLED', { timeoutMs: WAIT_MS });
    expect(isAlive(agentPid)).toBe(false);
    await eventually(() => !isAlive(doomed), `task process ${doomed} to end`, WAIT_MS);
    expect(fs.existsSync(def.pidFile)).toBe(false);
    const operator = new OperatorClient(master.url);
    try {
      expect((await operator.getAgents()).agents.map((a) => a.agent_info.id?.value)).not.toContain(agentId);
    } finally {
      operator.close();
    }
    master.proc.child.kill('SIGTERM');
    await master.proc.ended();
  });
});

describe('probe', () => {
  it('--http and --tcp: exit 0 once healthy; exit 1 with the reason when not', async () => {
    const master = await startMaster();
    const port = new URL(master.url).port;

    expect(await run(['probe', '--http', `${master.url}/health`])).toMatchObject({ code: 0 });
    expect(await run(['probe', '--tcp', `127.0.0.1:${port}`, '--timeout', '5secs'])).toMatchObject({ code: 0 });

    const notFound = await run(['probe', '--http', `${master.url}/no-such-page`, '--timeout', '1secs']);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toContain(`${master.url}/no-such-page was not healthy within 1s: HTTP 404`);

    const closed = await freePort();
    const refused = await run(['probe', '--http', `http://127.0.0.1:${closed}/health`, '--timeout', '1secs']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('ECONNREFUSED');

    master.proc.child.kill('SIGTERM');
    await master.proc.ended();
  });

  describe('--zk', () => {
    let zk: TestZooKeeper | undefined;
    beforeAll(async () => { zk = await startZooKeeper({ size: 1 }) }, 60_000);
    afterAll(async () => { await zk?.stop() });

    it('a master with --zk elects itself leader through ZooKeeper (the bundled ZooKeeper client)', async () => {
      const { args, url } = await masterArgs();
      const master = new Proc(['master', ...args, '--zk', zk!.url('/bundle-test'), '--quorum', '1']);
      const state = await master.until(async () => {
        const res = await request(`${url}/state`).catch(() => undefined);
        return res?.status === 200 ? (JSON.parse(res.text) as { leader?: string; pid?: string }) : undefined;
      }, 'the master leading and answering /state');
      expect(state.leader).toBe(state.pid);
      master.child.kill('SIGTERM');
      expect(await master.ended()).toEqual({ code: 0, signal: null });
    });

    it('exit 0 when ZooKeeper answers imok; exit 1 when something else answers', async () => {
      expect(await run(['probe', '--zk', zk!.connectString])).toMatchObject({ code: 0 });
      const master = await startMaster();
      const other = await run(['probe', '--zk', `127.0.0.1:${new URL(master.url).port}`, '--timeout', '1secs']);
      expect(other.code).toBe(1);
      expect(other.stderr).toContain("to 'ruok' instead of \"imok\"");
      master.proc.child.kill('SIGTERM');
      await master.proc.ended();
    });
  });
});

describe('zookeeper --config', () => {
  it('runs a single server from a zoo.cfg until SIGTERM, then exits 0', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'zk-'));
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir);
    const self = { id: 1, host: '127.0.0.1', clientPort: await freePort(), peerPort: await freePort(), electionPort: await freePort() };
    const config = path.join(dir, 'zoo.cfg');
    fs.writeFileSync(config, zooConfig(self, [self], dataDir, { tickTimeMs: 200 }));
    fs.writeFileSync(path.join(dataDir, 'myid'), myidFile(1));

    const server = new Proc(['zookeeper', '--config', config]);
    await server.until(
      async () => (await fourLetterWord('127.0.0.1', self.clientPort, 'ruok', 1000).catch(() => '')) === 'imok',
      'ZooKeeper answering ruok',
    );
    expect(await run(['probe', '--zk', `127.0.0.1:${self.clientPort}`])).toMatchObject({ code: 0 });

    server.child.kill('SIGTERM');
    expect(await server.ended()).toEqual({ code: 0, signal: null });
    await eventually(async () => isPortFree(self.clientPort), 'ZooKeeper\'s port to be free', WAIT_MS);
  }, 90_000);
});
