/**
 * Custom executors end to end: a real master and agent, a scheduler speaking the v1 API, and an
 * executor (test/fixtures/echo-executor.js) written from Mesos's executor HTTP API document alone.
 * Several tasks on one executor, MESSAGE both ways, KILL, the registration timeout, teardown, an
 * agent restart the executor reconnects across, and executor tokens that open the API for their own
 * executor only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { executorTokens } from '../../cluster/agent/executor-api';
import { Resources } from '../../cluster/protocol/resources';
import type { Offer, TaskInfo } from '../../cluster/protocol/types';
import { createLogger } from '../../cluster/util/log';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson, request } from '../helpers/http';
import { frameworkInfo, RawScheduler } from '../helpers/scheduler';

const FIXTURE = path.resolve(__dirname, '../fixtures/echo-executor.js');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function executorTask(offer: Offer, id: string, executorId: string, run: 'finish' | 'fail' | 'wait' | 'crash', env: Record<string, string> = {}): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: Resources.parse('cpus:0.1;mem:16').toV1(),
    data: b64(JSON.stringify({ run })),
    executor: {
      type: 'CUSTOM',
      executor_id: { value: executorId },
      command: {
        value: `'${process.execPath}' '${FIXTURE}'`,
        environment: { variables: Object.entries(env).map(([name, value]) => ({ name, value })) },
      },
      resources: Resources.parse('cpus:0.1;mem:32').toV1(),
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Command lines of every process in the executor's process group. */
function groupCommandLines(pgid: number): string[] {
  const lines: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) lines.push(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // gone meanwhile
    }
  }
  return lines;
}

