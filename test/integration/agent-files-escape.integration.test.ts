/**
 * A task cannot escape its sandbox through the agent's /files, nor reach another framework's: the
 * symlink-swap race run thousands of times against a real agent over HTTP, hard links, links into a
 * sibling sandbox, and files that vanish between listing and reading.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Agent } from '../../cluster/agent';
import { checkRaceAnswer, layOutRace, race, Swapper } from '../helpers/sandbox-race';
import { agentWithFakeMaster, type FakeMaster } from './agent-fake-master';

/** nobody: the owner of a sandbox whose task runs as an unprivileged user. */
const NOBODY = 65534;

let scratch: string;
let master: FakeMaster;
let agent: Agent;
const sandboxes: Record<string, string> = {};

async function runTask(frameworkId: string, taskId: string): Promise<string> {
  master.send({
    type: 'RUN_TASK',
    run_task: {
      framework_id: { value: frameworkId },
      framework_info: { user: 'root', name: frameworkId },
      task: { name: taskId, task_id: { value: taskId }, agent_id: { value: 'fake-master-S0' }, resources: [], command: { value: `echo ${taskId}-output` } },
    },
  });
  await master.waitFor(() => master.states(taskId).includes('TASK_FINISHED'), `task ${taskId} to finish`);
  const state = (await (await fetch(`${agent.url}/state`)).json()) as any;
  const executors = [...state.frameworks, ...state.completed_frameworks].flatMap((f: any) => [...f.executors, ...f.completed_executors]);
  return executors.find((e: any) => e.id === taskId).directory;
}

beforeAll(async () => {
  ({ scratch, master, agent } = await agentWithFakeMaster('agent-files-escape-'));
  sandboxes.racer = await runTask('fw-a', 'racer');
  sandboxes.a = await runTask('fw-a', 'a');
  sandboxes.b = await runTask('fw-b', 'b');
  sandboxes.owned = await runTask('fw-c', 'owned');
});

