/**
 * Time as a dependency: code that reads the time or waits takes a Clock, so a test can run hours of
 * timeouts in a few milliseconds with a clock it advances by hand.
 */

/** A pending timeout or interval. */
export interface TimerHandle { cancel(): void }

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
}

/** The system clock. Its timers never keep the process alive on their own. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  setInterval(fn, ms) {
    const handle = setInterval(fn, ms);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};
