/**
 * Persistent volumes on the agent, against a scripted master speaking the agent channel: the master
 * sends the agent's whole checkpointed list (CHECKPOINT_RESOURCES, protocol/agent-channel.ts), tasks
 * name volumes in their resources (mesos.proto Resource.DiskInfo), and what is checked is what a task
 * and an operator see: the data at container_path in the sandbox, where it lives under the work dir
 * (Mesos's volumes/roles/<role>/<id>), what survives a task, a destroy while in use, sandbox removal
 * and an agent killed with SIGKILL. The agent runs as root here, so volumes are bind-mounted; the
 * symlink way (agents that cannot mount) is driven through the same Volumes class directly.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Agent } from '../../cluster/agent';
import { createAgent } from '../../cluster/agent';
import { AGENT_DEFAULTS } from '../../cluster/agent/options';
import { Volumes, checkpointedResourcesFile } from '../../cluster/agent/volumes';
import { attachVolume, canBindMount, isMountPoint, mountsUnder, removeSandbox } from '../../cluster/agent/volume-mounts';
import type { Resource, TaskInfo } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { freePort } from '../../infra/machine/ports';
import { eventually, getJson } from '../helpers/http';
import { DaemonSet, START_MS } from '../helpers/daemon-processes';
import { ensureBuilt } from '../helpers/run-cli';
import { FakeMaster } from './agent-fake-master';

const FRAMEWORK = { value: 'fw-vol' };
const FRAMEWORK_INFO = { user: 'root', name: 'volumes-test', id: FRAMEWORK, roles: ['db'], checkpoint: true };
/** Bind mounts need root: as the project's other suites do, say so rather than pass without testing. */
function needsRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('persistent volumes are bind-mounted into sandboxes, which needs root; run the tests as root');
}

let scratch: string;
let master: FakeMaster;
const agents: Agent[] = [];
let daemons: DaemonSet | undefined;

beforeEach(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-volumes-'));
  master = await FakeMaster.start();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close({ killTasks: true })));
  await daemons?.stopAll();
  daemons = undefined;
  await master.close();
  // Whatever a failed test left mounted goes first: never a mount left in the host's namespace.
  removeSandbox(scratch);
});

const workDir = () => path.join(scratch, 'work');
const hostPath = (id: string, role = 'db') => path.join(workDir(), 'volumes', 'roles', role, id);

/** A persistent volume on disk dynamically reserved to `role`, in the contract's post-refinement format. */
function volume(id: string, containerPath: string, mode: 'RW' | 'RO' = 'RW', role = 'db'): Resource {
  return {
    name: 'disk', type: 'SCALAR', scalar: { value: 32 },
    reservations: [{ type: 'DYNAMIC', role, principal: 'ops' }],
    disk: { persistence: { id, principal: 'ops' }, volume: { container_path: containerPath, mode } },
  };
}

const reserved = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value }, reservations: [{ type: 'DYNAMIC', role: 'db', principal: 'ops' }] });

async function startAgent(): Promise<Agent> {
  const agent = createAgent({
    ...AGENT_DEFAULTS, port: 0, master: master.url, workDir: workDir(), cgroups: 'none',
    resources: 'cpus:2;mem:512;disk:256', statusUpdateRetrySeconds: 0.2, logger: silentLogger, allowRootTasks: true,
  });
  agents.push(agent);
  await agent.start();
  await agent.whenRegistered();
  return agent;
}

function checkpoint(resources: Resource[]): void {
  master.send({ type: 'CHECKPOINT_RESOURCES', checkpoint_resources: { resources } });
}

function task(id: string, command: string, resources: Resource[]): TaskInfo {
  return {
    name: id, task_id: { value: id }, agent_id: { value: 'ignored' },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }, ...resources],
    command: { value: command },
  };
}

function run(id: string, command: string, resources: Resource[]): void {
  master.send({ type: 'RUN_TASK', run_task: { framework_id: FRAMEWORK, framework_info: FRAMEWORK_INFO, task: task(id, command, resources) } });
}

