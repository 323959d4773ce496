/**
 * Notices at once that a master's process is gone, instead of a ZooKeeper session timeout later.
 *
 * ZooKeeper removes a dead leader's election znode only when its session expires (the session timeout
 * after its last heartbeat): with 2 s sessions a crashed leader leaves the cluster leaderless for
 * about 2 s. But a process that dies on a host that stays up leaves evidence at once: the kernel
 * closes its connections and its port refuses new ones. The standby next in line holds one idle TCP
 * connection to its predecessor's advertised address; when that connection closes it connects again,
 * and only a refusal (nothing listens on that port any more) counts as proof. Anything else (the
 * connection is accepted again, a timeout, an unreachable host or network) proves nothing, and the
 * session timeout decides, as before. A host that dies or is cut off therefore still takes a session
 * timeout; a crashed or killed master process does not.
 *
 * A refusal counts only after a connection to the same address was once accepted, so a master that
 * has not started listening (or an address that never was its own) is never taken for dead.
 */
import * as net from 'node:net';

export interface ProcessWatch { stop(): void }

export interface ProcessWatchOptions {
  /** Delay before connecting again after a failure that proves nothing (default 1 s). */
  retryMs?: number;
  /** Give up a connect attempt after this long (default 5 s). */
  connectTimeoutMs?: number;
}

/** Watches the process listening on host:port; calls `onGone` once, when it is proven gone. */
export function watchProcess(host: string, port: number, onGone: () => void, opts: ProcessWatchOptions = {}): ProcessWatch {
  const retryMs = opts.retryMs ?? 1000;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  let stopped = false;
  let accepted = false;
  let socket: net.Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  // A process that accepts and at once closes (a connection limit, say) must not make this spin.
  let quickCloses = 0;

  const connect = (): void => {
    timer = undefined;
    if (stopped) return;
    let connected = false;
    let connectedAt = 0;
    const s = net.connect({ host, port });
    socket = s;
    s.setTimeout(connectTimeoutMs, () => {
      if (!connected) s.destroy();
    });
    s.on('connect', () => {
      connected = true;
      connectedAt = Date.now();
      accepted = true;
      s.setTimeout(0);
      // Nothing is ever sent: the connection only exists to be closed when the process goes.
      s.setNoDelay(true);
    });
    s.on('data', () => undefined);
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (stopped || connected) return;
      if (err.code === 'ECONNREFUSED' && accepted) {
        stopped = true;
        onGone();
      }
    });
    s.on('close', () => {
      if (stopped || socket !== s) return;
      // A held connection that closed: ask again at once. A refusal then is the proof; an accepted
      // connection means the process lives (it closed an idle connection, say) and is held again.
      quickCloses = connected && Date.now() - connectedAt < 100 ? quickCloses + 1 : 0;
      if (connected && quickCloses <= 3) connect();
      else timer = setTimeout(connect, retryMs);
    });
  };

  connect();
  return {
    stop(): void {
      stopped = true;
      clearTimeout(timer);
      socket?.destroy();
    },
  };
}
