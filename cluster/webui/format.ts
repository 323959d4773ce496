/** Numbers, sizes, times and resources as people read them. */
import { isTerminal, type Resource, type Task } from './model';

export interface Scalars { cpus: number; mem: number; disk: number; gpus: number }

export const NO_SCALARS: Scalars = { cpus: 0, mem: 0, disk: 0, gpus: 0 };

export function scalars(resources: Resource[] | undefined): Scalars {
  const out = { ...NO_SCALARS };
  for (const r of resources ?? []) if (r.name in out && r.scalar) out[r.name as keyof Scalars] += r.scalar.value;
  return out;
}

export function addScalars(into: Scalars, more: Scalars): void {
  into.cpus += more.cpus;
  into.mem += more.mem;
  into.disk += more.disk;
  into.gpus += more.gpus;
}

/** Port ranges, e.g. "[31000-32000]". */
export function ports(resources: Resource[] | undefined): string {
  const ranges = (resources ?? []).filter((r) => r.name === 'ports').flatMap((r) => r.ranges?.range ?? []);
  return ranges.length ? `[${ranges.map((r) => (r.begin === r.end ? `${r.begin}` : `${r.begin}-${r.end}`)).join(', ')}]` : '';
}

export function cpus(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/0$/, '');
}

/** Mesos counts mem and disk in MB. */
export function megabytes(mb: number): string {
  if (mb >= 1024 * 1024) return `${trimmed(mb / (1024 * 1024))} TB`;
  if (mb >= 1024) return `${trimmed(mb / 1024)} GB`;
  return `${trimmed(mb)} MB`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${trimmed(value)} ${units[unit]}`;
}

function trimmed(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1).replace(/\.0$/, '');
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)}%` : '—';
}

/** "3m 12s", "2h 5m", "4d 1h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function ago(epochMs: number | undefined, now = Date.now()): string {
  if (epochMs === undefined || !Number.isFinite(epochMs) || epochMs <= 0) return '';
  return `${duration(now - epochMs)} ago`;
}

/** Local date and time, sortable and compact: "2024-05-01 14:03:22". */
export function dateTime(epochMs: number | undefined): string {
  if (epochMs === undefined || !Number.isFinite(epochMs) || epochMs <= 0) return '';
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function nanosToMs(time: { nanoseconds: number } | undefined): number | undefined {
  return time ? time.nanoseconds / 1e6 : undefined;
}

/** When a task started (first status) and when it ended (its terminal status), in epoch ms. */
export function taskTimes(task: Task): { started?: number; ended?: number; updated?: number } {
  const statuses = task.statuses ?? [];
  const at = (i: number) => (statuses[i]?.timestamp !== undefined ? statuses[i].timestamp! * 1000 : undefined);
  const running = statuses.find((s) => s.state === 'TASK_RUNNING' || s.state === 'TASK_STARTING');
  const last = statuses.length - 1;
  return {
    started: running?.timestamp !== undefined ? running.timestamp * 1000 : at(0),
    ended: isTerminal(task.state) ? at(last) : undefined,
    updated: at(last),
  };
}

/** True for an absolute http(s) URL: the only kind of URL from the cluster the UI makes a link of. */
export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
