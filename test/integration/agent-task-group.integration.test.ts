/**
 * LAUNCH_GROUP on a real agent with real processes, as the master forwards it (RUN_TASK_GROUP):
 * Mesos's default executor layout and semantics. One executor sandbox with a nested sandbox per
 * task, each task its own process group, one container limited to the executor's resources plus
 * the tasks', and a failed or killed task taking the rest of its group down.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Agent } from '../../cluster/agent';
import { createAgent } from '../../cluster/agent';
import { createIsolator } from '../../cluster/agent/cgroups';
import type { AgentOptions } from '../../cluster/agent/options';
import { AGENT_DEFAULTS } from '../../cluster/agent/options';
import type { ExecutorInfo, Resource, TaskInfo } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { FakeMaster } from './agent-fake-master';
import { isAlive } from '../../infra/machine/processes';
import { cgroupsUsable } from '../helpers/cgroups';

const FRAMEWORK = { value: 'fw-group' };
const FRAMEWORK_INFO = { user: 'root', name: 'group-test', id: FRAMEWORK };
const CGROUPS_ROOT = `mesoscloud-group-test-${process.pid}`;

let scratch: string;
let master: FakeMaster;
const agents: Agent[] = [];

beforeEach(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-group-'));
  master = await FakeMaster.start();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close({ killTasks: true })));
  await master.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

afterAll(() => {
  for (const dir of [`/sys/fs/cgroup/memory/${CGROUPS_ROOT}`, `/sys/fs/cgroup/cpu/${CGROUPS_ROOT}`, `/sys/fs/cgroup/cpuacct/${CGROUPS_ROOT}`, `/sys/fs/cgroup/${CGROUPS_ROOT}`]) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // never created, or not this host's hierarchy
    }
  }
});

async function startAgent(extra: Partial<AgentOptions> = {}): Promise<Agent> {
  const agent = createAgent({
    ...AGENT_DEFAULTS,
    port: 0,
    master: master.url,
    workDir: path.join(scratch, 'work'),
    cgroups: 'none',
    cgroupsRoot: CGROUPS_ROOT,
    resources: 'cpus:2;mem:1024;disk:1024',
    statusUpdateRetrySeconds: 0.2,
    killGracePeriodSeconds: 1,
    logger: silentLogger,
    // The framework names root (this suite runs as root): allowed explicitly, as an operator would (see test/helpers/task-users.ts).
    allowRootTasks: true,
    ...extra,
  });
  agents.push(agent);
  await agent.start();
  await agent.whenRegistered();
  return agent;
}

const scalars = (cpus: number, mem: number): Resource[] => [
  { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
  { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
];

function task(id: string, command: string): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: 'fake-master-S0' }, resources: scalars(0.1, 32), command: { value: command } };
}

function executor(id: string): ExecutorInfo {
  return { type: 'DEFAULT', executor_id: { value: id }, framework_id: FRAMEWORK, resources: scalars(0.1, 32) };
}

function runGroup(executorInfo: ExecutorInfo, tasks: TaskInfo[]): void {
  master.send({ type: 'RUN_TASK_GROUP', run_task_group: { framework_id: FRAMEWORK, framework_info: FRAMEWORK_INFO, executor: executorInfo, task_group: { tasks } } });
}

const TERMINAL = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR'];

async function waitForTerminal(...taskIds: string[]): Promise<void> {
  await master.waitFor(() => taskIds.every((id) => master.states(id).some((s) => TERMINAL.includes(s))), `${taskIds.join(', ')} to end`);
}

async function runningPid(taskId: string): Promise<number> {
  const running = await master.waitFor(() => master.updates(taskId).find((s) => s.state === 'TASK_RUNNING'), `${taskId} TASK_RUNNING`);
  return running.container_status!.executor_pid!;
}

function processGroupOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function agentState(agent: Agent): Promise<any> {
  return (await fetch(`${agent.url}/state`)).json();
}

async function waitFile(file: string): Promise<string> {
  return master.waitFor(() => (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim()) || undefined, file);
}

describe('task groups', () => {
  it('runs every task of a group to TASK_FINISHED, each in its own sandbox under the executor\'s', async () => {
    const agent = await startAgent();
    runGroup(executor('pod-1'), [
      task('web', 'echo web says hi; echo web complains >&2; echo "sandbox=$MESOS_SANDBOX executor=$MESOS_EXECUTOR_ID"'),
      task('sidecar', 'echo sidecar says hi'),
    ]);
    await waitForTerminal('web', 'sidecar');

    for (const id of ['web', 'sidecar']) expect(master.states(id)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const finished = ['web', 'sidecar'].map((id) => master.updates(id).find((s) => s.state === 'TASK_FINISHED')!);
    for (const status of finished) expect(status).toMatchObject({ executor_id: { value: 'pod-1' }, source: 'SOURCE_EXECUTOR', message: 'Command exited with status 0' });
    // One container for the whole group.
    expect(finished[0].container_status?.container_id).toEqual(finished[1].container_status?.container_id);

    const state = await agentState(agent);
    const framework = [...state.frameworks, ...state.completed_frameworks].find((f: any) => f.id === FRAMEWORK.value);
    const executors = [...framework.executors, ...framework.completed_executors];
    expect(executors).toHaveLength(1);
    const pod = executors[0];
    expect(pod).toMatchObject({ id: 'pod-1', type: 'DEFAULT', resources: { cpus: 0.3, mem: 96 } });
    expect([...pod.tasks, ...pod.completed_tasks].map((t: any) => t.id).sort()).toEqual(['sidecar', 'web']);
    const containerId = finished[0].container_status!.container_id!.value;
    expect(pod.directory).toBe(path.join(scratch, 'work', 'slaves', 'fake-master-S0', 'frameworks', FRAMEWORK.value, 'executors', 'pod-1', 'runs', containerId));

    const webSandbox = path.join(pod.directory, 'tasks', 'web');
    expect(fs.readFileSync(path.join(webSandbox, 'stdout'), 'utf8')).toBe(`web says hi\nsandbox=${webSandbox} executor=pod-1\n`);
    expect(fs.readFileSync(path.join(webSandbox, 'stderr'), 'utf8')).toBe('web complains\n');
    expect(fs.readFileSync(path.join(pod.directory, 'tasks', 'sidecar', 'stdout'), 'utf8')).toBe('sidecar says hi\n');

    // The nested sandboxes are served by /files like any other.
    const read = await fetch(`${agent.url}/files/read?${new URLSearchParams({ path: path.join(pod.directory, 'tasks', 'sidecar', 'stdout'), offset: '0' })}`);
    expect(await read.json()).toEqual({ data: 'sidecar says hi\n', offset: 0 });
  });

  it('kills the rest of the group when a task fails, each task being its own process group, and leaves no process behind', async () => {
    await startAgent();
    runGroup(executor('pod-2'), [
      task('long', 'sleep 60 & echo $! > child.pid; wait'),
      // Fails once the test has seen everything running (it creates `go` in the executor sandbox).
      task('short', 'while [ ! -e ../../go ]; do sleep 0.05; done; exit 1'),
    ]);
    const longPid = await runningPid('long');
    const shortPid = await runningPid('short');
    const sandbox = path.join(scratch, 'work', 'slaves', 'fake-master-S0', 'frameworks', FRAMEWORK.value, 'executors', 'pod-2', 'runs');
    const [run] = fs.readdirSync(sandbox);
    const childPid = Number(await waitFile(path.join(sandbox, run, 'tasks', 'long', 'child.pid')));
    expect(processGroupOf(longPid)).toBe(longPid);
    expect(processGroupOf(childPid)).toBe(longPid);
    expect(processGroupOf(shortPid)).toBe(shortPid);

    fs.writeFileSync(path.join(sandbox, run, 'go'), '');
    await waitForTerminal('long', 'short');

    expect(master.updates('short').find((s) => s.state === 'TASK_FAILED')).toMatchObject({ message: 'Command exited with status 1', reason: 'REASON_COMMAND_EXECUTOR_FAILED' });
    expect(master.states('long')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    expect([longPid, shortPid, childPid].filter(isAlive)).toEqual([]);
  });

  it('kills the whole group when the framework kills one of its tasks', async () => {
    await startAgent();
    runGroup(executor('pod-3'), [task('one', 'sleep 60'), task('two', 'sleep 60')]);
    const pids = [await runningPid('one'), await runningPid('two')];
    expect(processGroupOf(pids[0])).not.toBe(processGroupOf(pids[1]));

    master.send({ type: 'KILL_TASK', kill_task: { framework_id: FRAMEWORK, task_id: { value: 'one' } } });
    await waitForTerminal('one', 'two');

    expect(master.states('one').slice(-1)).toEqual(['TASK_KILLED']);
    expect(master.states('two').slice(-1)).toEqual(['TASK_KILLED']);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('refuses a group with an invalid task as a whole, with TASK_ERROR for every task', async () => {
    await startAgent();
    runGroup(executor('pod-4'), [task('fine', 'sleep 60'), { ...task('broken', 'x'), command: { shell: true } }]);
    await waitForTerminal('fine', 'broken');
    for (const id of ['fine', 'broken']) {
      expect(master.updates(id)).toEqual([
        expect.objectContaining({ state: 'TASK_ERROR', reason: 'REASON_TASK_GROUP_INVALID', executor_id: { value: 'pod-4' }, message: expect.stringMatching(/task 'broken'.*command.value/) }),
      ]);
    }
  });

  it('ignores a group the master sends again', async () => {
    const agent = await startAgent();
    const tasks = [task('once-a', 'sleep 60'), task('once-b', 'sleep 60')];
    runGroup(executor('pod-5'), tasks);
    await runningPid('once-a');
    await runningPid('once-b');
    runGroup(executor('pod-5'), tasks);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const state = await agentState(agent);
    expect(state.frameworks[0].executors).toHaveLength(1);
    expect(master.states('once-a')).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
  });

  it('limits the group\'s one container to the executor\'s resources plus the tasks\', and removes it afterwards', async () => {
    const isolator = await createIsolator('auto', { rootName: CGROUPS_ROOT });
    if (!cgroupsUsable(isolator, 'task group cgroup test')) return;
    await startAgent({ cgroups: 'auto' });
    const memoryDir = isolator.kind === 'cgroups-v1' ? `/sys/fs/cgroup/memory/${CGROUPS_ROOT}` : `/sys/fs/cgroup/${CGROUPS_ROOT}`;
    const limitFile = isolator.kind === 'cgroups-v1' ? 'memory.limit_in_bytes' : 'memory.max';
    const show = `grep -E 'memory|^0::' /proc/self/cgroup; echo limit=$(cat ${memoryDir}/$MESOS_CONTAINER_ID/${limitFile})`;
    runGroup(executor('pod-6'), [task('left', show), task('right', show)]);
    await waitForTerminal('left', 'right');
    expect(master.states('left').slice(-1)).toEqual(['TASK_FINISHED']);

    const containerId = master.updates('left')[0].container_status!.container_id!.value;
    const run = path.join(scratch, 'work', 'slaves', 'fake-master-S0', 'frameworks', FRAMEWORK.value, 'executors', 'pod-6', 'runs', containerId);
    for (const id of ['left', 'right']) {
      const output = fs.readFileSync(path.join(run, 'tasks', id, 'stdout'), 'utf8');
      expect(output).toContain(`/${CGROUPS_ROOT}/${containerId}`);
      expect(output).toContain(`limit=${(32 + 32 + 32) * 1024 * 1024}`);
    }
    await master.waitFor(() => !fs.existsSync(path.join(memoryDir, containerId)), 'the container cgroup to be removed');
  });
});
