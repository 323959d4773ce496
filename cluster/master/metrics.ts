/**
 * GET /metrics/snapshot: a few of Mesos's master and allocator metrics, under Mesos's names, so
 * dashboards and checks written for Mesos read them unchanged. Gauges are counted when asked for;
 * nothing on the event path pays for them except the allocation timer.
 */
import type { MasterCore } from './core';

/** Durations of recent runs, summarized the way Mesos's timers are (last value, count, percentiles). */
export class Timer {
  private readonly window: number[] = [];
  private next = 0;
  private total = 0;
  private last?: number;

  constructor(private readonly capacity = 1000) {}

  record(ms: number): void {
    this.total++;
    this.last = ms;
    if (this.window.length < this.capacity) this.window.push(ms);
    else this.window[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
  }

  get count(): number { return this.total }

  /** `{name}` is the last value, `{name}/count` all runs, the rest over the most recent runs. */
  snapshot(name: string): Record<string, number> {
    if (this.last === undefined) return {};
    const sorted = [...this.window].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return {
      [name]: this.last,
      [`${name}/count`]: this.total,
      [`${name}/min`]: sorted[0],
      [`${name}/max`]: sorted[sorted.length - 1],
      [`${name}/p50`]: at(0.5),
      [`${name}/p90`]: at(0.9),
      [`${name}/p99`]: at(0.99),
    };
  }
}

export function metricsSnapshot(core: MasterCore): Record<string, number> {
  const agents = { connected: 0, disconnected: 0, unreachable: 0 };
  for (const agent of core.registry.agents.values()) agents[agent.connection]++;
  let frameworksConnected = 0;
  let frameworksActive = 0;
  const tasks = new Map<string, number>();
  for (const framework of core.registry.frameworks.values()) {
    if (framework.connected) frameworksConnected++;
    if (framework.active) frameworksActive++;
    for (const task of framework.tasks.values()) tasks.set(task.state, (tasks.get(task.state) ?? 0) + 1);
  }
  const frameworks = core.registry.frameworks.size;
  const out: Record<string, number> = {
    'master/uptime_secs': (core.now() - core.startTime) / 1000,
    'master/elected': core.electedTime === undefined ? 0 : 1,
    'master/slaves_connected': agents.connected,
    'master/slaves_disconnected': agents.disconnected,
    'master/slaves_active': agents.connected,
    'master/slaves_inactive': agents.disconnected,
    'master/slaves_unreachable': agents.unreachable,
    'master/frameworks_connected': frameworksConnected,
    'master/frameworks_disconnected': frameworks - frameworksConnected,
    'master/frameworks_active': frameworksActive,
    'master/frameworks_inactive': frameworks - frameworksActive,
    'master/outstanding_offers': core.offers.size,
    'allocator/mesos/allocation_runs': core.allocationTimer.count,
    ...core.allocationTimer.snapshot('allocator/mesos/allocation_run_ms'),
    ...core.offerTimer.snapshot('master/offer_publish_ms'),
  };
  // TASK_RUNNING -> master/tasks_running
  for (const [state, count] of tasks) out[`master/tasks_${state.slice('TASK_'.length).toLowerCase()}`] = count;
  return out;
}
