/**
 * What the cgroup isolators write and read, checked on a scratch directory laid out like the cgroup
 * file systems (v1 hierarchies and the v2 unified hierarchy), so both versions are covered on any
 * host. The real kernel path is covered by agent-launcher.integration.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createIsolator } from '../../cluster/agent/cgroups';

let mount: string;

beforeEach(() => {
  mount = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-cgroupfs-'));
});

afterEach(() => {
  fs.rmSync(mount, { recursive: true, force: true });
});

const read = (...parts: string[]) => fs.readFileSync(path.join(mount, ...parts), 'utf8');
const write = (text: string, ...parts: string[]) => fs.writeFileSync(path.join(mount, ...parts), text);

describe('cgroups v1 isolator', () => {
  beforeEach(() => {
    fs.mkdirSync(path.join(mount, 'memory'));
    fs.mkdirSync(path.join(mount, 'cpu'));
    write('9223372036854771712', 'memory', 'memory.limit_in_bytes');
    write('1024', 'cpu', 'cpu.shares');
  });

  it('creates memory and cpu cgroups under the root with the limits of the task', async () => {
    const isolator = await createIsolator('v1', { mountPoint: mount, rootName: 'mc' });
    expect(isolator.kind).toBe('cgroups-v1');
    const container = await isolator.prepare('c1', { cpus: 0.5, memMb: 64 });

    expect(read('memory', 'mc', 'c1', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(read('cpu', 'mc', 'c1', 'cpu.shares')).toBe('512');
    expect(container.procsFiles).toEqual([path.join(mount, 'memory', 'mc', 'c1', 'cgroup.procs'), path.join(mount, 'cpu', 'mc', 'c1', 'cgroup.procs')]);
  });

  it('detects an OOM kill from memory.oom_control and reports the maximum usage', async () => {
    const isolator = await createIsolator('v1', { mountPoint: mount, rootName: 'mc' });
    const container = await isolator.prepare('c2', { memMb: 32 });
    write('oom_kill_disable 0\nunder_oom 0\noom_kill 0\n', 'memory', 'mc', 'c2', 'memory.oom_control');
    expect(await container.memoryLimitation(true)).toBeUndefined();

    write('oom_kill_disable 0\nunder_oom 0\noom_kill 1\n', 'memory', 'mc', 'c2', 'memory.oom_control');
    write(String(32 * 1024 * 1024), 'memory', 'mc', 'c2', 'memory.max_usage_in_bytes');
    expect(await container.memoryLimitation(false)).toEqual({ requestedMb: 32, maxUsedMb: 32 });
  });

  it('falls back to memory.failcnt and a SIGKILL on kernels without an oom_kill counter', async () => {
    const isolator = await createIsolator('v1', { mountPoint: mount, rootName: 'mc' });
    const container = await isolator.prepare('c3', { memMb: 32 });
    write('oom_kill_disable 0\nunder_oom 0\n', 'memory', 'mc', 'c3', 'memory.oom_control');
    write('12', 'memory', 'mc', 'c3', 'memory.failcnt');
    expect(await container.memoryLimitation(false)).toBeUndefined();
    expect(await container.memoryLimitation(true)).toMatchObject({ requestedMb: 32 });
  });

  it('is refused when asked for explicitly where there is no v1 hierarchy, naming the flag', async () => {
    fs.rmSync(path.join(mount, 'memory'), { recursive: true });
    await expect(createIsolator('v1', { mountPoint: mount })).rejects.toThrow(/--isolation cgroups\/v1/);
    expect((await createIsolator('auto', { mountPoint: mount })).kind).toBe('none');
  });
});

describe('cgroups v2 isolator', () => {
  beforeEach(() => {
    write('cpuset cpu io memory pids\n', 'cgroup.controllers');
    write('', 'cgroup.subtree_control');
  });

  it('enables the controllers down to the root cgroup and writes memory and cpu limits', async () => {
    const isolator = await createIsolator('auto', { mountPoint: mount, rootName: 'mc' });
    expect(isolator.kind).toBe('cgroups-v2');
    expect(read('cgroup.subtree_control')).toBe('+memory +cpu');
    expect(read('mc', 'cgroup.subtree_control')).toBe('+memory +cpu');

    const container = await isolator.prepare('c1', { cpus: 1.5, memMb: 128 });
    expect(read('mc', 'c1', 'memory.max')).toBe(String(128 * 1024 * 1024));
    expect(read('mc', 'c1', 'cpu.max')).toBe('150000 100000');
    expect(container.procsFiles).toEqual([path.join(mount, 'mc', 'c1', 'cgroup.procs')]);
  });

  it('turns swap off for the container when the kernel offers memory.swap.max', async () => {
    const isolator = await createIsolator('v2', { mountPoint: mount, rootName: 'mc' });
    // The kernel creates the interface files with the directory; the scratch tree needs a hand.
    const realMkdir = fs.promises.mkdir;
    const spy = jest.spyOn(fs.promises, 'mkdir').mockImplementation(async (dir, opts) => {
      const out = await realMkdir(dir, opts);
      fs.writeFileSync(path.join(String(dir), 'memory.swap.max'), 'max');
      return out;
    });
    try {
      await isolator.prepare('c2', { memMb: 64 });
    } finally {
      spy.mockRestore();
    }
    expect(read('mc', 'c2', 'memory.swap.max')).toBe('0');
  });

  it('detects an OOM kill from memory.events', async () => {
    const isolator = await createIsolator('v2', { mountPoint: mount, rootName: 'mc' });
    const container = await isolator.prepare('c3', { memMb: 32 });
    write('low 0\nhigh 0\nmax 5\noom 1\noom_kill 0\n', 'mc', 'c3', 'memory.events');
    expect(await container.memoryLimitation(true)).toBeUndefined();
    write('low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n', 'mc', 'c3', 'memory.events');
    write(String(31 * 1024 * 1024), 'mc', 'c3', 'memory.peak');
    expect(await container.memoryLimitation(true)).toEqual({ requestedMb: 32, maxUsedMb: 31 });
  });

  it('is refused without the memory controller', async () => {
    write('cpu io\n', 'cgroup.controllers');
    await expect(createIsolator('v2', { mountPoint: mount })).rejects.toThrow(/--isolation cgroups\/v2/);
  });
});
