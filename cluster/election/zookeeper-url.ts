/**
 * ZooKeeper URLs as Mesos takes them in --zk and --master: zk://host1:2181,host2:2181/mesos, or
 * with the masters' digest credential zk://user:password@host1:2181/mesos (the session then
 * authenticates and the znodes it creates carry ACLs: zk-session.ts). The path is required (it is
 * where the election lives). The password is never shown: error messages, logs and /flags carry
 * the URL through redactZooKeeperUrl.
 */
import type { ZooKeeperUrl } from './types';

export class ZooKeeperUrlError extends Error {
  readonly code = 'BAD_ZOOKEEPER_URL';
}

const DEFAULT_ZK_PORT = 2181;
const SCHEME = /^zk:\/\//i;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

export function isZooKeeperUrl(text: string): boolean {
  return SCHEME.test(text.trim());
}

/** The URL with its password replaced by ***, for logs, messages and /flags. */
export function redactZooKeeperUrl(text: string): string {
  return text.replace(/^(\s*zk:\/\/[^/@]*?:)[^/]*@/i, '$1***@');
}

export function parseZooKeeperUrl(text: string): ZooKeeperUrl {
  const input = redactZooKeeperUrl(text.trim());
  const raw = text.trim();
  if (!SCHEME.test(input)) {
    throw new ZooKeeperUrlError(`ZooKeeper URL must start with zk:// (got '${input}'); expected zk://host1:2181,host2:2181/mesos`);
  }
  const rest = raw.replace(SCHEME, '');
  const slash = rest.indexOf('/');
  const fullAuthority = slash < 0 ? rest : rest.slice(0, slash);
  const rawPath = slash < 0 ? '' : rest.slice(slash);
  const at = fullAuthority.lastIndexOf('@');
  const digest = at < 0 ? undefined : parseCredentials(fullAuthority.slice(0, at), input);
  const authority = fullAuthority.slice(at + 1);
  if (authority === '') throw new ZooKeeperUrlError(`ZooKeeper URL '${input}' names no server; expected zk://host:2181/mesos`);
  const servers = authority.split(',').map((entry) => parseServer(entry, input));
  const path = parsePath(rawPath, input);
  return {
    connectString: servers.map((s) => `${s.host}:${s.port}`).join(','),
    path,
    servers,
    ...(digest ? { digest } : {}),
  };
}

/** user:password, both non-empty (the password may hold ':'). */
function parseCredentials(text: string, input: string): { user: string; password: string } {
  const colon = text.indexOf(':');
  const user = colon < 0 ? text : text.slice(0, colon);
  const password = colon < 0 ? '' : text.slice(colon + 1);
  if (user === '' || password === '') {
    throw new ZooKeeperUrlError(`ZooKeeper URL '${input}' has credentials but not as user:password (expected zk://user:password@host:2181/mesos)`);
  }
  return { user, password };
}

/** The canonical text form of a parsed URL, without credentials (stable for display and comparison). */
export function formatZooKeeperUrl(url: ZooKeeperUrl): string {
  return `zk://${url.connectString}${url.path}`;
}

function parseServer(entry: string, input: string): { host: string; port: number } {
  const text = entry.trim();
  if (text === '') throw new ZooKeeperUrlError(`empty server in ZooKeeper URL '${input}' (check for a stray comma)`);
  if (text.startsWith('[')) {
    throw new ZooKeeperUrlError(`IPv6 server '${text}' in ZooKeeper URL '${input}' is not supported; use a hostname or IPv4 address`);
  }
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  const portText = colon < 0 ? '' : text.slice(colon + 1);
  if (!HOSTNAME.test(host)) throw new ZooKeeperUrlError(`invalid host '${host}' in ZooKeeper URL '${input}'`);
  if (colon < 0) return { host, port: DEFAULT_ZK_PORT };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new ZooKeeperUrlError(`invalid port '${portText}' for host '${host}' in ZooKeeper URL '${input}'; expected 1-65535`);
  }
  return { host, port };
}

function parsePath(rawPath: string, input: string): string {
  const path = rawPath.replace(/\/+$/, '');
  if (path === '') {
    throw new ZooKeeperUrlError(`ZooKeeper URL '${input}' has no path; add one, e.g. zk://host:2181/mesos`);
  }
  if (/[?#]/.test(path)) throw new ZooKeeperUrlError(`ZooKeeper URL '${input}' may not carry a query or fragment`);
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') throw new ZooKeeperUrlError(`path '${path}' in ZooKeeper URL '${input}' has an empty segment`);
    if (segment === '.' || segment === '..') {
      throw new ZooKeeperUrlError(`path '${path}' in ZooKeeper URL '${input}' may not contain '.' or '..'`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(segment)) {
      throw new ZooKeeperUrlError(`path '${path}' in ZooKeeper URL '${input}' contains a control character`);
    }
  }
  if (segments[0] === 'zookeeper') {
    throw new ZooKeeperUrlError(`path '${path}' in ZooKeeper URL '${input}' is inside /zookeeper, which ZooKeeper reserves`);
  }
  return path;
}
