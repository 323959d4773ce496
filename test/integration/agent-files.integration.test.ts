/**
 * /files/browse, /files/read and /files/download of a real agent over HTTP, on the sandbox of a task
 * it ran, including the paths it must refuse.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Agent } from '../../cluster/agent';
import { agentWithFakeMaster, type FakeMaster } from './agent-fake-master';

let scratch: string;
let master: FakeMaster;
let agent: Agent;
let sandbox: string;

beforeAll(async () => {
  ({ scratch, master, agent } = await agentWithFakeMaster('agent-files-'));
  master.send({
    type: 'RUN_TASK',
    run_task: {
      framework_id: { value: 'fw' },
      framework_info: { user: 'root', name: 'files-test' },
      task: {
        name: 'writer', task_id: { value: 'writer' }, agent_id: { value: 'fake-master-S0' }, resources: [],
        command: { value: "printf 0123456789 > data.txt; mkdir sub; ln -s /etc/passwd leak; ln -s /etc etcdir; ln -s sub inside; mkfifo pipe; echo hello" },
      },
    },
  });
  await master.waitFor(() => master.states('writer').includes('TASK_FINISHED'), 'the task to finish');
  const state = (await (await fetch(`${agent.url}/state`)).json()) as any;
  const executors = [...state.frameworks, ...state.completed_frameworks].flatMap((f: any) => [...f.executors, ...f.completed_executors]);
  sandbox = executors.find((e: any) => e.id === 'writer').directory;
});

afterAll(async () => {
  await agent.close({ killTasks: true });
  await master.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function get(endpoint: string, query: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${agent.url}/files/${endpoint}?${new URLSearchParams(query)}`);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('/files', () => {
  it('browses a sandbox', async () => {
    const { status, text } = await get('browse', { path: sandbox });
    expect(status).toBe(200);
    const listing = JSON.parse(text) as { path: string; size: number; mode: string; nlink: number; mtime: number; uid: string; gid: string }[];
    const names = listing.map((f) => path.basename(f.path));
    expect(names).toEqual(expect.arrayContaining(['data.txt', 'stdout', 'stderr', 'sub']));
    // Links that lead outside the sandboxes are not shown; links within them are.
    expect(names).not.toContain('leak');
    expect(names).not.toContain('etcdir');
    expect(names).toContain('inside');
    const data = listing.find((f) => f.path === path.join(sandbox, 'data.txt'))!;
    expect(data).toMatchObject({ size: 10, mode: expect.stringMatching(/^-rw/), uid: expect.any(String), gid: expect.any(String) });
    expect(listing.find((f) => f.path.endsWith('/sub'))!.mode).toMatch(/^d/);
  });

  it('reads a window of a file', async () => {
    const { status, text } = await get('read', { path: path.join(sandbox, 'data.txt'), offset: '2', length: '3' });
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: '234', offset: 2 });
    expect(JSON.parse((await get('read', { path: path.join(sandbox, 'stdout'), offset: '0' })).text)).toEqual({ data: 'hello\n', offset: 0 });
  });

  it('answers offset=-1 (or no offset) with the length of the file and no data', async () => {
    expect(JSON.parse((await get('read', { path: path.join(sandbox, 'data.txt'), offset: '-1' })).text)).toEqual({ data: '', offset: 10 });
    expect(JSON.parse((await get('read', { path: path.join(sandbox, 'data.txt') })).text)).toEqual({ data: '', offset: 10 });
    expect(JSON.parse((await get('read', { path: path.join(sandbox, 'data.txt'), offset: '50' })).text)).toEqual({ data: '', offset: 10 });
  });

  it('downloads a file', async () => {
    const { status, text, headers } = await get('download', { path: path.join(sandbox, 'data.txt') });
    expect(status).toBe(200);
    expect(text).toBe('0123456789');
    expect(headers.get('content-type')).toBe('application/octet-stream');
    expect(headers.get('content-disposition')).toContain('data.txt');
  });

  it.each([
    ['a file outside the sandboxes', () => '/etc/passwd'],
    ['.. climbing out of the sandbox', () => `${sandbox}/../../../../../../../../../etc/passwd`],
    ['a symlink in the sandbox pointing outside', () => path.join(sandbox, 'leak')],
    ['a symlink to a directory outside', () => path.join(sandbox, 'etcdir', 'passwd')],
    ['the agent meta directory', () => path.join(scratch, 'work', 'meta', 'agent.json')],
  ])('refuses %s with 403', async (_what, target) => {
    for (const endpoint of ['read', 'download', 'browse']) {
      const { status, text } = await get(endpoint, { path: target(), offset: '0' });
      expect([endpoint, status]).toEqual([endpoint, 403]);
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toContain('root:x:0:0');
    }
  });

  it('refuses a named pipe a task left in its sandbox instead of waiting on it forever', async () => {
    // Opening a FIFO for reading blocks until someone writes: enough such requests would hold every
    // thread of the agent's file system pool.
    const fifo = path.join(sandbox, 'pipe');
    for (const endpoint of ['read', 'download']) {
      const res = await fetch(`${agent.url}/files/${endpoint}?${new URLSearchParams({ path: fifo, offset: '0' })}`, { signal: AbortSignal.timeout(5000) });
      expect([endpoint, res.status, await res.text()]).toEqual([endpoint, 400, expect.stringContaining('not a regular file')]);
    }
    const listing = JSON.parse((await get('browse', { path: sandbox })).text) as { path: string; mode: string }[];
    expect(listing.find((f) => f.path === fifo)?.mode).toMatch(/^p/);
  });

  it('answers 404 for a missing file inside a sandbox', async () => {
    expect((await get('read', { path: path.join(sandbox, 'missing'), offset: '0' })).status).toBe(404);
    expect((await get('browse', { path: path.join(sandbox, 'missing') })).status).toBe(404);
  });

  it('answers 400 naming the parameter for bad input', async () => {
    const file = path.join(sandbox, 'data.txt');
    const badOffset = await get('read', { path: file, offset: 'abc' });
    expect([badOffset.status, badOffset.text]).toEqual([400, expect.stringContaining('offset')]);
    const badLength = await get('read', { path: file, offset: '0', length: '-5' });
    expect([badLength.status, badLength.text]).toEqual([400, expect.stringContaining('length')]);
    const noPath = await get('read', {});
    expect([noPath.status, noPath.text]).toEqual([400, expect.stringContaining('path')]);
    const relative = await get('read', { path: 'data.txt' });
    expect([relative.status, relative.text]).toEqual([400, expect.stringContaining('path')]);
    expect((await get('read', { path: sandbox, offset: '0' })).status).toBe(400);
    expect((await get('download', { path: sandbox })).status).toBe(400);
  });
});
