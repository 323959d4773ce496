/**
 * Task sandboxes read through the master (LIST_FILES, READ_FILE, GET /files/download), against a
 * real master and a real agent: the client never talks to the agent.
 */
import type { Offer } from '../../cluster/protocol/types';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { eventually, request } from '../helpers/http';
import { commandTask, frameworkInfo, RawScheduler, launchGroup as launchTaskGroup } from '../helpers/scheduler';

describe('master: sandboxes through the master', () => {
  let cluster: TestCluster;
  let scheduler: RawScheduler;
  let sandbox: string;
  let groupSandbox: string;

  const operator = async (body: unknown) => request(`${cluster.url}/api/v1`, { body });
  const readText = async (path: string, offset = 0) => {
    const res = await operator({ type: 'READ_FILE', read_file: { path, offset } });
    if (res.status !== 200) return undefined;
    const body = JSON.parse(res.text);
    return { size: body.read_file.size as number, text: Buffer.from(body.read_file.data, 'base64').toString('utf8') };
  };

  beforeAll(async () => {
    cluster = await startCluster({ agents: 1 });
    scheduler = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ name: 'files' }))).autoAcknowledge();
    const [offer] = await scheduler.nextOffers();
    const mark = scheduler.events.length;
    await scheduler.launch([offer], [commandTask(offer, 'echoer', 'echo hello-from-sandbox; echo oops >&2; sleep 1000')], { refuse_seconds: 0 });
    await scheduler.update('echoer', 'TASK_RUNNING', { from: mark });
    const [next] = await scheduler.nextOffers({ from: mark });
    await launchGroup(next, 'pod', 'grouped', 'echo hello-from-group; sleep 1000');
    await scheduler.update('grouped', 'TASK_RUNNING', { from: mark, timeoutMs: 30_000 });
    sandbox = `/frameworks/${encodeURIComponent(scheduler.frameworkId)}/tasks/echoer`;
    groupSandbox = `/frameworks/${encodeURIComponent(scheduler.frameworkId)}/tasks/grouped`;
  });

  afterAll(async () => {
    scheduler?.close();
    await cluster?.close();
  });

  const launchGroup = (offer: Offer, executorId: string, taskId: string, command: string) =>
    launchTaskGroup(scheduler, offer, executorId, [[taskId, command]]);

  test('LIST_FILES lists the task sandbox with virtual paths and Mesos FileInfo fields', async () => {
    const res = await operator({ type: 'LIST_FILES', list_files: { path: sandbox } });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.type).toBe('LIST_FILES');
    const stdout = body.list_files.file_infos.find((f: { path: string }) => f.path === `${sandbox}/stdout`);
    expect(stdout).toMatchObject({ nlink: 1, uid: expect.any(String), gid: expect.any(String) });
    expect(stdout.mode & 0o170000).toBe(0o100000);
    expect(stdout.mtime.nanoseconds).toBeGreaterThan(0);
    expect(body.list_files.file_infos.map((f: { path: string }) => f.path)).toContain(`${sandbox}/stderr`);
  });

  test("READ_FILE reads the task's stdout and stderr, base64, with the file's size", async () => {
    const out = await eventually(async () => {
      const read = await readText(`${sandbox}/stdout`);
      return read?.text.includes('hello-from-sandbox') ? read : undefined;
    }, 'stdout with the echoed text');
    expect(out.size).toBeGreaterThanOrEqual('hello-from-sandbox\n'.length);
    const at = Buffer.byteLength(out.text.slice(0, out.text.indexOf('hello-from-sandbox')));
    const tail = await readText(`${sandbox}/stdout`, at + 5);
    expect(tail?.text.startsWith('-from-sandbox')).toBe(true);
    expect((await readText(`${sandbox}/stderr`))?.text).toContain('oops');
  });

  test('GET /files/download streams the file as an attachment', async () => {
    const res = await request(`${cluster.url}/files/download?path=${encodeURIComponent(`${sandbox}/stdout`)}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="stdout"');
    expect(res.text).toContain('hello-from-sandbox');
  });

  test('a task of a task group has its own sandbox inside its executor', async () => {
    const out = await eventually(async () => {
      const read = await readText(`${groupSandbox}/stdout`);
      return read?.text.includes('hello-from-group') ? read : undefined;
    }, 'the grouped task stdout');
    expect(out.text).not.toContain('hello-from-sandbox');
    const list = JSON.parse((await operator({ type: 'LIST_FILES', list_files: { path: groupSandbox } })).text);
    expect(list.list_files.file_infos.map((f: { path: string }) => f.path)).toContain(`${groupSandbox}/stdout`);
  });

  test('bad and unknown paths: 400 naming the field, 404 naming what is missing', async () => {
    const badShape = await operator({ type: 'LIST_FILES', list_files: { path: '/var/log' } });
    expect(badShape.status).toBe(400);
    expect(badShape.text).toContain("'list_files.path'");

    const escape = await operator({ type: 'READ_FILE', read_file: { path: `${sandbox}/../other/stdout`, offset: 0 } });
    expect(escape.status).toBe(400);
    expect(escape.text).toContain("'read_file.path'");

    const missingField = await operator({ type: 'READ_FILE', read_file: { path: `${sandbox}/stdout` } });
    expect(missingField.status).toBe(400);
    expect(missingField.text).toContain("'read_file.offset'");

    const noFile = await operator({ type: 'READ_FILE', read_file: { path: `${sandbox}/nothing-here`, offset: 0 } });
    expect(noFile.status).toBe(404);
    expect(noFile.text).toContain(`${sandbox}/nothing-here`);

    const noTask = await operator({ type: 'LIST_FILES', list_files: { path: `/frameworks/${scheduler.frameworkId}/tasks/ghost` } });
    expect(noTask.status).toBe(404);
    expect(noTask.text).toContain("'ghost'");

    const noFramework = await operator({ type: 'LIST_FILES', list_files: { path: '/frameworks/nope/tasks/echoer' } });
    expect(noFramework.status).toBe(404);
    expect(noFramework.text).toContain("'nope'");

    const download = await request(`${cluster.url}/files/download?path=${encodeURIComponent(`${sandbox}/nothing-here`)}`);
    expect(download.status).toBe(404);
    expect((await request(`${cluster.url}/files/download`)).status).toBe(400);
  });

  test('an agent that cannot be reached gives 503 naming the agent', async () => {
    const agentId = JSON.parse((await operator({ type: 'GET_AGENTS' })).text).get_agents.agents[0].agent_info.id.value;
    await cluster.stopAgent(cluster.agents[0], true);
    const res = await operator({ type: 'READ_FILE', read_file: { path: `${sandbox}/stdout`, offset: 0 } });
    expect(res.status).toBe(503);
    expect(res.text).toContain(agentId);
  });
});
