/**
 * Health checks and general checks with a real master and agent, and real task processes: what a
 * scheduler receives (docs/health-checks.md; Mesos's command executor, src/launcher/executor.cpp).
 * Tasks that serve HTTP run node on a port the test picked free; checks run every second from the
 * start (delay 0). Nothing here asserts how long anything took.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { OperatorEvent } from '../../cluster/protocol/operator';
import type { CheckInfo, HealthCheck, Offer, SchedulerEvent, TaskInfo, TaskStatus } from '../../cluster/protocol/types';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson, RecordStream, request } from '../helpers/http';
import { commandTask, frameworkInfo, launchGroup, RawScheduler, scalarOf, SCHEDULER_PATH } from '../helpers/scheduler';

/** A port nothing listens on right now, for a task to listen on. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An HTTP server task: answers 200 to its first `healthyAnswers` requests (all, when undefined),
 * 503 afterwards.
 */
function serverCommand(dir: string, port: number, healthyAnswers?: number): string {
  const script = path.join(dir, `server-${port}.js`);
  fs.writeFileSync(script, [
    "const http = require('node:http');",
    `const limit = ${healthyAnswers ?? 'Infinity'};`,
    'let served = 0;',
    `http.createServer((req, res) => { served++; res.statusCode = served <= limit ? 200 : 503; res.end(); }).listen(${port}, '127.0.0.1');`,
  ].join('\n'));
  return `exec '${process.execPath}' '${script}'`;
}

const fast = { delay_seconds: 0, interval_seconds: 1, timeout_seconds: 5 };

