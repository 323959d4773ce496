/**
 * Keeps the store in step with the master: one SUBSCRIBE stream, resubscribed after any drop
 * (master restart, network, proxy timeouts), with a watchdog that treats missing heartbeats as a drop.
 */
import { operatorCall, subscribe } from './api';
import type { MasterInfo, OperatorEvent } from './model';
import type { Store } from './store';

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
const DEFAULT_HEARTBEAT_SECONDS = 15;

export function followCluster(store: Store): () => void {
  let stopped = false;
  let current: AbortController | undefined;

  const run = async () => {
    let retry = MIN_RETRY_MS;
    while (!stopped) {
      const abort = new AbortController();
      current = abort;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const feed = (seconds: number) => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => abort.abort(new Error('no heartbeat from the master')), (seconds * 2 + 5) * 1000);
      };
      try {
        feed(DEFAULT_HEARTBEAT_SECONDS);
        for await (const record of subscribe(abort.signal)) {
          const event = record as OperatorEvent;
          if (event.type === 'SUBSCRIBED') {
            retry = MIN_RETRY_MS;
            store.setConnection('live');
            void loadMasterSummary(store);
          }
          store.apply(event);
          feed(store.master.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS);
        }
        if (!stopped) store.setConnection('reconnecting', 'the master closed the event stream');
      } catch (err) {
        if (stopped) return;
        const reason = abort.signal.aborted ? abort.signal.reason : err;
        store.setConnection('reconnecting', reason instanceof Error ? reason.message : String(reason));
      } finally {
        clearTimeout(watchdog);
        abort.abort();
      }
      await new Promise((resolve) => setTimeout(resolve, retry));
      retry = Math.min(retry * 2, MAX_RETRY_MS);
    }
  };
  void run();
  return () => {
    stopped = true;
    current?.abort();
  };
}

/** Name, leader, version and start time: not part of the event stream, read once per connection. */
async function loadMasterSummary(store: Store): Promise<void> {
  const [master, version, flags] = await Promise.allSettled([
    operatorCall<{ get_master?: { master_info?: MasterInfo; start_time?: number } }>('GET_MASTER'),
    operatorCall<{ get_version?: { version_info?: { version?: string } } }>('GET_VERSION'),
    operatorCall<{ get_flags?: { flags?: { name: string; value: string }[] } }>('GET_FLAGS'),
  ]);
  const info = master.status === 'fulfilled' ? master.value.get_master?.master_info : undefined;
  const address = info?.address;
  store.setMaster({
    leader: address ? `${address.hostname ?? address.ip}:${address.port}` : info ? `${info.hostname}:${info.port}` : undefined,
    startTime: master.status === 'fulfilled' ? master.value.get_master?.start_time : undefined,
    version: version.status === 'fulfilled' ? version.value.get_version?.version_info?.version : undefined,
    cluster: flags.status === 'fulfilled' ? flags.value.get_flags?.flags?.find((f) => f.name === 'cluster')?.value : undefined,
  });
}
