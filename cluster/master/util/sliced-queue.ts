/**
 * Work done in time-boxed slices of the event loop. After a failover thousands of agents register
 * at once; handled as they arrive, one turn of the event loop could run for a second, starving the
 * ZooKeeper session's heartbeats (a leader that cannot confirm its session must step down) and every
 * other request. Queued here, each slice runs for at most `sliceMs` and then lets timers and I/O in.
 */
import { performance } from 'node:perf_hooks';

export class SlicedQueue {
  private items: ((() => void) | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly sliceMs = 10) {}

  /** Runs `fn` in a later slice, in arrival order; resolves or rejects with its outcome. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.items.push(() => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const end = performance.now() + this.sliceMs;
    do {
      const item = this.items[this.head]!;
      // Let go of it now: a queued registration holds its whole request, and 10,000 of them kept
      // until the queue empties would be promoted to the old generation for nothing.
      this.items[this.head++] = undefined;
      item();
    } while (this.head < this.items.length && performance.now() < end);
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
      return;
    }
    // Under a steady stream the queue may never empty: drop the done prefix once it is most of it.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.schedule();
  }
}
