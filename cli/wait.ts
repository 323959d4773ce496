/** Waiting for the master to report something, until it does or the operator presses Ctrl-C. */

/** Resolves after `ms`, or at once when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Polls `check` until it answers a value; undefined when interrupted first. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, opts: { intervalMs: number; signal: AbortSignal }): Promise<T | undefined> {
  for (;;) {
    if (opts.signal.aborted) return undefined;
    const value = await check();
    if (value !== undefined) return value;
    await sleep(opts.intervalMs, opts.signal);
  }
}

/** An AbortSignal that fires on Ctrl-C while `run` runs; the handler is removed afterwards. */
export async function withInterrupt<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
