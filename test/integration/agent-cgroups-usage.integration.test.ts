/**
 * What the isolators read back for /monitor/statistics, on a scratch directory laid out like the
 * cgroup file systems (see agent-cgroups-files.integration.test.ts), so v1 and v2 are both covered on
 * any host; agent-operator-api.integration.test.ts reads the real kernel's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createIsolator } from '../../cluster/agent/cgroups';

let mount: string;

beforeEach(() => {
  mount = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-cgroup-usage-'));
});

afterEach(() => {
  fs.rmSync(mount, { recursive: true, force: true });
});

const write = (text: string, ...parts: string[]) => fs.writeFileSync(path.join(mount, ...parts), text);

it('cgroups v1: reads the memory and cpu hierarchies of a container, and its processes', async () => {
  fs.mkdirSync(path.join(mount, 'memory'));
  fs.mkdirSync(path.join(mount, 'cpu'));
  write('9223372036854771712', 'memory', 'memory.limit_in_bytes');
  write('1024', 'cpu', 'cpu.shares');
  const isolator = await createIsolator('v1', { mountPoint: mount, rootName: 'mc' });
  await isolator.prepare('c1', { cpus: 0.5, memMb: 64 });
  write('total_rss 8192\ntotal_cache 4096\n', 'memory', 'mc', 'c1', 'memory.stat');
  write('12288\n', 'memory', 'mc', 'c1', 'memory.usage_in_bytes');
  write('41\n42\n', 'memory', 'mc', 'c1', 'cgroup.procs');
  write('42\n43\n', 'cpu', 'mc', 'c1', 'cgroup.procs');
  write('nr_periods 3\nnr_throttled 1\nthrottled_time 1000000\n', 'cpu', 'mc', 'c1', 'cpu.stat');
  write('user 200\nsystem 100\n', 'cpu', 'mc', 'c1', 'cpuacct.stat');

  const usage = await isolator.usage('c1');
  expect(usage.pids.sort()).toEqual([41, 42, 43]);
  expect(usage.fields).toMatchObject({
    mem_limit_bytes: 64 * 1024 * 1024, mem_total_bytes: 12288, mem_rss_bytes: 8192, mem_cache_bytes: 4096,
    cpus_user_time_secs: 2, cpus_system_time_secs: 1, cpus_nr_periods: 3, cpus_nr_throttled: 1, cpus_throttled_time_secs: 0.001,
  });
});

it('cgroups v1 with cpuacct mounted apart: the container gets a cpuacct cgroup and its cpu time is read there', async () => {
  for (const controller of ['memory', 'cpu', 'cpuacct']) fs.mkdirSync(path.join(mount, controller));
  write('9223372036854771712', 'memory', 'memory.limit_in_bytes');
  write('1024', 'cpu', 'cpu.shares');
  write('user 0\nsystem 0\n', 'cpuacct', 'cpuacct.stat');
  const isolator = await createIsolator('v1', { mountPoint: mount, rootName: 'mc' });
  const container = await isolator.prepare('c1', { cpus: 1, memMb: 32 });
  expect(container.procsFiles).toContain(path.join(mount, 'cpuacct', 'mc', 'c1', 'cgroup.procs'));
  write('user 300\nsystem 50\n', 'cpuacct', 'mc', 'c1', 'cpuacct.stat');
  expect((await isolator.usage('c1')).fields).toMatchObject({ cpus_user_time_secs: 3, cpus_system_time_secs: 0.5 });
});

it('cgroups v2: reads the container cgroup', async () => {
  write('cpuset cpu io memory pids\n', 'cgroup.controllers');
  write('', 'cgroup.subtree_control');
  const isolator = await createIsolator('v2', { mountPoint: mount, rootName: 'mc' });
  await isolator.prepare('c1', { cpus: 1, memMb: 128 });
  write('anon 8192\nfile 4096\nfile_mapped 0\n', 'mc', 'c1', 'memory.stat');
  write('16384\n', 'mc', 'c1', 'memory.current');
  write('user_usec 3000000\nsystem_usec 1000000\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n', 'mc', 'c1', 'cpu.stat');
  write('77\n', 'mc', 'c1', 'cgroup.procs');

  const usage = await isolator.usage('c1');
  expect(usage.pids).toEqual([77]);
  expect(usage.fields).toMatchObject({ mem_limit_bytes: 128 * 1024 * 1024, mem_total_bytes: 16384, mem_rss_bytes: 8192, cpus_user_time_secs: 3, cpus_system_time_secs: 1 });
});

it('a container whose cgroups are gone, and no isolation at all, report nothing', async () => {
  fs.mkdirSync(path.join(mount, 'memory'));
  write('9223372036854771712', 'memory', 'memory.limit_in_bytes');
  const v1 = await createIsolator('v1', { mountPoint: mount, rootName: 'mc' });
  expect(await v1.usage('gone')).toEqual({ pids: [], fields: {} });
  const none = await createIsolator('none');
  expect(await none.usage('c1')).toEqual({ pids: [], fields: {} });
});
