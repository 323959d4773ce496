/**
 * A network namespace joined to the host by a veth pair, for partition tests: the host side is
 * 10.213.X.1/24, the namespace side 10.213.X.2/24, and taking the host side down cuts every packet
 * between them without closing a socket (no FIN, no RST), as a real partition does. Names are unique
 * per process and per call, so suites may run side by side; remove() deletes by name and is safe to
 * call twice, also after a failed setup.
 *
 * Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2. Without them createNetns fails saying
 * so: partition tests do not pass having checked nothing.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface NetNs {
  readonly name: string;
  /** Host end of the veth pair. */
  readonly hostIf: string;
  readonly hostIp: string;
  readonly nsIp: string;
  /** Run a program inside the namespace through this (`ip netns exec` execs it: the pid is the program's). */
  readonly prefix: string[];
  linkDown(): void;
  linkUp(): void;
  exec(args: string[], opts?: SpawnOptions): ChildProcess;
  remove(): void;
}

let counter = 0;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // Already gone.
  }
}

/** Third octets of 10.213.X.0/24 networks already on this host (other suites' namespaces). */
function subnetsInUse(): Set<number> {
  const used = new Set<number>();
  for (const m of ip(['-4', '-o', 'addr']).matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(m[1]));
  return used;
}

function explain(err: unknown): Error {
  const detail = ((err as { stderr?: string }).stderr || (err as Error).message || '').trim();
  return new Error(
    `network namespaces are not usable here (${detail}). Partition tests need Linux, iproute2 ` +
      '(apt-get install iproute2) and root, or CAP_NET_ADMIN and CAP_SYS_ADMIN (in a container: --privileged or ' +
      '--cap-add NET_ADMIN --cap-add SYS_ADMIN)',
  );
}

export function createNetns(): NetNs {
  const id = `${process.pid.toString(36)}${(counter++).toString(36)}`;
  const name = `mesoscloud-test-${id}`;
  // Interface names are limited to 15 characters.
  const hostIf = `mch${id}`.slice(0, 15);
  const peerIf = `mcn${id}`.slice(0, 15);
  const remove = () => {
    quietly(() => ip(['netns', 'del', name]));
    quietly(() => ip(['link', 'del', hostIf]));
  };
  try {
    ip(['netns', 'add', name]);
  } catch (err) {
    throw explain(err);
  }
  try {
    ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf]);
    ip(['link', 'set', peerIf, 'netns', name]);
    let octet = 0;
    for (let attempt = 0; !octet; attempt++) {
      const used = subnetsInUse();
      const candidate = 1 + Math.floor(Math.random() * 254);
      if (used.has(candidate)) continue;
      try {
        ip(['addr', 'add', `10.213.${candidate}.1/24`, 'dev', hostIf]);
        octet = candidate;
      } catch (err) {
        if (attempt > 20) throw err;
      }
    }
    const hostIp = `10.213.${octet}.1`;
    const nsIp = `10.213.${octet}.2`;
    ip(['link', 'set', hostIf, 'up']);
    ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/24`, 'dev', peerIf]);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', peerIf, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    const prefix = ['ip', 'netns', 'exec', name];
    return {
      name,
      hostIf,
      hostIp,
      nsIp,
      prefix,
      linkDown: () => void ip(['link', 'set', hostIf, 'down']),
      linkUp: () => void ip(['link', 'set', hostIf, 'up']),
      exec: (args, opts = {}) => spawn(prefix[0], [...prefix.slice(1), ...args], opts),
      remove,
    };
  } catch (err) {
    remove();
    throw explain(err);
  }
}
