/**
 * The usage of every running executor (container), for GET /monitor/statistics and the operator
 * API's GET_CONTAINERS (Mesos's src/slave/monitor.cpp). Counters come from the container's cgroups
 * (v1 or v2) where it has them, and from /proc for what they lack: process and thread counts, and
 * cpu times when cpuacct is not mounted, or everything when tasks run without cgroups (then the
 * container's processes are those in its task's session, as the task runs in a session of its own).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Resources } from '../protocol/resources';
import { isTerminalState } from '../protocol/types';
import type { Isolator } from './cgroups';
import { executorNaming } from './state-json';
import type { TaskEntry } from './task-table';
import { parseProcStat, parseStatusRss, procUsage, type ProcStat, type UsageFields } from './usage-parsers';

const MB = 1024 * 1024;
const PROC = '/proc';

export interface ContainerStatistics {
  frameworkId: string;
  executorId: string;
  executorName: string;
  source: string;
  containerId: string;
  /** The first task's process (the executor's pid in Mesos's ContainerStatus). */
  pid?: number;
  /** mesos.proto ResourceStatistics. */
  statistics: UsageFields & { timestamp: number };
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function procStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readText(path.join(PROC, String(pid), 'stat'));
  return text === undefined ? undefined : parseProcStat(text);
}

/** Every process in one of the sessions (or process groups) led by `leaders`. */
async function sessionMembers(leaders: ReadonlySet<number>): Promise<ProcStat[]> {
  if (leaders.size === 0) return [];
  let names: string[];
  try {
    names = await fs.promises.readdir(PROC);
  } catch {
    return [];
  }
  const stats = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => procStat(Number(n))));
  return stats.filter((s): s is ProcStat => s !== undefined && (leaders.has(s.session) || leaders.has(s.pgrp)));
}

async function processesUsage(stats: ProcStat[]): Promise<UsageFields> {
  const rss = await Promise.all(stats.map(async (s) => parseStatusRss(await readText(path.join(PROC, String(s.pid), 'status')))));
  return procUsage(stats, rss);
}

/** What the container was given: the limits Mesos reports when no cgroup says otherwise. */
function limits(entries: readonly TaskEntry[]): UsageFields {
  let resources = Resources.fromV1(entries[0].executor?.resources ?? []);
  for (const e of entries) resources = resources.plus(Resources.fromV1(e.task.resources));
  const out: UsageFields = {};
  if (resources.scalar('cpus') > 0) out.cpus_limit = resources.scalar('cpus');
  if (resources.scalar('mem') > 0) out.mem_limit_bytes = Math.floor(resources.scalar('mem') * MB);
  return out;
}

async function containerStatistics(isolator: Isolator, entries: readonly TaskEntry[]): Promise<ContainerStatistics> {
  const first = entries[0];
  const cgroup = await isolator.usage(first.containerId).catch(() => ({ pids: [] as number[], fields: {} as UsageFields }));
  const leaders = new Set(entries.map((e) => e.runner.pid).filter((pid): pid is number => pid !== undefined));
  const members = cgroup.pids.length > 0
    ? (await Promise.all(cgroup.pids.map(procStat))).filter((s): s is ProcStat => s !== undefined)
    : await sessionMembers(leaders);
  const fromProc = await processesUsage(members);
  const { name, source } = executorNaming(first.task, first.executor);
  return {
    frameworkId: first.frameworkId,
    executorId: first.executorId,
    executorName: name,
    source,
    containerId: first.containerId,
    ...(first.runner.pid !== undefined ? { pid: first.runner.pid } : {}),
    // The cgroup's counters are the kernel's account of the whole container; /proc fills the rest.
    statistics: { timestamp: Date.now() / 1000, ...limits(entries), ...fromProc, ...cgroup.fields },
  };
}

/** Every container with a task still running, in launch order. */
export async function monitorContainers(isolator: Isolator, tasks: readonly TaskEntry[]): Promise<ContainerStatistics[]> {
  const byContainer = new Map<string, TaskEntry[]>();
  for (const t of tasks) {
    if (isTerminalState(t.runner.state)) continue;
    const list = byContainer.get(t.containerId);
    if (list) list.push(t);
    else byContainer.set(t.containerId, [t]);
  }
  return Promise.all([...byContainer.values()].map((entries) => containerStatistics(isolator, entries)));
}

/** GET /monitor/statistics: Mesos's list of {executor_id, executor_name, framework_id, source, statistics}. */
export function monitorStatisticsJson(containers: readonly ContainerStatistics[]): Record<string, unknown>[] {
  return containers.map((c) => ({
    executor_id: c.executorId,
    executor_name: c.executorName,
    framework_id: c.frameworkId,
    source: c.source,
    statistics: c.statistics,
  }));
}

/** mesos.proto ContainerStatus. */
export function containerStatusJson(c: ContainerStatistics): Record<string, unknown> {
  return { container_id: { value: c.containerId }, ...(c.pid !== undefined ? { executor_pid: c.pid } : {}) };
}

/** agent.proto Response.GetContainers.Container. */
export function getContainersJson(containers: readonly ContainerStatistics[]): { containers: Record<string, unknown>[] } {
  return {
    containers: containers.map((c) => ({
      framework_id: { value: c.frameworkId },
      executor_id: { value: c.executorId },
      executor_name: c.executorName,
      container_id: { value: c.containerId },
      container_status: containerStatusJson(c),
      resource_statistics: c.statistics,
    })),
  };
}
