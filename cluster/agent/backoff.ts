/**
 * Reconnection delays: exponential from `initialMs` up to `maxMs`, each scaled by a random factor in
 * [0.5, 1.5) so a thousand agents that lost the same master do not come back in lock step.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    this.random = opts.random ?? Math.random;
  }

  /** Delay before the next attempt; each call counts as one more failure. */
  next(): number {
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(Math.min(this.opts.maxMs, base * (0.5 + this.random())));
  }

  reset(): void {
    this.attempt = 0;
  }
}
