/**
 * The task runner with real processes: what a task prints lands in its sandbox, exit codes become
 * task states, kills take the whole process group down, and cgroup memory limits are enforced.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Isolator } from '../../cluster/agent/cgroups';
import { createIsolator } from '../../cluster/agent/cgroups';
import { readRunCheckpoint } from '../../cluster/agent/checkpoint';
import { EXIT_STATUS_FILE } from '../../cluster/agent/task-process';
import type { TaskTransition } from '../../cluster/agent/task-runner';
import { TaskRunner } from '../../cluster/agent/task-runner';
import { newContainerId } from '../../cluster/protocol/ids';
import type { TaskInfo } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { isAlive } from '../../infra/machine/processes';
import { eventually } from '../helpers/http';
import { cgroupsUsable } from '../helpers/cgroups';
import { ROOT_TASKS_ALLOWED } from '../helpers/task-users';

let scratch: string;
const noIsolation = createIsolator('none');

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-launcher-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  runner: TaskRunner;
  transitions: TaskTransition[];
  sandbox: string;
  metaDir: string;
  containerId: string;
}

async function run(task: Partial<TaskInfo> & { command: TaskInfo['command'] }, isolator?: Isolator, sandbox?: string): Promise<Run> {
  const containerId = newContainerId();
  const dir = path.join(scratch, containerId);
  const transitions: TaskTransition[] = [];
  const taskId = task.task_id?.value ?? `task-${containerId.slice(0, 8)}`;
  const runner = new TaskRunner(
    {
      task: { name: taskId, task_id: { value: taskId }, agent_id: { value: 'agent-1' }, resources: [], ...task },
      frameworkId: 'framework-1',
      frameworkInfo: { user: 'root', name: 'test' },
      agentId: 'agent-1',
      executorId: taskId,
      containerId,
      sandbox: sandbox ?? path.join(dir, 'sandbox'),
      metaDir: path.join(dir, 'meta'),
      defaultGracePeriodMs: 3000,
    },
    { isolator: isolator ?? (await noIsolation), runAs: ROOT_TASKS_ALLOWED, logger: silentLogger, onTransition: (t) => transitions.push(t) },
  );
  await runner.start();
  return { runner, transitions, sandbox: sandbox ?? path.join(dir, 'sandbox'), metaDir: path.join(dir, 'meta'), containerId };
}

const states = (r: Run) => r.transitions.map((t) => t.state);

describe('task runner with real processes', () => {
  it('runs a shell command in its sandbox and finishes', async () => {
    const r = await run({ command: { value: 'echo hello; echo "sandbox=$MESOS_SANDBOX task=$MESOS_TASK_ID"; echo oops >&2' } });
    await r.runner.done;

    expect(states(r)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const stdout = fs.readFileSync(path.join(r.sandbox, 'stdout'), 'utf8');
    expect(stdout).toContain('hello\n');
    expect(stdout).toContain(`sandbox=${r.sandbox} task=${r.runner.taskId}`);
    expect(fs.readFileSync(path.join(r.sandbox, 'stderr'), 'utf8')).toContain('oops');
    expect(fs.readFileSync(path.join(r.metaDir, EXIT_STATUS_FILE), 'utf8').trim()).toBe('0');
    expect(readRunCheckpoint(r.metaDir)).toMatchObject({ state: 'TASK_FINISHED', pid: r.runner.pid, container_id: r.containerId });
  });

  it('runs without a shell when shell=false, passing arguments as argv', async () => {
    const r = await run({ command: { shell: false, value: '/bin/echo', arguments: ['echo', 'one two', '$HOME'] } });
    await r.runner.done;
    expect(fs.readFileSync(path.join(r.sandbox, 'stdout'), 'utf8')).toBe('one two $HOME\n');
  });

  it('reports a non-zero exit as TASK_FAILED with the status in the message', async () => {
    const r = await run({ command: { value: 'exit 3' } });
    await r.runner.done;
    expect(r.transitions[r.transitions.length - 1]).toEqual({
      state: 'TASK_FAILED',
      source: 'SOURCE_EXECUTOR',
      reason: 'REASON_COMMAND_EXECUTOR_FAILED',
      message: 'Command exited with status 3',
    });
  });

  it('reports a sandbox that cannot be created as a launch failure', async () => {
    const file = path.join(scratch, 'not-a-directory');
    fs.writeFileSync(file, '');
    const r = await run({ command: { value: 'true' } }, undefined, path.join(file, 'sandbox'));
    await r.runner.done;
    expect(r.transitions).toHaveLength(1);
    expect(r.transitions[0]).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', source: 'SOURCE_AGENT' });
    expect(r.transitions[0].message).toMatch(/ENOTDIR|not a directory/);
  });

  it('starts the task in its own session so it does not share the agent process group', async () => {
    const r = await run({ command: { value: 'sleep 30' } });
    try {
      const stat = fs.readFileSync(`/proc/${r.runner.pid}/stat`, 'utf8');
      const [pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(2, 4).map(Number);
      expect(pgrp).toBe(r.runner.pid);
      expect(session).toBe(r.runner.pid);
    } finally {
      await r.runner.kill(0);
    }
  });

  it('kills the whole process group, children included, and ends as TASK_KILLED', async () => {
    const r = await run({ command: { value: 'sleep 100 & echo $! > child.pid; echo $$ > shell.pid; sleep 100' } });
    await eventually(() => fs.existsSync(path.join(r.sandbox, 'shell.pid')), 'the task to write its pids');
    const pids = [r.runner.pid!, ...['child.pid', 'shell.pid'].map((f) => Number(fs.readFileSync(path.join(r.sandbox, f), 'utf8')))];
    expect(pids.every(isAlive)).toBe(true);

    await r.runner.kill();

    expect(states(r)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('escalates to SIGKILL after the grace period when the task ignores SIGTERM', async () => {
    const r = await run({
      command: { value: "trap '' TERM; echo $$ > shell.pid; sleep 100" },
      kill_policy: { grace_period: { nanoseconds: 200e6 } },
    });
    await eventually(() => fs.existsSync(path.join(r.sandbox, 'shell.pid')), 'the task to start');
    const shell = Number(fs.readFileSync(path.join(r.sandbox, 'shell.pid'), 'utf8'));

    await r.runner.kill();

    expect(states(r).slice(-1)).toEqual(['TASK_KILLED']);
    expect(isAlive(shell)).toBe(false);
  });

  it('does not let a second kill push SIGKILL past the first one\'s deadline', async () => {
    const r = await run({ command: { value: "trap '' TERM; echo $$ > shell.pid; sleep 100" } });
    await eventually(() => fs.existsSync(path.join(r.sandbox, 'shell.pid')), 'the task to start');

    void r.runner.kill(300e6);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A kill with a long grace period (say, the rest of a task group going down) must not extend the first.
    void r.runner.kill(60e9);

    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      r.runner.done.then(() => true),
      new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), 15_000) }),
    ]);
    clearTimeout(timer);
    if (!ended) await r.runner.kill(0);
    expect(ended).toBe(true);
    expect(states(r)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
  });

  it('kills a task asked to stop while it is still being launched', async () => {
    const containerId = newContainerId();
    const transitions: TaskTransition[] = [];
    const runner = new TaskRunner(
      {
        task: { name: 't', task_id: { value: 'early-kill' }, agent_id: { value: 'a' }, resources: [], command: { value: 'sleep 100' } },
        frameworkId: 'f', frameworkInfo: { user: 'root', name: 'test' }, agentId: 'a', executorId: 'early-kill', containerId,
        sandbox: path.join(scratch, containerId, 'sandbox'), metaDir: path.join(scratch, containerId, 'meta'), defaultGracePeriodMs: 1000,
      },
      { isolator: await noIsolation, runAs: ROOT_TASKS_ALLOWED, logger: silentLogger, onTransition: (t) => transitions.push(t) },
    );
    const started = runner.start();
    const killed = runner.kill();
    await started;
    await killed;
    expect(transitions.map((t) => t.state)).toEqual(['TASK_KILLED']);
    expect(transitions[0].reason).toBe('REASON_TASK_KILLED_DURING_LAUNCH');
  });

  it('fails a task that outlives its max completion time', async () => {
    const r = await run({ command: { value: 'sleep 100' }, max_completion_time: { nanoseconds: 300e6 } });
    await r.runner.done;
    expect(r.transitions[r.transitions.length - 1]).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_MAX_COMPLETION_TIME_REACHED' });
  });
});

describe('cgroups isolation with real processes', () => {
  const rootName = `mesoscloud-test-${process.pid}`;
  let isolator: Isolator;
  let usable = false;

  beforeAll(async () => {
    isolator = await createIsolator('auto', { rootName });
    usable = cgroupsUsable(isolator, 'cgroup isolation tests');
  });

  afterAll(() => {
    // Remove the parent cgroups this suite created, by name (containers were removed with their tasks).
    for (const dir of [`/sys/fs/cgroup/memory/${rootName}`, `/sys/fs/cgroup/cpu/${rootName}`, `/sys/fs/cgroup/cpuacct/${rootName}`, `/sys/fs/cgroup/${rootName}`]) {
      try {
        fs.rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') console.warn(`could not remove ${dir}: ${(err as Error).message}`);
      }
    }
  });

  const mem = (mb: number) => [{ name: 'mem', type: 'SCALAR' as const, scalar: { value: mb } }, { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.5 } }];

  it('puts the task in its cgroups before its command runs and removes them afterwards', async () => {
    if (!usable) return;
    const limitFile = isolator.kind === 'cgroups-v1'
      ? `/sys/fs/cgroup/memory/${rootName}/$MESOS_CONTAINER_ID/memory.limit_in_bytes`
      : `/sys/fs/cgroup/${rootName}/$MESOS_CONTAINER_ID/memory.max`;
    const r = await run({ command: { value: `cat /proc/self/cgroup; echo limit=$(cat ${limitFile})` }, resources: mem(64) }, isolator);
    await r.runner.done;
    expect(states(r).slice(-1)).toEqual(['TASK_FINISHED']);
    const output = fs.readFileSync(path.join(r.sandbox, 'stdout'), 'utf8');
    expect(output).toContain(`/${rootName}/${r.containerId}`);
    expect(output).toContain(`limit=${64 * 1024 * 1024}`);
    const dirs = isolator.kind === 'cgroups-v1'
      ? [`/sys/fs/cgroup/memory/${rootName}/${r.containerId}`, `/sys/fs/cgroup/cpu/${rootName}/${r.containerId}`]
      : [`/sys/fs/cgroup/${rootName}/${r.containerId}`];
    expect(dirs.filter((d) => fs.existsSync(d))).toEqual([]);
  });

  it('limits the cpu with shares and a CFS quota that the kernel enforces', async () => {
    if (!usable) return;
    const dir = isolator.kind === 'cgroups-v1' ? `/sys/fs/cgroup/cpu/${rootName}/$MESOS_CONTAINER_ID` : `/sys/fs/cgroup/${rootName}/$MESOS_CONTAINER_ID`;
    const limits = isolator.kind === 'cgroups-v1' ? `echo shares=$(cat ${dir}/cpu.shares) quota=$(cat ${dir}/cpu.cfs_quota_us)` : `echo weight=$(cat ${dir}/cpu.weight) max=$(cat ${dir}/cpu.max)`;
    // 0.1 cpu: 10 ms of every 100 ms. A busy loop of a few tens of milliseconds must get throttled.
    const busy = 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done';
    const r = await run({ command: { value: `${limits}; ${busy}; cat ${dir}/cpu.stat` }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] }, isolator);
    await r.runner.done;
    expect(states(r).slice(-1)).toEqual(['TASK_FINISHED']);
    const output = fs.readFileSync(path.join(r.sandbox, 'stdout'), 'utf8');
    expect(output).toContain(isolator.kind === 'cgroups-v1' ? 'shares=102 quota=10000' : 'max=10000 100000');
    expect(Number(/nr_throttled (\d+)/.exec(output)?.[1])).toBeGreaterThan(0);
  });

  it('ends a task that exceeds its memory as TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY', async () => {
    if (!usable) return;
    const r = await run({ command: { value: 'tail /dev/zero' }, resources: mem(32) }, isolator);
    await r.runner.done;
    const last = r.transitions[r.transitions.length - 1];
    expect(last).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', source: 'SOURCE_AGENT' });
    expect(last.message).toMatch(/^Memory limit exceeded: Requested: 32MB Maximum Used: \d+MB$/);
  });
});
