/**
 * When allocation runs: right after anything changes (coalesced into one run per turn of the event
 * loop, so a new framework gets offers within milliseconds) and on a periodic tick that lets refuse
 * filters expire.
 *
 * A run looks at every agent, so on a large cluster it is not free (a few milliseconds at 10,000
 * agents). If every status update or decline started one, a busy cluster would spend its event loop
 * allocating. So runs asked for by events are paced: after a run that took d ms, the next one waits
 * until PACING x d ms have passed. Allocation then takes at most 1 / (1 + PACING) of the loop, and on
 * a small cluster (d well under a millisecond) the wait is too short to notice.
 */
import { performance } from 'node:perf_hooks';

export const PACING = 4;

export class AllocationLoop {
  private scheduled = false;
  private running = false;
  private timer?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;
  private earliestNext = 0;

  constructor(
    private readonly run: () => void,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.runSafely(), this.intervalMs);
    this.timer.unref();
    this.request();
  }

  request(): void {
    if (!this.running || this.scheduled) return;
    this.scheduled = true;
    const fire = () => {
      this.scheduled = false;
      this.pending = undefined;
      if (this.running) this.runSafely();
    };
    const wait = this.delayBeforeNextRun();
    // Timers do not resolve below a millisecond; a shorter wait is not worth leaving this turn's wake for.
    if (wait < 1) {
      setImmediate(fire);
    } else {
      this.pending = setTimeout(fire, wait);
      this.pending.unref();
    }
  }

  /** How long a run asked for now would wait for the pacing (0: it runs in this turn's wake). */
  delayBeforeNextRun(): number {
    return Math.max(0, this.earliestNext - this.now());
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.timer = undefined;
    this.pending = undefined;
    this.scheduled = false;
  }

  private runSafely(): void {
    const start = this.now();
    try {
      this.run();
    } catch (err) {
      this.onError(err);
    }
    const end = this.now();
    this.earliestNext = end + PACING * (end - start);
  }
}
