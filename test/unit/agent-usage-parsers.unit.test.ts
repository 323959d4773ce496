import { parseFlatKeyed, parseProcStat, parseStatusRss, procUsage, v1Usage, v2Usage } from '../../cluster/agent/usage-parsers';

describe('cgroups v1 usage', () => {
  it('maps memory.*, cpu.stat and cpuacct.stat as Mesos does', () => {
    const usage = v1Usage({
      memoryStat: 'cache 100\nrss 200\nmapped_file 30\nswap 0\ntotal_cache 4096\ntotal_rss 8192\ntotal_mapped_file 1024\ntotal_swap 512\ntotal_unevictable 0\n',
      usage: '12288\n',
      memswUsage: '12800\n',
      limit: String(64 * 1024 * 1024),
      softLimit: '9223372036854771712',
      cpuStat: 'nr_periods 10\nnr_throttled 4\nthrottled_time 2500000000\n',
      cpuacctStat: 'user 150\nsystem 25\n',
    });
    expect(usage).toEqual({
      mem_total_bytes: 12288,
      mem_total_memsw_bytes: 12800,
      mem_limit_bytes: 64 * 1024 * 1024,
      mem_cache_bytes: 4096,
      mem_file_bytes: 4096,
      mem_rss_bytes: 8192,
      mem_anon_bytes: 8192,
      mem_mapped_file_bytes: 1024,
      mem_swap_bytes: 512,
      mem_unevictable_bytes: 0,
      cpus_user_time_secs: 1.5,
      cpus_system_time_secs: 0.25,
      cpus_nr_periods: 10,
      cpus_nr_throttled: 4,
      cpus_throttled_time_secs: 2.5,
    });
  });

  it('leaves out what the files do not say (no cpuacct, unlimited memory)', () => {
    const usage = v1Usage({ limit: '9223372036854771712', usage: '4096', cpuStat: 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n' });
    expect(usage).toEqual({ mem_total_bytes: 4096, cpus_nr_periods: 0, cpus_nr_throttled: 0, cpus_throttled_time_secs: 0 });
  });
});

describe('cgroups v2 usage', () => {
  it('maps memory.current, memory.max, memory.stat and cpu.stat', () => {
    const usage = v2Usage({
      memoryStat: 'anon 8192\nfile 4096\nkernel_stack 16384\nfile_mapped 1024\nunevictable 0\n',
      current: '20480\n',
      max: '67108864\n',
      swapCurrent: '0\n',
      cpuStat: 'usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\nnr_periods 7\nnr_throttled 2\nthrottled_usec 300000\n',
    });
    expect(usage).toEqual({
      mem_total_bytes: 20480,
      mem_total_memsw_bytes: 20480,
      mem_limit_bytes: 67108864,
      mem_file_bytes: 4096,
      mem_cache_bytes: 4096,
      mem_anon_bytes: 8192,
      mem_rss_bytes: 8192,
      mem_mapped_file_bytes: 1024,
      mem_swap_bytes: 0,
      mem_unevictable_bytes: 0,
      cpus_user_time_secs: 1.5,
      cpus_system_time_secs: 0.5,
      cpus_nr_periods: 7,
      cpus_nr_throttled: 2,
      cpus_throttled_time_secs: 0.3,
    });
  });

  it('has no limit for "max"', () => {
    expect(v2Usage({ max: 'max\n', current: '1' })).toEqual({ mem_total_bytes: 1 });
  });
});

describe('/proc', () => {
  it('parses a stat line whose command name holds spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads ...
    const line = '4242 (my (weird) task) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 30 20 20 0 3 0 12345 1000000 300 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, pgrp: 4242, session: 4242, userTicks: 280, systemTicks: 70, threads: 3 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('reads VmRSS and sums a set of processes', () => {
    expect(parseStatusRss('Name:\tsh\nVmRSS:\t    2048 kB\nThreads:\t1\n')).toBe(2048 * 1024);
    expect(parseStatusRss('Name:\tkthreadd\n')).toBe(0);
    const a = { pid: 1, pgrp: 1, session: 1, userTicks: 100, systemTicks: 10, threads: 1 };
    const b = { pid: 2, pgrp: 1, session: 1, userTicks: 50, systemTicks: 40, threads: 4 };
    expect(procUsage([a, b], [1024, 2048])).toEqual({ processes: 2, threads: 5, cpus_user_time_secs: 1.5, cpus_system_time_secs: 0.5, mem_rss_bytes: 3072 });
  });

  it('skips lines that are not "key number"', () => {
    expect([...parseFlatKeyed('a 1\nb x\n\nc 2 3\nd 4')]).toEqual([['a', 1], ['d', 4]]);
  });
});
