/**
 * Waiting on EC2 the way the image builder does: ask, sleep, ask again, until an answer, the deadline
 * (TIMEOUT, naming what was awaited) or Ctrl-C (INTERRUPTED, at once: the sleep is cut short).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../infra/errors';

export interface PollOptions {
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}

export function interrupted(): ProviderError {
  return new ProviderError('INTERRUPTED', 'interrupted (Ctrl-C); the builder\'s temporary resources are being removed');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interrupted();
}

/** `check` until it returns a value other than undefined; its errors end the wait. */
export async function pollUntil<T>(what: string, opts: PollOptions, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  // The first answers come quickly (an instance runs within seconds): ask soon, then every pollMs.
  let delay = Math.min(opts.pollMs, 500);
  for (;;) {
    throwIfAborted(opts.signal);
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new ProviderError('TIMEOUT', `gave up waiting for ${what} after ${Math.round(opts.timeoutMs / 1000)} s`);
    }
    try {
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), undefined, { signal: opts.signal });
    } catch {
      throw interrupted();
    }
    delay = Math.min(opts.pollMs, delay * 2);
  }
}
