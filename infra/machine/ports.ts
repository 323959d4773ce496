/** Checking and choosing TCP ports on this machine before starting daemons on them. */
import * as net from 'node:net';

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port the kernel just handed out as free (listen on port 0, note it, close). Another process may
 * take it before the caller binds it, so use it where a rare collision only costs a retry.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `count` free ports, preferring `preferred[i]` for slot i and otherwise the next free port above
 * the highest preferred one. `taken` ports are never chosen (e.g. the master's).
 */
export async function chooseFreePorts(preferred: number[], taken: Set<number>, host = '127.0.0.1'): Promise<number[]> {
  const chosen: number[] = [];
  const used = new Set(taken);
  let next = Math.max(0, ...preferred) + 1;
  for (const want of preferred) {
    if (!used.has(want) && want <= 65535 && (await isPortFree(want, host))) {
      chosen.push(want);
      used.add(want);
      continue;
    }
    while (next <= 65535 && (used.has(next) || !(await isPortFree(next, host)))) next++;
    if (next > 65535) throw new Error(`no free TCP port left on ${host} above ${Math.max(...preferred)}`);
    chosen.push(next);
    used.add(next);
    next++;
  }
  return chosen;
}