describe('custom executors over the executor HTTP API', () => {
  let cluster: TestCluster;
  let scheduler: RawScheduler | undefined;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-executor-'));
  // Everything the agents log, to check that no executor token is ever in it.
  const logLines: string[] = [];
  const logger = createLogger('agent', { level: 'debug', write: (line) => logLines.push(line) });
  const agentOptions = { workDir, executorRegistrationTimeoutSeconds: 1, executorReregistrationTimeoutSeconds: 10, authenticateHttpExecutors: true, logger };

  beforeAll(async () => {
    cluster = await startCluster({ agents: 0 });
    await cluster.addAgent(agentOptions);
  });

  afterEach(() => scheduler?.close());

  afterAll(async () => {
    await cluster.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function subscribe(): Promise<{ scheduler: RawScheduler; offer: Offer }> {
    scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ checkpoint: true }))).autoAcknowledge();
    const [offer] = await scheduler.nextOffers();
    return { scheduler, offer };
  }

  async function launch(s: RawScheduler, offer: Offer, tasks: TaskInfo[]): Promise<void> {
    await s.launch([offer], tasks, { refuse_seconds: 0 });
  }

  it('runs several tasks on one executor, passes messages both ways and forwards kills', async () => {
    const { scheduler: s, offer } = await subscribe();
    await launch(s, offer, [executorTask(offer, 'a', 'e1', 'finish'), executorTask(offer, 'b', 'e1', 'wait')]);
    const finished = await s.update('a', 'TASK_FINISHED');
    const running = await s.update('b', 'TASK_RUNNING');
    expect(finished).toMatchObject({ source: 'SOURCE_EXECUTOR', executor_id: { value: 'e1' }, message: 'done' });
    // One executor process for both tasks.
    expect(running.container_status?.executor_pid).toBeDefined();
    expect(finished.container_status?.executor_pid).toBe(running.container_status?.executor_pid);
    // The agent's /state shows one custom executor run holding both tasks.
    const state = await getJson(`${cluster.agents[cluster.agents.length - 1].url}/state`);
    const executor = state.frameworks.find((f: { id: string }) => f.id === s.frameworkId).executors.find((e: { id: string }) => e.id === 'e1');
    expect(executor.type).toBe('CUSTOM');
    // 'a' moves to completed_tasks once its TASK_FINISHED is acknowledged, which may not have happened yet.
    expect([...executor.tasks, ...executor.completed_tasks].map((t: { id: string }) => t.id).sort()).toEqual(['a', 'b']);

    const from = s.events.length;
    await s.expectAccepted({ type: 'MESSAGE', message: { agent_id: offer.agent_id, executor_id: { value: 'e1' }, data: b64('hello') } });
    const echoed = await s.waitFor((e) => e.type === 'MESSAGE', 'MESSAGE', { from });
    expect(echoed).toEqual({ type: 'MESSAGE', message: { agent_id: offer.agent_id, executor_id: { value: 'e1' }, data: b64('echo:hello') } });

    await s.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'b' }, agent_id: offer.agent_id } });
    expect(await s.update('b', 'TASK_KILLED')).toMatchObject({ source: 'SOURCE_EXECUTOR', message: 'killed by request' });

    // Idle now, the executor still runs until the scheduler shuts it down.
    const pid = running.container_status!.executor_pid!;
    expect(alive(pid)).toBe(true);
    await s.expectAccepted({ type: 'SHUTDOWN', shutdown: { agent_id: offer.agent_id, executor_id: { value: 'e1' } } });
    await eventually(() => !alive(pid), 'the executor to exit after SHUTDOWN');
    await s.expectAccepted({ type: 'TEARDOWN' });
  });

  it('kills an executor that does not subscribe in time and fails its task', async () => {
    const { scheduler: s, offer } = await subscribe();
    await launch(s, offer, [executorTask(offer, 'silent', 'e-silent', 'finish', { ECHO_EXECUTOR_NO_SUBSCRIBE: '1' })]);
    const failed = await s.update('silent', 'TASK_FAILED');
    expect(failed).toMatchObject({ source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT' });
    await s.expectAccepted({ type: 'TEARDOWN' });
  });

  it('fails the tasks of an executor that exits', async () => {
    const { scheduler: s, offer } = await subscribe();
    await launch(s, offer, [executorTask(offer, 'c1', 'e-crash', 'wait'), executorTask(offer, 'c2', 'e-crash', 'crash')]);
    const failed = await s.update('c1', 'TASK_FAILED');
    expect(failed).toMatchObject({ source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor exited with status 3' });
    await s.update('c2', 'TASK_FAILED');
    await s.expectAccepted({ type: 'TEARDOWN' });
  });

  it('shuts the executor down when its framework is torn down', async () => {
    const { scheduler: s, offer } = await subscribe();
    await launch(s, offer, [executorTask(offer, 'long', 'e-teardown', 'wait')]);
    const pid = (await s.update('long', 'TASK_RUNNING')).container_status!.executor_pid!;
    expect(alive(pid)).toBe(true);
    await s.expectAccepted({ type: 'TEARDOWN' });
    await eventually(() => !alive(pid), 'the executor to exit after SHUTDOWN');
  });

  it('keeps the executor across an agent restart: it subscribes again and takes new tasks', async () => {
    const { scheduler: s, offer } = await subscribe();
    await launch(s, offer, [executorTask(offer, 'r1', 'e-restart', 'wait')]);
    const pid = (await s.update('r1', 'TASK_RUNNING')).container_status!.executor_pid!;
    const agent = cluster.agents[cluster.agents.length - 1];
    await cluster.stopAgent(agent, false);
    expect(alive(pid)).toBe(true);
    // Restarted on its port: MESOS_AGENT_ENDPOINT is where the executor looks for it.
    await cluster.addAgent({ ...agentOptions, port: agent.port });
    const from = s.events.length;
    const [next] = await s.nextOffers({ from, timeoutMs: 30_000 });
    await launch(s, next, [executorTask(next, 'r2', 'e-restart', 'finish')]);
    const finished = await s.update('r2', 'TASK_FINISHED', { timeoutMs: 30_000 });
    expect(finished.container_status?.executor_pid).toBe(pid);
    await s.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'r1' }, agent_id: next.agent_id } });
    await s.update('r1', 'TASK_KILLED');
    await s.expectAccepted({ type: 'TEARDOWN' });
    await eventually(() => !alive(pid), 'the executor to exit after SHUTDOWN');
  });

  it('takes an executor that does not subscribe again after an agent restart for gone', async () => {
    const { scheduler: s, offer } = await subscribe();
    await launch(s, offer, [executorTask(offer, 'h1', 'e-hung', 'wait', { ECHO_EXECUTOR_NO_RESUBSCRIBE: '1' })]);
    const pid = (await s.update('h1', 'TASK_RUNNING')).container_status!.executor_pid!;
    const agent = cluster.agents[cluster.agents.length - 1];
    await cluster.stopAgent(agent, false);
    await cluster.addAgent({ ...agentOptions, port: agent.port, executorReregistrationTimeoutSeconds: 1 });
    const failed = await s.update('h1', 'TASK_FAILED', { timeoutMs: 30_000 });
    expect(failed).toMatchObject({ source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT' });
    await eventually(() => !alive(pid), 'the hung executor to be killed');
    await s.expectAccepted({ type: 'TEARDOWN' });
  });

  it("opens the executor API to each executor's own token only, and never shows the token in argv", async () => {
    const { scheduler: s, offer } = await subscribe();
    await launch(s, offer, [executorTask(offer, 't1', 'e-one', 'wait'), executorTask(offer, 't2', 'e-two', 'wait')]);
    const one = await s.update('t1', 'TASK_RUNNING');
    await s.update('t2', 'TASK_RUNNING');
    const agent = cluster.agents[cluster.agents.length - 1];
    const url = `${agent.url}/api/v1/executor`;
    const call = (executorId: string) => ({
      type: 'MESSAGE', framework_id: { value: s.frameworkId }, executor_id: { value: executorId }, data: b64('x'), message: { data: b64('x') },
    });
    const oneToken = executorTokens(workDir, undefined).issue({ fid: s.frameworkId, eid: 'e-one', cid: one.container_status!.container_id!.value });

    expect((await request(url, { body: call('e-one') })).status).toBe(401);
    expect((await request(url, { body: call('e-one'), headers: { Authorization: 'Bearer mct1s.e30.forged' } })).status).toBe(401);
    expect((await request(url, { body: call('e-one'), headers: { Authorization: `Bearer ${oneToken}` } })).status).toBe(202);
    const other = await request(url, { body: call('e-two'), headers: { Authorization: `Bearer ${oneToken}` } });
    expect(other.status).toBe(403);
    expect(other.text).toContain("executor 'e-two'");
    // A token for a run of the same executor id that is not the running one opens nothing.
    const stale = executorTokens(workDir, undefined).issue({ fid: s.frameworkId, eid: 'e-one', cid: 'another-container' });
    expect((await request(url, { body: call('e-one'), headers: { Authorization: `Bearer ${stale}` } })).status).toBe(403);

    for (const line of groupCommandLines(one.container_status!.executor_pid!)) expect(line).not.toContain('mct1s.');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes('mct1s.'))).toEqual([]);
    await s.expectAccepted({ type: 'TEARDOWN' });
  });

  it('answers calls it cannot take with 400, naming the field', async () => {
    const agent = cluster.agents[cluster.agents.length - 1];
    const url = `${agent.url}/api/v1/executor`;
    const token = executorTokens(workDir, undefined).issue({ fid: 'f', eid: 'nobody', cid: 'c' });
    const headers = { Authorization: `Bearer ${token}` };
    const missing = await request(url, { body: { type: 'UPDATE', framework_id: { value: 'f' }, executor_id: { value: 'nobody' } }, headers });
    expect(missing.status).toBe(400);
    expect(missing.text).toBe("Failed to validate executor::Call: Expecting 'update' to be present");
    const unknown = await request(url, { body: { type: 'MESSAGE', framework_id: { value: 'f' }, executor_id: { value: 'nobody' }, message: { data: b64('x') } }, headers });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Executor cannot be found');
  });
});