afterAll(async () => {
  await agent?.close({ killTasks: true });
  await master?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function get(endpoint: string, file: string, extra: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${agent.url}/files/${endpoint}?${new URLSearchParams({ path: file, ...extra })}`);
  return { status: res.status, text: await res.text() };
}

const listed = async (dir: string): Promise<string[]> => (JSON.parse((await get('browse', dir)).text) as { path: string }[]).map((f) => path.basename(f.path));

describe('/files under a symlink-swap race', () => {
  it('never answers with a file outside the sandbox, nor with 500', async () => {
    const layout = layOutRace(sandboxes.racer, path.join(scratch, 'outside'));
    // Without the race, the links themselves are refused.
    expect((await get('read', path.join(sandboxes.racer, 'd.link', 'data'), { offset: '0' })).status).toBe(403);
    expect((await get('read', path.join(sandboxes.racer, 'f.link'), { offset: '0' })).status).toBe(403);

    const swapper = await Swapper.start(sandboxes.racer);
    const endpoints = ['read', 'read', 'download'];
    const { tally, failures } = await race(
      4500,
      8,
      async (i) => {
        const endpoint = endpoints[i % endpoints.length];
        const file = layout.files[Math.floor(i / endpoints.length) % layout.files.length];
        return { label: `${endpoint} ${path.basename(path.dirname(file)) === 'd' ? 'd/data' : 'f'}`, answer: await get(endpoint, file, { offset: '0' }) };
      },
      (label, answer) => checkRaceAnswer(layout, answer, label.startsWith('read') ? (t) => (JSON.parse(t) as { data: string }).data : undefined),
    );
    const swaps = await swapper.stop();
    process.stdout.write(`agent /files race: 4500 requests, ${swaps} swaps of each name: ${JSON.stringify(tally)}\n`);
    expect(failures).toEqual([]);
    expect(swaps).toBeGreaterThan(1000);
    // The race was real: some answers were refused or missing, and some were served.
    const statuses = Object.entries(tally);
    expect(statuses.some(([key]) => / 200$/.test(key))).toBe(true);
    expect(statuses.some(([key]) => / 4\d\d$/.test(key))).toBe(true);
  }, 60_000);
});

describe('hard links', () => {
  let outsideFile: string;

  beforeAll(() => {
    // The task runs as nobody: its sandbox and what it makes are nobody's.
    fs.chownSync(sandboxes.owned, NOBODY, NOBODY);
    outsideFile = path.join(scratch, 'root-secret');
    fs.writeFileSync(outsideFile, 'root-only-secret', { mode: 0o600 });
    fs.linkSync(outsideFile, path.join(sandboxes.owned, 'stolen'));
    fs.writeFileSync(path.join(sandboxes.owned, 'mine'), 'my-own-data');
    fs.chownSync(path.join(sandboxes.owned, 'mine'), NOBODY, NOBODY);
    fs.linkSync(path.join(sandboxes.owned, 'mine'), path.join(sandboxes.owned, 'mine-again'));
  });

  it('refuses a hard link to a file the sandbox owner does not own, with 403, and does not list it', async () => {
    for (const endpoint of ['read', 'download', 'browse']) {
      const { status, text } = await get(endpoint, path.join(sandboxes.owned, 'stolen'), { offset: '0' });
      expect([endpoint, status, text]).toEqual([endpoint, 403, expect.stringContaining('hard link')]);
      expect(text).not.toContain('root-only-secret');
    }
    expect(await listed(sandboxes.owned)).not.toContain('stolen');
  });

  it('serves a hard link the owner made to its own file', async () => {
    expect(JSON.parse((await get('read', path.join(sandboxes.owned, 'mine-again'), { offset: '0' })).text)).toEqual({ data: 'my-own-data', offset: 0 });
    expect((await get('download', path.join(sandboxes.owned, 'mine'))).text).toBe('my-own-data');
    const listing = JSON.parse((await get('browse', sandboxes.owned)).text) as { path: string; nlink: number }[];
    expect(listing.find((f) => f.path.endsWith('/mine-again'))).toMatchObject({ nlink: 2 });
  });
});

describe("another framework's sandbox", () => {
  beforeAll(() => {
    fs.symlinkSync(sandboxes.b, path.join(sandboxes.a, 'to-b'));
    fs.symlinkSync(path.join(sandboxes.b, 'stdout'), path.join(sandboxes.a, 'b-stdout'));
    fs.symlinkSync(path.relative(sandboxes.a, path.join(sandboxes.b, 'stdout')), path.join(sandboxes.a, 'b-stdout-relative'));
    // A task group's task sandbox is <run>/tasks/<task>: a task that makes `tasks` a link into
    // another framework's runs would otherwise make that run look like one of its own tasks.
    fs.symlinkSync(path.dirname(sandboxes.b), path.join(sandboxes.a, 'tasks'));
  });

  it.each([
    ['a link to its sandbox directory', () => path.join(sandboxes.a, 'to-b', 'stdout')],
    ['a link to one of its files', () => path.join(sandboxes.a, 'b-stdout')],
    ['a relative link climbing out', () => path.join(sandboxes.a, 'b-stdout-relative')],
    ['a link posing as a task of its own task group', () => path.join(sandboxes.a, 'tasks', path.basename(sandboxes.b), 'stdout')],
  ])('is not reached through %s', async (_what, file) => {
    for (const endpoint of ['read', 'download', 'browse']) {
      const { status, text } = await get(endpoint, file(), { offset: '0' });
      expect([endpoint, status]).toEqual([endpoint, 403]);
      expect(text).not.toContain('b-output');
    }
  });

  it('is not reached through .. or encoded slashes that climb out of the sandboxes', async () => {
    const encoded = `${sandboxes.a}/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd`;
    const res = await fetch(`${agent.url}/files/read?path=${encoded}&offset=0`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('root:x:0:0');
    expect((await get('read', `${sandboxes.a}/../../../../../../../../../../meta/agent.json`, { offset: '0' })).status).toBe(403);
  });

  it('does not show links into it in a listing', async () => {
    const names = await listed(sandboxes.a);
    expect(names).toContain('stdout');
    for (const name of ['to-b', 'b-stdout', 'b-stdout-relative', 'tasks']) expect(names).not.toContain(name);
  });

  it('is still served by its own path', async () => {
    expect(JSON.parse((await get('read', path.join(sandboxes.b, 'stdout'), { offset: '0' })).text)).toEqual({ data: 'b-output\n', offset: 0 });
  });
});

describe('a file that vanishes', () => {
  it('answers 404 once it is gone, after it was listed', async () => {
    const file = path.join(sandboxes.a, 'short-lived');
    fs.writeFileSync(file, 'soon gone');
    expect(await listed(sandboxes.a)).toContain('short-lived');
    fs.rmSync(file);
    for (const endpoint of ['read', 'download', 'browse']) {
      const { status, text } = await get(endpoint, file, { offset: '0' });
      expect([endpoint, status, text]).toEqual([endpoint, 404, expect.stringContaining('does not exist')]);
    }
  });

  it('answers 404 when a directory on the way is gone', async () => {
    const dir = path.join(sandboxes.a, 'gone-dir');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'x'), 'x');
    fs.rmSync(dir, { recursive: true });
    expect((await get('read', path.join(dir, 'x'), { offset: '0' })).status).toBe(404);
    expect((await get('browse', dir)).status).toBe(404);
  });
});
