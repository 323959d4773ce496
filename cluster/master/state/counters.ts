/**
 * What the master counts as it goes, for the metrics page (views/metrics.ts): how long allocation
 * runs take, and how many tasks reached each terminal state. Kept by the core; read when asked for.
 */
import { isTerminalState, type TaskState } from '../../protocol/types';
import type { MasterEventBus } from './events';

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
      [`${name}/p95`]: at(0.95),
      [`${name}/p99`]: at(0.99),
      [`${name}/p999`]: at(0.999),
      [`${name}/p9999`]: at(0.9999),
    };
  }
}

/** Tasks that reached each terminal state since the master started (Mesos's master/tasks_<state> counters). */
export class TerminalTaskCounters {
  private readonly counts = new Map<TaskState, number>();

  constructor(events: MasterEventBus) {
    events.listen({
      onEvent: (event) => {
        if (event.type === 'TASK_UPDATED' && isTerminalState(event.task.state)) {
          this.counts.set(event.task.state, (this.counts.get(event.task.state) ?? 0) + 1);
        }
      },
    });
  }

  entries(): IterableIterator<[TaskState, number]> { return this.counts.entries() }
}
