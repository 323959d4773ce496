/**
 * The whole agent against a stand-in master over real HTTP: registration, task launch and the
 * status update protocol, kills, reconnection, and start-up errors.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Agent } from '../../cluster/agent';
import { createAgent } from '../../cluster/agent';
import type { AgentOptions } from '../../cluster/agent/options';
import { AGENT_DEFAULTS } from '../../cluster/agent/options';
import type { UpdateLogRecord } from '../../cluster/agent/status-updates';
import { unacknowledgedUpdates } from '../../cluster/agent/status-updates';
import type { TaskInfo } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { freePort } from '../../infra/machine/ports';
import { eventually } from '../helpers/http';
import { FakeMaster } from './agent-fake-master';

const FRAMEWORK = { value: 'fw-1' };
const FRAMEWORK_INFO = { user: 'root', name: 'agent-test', id: FRAMEWORK };

let scratch: string;
const agents: Agent[] = [];
const masters: FakeMaster[] = [];

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-daemon-'));
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close({ killTasks: true })));
  await Promise.all(masters.splice(0).map((m) => m.close()));
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function startMaster(port = 0): Promise<FakeMaster> {
  const master = await FakeMaster.start(port);
  masters.push(master);
  return master;
}

function options(master: string, extra: Partial<AgentOptions> = {}): AgentOptions {
  return {
    ...AGENT_DEFAULTS,
    port: 0,
    master,
    workDir: path.join(scratch, 'work'),
    cgroups: 'none',
    resources: 'cpus:2;mem:512;disk:1024',
    statusUpdateRetrySeconds: 0.2,
    logger: silentLogger,
    // The framework names root (this suite runs as root): allowed explicitly, as an operator would (see test/helpers/task-users.ts).
    allowRootTasks: true,
    ...extra,
  };
}

async function startAgent(master: string, extra: Partial<AgentOptions> = {}): Promise<Agent> {
  const agent = createAgent(options(master, extra));
  agents.push(agent);
  await agent.start();
  return agent;
}

function task(id: string, command: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: 'fake-master-S0' },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    command: { value: command },
    ...extra,
  };
}

function runTask(master: FakeMaster, info: TaskInfo): void {
  master.send({ type: 'RUN_TASK', run_task: { framework_id: FRAMEWORK, framework_info: FRAMEWORK_INFO, task: info } });
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('registration', () => {
  it('registers with its resources and attributes, and persists the id it is given', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url, { attributes: 'rack:r1;zone:2', resources: 'cpus:2;mem:512' });

    expect(await agent.whenRegistered()).toBe('fake-master-S0');
    expect(agent.agentId).toBe('fake-master-S0');
    const register = master.registrations[0];
    expect(register.pid).toBe(`127.0.0.1:${agent.port}`);
    expect(register.agent_info.hostname).toBe('127.0.0.1');
    expect(register.agent_info.id).toBeUndefined();
    expect(register.version).toEqual(expect.any(String));
    const byName = Object.fromEntries(register.agent_info.resources.map((r) => [r.name, r]));
    expect(byName.cpus.scalar?.value).toBe(2);
    expect(byName.mem.scalar?.value).toBe(512);
    expect(byName.disk.scalar?.value).toBeGreaterThan(0);
    expect(byName.ports.ranges?.range).toEqual([{ begin: 31000, end: 32000 }]);
    expect(register.agent_info.attributes).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'zone', type: 'SCALAR', scalar: { value: 2 } },
    ]);
    const persisted = JSON.parse(fs.readFileSync(path.join(scratch, 'work', 'meta', 'agent.json'), 'utf8'));
    expect(persisted).toEqual({ agent_id: { value: 'fake-master-S0' }, agent_info: { ...register.agent_info, id: { value: 'fake-master-S0' } } });
  });

  it('re-registers with its persisted id after a restart', async () => {
    const master = await startMaster();
    const first = await startAgent(master.url);
    await first.whenRegistered();
    await first.close();

    const second = await startAgent(master.url);
    await second.whenRegistered();
    expect(master.registrations[1].agent_info.id).toEqual({ value: 'fake-master-S0' });
  });

  it('answers PING with PONG', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    master.send({ type: 'PING' });
    const pong = await master.waitFor(() => master.calls.find((c) => c.type === 'PONG'), 'a PONG');
    expect(pong).toEqual({ type: 'PONG', agent_id: { value: 'fake-master-S0' } });
  });

  it('keeps trying while the master is down and registers once it is up', async () => {
    const port = await freePort();
    const agent = await startAgent(`127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 300));
    const master = await startMaster(port);
    expect(await agent.whenRegistered()).toBe('fake-master-S0');
    expect(master.registrations).toHaveLength(1);
  });

  it('registers again when the stream drops, reporting the tasks it still runs', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    runTask(master, task('long', 'sleep 100'));
    await master.waitFor(() => master.states('long').includes('TASK_RUNNING'), 'TASK_RUNNING');

    master.dropStream();
    await master.waitFor(() => master.registrations.length === 2, 're-registration');

    const again = master.registrations[1];
    expect(again.agent_info.id).toEqual({ value: 'fake-master-S0' });
    expect(again.tasks?.map((t) => [t.task_id.value, t.state, t.framework_id.value])).toEqual([['long', 'TASK_RUNNING', 'fw-1']]);
    expect(again.tasks?.[0].executor_id).toEqual({ value: 'long' });
    expect(again.frameworks?.map((f) => f.id?.value)).toEqual(['fw-1']);
  });

  it('registers again when the master stops pinging', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url, { masterPingTimeoutSeconds: 0.3 });
    await agent.whenRegistered();
    await master.waitFor(() => master.registrations.length >= 2, 're-registration after the ping timeout');
  });

  it.each([
    [{ resources: 'cpus:lots' }, /--resources/],
    [{ attributes: 'rack' }, /--attributes/],
    [{ master: 'zk://127.0.0.1:2181' }, /--master/],
    [{ master: 'ftp://127.0.0.1:5050' }, /--master/],
    [{ recover: 'later' as never }, /--recover/],
    [{ cgroups: 'v3' as never }, /--isolation/],
    [{ statusUpdateRetrySeconds: 0 }, /--status_update_retry_interval/],
  ])('refuses bad options %p naming the flag', (extra, message) => {
    expect(() => createAgent(options('127.0.0.1:1', extra))).toThrow(message);
  });
});

describe('tasks and status updates', () => {
  it('runs a task and reports STARTING, RUNNING and FINISHED with Mesos fields', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();

    runTask(master, task('hello', 'echo hello'));
    await master.waitFor(() => master.states('hello').includes('TASK_FINISHED'), 'TASK_FINISHED');

    expect(master.states('hello')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const running = master.updates('hello').find((s) => s.state === 'TASK_RUNNING')!;
    expect(running).toMatchObject({
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: 'hello' },
      agent_id: { value: 'fake-master-S0' },
      container_status: { container_id: { value: expect.any(String) }, executor_pid: expect.any(Number) },
    });
    expect(typeof running.timestamp).toBe('number');
    expect(Buffer.from(running.uuid!, 'base64')).toHaveLength(16);
    const finished = master.updates('hello').find((s) => s.state === 'TASK_FINISHED')!;
    expect(finished.message).toBe('Command exited with status 0');

    // Once the terminal update is acknowledged the task moves to completed executors.
    const completed = await waitForState(agent, (s) => s.completed_frameworks?.[0]?.completed_executors?.[0]);
    expect(completed).toMatchObject({ id: 'hello', tasks: [], completed_tasks: [{ id: 'hello', state: 'TASK_FINISHED' }] });
    const sandbox = completed.directory as string;
    expect(sandbox).toBe(path.join(scratch, 'work', 'slaves', 'fake-master-S0', 'frameworks', 'fw-1', 'executors', 'hello', 'runs', completed.container));
    expect(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8')).toBe('hello\n');

    const log = fs
      .readFileSync(path.join(scratch, 'work', 'meta', 'slaves', 'fake-master-S0', 'frameworks', 'fw-1', 'executors', 'hello', 'runs', completed.container, 'tasks', 'hello', 'task.updates'), 'utf8')
      .trim().split('\n').map((l) => JSON.parse(l));
    // Every update was logged before it was sent, every acknowledgement after it came; nothing is owed.
    expect(log.filter((r: UpdateLogRecord) => r.type === 'UPDATE').map((r: any) => r.update.status.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(log.filter((r: UpdateLogRecord) => r.type === 'ACK')).toHaveLength(3);
    expect(unacknowledgedUpdates(log)).toEqual([]);
  });

  it('sends the next update of a task only after the previous one is acknowledged, retrying meanwhile', async () => {
    const master = await startMaster();
    master.autoAck = false;
    const agent = await startAgent(master.url);
    await agent.whenRegistered();

    runTask(master, task('slow-ack', 'echo done'));
    await master.waitFor(() => master.updates('slow-ack').length >= 3, 'retries of the first update');
    expect(master.states('slow-ack')).toEqual(['TASK_STARTING']);
    const starting = master.updates('slow-ack')[0];
    expect(new Set(master.updates('slow-ack').map((s) => s.uuid))).toEqual(new Set([starting.uuid]));

    // An acknowledgement naming another uuid changes nothing.
    master.send({ type: 'ACKNOWLEDGE', acknowledge: { framework_id: FRAMEWORK, task_id: { value: 'slow-ack' }, uuid: Buffer.alloc(16).toString('base64') } });
    await new Promise((r) => setTimeout(r, 300));
    expect(master.states('slow-ack')).toEqual(['TASK_STARTING']);

    master.autoAck = true;
    master.send({ type: 'ACKNOWLEDGE', acknowledge: { framework_id: FRAMEWORK, task_id: { value: 'slow-ack' }, uuid: starting.uuid! } });
    await master.waitFor(() => master.states('slow-ack').includes('TASK_FINISHED'), 'TASK_FINISHED');
    expect(master.states('slow-ack')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  });

  it('reports a failing command as TASK_FAILED with its exit status', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    runTask(master, task('fails', 'exit 3'));
    const failed = await master.waitFor(() => master.updates('fails').find((s) => s.state === 'TASK_FAILED'), 'TASK_FAILED');
    expect(failed).toMatchObject({ message: 'Command exited with status 3', reason: 'REASON_COMMAND_EXECUTOR_FAILED' });
  });

  it('kills a task on KILL_TASK: TASK_KILLING then TASK_KILLED, and the process is gone', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    runTask(master, task('victim', 'sleep 100'));
    const running = await master.waitFor(() => master.updates('victim').find((s) => s.state === 'TASK_RUNNING'), 'TASK_RUNNING');
    const pid = running.container_status!.executor_pid!;

    master.send({ type: 'KILL_TASK', kill_task: { framework_id: FRAMEWORK, task_id: { value: 'victim' } } });
    await master.waitFor(() => master.states('victim').includes('TASK_KILLED'), 'TASK_KILLED');

    expect(master.states('victim')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    expect(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(false);
  });

  it('answers a kill of an unknown task with TASK_DROPPED', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    master.send({ type: 'KILL_TASK', kill_task: { framework_id: FRAMEWORK, task_id: { value: 'ghost' } } });
    const dropped = await master.waitFor(() => master.updates('ghost')[0], 'an update for the unknown task');
    expect(dropped).toMatchObject({ state: 'TASK_DROPPED', source: 'SOURCE_AGENT', message: expect.stringMatching(/unknown/) });
  });

  it('refuses a task it cannot run with TASK_ERROR and a message', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    // A custom executor needs a command to be started (test/integration/agent-custom-executor runs real ones).
    runTask(master, { ...task('custom', 'x'), command: undefined, executor: { executor_id: { value: 'e1' } } });
    runTask(master, { ...task('no-value', 'x'), command: { shell: true } });
    const custom = await master.waitFor(() => master.updates('custom')[0], 'TASK_ERROR');
    expect(custom).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID', message: expect.stringMatching(/executor\.command\.value/) });
    const noValue = await master.waitFor(() => master.updates('no-value')[0], 'TASK_ERROR');
    expect(noValue).toMatchObject({ state: 'TASK_ERROR', message: expect.stringMatching(/command.value/) });
  });

  it('ignores a second RUN_TASK for a task it is already running', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    runTask(master, task('once', 'sleep 100'));
    await master.waitFor(() => master.states('once').includes('TASK_RUNNING'), 'TASK_RUNNING');
    runTask(master, task('once', 'sleep 100'));
    await new Promise((r) => setTimeout(r, 200));
    const state = (await getJson(`${agent.url}/state`)).body;
    expect(state.frameworks[0].executors).toHaveLength(1);
    expect(master.states('once')).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
  });

  it('exports the task environment, including ports', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    const info = task('env', 'echo "$MESOS_TASK_ID $MESOS_FRAMEWORK_ID $MESOS_AGENT_ID $MESOS_EXECUTOR_ID $PORT0 $PORTS $GREETING"', {
      resources: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31002, end: 31003 }] } }],
    });
    info.command!.environment = { variables: [{ name: 'GREETING', value: 'hi' }] };
    runTask(master, info);
    await master.waitFor(() => master.states('env').includes('TASK_FINISHED'), 'TASK_FINISHED');
    const executor = await waitForState(agent, (s) => s.completed_frameworks?.[0]?.completed_executors?.[0]);
    expect(fs.readFileSync(path.join(executor.directory, 'stdout'), 'utf8')).toBe('env fw-1 fake-master-S0 env 31002 31002,31003 hi\n');
  });

  it('kills the tasks of a framework that is shut down', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url);
    await agent.whenRegistered();
    runTask(master, task('a', 'sleep 100'));
    runTask(master, task('b', 'sleep 100'));
    const pids = await master.waitFor(() => {
      const list = ['a', 'b'].map((id) => master.updates(id).find((s) => s.state === 'TASK_RUNNING')?.container_status?.executor_pid);
      return list.every((p) => p) ? (list as number[]) : undefined;
    }, 'both tasks running');

    master.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: FRAMEWORK } });

    const state = await waitForState(agent, (s) => (s.frameworks.length === 0 && s.completed_frameworks.length === 1 ? s : undefined));
    expect(state.completed_frameworks[0].completed_executors.map((e: { id: string }) => e.id).sort()).toEqual(['a', 'b']);
    expect(pids.filter((pid) => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'))).toEqual([]);
  });

  it('on close with killTasks, kills its tasks, reports them and unregisters', async () => {
    const master = await startMaster();
    const agent = createAgent(options(master.url));
    await agent.start();
    await agent.whenRegistered();
    runTask(master, task('bye', 'sleep 100'));
    await master.waitFor(() => master.states('bye').includes('TASK_RUNNING'), 'TASK_RUNNING');

    await agent.close({ killTasks: true });

    expect(master.states('bye')).toContain('TASK_KILLED');
    expect(master.calls[master.calls.length - 1]).toEqual({ type: 'UNREGISTER', agent_id: { value: 'fake-master-S0' } });
  });
});

describe('HTTP endpoints', () => {
  it('serves /health and /state in Mesos shape', async () => {
    const master = await startMaster();
    const agent = await startAgent(master.url, { attributes: 'rack:r1' });
    await agent.whenRegistered();
    runTask(master, task('visible', 'sleep 100'));
    await master.waitFor(() => master.states('visible').includes('TASK_RUNNING'), 'TASK_RUNNING');

    expect((await fetch(`${agent.url}/health`)).status).toBe(200);
    const { status, body } = await getJson(`${agent.url}/state`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'fake-master-S0',
      hostname: '127.0.0.1',
      pid: `slave(1)@127.0.0.1:${agent.port}`,
      resources: { cpus: 2, mem: 512, disk: 1024, ports: '[31000-32000]' },
      attributes: { rack: 'r1' },
      master_hostname: 'fake-master',
      flags: { master: master.url, work_dir: path.join(scratch, 'work') },
    });
    expect(body.frameworks).toHaveLength(1);
    expect(body.frameworks[0]).toMatchObject({ id: 'fw-1', name: 'agent-test', user: 'root' });
    const executor = body.frameworks[0].executors[0];
    expect(executor).toMatchObject({ id: 'visible', source: 'visible', resources: { cpus: 0.1, mem: 32 } });
    expect(executor.tasks[0]).toMatchObject({ id: 'visible', framework_id: 'fw-1', executor_id: 'visible', slave_id: 'fake-master-S0', state: 'TASK_RUNNING' });
    expect(executor.tasks[0].statuses.map((s: { state: string }) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(fs.statSync(executor.directory).isDirectory()).toBe(true);
  });
});

async function waitForState(agent: Agent, pick: (state: any) => any, timeoutMs = 20_000): Promise<any> {
  let last: unknown;
  return eventually(async () => pick((last = (await getJson(`${agent.url}/state`)).body)), 'agent /state', timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; last /state: ${JSON.stringify(last)}`);
  });
}
