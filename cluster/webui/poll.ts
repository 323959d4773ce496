/**
 * Runs `load` now and then every `ms` until stopped, never two at once. Only for what the event
 * stream does not carry (roles, quota, offers); the cluster itself arrives by SUBSCRIBE.
 */
export function refreshEvery(ms: number, load: (signal: AbortSignal) => Promise<void>): () => void {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    load(abort.signal).catch(() => undefined).finally(() => {
      if (!abort.signal.aborted) timer = setTimeout(run, ms);
    });
  };
  run();
  return () => {
    abort.abort();
    clearTimeout(timer);
  };
}