async function ended(id: string) {
  return master.waitFor(() => master.updates(id).find((s) => ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR', 'TASK_KILLED'].includes(s.state)), `${id} ending`);
}

async function agentState(agent: { url: string }): Promise<any> {
  return getJson(`${agent.url}/state`);
}

/** A task that waits for `gate` (a file in the scratch dir) after running `before`. */
function gated(gate: string, before = 'true'): string {
  return `${before} && while [ ! -e ${path.join(scratch, gate)} ]; do sleep 0.05; done`;
}

const open = (gate: string) => fs.writeFileSync(path.join(scratch, gate), '');

/** Resolves once `file` holds `text`. */
function written(file: string, text: string): Promise<unknown> {
  return eventually(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text, `${file} to hold ${JSON.stringify(text)}`);
}

/** Whether any process works in `dir` (a task's shell runs in its sandbox). */
function processIn(dir: string): boolean {
  for (const pid of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/cwd`) === dir) return true;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return false;
}

describe('the checkpointed list', () => {
  it('makes each volume\'s directory in Mesos\'s layout, checkpoints the list (0600) and shows it in /state', async () => {
    const agent = await startAgent();
    const list = [reserved('cpus', 1), volume('v1', 'data'), volume('v2', 'logs', 'RW', 'eng/web')];
    checkpoint(list);
    await eventually(() => fs.existsSync(hostPath('v2', 'eng web')), 'the volume directories');
    expect(fs.statSync(hostPath('v1')).mode & 0o777).toBe(0o700);
    const file = checkpointedResourcesFile(workDir());
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(list);

    const state = await agentState(agent);
    expect(state.reserved_resources_full.db).toEqual(expect.arrayContaining([list[0], list[1]]));
    expect(state.reserved_resources_full['eng/web']).toEqual([list[2]]);
    expect(state.reserved_resources.db).toMatchObject({ cpus: 1, disk: 32 });
    expect(state.unreserved_resources).toMatchObject({ cpus: 1, disk: 256 - 64 });
  });

  it('goes on from a damaged checkpoint of the list: logged as a recovery error, and the master\'s list replaces it', async () => {
    fs.mkdirSync(path.dirname(checkpointedResourcesFile(workDir())), { recursive: true });
    fs.writeFileSync(checkpointedResourcesFile(workDir()), '[{"name": "disk", ');
    const agent = await startAgent();
    expect(master.registrations[0].checkpointed_resources).toEqual([]);
    expect((await getJson(`${agent.url}/metrics/snapshot`))['slave/recovery_errors']).toBe(1);
    checkpoint([volume('v1', 'data')]);
    await eventually(() => fs.existsSync(hostPath('v1')), 'the volume directory');
    expect(JSON.parse(fs.readFileSync(checkpointedResourcesFile(workDir()), 'utf8'))).toEqual([volume('v1', 'data')]);
  });

  it('refuses a list with a volume it cannot place, and keeps the one it had', async () => {
    await startAgent();
    checkpoint([volume('v1', 'data')]);
    await eventually(() => fs.existsSync(hostPath('v1')), 'the volume directory');
    checkpoint([volume('..', 'data')]);
    checkpoint([volume('v1', '/etc')]);
    // The agent handles events in order: a later good one shows the bad ones were passed over.
    checkpoint([volume('v1', 'data'), volume('v3', 'more')]);
    await eventually(() => fs.existsSync(hostPath('v3')), 'the later list');
    expect(fs.readdirSync(path.join(workDir(), 'volumes'))).toEqual(['roles']);
    expect(fs.readdirSync(path.join(workDir(), 'volumes', 'roles', 'db')).sort()).toEqual(['v1', 'v3']);
    expect(JSON.parse(fs.readFileSync(checkpointedResourcesFile(workDir()), 'utf8'))).toEqual([volume('v1', 'data'), volume('v3', 'more')]);
  });
});

describe('volumes in tasks (bind mounts; needs root)', () => {
  beforeAll(needsRoot);
  it('gives a task the volume at container_path; the data outlives it and a second task reads it', async () => {
    const agent = await startAgent();
    checkpoint([volume('v1', 'data')]);
    await eventually(() => fs.existsSync(hostPath('v1')), 'the volume directory');

    run('writer', gated('writer-gate', 'echo hello > data/file'), [volume('v1', 'data')]);
    await master.waitFor(() => master.states('writer').includes('TASK_RUNNING'), 'writer running');
    const state = await agentState(agent);
    const executor = state.frameworks[0].executors[0];
    const inSandbox = path.join(executor.directory, 'data');
    expect(executor.volumes).toEqual([{
      persistence_id: 'v1', role: 'db', container_path: 'data', mode: 'RW', host_path: hostPath('v1'), path: inSandbox, attachment: 'bind mount', read_only_enforced: false,
    }]);
    expect(isMountPoint(inSandbox)).toBe(true);
    // TASK_RUNNING comes as the command starts: its write may come a moment later.
    await written(path.join(hostPath('v1'), 'file'), 'hello\n');

    open('writer-gate');
    expect((await ended('writer')).state).toBe('TASK_FINISHED');
    // Unmounted before the end was reported: the sandbox holds an empty directory, the data is in the volume.
    expect(isMountPoint(inSandbox)).toBe(false);
    expect(fs.readdirSync(inSandbox)).toEqual([]);

    run('reader', 'test "$(cat data/file)" = hello && echo more >> data/file', [volume('v1', 'data')]);
    expect((await ended('reader')).state).toBe('TASK_FINISHED');
    expect(fs.readFileSync(path.join(hostPath('v1'), 'file'), 'utf8')).toBe('hello\nmore\n');
  });

  it('undoes at start-up a mount left in the sandbox of a run it does not take back', async () => {
    const volumeDir = path.join(scratch, 'volume');
    fs.mkdirSync(volumeDir);
    fs.writeFileSync(path.join(volumeDir, 'file'), 'kept');
    const stray = path.join(workDir(), 'slaves', 'S9', 'frameworks', 'f', 'executors', 'e', 'runs', 'c', 'data');
    fs.mkdirSync(stray, { recursive: true });
    execFileSync('mount', ['--bind', volumeDir, stray]);
    await startAgent();
    expect(isMountPoint(stray)).toBe(false);
    expect(fs.readFileSync(path.join(volumeDir, 'file'), 'utf8')).toBe('kept');
  });

  it('gives the volume to the task\'s user when the task runs as another user', async () => {
    await startAgent();
    checkpoint([volume('v1', 'data')]);
    await eventually(() => fs.existsSync(hostPath('v1')), 'the volume directory');
    const info = task('as-nobody', 'echo mine > data/file', [volume('v1', 'data')]);
    master.send({ type: 'RUN_TASK', run_task: { framework_id: FRAMEWORK, framework_info: { ...FRAMEWORK_INFO, user: 'nobody' }, task: info } });
    expect((await ended('as-nobody')).state).toBe('TASK_FINISHED');
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    expect(fs.statSync(hostPath('v1')).uid).toBe(nobody);
    expect(fs.statSync(path.join(hostPath('v1'), 'file')).uid).toBe(nobody);
  });

  it('a RO volume can be read and not written, even by root', async () => {
    await startAgent();
    checkpoint([volume('v1', 'data')]);
    await eventually(() => fs.existsSync(hostPath('v1')), 'the volume directory');
    fs.writeFileSync(path.join(hostPath('v1'), 'file'), 'kept');

    run('ro-read', 'test "$(cat ro/file)" = kept', [volume('v1', 'ro', 'RO')]);
    expect((await ended('ro-read')).state).toBe('TASK_FINISHED');
    run('ro-write', 'echo changed > ro/file', [volume('v1', 'ro', 'RO')]);
    const failed = await ended('ro-write');
    expect(failed.state).toBe('TASK_FAILED');
    expect(fs.readFileSync(path.join(hostPath('v1'), 'file'), 'utf8')).toBe('kept');
  });

  it('DESTROY removes the data, but only once no task uses the volume', async () => {
    await startAgent();
    checkpoint([volume('v1', 'data')]);
    await eventually(() => fs.existsSync(hostPath('v1')), 'the volume directory');
    run('user', gated('user-gate', 'echo precious > data/file'), [volume('v1', 'data')]);
    await master.waitFor(() => master.states('user').includes('TASK_RUNNING'), 'user running');
    await written(path.join(hostPath('v1'), 'file'), 'precious\n');

    checkpoint([]);
    // A later list proves the destroy was handled; the volume in use keeps its data.
    checkpoint([volume('other', 'x')]);
    await eventually(() => fs.existsSync(hostPath('other')), 'the later list');
    expect(fs.readFileSync(path.join(hostPath('v1'), 'file'), 'utf8')).toBe('precious\n');

    open('user-gate');
    expect((await ended('user')).state).toBe('TASK_FINISHED');
    await eventually(() => !fs.existsSync(hostPath('v1')), 'the destroyed volume removed after its task');
    expect(fs.existsSync(hostPath('other'))).toBe(true);

    checkpoint([]);
    await eventually(() => !fs.existsSync(hostPath('other')), 'an unused volume removed at once');
  });

  it('a volume destroyed in use is still removed when its task ends after an agent restart', async () => {
    const agent = await startAgent();
    checkpoint([volume('v1', 'data'), volume('v2', 'other')]);
    await eventually(() => fs.existsSync(hostPath('v2')), 'the volume directories');
    run('user', gated('user-gate', 'echo precious > data/file'), [volume('v1', 'data')]);
    await master.waitFor(() => master.states('user').includes('TASK_RUNNING'), 'user running');
    await written(path.join(hostPath('v1'), 'file'), 'precious\n');
    checkpoint([volume('v2', 'other')]);
    await eventually(() => JSON.parse(fs.readFileSync(checkpointedResourcesFile(workDir()), 'utf8')).length === 1, 'the destroy checkpointed');

    // The task runs on without an agent; the next agent process takes it back.
    await agent.close();
    agents.splice(agents.indexOf(agent), 1);
    await startAgent();
    expect(fs.readFileSync(path.join(hostPath('v1'), 'file'), 'utf8')).toBe('precious\n');
    open('user-gate');
    await master.waitFor(() => master.states('user').includes('TASK_FINISHED'), 'user finished');
    await eventually(() => !fs.existsSync(hostPath('v1')), 'the destroyed volume removed after its task');
    expect(fs.existsSync(hostPath('v2'))).toBe(true);
  });

  it('refuses a task naming a volume the agent does not have, or a container_path outside the sandbox, with TASK_ERROR', async () => {
    await startAgent();
    checkpoint([volume('v1', 'data')]);
    await eventually(() => fs.existsSync(hostPath('v1')), 'the volume directory');

    run('unknown', 'true', [volume('nope', 'data')]);
    const unknown = await ended('unknown');
    expect(unknown).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID' });
    expect(unknown.message).toContain("persistent volume 'nope' (role 'db') is not on this agent");

    run('escape', 'true', [volume('v1', '../../../escape')]);
    const escape = await ended('escape');
    expect(escape).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID' });
    expect(escape.message).toContain("task.resources[2].disk.volume.container_path: must not leave the sandbox ('..' in '../../../escape')");

    run('absolute', 'true', [volume('v1', '/etc')]);
    expect((await ended('absolute')).message).toContain("task.resources[2].disk.volume.container_path: must be relative to the sandbox, got absolute '/etc'");

    checkpoint([volume('v1', 'data'), volume('v2', 'other')]);
    await eventually(() => fs.existsSync(hostPath('v2')), 'the second volume');
    run('hidden', 'true', [volume('v1', 'data'), volume('v2', 'data/')]);
    expect((await ended('hidden')).message).toContain("task.resources: two persistent volumes at container_path 'data'");
  });

  it('gives each task of a task group its volumes in its own sandbox', async () => {
    const agent = await startAgent();
    checkpoint([volume('v1', 'data'), volume('v2', 'data')]);
    await eventually(() => fs.existsSync(hostPath('v2')), 'the volume directories');
    master.send({
      type: 'RUN_TASK_GROUP',
      run_task_group: {
        framework_id: FRAMEWORK, framework_info: FRAMEWORK_INFO,
        executor: { executor_id: { value: 'pod' }, type: 'DEFAULT', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }] },
        task_group: { tasks: [task('a', 'echo a > data/from-a', [volume('v1', 'data')]), task('b', 'echo b > data/from-b', [volume('v2', 'data')])] },
      },
    });
    expect((await ended('a')).state).toBe('TASK_FINISHED');
    expect((await ended('b')).state).toBe('TASK_FINISHED');
    expect(fs.readdirSync(hostPath('v1'))).toEqual(['from-a']);
    expect(fs.readdirSync(hostPath('v2'))).toEqual(['from-b']);
    expect(mountsUnder(path.join(workDir(), 'slaves'))).toEqual([]);
    void agent;

    // The default executor's own sandbox takes no volume yet: refused whole, never silently left out.
    master.send({
      type: 'RUN_TASK_GROUP',
      run_task_group: {
        framework_id: FRAMEWORK, framework_info: FRAMEWORK_INFO,
        executor: { executor_id: { value: 'pod2' }, type: 'DEFAULT', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }, volume('v1', 'shared')] },
        task_group: { tasks: [task('c', 'true', [])] },
      },
    });
    const refused = await ended('c');
    expect(refused).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_GROUP_INVALID' });
    expect(refused.message).toContain("executor.resources: persistent volumes in the default executor's resources are not supported yet");
  });
});

describe('volumes of custom executors (needs root)', () => {
  beforeAll(needsRoot);
  it('are in the executor\'s sandbox while it runs, and out of it once it has gone', async () => {
    const agent = await startAgent();
    checkpoint([volume('v1', 'state')]);
    await eventually(() => fs.existsSync(hostPath('v1')), 'the volume directory');
    const info = task('on-executor', 'unused', []);
    delete info.command;
    info.data = Buffer.from(JSON.stringify({ run: 'wait' })).toString('base64');
    info.executor = {
      type: 'CUSTOM', executor_id: { value: 'echo' },
      command: { value: `'${process.execPath}' '${path.resolve(__dirname, '../fixtures/echo-executor.js')}'` },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }, volume('v1', 'state')],
    };
    master.send({ type: 'RUN_TASK', run_task: { framework_id: FRAMEWORK, framework_info: FRAMEWORK_INFO, task: info } });
    await master.waitFor(() => master.states('on-executor').includes('TASK_RUNNING'), 'the task running on its executor');
    const executor = (await agentState(agent)).frameworks[0].executors[0];
    expect(executor.volumes).toEqual([expect.objectContaining({ persistence_id: 'v1', container_path: 'state', attachment: 'bind mount' })]);
    const inSandbox = path.join(executor.directory, 'state');
    fs.writeFileSync(path.join(inSandbox, 'written'), 'written in the sandbox');

    master.send({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: FRAMEWORK, executor_id: { value: 'echo' } } });
    await ended('on-executor');
    await eventually(() => !isMountPoint(inSandbox), 'the volume out of the executor\'s sandbox');
    expect(fs.readFileSync(path.join(hostPath('v1'), 'written'), 'utf8')).toBe('written in the sandbox');
  });
});

describe('a symbolic link planted in the sandbox', () => {
  it('is never followed to mount a volume outside the sandbox (needs root)', () => {
    needsRoot();
    const volumeDir = path.join(scratch, 'volume');
    const sandbox = path.join(scratch, 'sandbox');
    const outside = path.join(scratch, 'outside');
    for (const dir of [volumeDir, sandbox, outside]) fs.mkdirSync(dir);
    fs.symlinkSync(outside, path.join(sandbox, 'a'));
    expect(() => attachVolume(volumeDir, sandbox, path.join(sandbox, 'a', 'vol'), 'RW', 'bind mount')).toThrow(/symbolic link/);
    expect(fs.existsSync(path.join(outside, 'vol'))).toBe(false);
    expect(mountsUnder(scratch)).toEqual([]);
  });
});

describe('removing a sandbox', () => {
  it('never deletes volume data through a mount left in it (needs root)', () => {
    needsRoot();
    const volumeDir = path.join(scratch, 'volume');
    const sandbox = path.join(scratch, 'sandbox');
    fs.mkdirSync(volumeDir);
    fs.writeFileSync(path.join(volumeDir, 'data'), 'precious');
    fs.mkdirSync(sandbox);
    attachVolume(volumeDir, sandbox, path.join(sandbox, 'nested', 'vol'), 'RW', 'bind mount');
    expect(fs.readFileSync(path.join(sandbox, 'nested', 'vol', 'data'), 'utf8')).toBe('precious');

    removeSandbox(sandbox);
    expect(fs.existsSync(sandbox)).toBe(false);
    expect(fs.readFileSync(path.join(volumeDir, 'data'), 'utf8')).toBe('precious');
  });

  it('never deletes volume data through a symlink', () => {
    const volumeDir = path.join(scratch, 'volume');
    const sandbox = path.join(scratch, 'sandbox');
    fs.mkdirSync(volumeDir);
    fs.writeFileSync(path.join(volumeDir, 'data'), 'precious');
    fs.mkdirSync(sandbox);
    attachVolume(volumeDir, sandbox, path.join(sandbox, 'vol'), 'RW', 'symlink');
    expect(fs.readFileSync(path.join(sandbox, 'vol', 'data'), 'utf8')).toBe('precious');

    removeSandbox(sandbox);
    expect(fs.existsSync(sandbox)).toBe(false);
    expect(fs.readFileSync(path.join(volumeDir, 'data'), 'utf8')).toBe('precious');
  });
});

it('the start-up mount probe clears what an agent killed mid-probe left mounted (needs root)', () => {
  needsRoot();
  const probe = path.join(scratch, 'probe');
  fs.mkdirSync(probe);
  execFileSync('mount', ['--bind', probe, probe]);
  expect(canBindMount(probe)).toBe(true);
  expect(isMountPoint(probe)).toBe(false);
  expect(fs.existsSync(probe)).toBe(false);
});

describe('agents that cannot mount (symlinks)', () => {
  it('link the volume into the sandbox, say RO is not enforced, and unlink it when the task ends', () => {
    const volumes = new Volumes({ log: silentLogger, workDir: workDir(), attachment: () => 'symlink' });
    expect(volumes.apply([volume('v1', 'data', 'RO')])).toBeUndefined();
    const sandbox = path.join(scratch, 'sandbox');
    fs.mkdirSync(sandbox);
    const [attached] = volumes.attach('c1', sandbox, [volume('v1', 'data', 'RO')]);
    expect(attached).toMatchObject({ attachment: 'symlink', mode: 'RO', read_only_enforced: false, host_path: hostPath('v1') });
    expect(fs.readlinkSync(path.join(sandbox, 'data'))).toBe(hostPath('v1'));
    fs.writeFileSync(path.join(sandbox, 'data', 'file'), 'via link');
    expect(volumes.attachedIn('c1')).toEqual([attached]);

    // Destroyed while in use: kept until the run lets go.
    expect(volumes.apply([])).toBeUndefined();
    expect(fs.readFileSync(path.join(hostPath('v1'), 'file'), 'utf8')).toBe('via link');
    volumes.detach(sandbox);
    expect(fs.existsSync(path.join(sandbox, 'data'))).toBe(false);
    expect(fs.existsSync(hostPath('v1'))).toBe(false);
  });
});

describe('an agent killed with SIGKILL and started again on its work dir (needs root)', () => {
  beforeAll(needsRoot);
  beforeAll(() => ensureBuilt());

  it('keeps the volumes, their data and a running task\'s mount, unmounts that of a task that ended meanwhile, and reports its list when it registers', async () => {
    daemons = new DaemonSet(scratch);
    const port = await freePort('127.0.0.1');
    const args = ['agent', '--master', master.url, '--ip', '127.0.0.1', '--port', String(port), '--work_dir', workDir(), '--isolation', 'none', '--allow_root_tasks', '--resources', 'cpus:2;mem:512;disk:256'];
    const first = daemons.start(args);
    await first.until(async () => master.registrations.length === 1, 'the agent registering');
    expect(master.registrations[0].checkpointed_resources).toEqual([]);
    const list = [reserved('mem', 64), volume('v1', 'data'), volume('v2', 'data')];
    checkpoint(list);
    await first.until(async () => fs.existsSync(hostPath('v1')), 'the volume directory');
    run('long', gated('long-gate', 'echo before > data/file'), [volume('v1', 'data')]);
    run('short', gated('short-gate'), [volume('v2', 'data')]);
    await master.waitFor(() => master.states('long').includes('TASK_RUNNING') && master.states('short').includes('TASK_RUNNING'), 'both running');
    await written(path.join(hostPath('v1'), 'file'), 'before\n');
    const url = `http://127.0.0.1:${port}`;
    const executors = (await agentState({ url })).frameworks[0].executors as { id: string; directory: string }[];
    const sandbox = executors.find((e) => e.id === 'long')!.directory;
    const shortSandbox = executors.find((e) => e.id === 'short')!.directory;
    expect(isMountPoint(path.join(sandbox, 'data'))).toBe(true);

    expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
    // Ends while no agent runs: its mount stays until the next agent process learns of the end.
    open('short-gate');
    await eventually(() => !processIn(shortSandbox), 'short ending while the agent is down');
    expect(isMountPoint(path.join(shortSandbox, 'data'))).toBe(true);
    const second = daemons.start(args);
    await second.until(async () => master.registrations.length === 2, 'the agent registering again', START_MS);
    expect(master.registrations[1].checkpointed_resources).toEqual(list);
    await master.waitFor(() => master.states('short').includes('TASK_FINISHED'), 'short reported finished after the restart');
    expect(isMountPoint(path.join(shortSandbox, 'data'))).toBe(false);
    expect(fs.readFileSync(path.join(hostPath('v1'), 'file'), 'utf8')).toBe('before\n');
    // The recovered task still has its volume, and writes through it.
    expect(isMountPoint(path.join(sandbox, 'data'))).toBe(true);
    const state = await second.until(async () => {
      const s = await agentState({ url }).catch(() => undefined);
      return s?.frameworks?.[0]?.executors?.[0]?.volumes ? s : undefined;
    }, 'the recovered task in /state');
    expect(state.frameworks[0].executors[0].volumes[0]).toMatchObject({ persistence_id: 'v1', attachment: 'bind mount' });
    expect(state.reserved_resources_full.db).toEqual(list);

    fs.appendFileSync(path.join(sandbox, 'data', 'file'), 'after\n');
    open('long-gate');
    await master.waitFor(() => master.states('long').includes('TASK_FINISHED'), 'long finished');
    expect(isMountPoint(path.join(sandbox, 'data'))).toBe(false);
    expect(fs.readFileSync(path.join(hostPath('v1'), 'file'), 'utf8')).toBe('before\nafter\n');
  });
});
