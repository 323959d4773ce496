/**
 * What the cgroup isolators write and read, checked on a scratch directory laid out like the cgroup
 * file systems (v1 hierarchies and the v2 unified hierarchy), so both versions are covered on any
 * host. The real kernel path is covered by agent-launcher.integration.test.ts; on the machines this
 * suite was written on, that means v1 only: they mount writable v1 hierarchies plus a hybrid
 * /sys/fs/cgroup/unified v2 mount with no controllers, so cgroups v2 can only be exercised here.
 *
 * A scratch directory does not create interface files the way the kernel does, so a test writes
 * the files whose presence the isolator probes (swap accounting, CFS bandwidth, memory.oom.group)
 * into the parent cgroups before creating the isolator.
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
    // Neither swap accounting nor CFS bandwidth control in this "kernel": nothing written for them.
    expect(fs.existsSync(path.join(mount, 'memory', 'mc', 'c1', 'memory.memsw.limit_in_bytes'))).toBe(false);
    expect(fs.existsSync(path.join(mount, 'cpu', 'mc', 'c1', 'cpu.cfs_quota_us'))).toBe(false);
  });

  it('caps the cpu with a CFS quota and keeps the task out of swap where the kernel offers both', async () => {
    write('-1', 'cpu', 'cpu.cfs_quota_us');
    write('9223372036854771712', 'memory', 'memory.memsw.limit_in_bytes');
    const isolator = await createIsolator('v1', { mountPoint: mount, rootName: 'mc' });
    await isolator.prepare('c1', { cpus: 1.5, memMb: 64 });
    expect(read('cpu', 'mc', 'c1', 'cpu.shares')).toBe('1536');
    expect(read('cpu', 'mc', 'c1', 'cpu.cfs_period_us')).toBe('100000');
    expect(read('cpu', 'mc', 'c1', 'cpu.cfs_quota_us')).toBe('150000');
    expect(read('memory', 'mc', 'c1', 'memory.memsw.limit_in_bytes')).toBe(String(64 * 1024 * 1024));

    // The kernel refuses a quota under 1 ms.
    await isolator.prepare('c2', { cpus: 0.001 });
    expect(read('cpu', 'mc', 'c2', 'cpu.cfs_quota_us')).toBe('1000');
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

  it('turns swap off and makes an OOM kill take the whole container where the kernel offers it', async () => {
    fs.mkdirSync(path.join(mount, 'mc'));
    write('max', 'mc', 'memory.swap.max');
    write('0', 'mc', 'memory.oom.group');
    const isolator = await createIsolator('v2', { mountPoint: mount, rootName: 'mc' });
    await isolator.prepare('c2', { memMb: 64 });
    expect(read('mc', 'c2', 'memory.max')).toBe(String(64 * 1024 * 1024));
    expect(read('mc', 'c2', 'memory.swap.max')).toBe('0');
    expect(read('mc', 'c2', 'memory.oom.group')).toBe('1');
  });

  it('converts cpus to a weight and a hard cap, and writes no limit the task did not ask for', async () => {
    const isolator = await createIsolator('v2', { mountPoint: mount, rootName: 'mc' });
    await isolator.prepare('c4', { cpus: 0.25 });
    expect(read('mc', 'c4', 'cpu.weight')).toBe('10');
    expect(read('mc', 'c4', 'cpu.max')).toBe('25000 100000');
    expect(fs.existsSync(path.join(mount, 'mc', 'c4', 'memory.max'))).toBe(false);
  });

  it('leaves out the cpu limits where the hierarchy has no cpu controller', async () => {
    write('io memory pids\n', 'cgroup.controllers');
    const isolator = await createIsolator('v2', { mountPoint: mount, rootName: 'mc' });
    expect(read('mc', 'cgroup.subtree_control')).toBe('+memory');
    await isolator.prepare('c6', { cpus: 1, memMb: 16 });
    expect(read('mc', 'c6', 'memory.max')).toBe(String(16 * 1024 * 1024));
    expect(fs.existsSync(path.join(mount, 'mc', 'c6', 'cpu.max'))).toBe(false);
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

  it('does not blame the limit for a kill by the system-wide OOM killer', async () => {
    const isolator = await createIsolator('v2', { mountPoint: mount, rootName: 'mc' });
    const container = await isolator.prepare('c5', { memMb: 32 });
    // oom_kill counts kills by any OOM killer; only `oom` says this cgroup reached memory.max.
    write('low 0\nhigh 0\nmax 0\noom 0\noom_kill 1\n', 'mc', 'c5', 'memory.events');
    expect(await container.memoryLimitation(true)).toBeUndefined();
  });

  it('is refused without the memory controller', async () => {
    write('cpu io\n', 'cgroup.controllers');
    await expect(createIsolator('v2', { mountPoint: mount })).rejects.toThrow(/--isolation cgroups\/v2/);
  });
});