/** Health reports of a running task (the kill that failing checks cause carries the same reason, and is terminal). */
const healthUpdates = (statuses: TaskStatus[]) => statuses.filter((s) => s.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED' && s.state === 'TASK_RUNNING');
const checkUpdates = (statuses: TaskStatus[]) => statuses.filter((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED');

describe('cluster: health checks and general checks', () => {
  let cluster: TestCluster;
  let scheduler: RawScheduler;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-checks-'));
    cluster = await startCluster({ agentResources: 'cpus:8;mem:4096;disk:1024;ports:[31000-31099]' });
    scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'checks', capabilities: [{ type: 'TASK_KILLING_STATE' }] }))).autoAcknowledge();
  });

  afterAll(async () => {
    scheduler?.close();
    await cluster?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Offers this suite used in an ACCEPT. */
  const used = new Set<string>();
  /** Every offer held now (offered, not rescinded, not used), all on the one agent: launches use them together. */
  const held = (): Offer[] => {
    const offers = new Map<string, Offer>();
    for (const e of scheduler.events) {
      if (e.type === 'OFFERS') for (const o of e.offers.offers) offers.set(o.id.value, o);
      if (e.type === 'RESCIND') offers.delete(e.rescind.offer_id.value);
    }
    return [...offers.values()].filter((o) => !used.has(o.id.value));
  };
  const takeOffers = async (): Promise<Offer[]> => {
    const offers = await eventually(() => held().length > 0 && held(), 'an offer', 30_000);
    for (const o of offers) used.add(o.id.value);
    return offers;
  };

  const launch = async (task: (o: Offer) => TaskInfo): Promise<TaskInfo> => {
    const offers = await takeOffers();
    const info = task(offers[0]);
    await scheduler.launch(offers, [info], { refuse_seconds: 0 });
    return info;
  };

  const withChecks = (o: Offer, id: string, command: string, checks: { health_check?: HealthCheck; check?: CheckInfo }): TaskInfo => ({
    ...commandTask(o, id, command),
    ...checks,
  });

  test('an HTTP health check: healthy first, then every failure reported, and the task killed after consecutive_failures', async () => {
    const port = await freePort();
    await launch((o) => withChecks(o, 'http-sick', serverCommand(dir, port, 2), {
      health_check: { type: 'HTTP', http: { port, path: '/health' }, ...fast, grace_period_seconds: 30, consecutive_failures: 3 },
    }));
    const killed = await scheduler.update('http-sick', 'TASK_KILLED', { timeoutMs: 60_000 });
    const statuses = scheduler.updates('http-sick');
    const health = healthUpdates(statuses);
    expect(health.map((s) => [s.state, s.healthy, s.source])).toEqual([
      ['TASK_RUNNING', true, 'SOURCE_EXECUTOR'],
      ['TASK_RUNNING', false, 'SOURCE_EXECUTOR'],
      ['TASK_RUNNING', false, 'SOURCE_EXECUTOR'],
      ['TASK_RUNNING', false, 'SOURCE_EXECUTOR'],
    ]);
    expect(statuses.map((s) => s.state).slice(-2)).toEqual(['TASK_KILLING', 'TASK_KILLED']);
    // TASK_KILLED, healthy false, and a reason that says health killed it.
    expect(killed.healthy).toBe(false);
    expect(killed.reason).toBe('REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
    expect(killed.message).toMatch(/^Task killed after 3 consecutive health checks failed: Command terminated with signal SIGTERM/);

    // The master keeps them: /state and GET_TASKS show the statuses with `healthy`.
    const state = await getJson<{ completed_frameworks: unknown[]; frameworks: { completed_tasks: { id: string; statuses: { state: string; healthy?: boolean }[]; health_check?: unknown }[] }[] }>(`${cluster.url}/state`);
    const task = state.frameworks.flatMap((f) => f.completed_tasks).find((t) => t.id === 'http-sick')!;
    expect(task.health_check).toMatchObject({ type: 'HTTP', http: { port, path: '/health' } });
    expect(task.statuses.filter((s) => s.healthy !== undefined).map((s) => s.healthy)).toContain(true);
    expect(task.statuses[task.statuses.length - 1]).toMatchObject({ state: 'TASK_KILLED', healthy: false });
  });

  test('a TCP health check and an HTTP general check on a task that serves: healthy, status code 200, nothing killed', async () => {
    const port = await freePort();
    const events = await new RecordStream<OperatorEvent>(`${cluster.url}/api/v1`, { type: 'SUBSCRIBE' }).response();
    await launch((o) => withChecks(o, 'tcp-fine', serverCommand(dir, port), {
      health_check: { type: 'TCP', tcp: { port }, ...fast, grace_period_seconds: 30 },
      check: { type: 'HTTP', http: { port, path: '/' }, ...fast },
    }));
    await eventually(() => healthUpdates(scheduler.updates('tcp-fine')).length > 0, 'a health update', 30_000);
    await eventually(() => checkUpdates(scheduler.updates('tcp-fine')).some((s) => s.check_status?.http?.status_code === 200), 'an HTTP check status', 30_000);
    const statuses = scheduler.updates('tcp-fine');
    // Every update of a task with a check carries check_status; before any result it is empty.
    const running = statuses.find((s) => s.state === 'TASK_RUNNING' && s.reason === undefined)!;
    expect(running.check_status).toEqual({ type: 'HTTP', http: {} });
    expect(healthUpdates(statuses)[0]).toMatchObject({ state: 'TASK_RUNNING', healthy: true });
    expect(statuses.map((s) => s.state)).not.toContain('TASK_KILLING');

    // The operator API has them too.
    const res = await request(`${cluster.url}/api/v1`, { body: { type: 'GET_TASKS' } });
    const tasks = JSON.parse(res.text).get_tasks.tasks as { task_id: { value: string }; statuses: TaskStatus[] }[];
    const known = tasks.find((t) => t.task_id.value === 'tcp-fine')!;
    expect(known.statuses.some((s) => s.check_status?.http?.status_code === 200)).toBe(true);
    expect(known.statuses.some((s) => s.healthy === true)).toBe(true);

    // The agent's /state shows them too.
    const agentState = await getJson<{ frameworks: { executors: { tasks: { id: string; health_check?: unknown; statuses: TaskStatus[] }[] }[] }[] }>(`http://127.0.0.1:${cluster.agents[0].port}/state`);
    const onAgent = agentState.frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks)).find((t) => t.id === 'tcp-fine')!;
    expect(onAgent.health_check).toMatchObject({ type: 'TCP', tcp: { port } });
    expect(onAgent.statuses.some((s) => s.check_status?.http?.status_code === 200)).toBe(true);

    // Operator subscribers hear of health and check changes too, not only of state changes.
    try {
      const updated = (e: OperatorEvent) => (e.type === 'TASK_UPDATED' && e.task_updated.status.task_id.value === 'tcp-fine' ? e.task_updated.status : undefined);
      await events.waitFor((e) => updated(e)?.healthy === true, 'TASK_UPDATED with healthy', { timeoutMs: 30_000 });
      await events.waitFor((e) => updated(e)?.check_status?.http?.status_code === 200, 'TASK_UPDATED with a check status', { timeoutMs: 30_000 });
    } finally {
      events.close();
    }

    await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'tcp-fine' } } });
    const killed = await scheduler.update('tcp-fine', 'TASK_KILLED', { timeoutMs: 30_000 });
    expect(killed.healthy).toBeUndefined();
  });

  test('a task whose health flaps keeps its first status in /state, with the latest ones', async () => {
    // Healthy, unhealthy, healthy...: every probe is an update.
    const flap = 'n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ $((n % 2)) = 0 ]';
    await launch((o) => withChecks(o, 'flaps', 'exec sleep 100', {
      health_check: { type: 'COMMAND', command: { value: flap }, delay_seconds: 0, interval_seconds: 0.1, consecutive_failures: 1000 },
    }));
    await eventually(() => healthUpdates(scheduler.updates('flaps')).length >= 20, '20 health updates', 30_000);
    const state = await getJson<{ frameworks: { tasks: { id: string; statuses: { state: string; healthy?: boolean }[] }[] }[] }>(`${cluster.url}/state`);
    const statuses = state.frameworks.flatMap((f) => f.tasks).find((t) => t.id === 'flaps')!.statuses;
    expect(statuses).toHaveLength(16);
    expect(statuses[0].state).toBe('TASK_STARTING');
    expect(statuses.slice(-4).every((s) => s.state === 'TASK_RUNNING' && s.healthy !== undefined)).toBe(true);
    await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'flaps' } } });
    await scheduler.update('flaps', 'TASK_KILLED', { timeoutMs: 30_000 });
  });

  test('a COMMAND health check runs in the sandbox with the task environment and its own variables', async () => {
    await launch((o) => withChecks(o, 'cmd-env', 'echo ready > marker && exec sleep 100', {
      health_check: {
        type: 'COMMAND',
        command: { value: 'test -f marker && test "$MESOS_TASK_ID" = cmd-env && test "$CHECK_VAR" = yes', environment: { variables: [{ name: 'CHECK_VAR', value: 'yes' }] } },
        ...fast,
        grace_period_seconds: 30,
      },
    }));
    await eventually(() => healthUpdates(scheduler.updates('cmd-env')).length > 0, 'a health update', 30_000);
    expect(healthUpdates(scheduler.updates('cmd-env'))[0].healthy).toBe(true);
    await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'cmd-env' } } });
    await scheduler.update('cmd-env', 'TASK_KILLED', { timeoutMs: 30_000 });
  });

  test('a COMMAND general check reports each new exit code and never kills the task', async () => {
    // Exit codes 1, 2, 3, 3, 3...: three changes, then none.
    const check = 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -gt 3 ] && n=3; exit $n';
    await launch((o) => withChecks(o, 'cmd-check', 'exec sleep 100', { check: { type: 'COMMAND', command: { command: { value: check } }, ...fast } }));
    await eventually(() => checkUpdates(scheduler.updates('cmd-check')).some((s) => s.check_status?.command?.exit_code === 3), 'exit code 3', 30_000);
    const codes = checkUpdates(scheduler.updates('cmd-check')).map((s) => s.check_status?.command?.exit_code);
    expect(codes).toEqual([1, 2, 3]);
    expect(scheduler.updates('cmd-check').every((s) => s.state === 'TASK_STARTING' || s.state === 'TASK_RUNNING')).toBe(true);
    await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'cmd-check' } } });
    const killed = await scheduler.update('cmd-check', 'TASK_KILLED', { timeoutMs: 30_000 });
    expect(killed.check_status).toEqual({ type: 'COMMAND', command: {} });
  });

  test('a check stops with its task: nothing runs it once the task has ended, and a probe in flight is killed', async () => {
    const probes = path.join(dir, 'probes');
    const stop = path.join(dir, 'stop');
    await launch((o) => withChecks(o, 'ends', `while [ ! -f '${stop}' ]; do sleep 0.1; done`, {
      // Each probe spends most of its time sleeping: one is almost always in flight when the task ends.
      check: { type: 'COMMAND', command: { command: { value: `echo x >> '${probes}'; sleep 2; echo late >> '${probes}'` } }, delay_seconds: 0, interval_seconds: 0.2 },
    }));
    await eventually(() => fs.existsSync(probes) && fs.readFileSync(probes, 'utf8').length > 0, 'the check to run', 30_000);
    fs.writeFileSync(stop, '');
    await scheduler.update('ends', 'TASK_FINISHED', { timeoutMs: 30_000 });
    const after = fs.readFileSync(probes, 'utf8');
    // Longer than a probe takes: nothing more was probed, and the probe in flight wrote no 'late'.
    await new Promise((r) => setTimeout(r, 3000));
    expect(fs.readFileSync(probes, 'utf8')).toBe(after);
  });

  test('tasks of a group (default executor) are health checked too; the unhealthy one is killed and takes the group along', async () => {
    const port = await freePort();
    // A group launches from one offer: the biggest, the others go back.
    const [o, ...more] = (await takeOffers()).sort((a, b) => scalarOf(b, 'cpus') - scalarOf(a, 'cpus'));
    for (const other of more) await scheduler.expectAccepted({ type: 'DECLINE', decline: { offer_ids: [other.id], filters: { refuse_seconds: 0 } } });
    const sick: TaskInfo = {
      ...commandTask(o, 'group-sick', serverCommand(dir, port, 1), 'cpus:0.2;mem:32'),
      health_check: { type: 'HTTP', http: { port }, ...fast, grace_period_seconds: 30, consecutive_failures: 1 },
    };
    await launchGroup(scheduler, o, 'group-executor', [sick, ['group-sleeper', 'exec sleep 100']]);
    const killed = await scheduler.update('group-sick', 'TASK_KILLED', { timeoutMs: 30_000 }).catch(() => {
      throw new Error(JSON.stringify(scheduler.updates().filter((s) => s.task_id.value.startsWith('group-'))));
    });
    expect(killed).toMatchObject({ healthy: false, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', message: expect.stringMatching(/^Task killed after health check failed/) });
    expect(healthUpdates(scheduler.updates('group-sick')).map((s) => s.healthy)).toEqual([true, false]);
    await scheduler.update('group-sleeper', 'TASK_KILLED', { timeoutMs: 30_000 });
  });

  test('invalid checks end the task in TASK_ERROR with Mesos\'s message naming the field; a missing required port is a 400', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['no-type', { health_check: { http: { port: 80 } } }, "Task uses invalid health check: HealthCheck must specify 'type'"],
      ['neg-interval', { health_check: { type: 'TCP', tcp: { port: 80 }, interval_seconds: -1 } }, "Task uses invalid health check: Expecting 'interval_seconds' to be non-negative"],
      ['no-http', { health_check: { type: 'HTTP' } }, "Task uses invalid health check: Expecting 'http' to be set for HTTP health check"],
      ['bad-path', { check: { type: 'HTTP', http: { port: 80, path: 'x' } } }, "Task uses invalid check: The path 'x' of HTTP check must start with '/'"],
      ['unknown-type', { check: { type: 'GRPC', tcp: { port: 80 } } }, "Task uses invalid check: CheckInfo must specify 'type'"],
    ];
    for (const [id, fields, message] of cases) {
      await launch((o) => ({ ...commandTask(o, id, 'true'), ...fields }) as TaskInfo);
      const error = await scheduler.update(id, 'TASK_ERROR', { timeoutMs: 10_000 }).catch(() => {
        throw new Error(`${id}: ${JSON.stringify(scheduler.updates(id))}`);
      });
      expect({ id, message: error.message, reason: error.reason }).toEqual({ id, message, reason: 'REASON_TASK_INVALID' });
    }
    const offers = await takeOffers();
    const o = offers[0];
    const res = await scheduler.call({
      type: 'ACCEPT',
      accept: { offer_ids: offers.map((x) => x.id), operations: [{ type: 'LAUNCH', launch: { task_infos: [{ ...commandTask(o, 'no-port', 'true'), health_check: { type: 'HTTP', http: { path: '/' } } }] } }] },
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('health_check.http.port');
  });

  test('in protobuf: TaskInfo.health_check and check go in, updates with healthy and check_status come out', async () => {
    const headers = { 'Content-Type': 'application/x-protobuf', Accept: 'application/x-protobuf', Connection: 'close' };
    const decode = (record: Buffer): SchedulerEvent => {
      const decoded = decodeProtobuf(V1_MESSAGES.schedulerEvent, record);
      if (!decoded.ok) throw new Error(decoded.message);
      return decoded.value as SchedulerEvent;
    };
    const url = `${cluster.url}${SCHEDULER_PATH}`;
    const stream = await new RecordStream<SchedulerEvent>(url, encodeProtobuf(V1_MESSAGES.schedulerCall, { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo({ name: 'proto' }) } }), headers, decode).response();
    try {
      const subscribed = await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
      const frameworkId = subscribed.type === 'SUBSCRIBED' ? subscribed.subscribed.framework_id : { value: '' };
      const streamId = String(stream.headers['mesos-stream-id']);
      const offers = await stream.waitFor((e) => e.type === 'OFFERS', 'OFFERS', { timeoutMs: 30_000 });
      const o = offers.type === 'OFFERS' ? offers.offers.offers[0] : (undefined as never);
      const call = (body: Record<string, unknown>) => request(url, { body: encodeProtobuf(V1_MESSAGES.schedulerCall, { framework_id: frameworkId, ...body }), headers: { 'Content-Type': 'application/x-protobuf', 'Mesos-Stream-Id': streamId } });
      const task = withChecks(o, 'proto-task', 'exec sleep 100', {
        health_check: { type: 'COMMAND', command: { value: 'true' }, ...fast },
        check: { type: 'COMMAND', command: { command: { value: 'exit 4' } }, ...fast },
      });
      expect((await call({ type: 'ACCEPT', accept: { offer_ids: [o.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } })).status).toBe(202);
      const updates = () => stream.records.filter((e): e is Extract<SchedulerEvent, { type: 'UPDATE' }> => e.type === 'UPDATE').map((e) => e.update.status);
      const ack = async (s: TaskStatus) => {
        if (s.uuid) await call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } });
      };
      const acked = new Set<string>();
      const healthy = await eventually(async () => {
        for (const s of updates()) if (s.uuid && !acked.has(s.uuid)) { acked.add(s.uuid); await ack(s); }
        return updates().find((s) => s.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
      }, 'a health update in protobuf', 30_000);
      expect(healthy).toMatchObject({ state: 'TASK_RUNNING', healthy: true, source: 'SOURCE_EXECUTOR' });
      const checked = await eventually(async () => {
        for (const s of updates()) if (s.uuid && !acked.has(s.uuid)) { acked.add(s.uuid); await ack(s); }
        return updates().find((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED');
      }, 'a check update in protobuf', 30_000);
      expect(checked.check_status).toEqual({ type: 'COMMAND', command: { exit_code: 4 } });
      await call({ type: 'KILL', kill: { task_id: { value: 'proto-task' } } });
      await eventually(async () => {
        for (const s of updates()) if (s.uuid && !acked.has(s.uuid)) { acked.add(s.uuid); await ack(s); }
        return updates().some((s) => s.state === 'TASK_KILLED');
      }, 'TASK_KILLED', 30_000);
    } finally {
      stream.close();
    }
  });
});

