/**
 * When allocation runs: right after anything changes (coalesced into one run per turn of the event
 * loop, so a new framework gets offers within milliseconds) and on a periodic tick that lets refuse
 * filters expire.
 */
export class AllocationLoop {
  private scheduled = false;
  private running = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly run: () => void,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
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
    setImmediate(() => {
      this.scheduled = false;
      if (this.running) this.runSafely();
    });
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private runSafely(): void {
    try {
      this.run();
    } catch (err) {
      this.onError(err);
    }
  }
}
