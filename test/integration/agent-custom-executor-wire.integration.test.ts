/**
 * Custom executors, the rest of the contract: an executor that speaks protobuf to the executor API
 * (here the test itself plays the executor, as a Go or Java executor library would: SUBSCRIBE and
 * UPDATE as mesos.v1.executor.Call, events read as mesos.v1.executor.Event records), and an executor
 * whose program the fetcher brings into its sandbox from ExecutorInfo.command.uris (and one whose URI
 * cannot be fetched).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Resources } from '../../cluster/protocol/resources';
import type { Offer, TaskInfo } from '../../cluster/protocol/types';
import { decodeProtobuf, encodeProtobuf, V1_MESSAGES } from '../../cluster/protocol/wire-codec';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, getJson, RecordStream, request } from '../helpers/http';
import { frameworkInfo, RawScheduler } from '../helpers/scheduler';

const FIXTURE = path.resolve(__dirname, '../fixtures/echo-executor.js');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const PROTOBUF = 'application/x-protobuf';

function task(offer: Offer, id: string, executorId: string, command: Record<string, unknown>): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: Resources.parse('cpus:0.1;mem:16').toV1(),
    data: b64(JSON.stringify({ run: 'finish' })),
    executor: { type: 'CUSTOM', executor_id: { value: executorId }, command: command as TaskInfo['command'], resources: Resources.parse('cpus:0.1;mem:32').toV1() },
  } as TaskInfo;
}

describe('custom executors: protobuf on the executor API, and the fetcher', () => {
  let cluster: TestCluster;
  let scheduler: RawScheduler | undefined;
  const streams: RecordStream[] = [];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-executor-wire-'));

  beforeAll(async () => {
    cluster = await startCluster({ agents: 0 });
    await cluster.addAgent({ workDir });
  });

  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
    scheduler?.close();
  });

  afterAll(async () => {
    await cluster.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function offered(): Promise<{ s: RawScheduler; offer: Offer }> {
    scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ checkpoint: true }))).autoAcknowledge();
    const [offer] = await scheduler.nextOffers();
    return { s: scheduler, offer };
  }

  it('takes an executor that speaks protobuf: SUBSCRIBE, LAUNCH, UPDATE, ACKNOWLEDGED', async () => {
    const { s, offer } = await offered();
    // The executor's process only waits: the test subscribes in its place.
    await s.launch([offer], [task(offer, 'pb-task', 'pb-executor', { value: 'sleep 120' })], { refuse_seconds: 0 });
    const agentUrl = cluster.agents[cluster.agents.length - 1].url;
    await eventually(async () => {
      const state = await getJson(`${agentUrl}/state`);
      return state.frameworks.some((f: { executors: { id: string }[] }) => f.executors.some((e) => e.id === 'pb-executor'));
    }, 'the executor to be started');

    const ids = { framework_id: { value: s.frameworkId }, executor_id: { value: 'pb-executor' } };
    const events = new RecordStream(`${agentUrl}/api/v1/executor`, encodeProtobuf(V1_MESSAGES.executorCall, { type: 'SUBSCRIBE', ...ids, subscribe: {} }),
      { 'Content-Type': PROTOBUF, Accept: PROTOBUF },
      (record) => {
        const decoded = decodeProtobuf(V1_MESSAGES.executorEvent, record);
        if (!decoded.ok) throw new Error(decoded.message);
        return decoded.value;
      });
    streams.push(events);
    const subscribed = await events.waitFor((e: any) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    expect(events.headers['content-type']).toBe(PROTOBUF);
    expect(subscribed.subscribed).toMatchObject({ executor_info: { executor_id: { value: 'pb-executor' } }, framework_info: { id: { value: s.frameworkId } } });
    const launch = await events.waitFor((e: any) => e.type === 'LAUNCH', 'LAUNCH');
    expect(launch.launch.task.task_id).toEqual({ value: 'pb-task' });

    const uuid = randomBytes(16).toString('base64');
    const update = encodeProtobuf(V1_MESSAGES.executorCall, {
      type: 'UPDATE', ...ids, update: { status: { task_id: { value: 'pb-task' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid } },
    });
    const accepted = await request(`${agentUrl}/api/v1/executor`, { body: update, headers: { 'Content-Type': PROTOBUF } });
    expect(accepted.status).toBe(202);
    expect(await s.update('pb-task', 'TASK_RUNNING')).toMatchObject({ source: 'SOURCE_EXECUTOR', executor_id: { value: 'pb-executor' } });
    const acknowledged = await events.waitFor((e: any) => e.type === 'ACKNOWLEDGED', 'ACKNOWLEDGED');
    expect(acknowledged.acknowledged).toEqual({ task_id: { value: 'pb-task' }, uuid });
    await s.expectAccepted({ type: 'TEARDOWN' });
  });

  it('fetches the executor from ExecutorInfo.command.uris into its sandbox before it starts', async () => {
    const { s, offer } = await offered();
    // The program is not on the agent's path: only the fetcher puts it in the sandbox, where the command runs.
    const command = { value: `'${process.execPath}' echo-executor.js`, uris: [{ value: `file://${FIXTURE}`, executable: true }] };
    await s.launch([offer], [task(offer, 'fetched', 'fetched-executor', command)], { refuse_seconds: 0 });
    expect(await s.update('fetched', 'TASK_FINISHED')).toMatchObject({ source: 'SOURCE_EXECUTOR', executor_id: { value: 'fetched-executor' } });
    await s.expectAccepted({ type: 'TEARDOWN' });
  });

  it('fails the tasks of an executor whose URI cannot be fetched, naming the URI', async () => {
    const { s, offer } = await offered();
    const missing = path.join(workDir, 'no-such-executor.js');
    const command = { value: `'${process.execPath}' no-such-executor.js`, uris: [{ value: missing }] };
    await s.launch([offer], [task(offer, 'unfetched', 'unfetched-executor', command)], { refuse_seconds: 0 });
    const failed = await s.update('unfetched', 'TASK_FAILED');
    expect(failed.reason).toBe('REASON_FETCHER_FAILED');
    expect(failed.message).toContain(missing);
    await s.expectAccepted({ type: 'TEARDOWN' });
  });
});