describe('cluster: checks across an agent restart', () => {
  let cluster: TestCluster | undefined;
  let workDir: string;

  afterAll(async () => {
    await cluster?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('a restarted agent that takes a running task back checks it again, from a fresh start', async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-checks-restart-'));
    cluster = await startCluster({ agents: 0 });
    const agent = await cluster.addAgent({ workDir });
    const scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'restart', checkpoint: true }))).autoAcknowledge();
    try {
      const [o] = await scheduler.nextOffers({ timeoutMs: 30_000 });
      await scheduler.launch([o], [{ ...commandTask(o, 'kept', 'exec sleep 100'), health_check: { type: 'COMMAND', command: { value: 'true' }, ...fast } }]);
      await eventually(() => healthUpdates(scheduler.updates('kept')).length === 1, 'the first health update', 30_000);

      await cluster.stopAgent(agent, false);
      await cluster.addAgent({ workDir });
      // The new agent process reports the first success again: its checker started afresh.
      await eventually(() => healthUpdates(scheduler.updates('kept')).length === 2, 'a health update from the restarted agent', 30_000);
      expect(healthUpdates(scheduler.updates('kept')).map((s) => s.healthy)).toEqual([true, true]);

      await scheduler.expectAccepted({ type: 'KILL', kill: { task_id: { value: 'kept' } } });
      await scheduler.update('kept', 'TASK_KILLED', { timeoutMs: 30_000 });
    } finally {
      scheduler.close();
    }
  });
});
