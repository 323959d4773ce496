/**
 * A container's resource usage as mesos.proto ResourceStatistics fields, parsed from the kernel's
 * files: cgroups v1 (memory.*, cpu.stat, cpuacct.stat), cgroups v2 (memory.*, cpu.stat) and
 * /proc/<pid>/stat|status for processes without cgroups. Pure: the I/O is in cgroups.ts and monitor.ts.
 * The field mapping follows Mesos's cgroups isolators (src/slave/containerizer/mesos/isolators/cgroups).
 */

/** The ResourceStatistics fields this agent fills (all optional in mesos.proto but `timestamp`). */
export interface UsageFields {
  processes?: number;
  threads?: number;
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
  cpus_limit?: number;
  cpus_nr_periods?: number;
  cpus_nr_throttled?: number;
  cpus_throttled_time_secs?: number;
  mem_total_bytes?: number;
  mem_total_memsw_bytes?: number;
  mem_limit_bytes?: number;
  mem_soft_limit_bytes?: number;
  mem_file_bytes?: number;
  mem_anon_bytes?: number;
  mem_cache_bytes?: number;
  mem_rss_bytes?: number;
  mem_mapped_file_bytes?: number;
  mem_swap_bytes?: number;
  mem_unevictable_bytes?: number;
}

/**
 * USER_HZ, the unit of cpuacct.stat and /proc/<pid>/stat times: 100 on every architecture Linux
 * runs this on (the kernel fixes it for userspace whatever its internal tick).
 */
export const USER_HZ = 100;

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat) as a map; lines that are not are skipped. */
export function parseFlatKeyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (key && value !== undefined && extra === undefined && /^\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** A single-number file; "max" (no limit in v2) and anything else that is not a number are undefined. */
export function parseNumber(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  return trimmed && /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

/** v1 reports "no limit" as a huge page-aligned number (PAGE_COUNTER_MAX pages); such a limit is none. */
function v1Limit(bytes: number | undefined): number | undefined {
  return bytes !== undefined && bytes < 2 ** 62 ? bytes : undefined;
}

function defined(fields: UsageFields): UsageFields {
  const out: UsageFields = {};
  for (const [key, value] of Object.entries(fields) as [keyof UsageFields, number | undefined][]) if (value !== undefined) out[key] = value;
  return out;
}

export interface V1Files {
  memoryStat?: string;
  usage?: string;
  memswUsage?: string;
  limit?: string;
  softLimit?: string;
  cpuStat?: string;
  cpuacctStat?: string;
}

export function v1Usage(files: V1Files): UsageFields {
  const mem = parseFlatKeyed(files.memoryStat);
  const cpu = parseFlatKeyed(files.cpuStat);
  const cpuacct = parseFlatKeyed(files.cpuacctStat);
  // total_* count the cgroup and its descendants, as Mesos reads them.
  const stat = (name: string) => mem.get(`total_${name}`) ?? mem.get(name);
  const throttledNs = cpu.get('throttled_time');
  return defined({
    mem_total_bytes: parseNumber(files.usage),
    mem_total_memsw_bytes: parseNumber(files.memswUsage),
    mem_limit_bytes: v1Limit(parseNumber(files.limit)),
    mem_soft_limit_bytes: v1Limit(parseNumber(files.softLimit)),
    mem_cache_bytes: stat('cache'),
    mem_file_bytes: stat('cache'),
    mem_rss_bytes: stat('rss'),
    mem_anon_bytes: stat('rss'),
    mem_mapped_file_bytes: stat('mapped_file'),
    mem_swap_bytes: stat('swap'),
    mem_unevictable_bytes: stat('unevictable'),
    cpus_user_time_secs: cpuacct.has('user') ? cpuacct.get('user')! / USER_HZ : undefined,
    cpus_system_time_secs: cpuacct.has('system') ? cpuacct.get('system')! / USER_HZ : undefined,
    cpus_nr_periods: cpu.get('nr_periods'),
    cpus_nr_throttled: cpu.get('nr_throttled'),
    cpus_throttled_time_secs: throttledNs !== undefined ? throttledNs / 1e9 : undefined,
  });
}

export interface V2Files {
  memoryStat?: string;
  current?: string;
  max?: string;
  swapCurrent?: string;
  cpuStat?: string;
}

export function v2Usage(files: V2Files): UsageFields {
  const mem = parseFlatKeyed(files.memoryStat);
  const cpu = parseFlatKeyed(files.cpuStat);
  const micros = (name: string) => (cpu.has(name) ? cpu.get(name)! / 1e6 : undefined);
  const total = parseNumber(files.current);
  const swap = parseNumber(files.swapCurrent);
  return defined({
    mem_total_bytes: total,
    mem_total_memsw_bytes: total !== undefined && swap !== undefined ? total + swap : undefined,
    mem_limit_bytes: parseNumber(files.max),
    mem_file_bytes: mem.get('file'),
    mem_cache_bytes: mem.get('file'),
    mem_anon_bytes: mem.get('anon'),
    mem_rss_bytes: mem.get('anon'),
    mem_mapped_file_bytes: mem.get('file_mapped'),
    mem_swap_bytes: swap,
    mem_unevictable_bytes: mem.get('unevictable'),
    cpus_user_time_secs: micros('user_usec'),
    cpus_system_time_secs: micros('system_usec'),
    cpus_nr_periods: cpu.get('nr_periods'),
    cpus_nr_throttled: cpu.get('nr_throttled'),
    cpus_throttled_time_secs: micros('throttled_usec'),
  });
}

/** What one /proc/<pid>/stat line says, in the fields a container's usage sums. */
export interface ProcStat {
  pid: number;
  pgrp: number;
  session: number;
  /** utime + cutime (children waited for), in USER_HZ ticks. */
  userTicks: number;
  systemTicks: number;
  threads: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf('(')).trim());
  if (close < 0 || !Number.isInteger(pid)) return undefined;
  // rest[0] is field 3 (state) of proc(5).
  const rest = text.slice(close + 1).trim().split(/\s+/).map(Number);
  const field = (n: number) => rest[n - 3];
  if (rest.length < 18 || [5, 6, 14, 15, 16, 17, 20].some((n) => !Number.isFinite(field(n)))) return undefined;
  return {
    pid,
    pgrp: field(5),
    session: field(6),
    userTicks: field(14) + field(16),
    systemTicks: field(15) + field(17),
    threads: field(20),
  };
}

/** VmRSS of /proc/<pid>/status, in bytes (kernel threads and zombies have none). */
export function parseStatusRss(text: string | undefined): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text ?? '');
  return match ? Number(match[1]) * 1024 : 0;
}

/** The usage of a set of processes: counts, cpu times and resident memory summed. */
export function procUsage(stats: readonly ProcStat[], rssBytes: readonly number[]): UsageFields {
  let user = 0;
  let system = 0;
  let threads = 0;
  for (const s of stats) {
    user += s.userTicks;
    system += s.systemTicks;
    threads += s.threads;
  }
  return {
    processes: stats.length,
    threads,
    cpus_user_time_secs: user / USER_HZ,
    cpus_system_time_secs: system / USER_HZ,
    mem_rss_bytes: rssBytes.reduce((a, b) => a + b, 0),
  };
}
