/**
 * What a master that does not lead answers. As Mesos's do, standbys serve their own /health,
 * /version, /flags and metrics, and send everything else to the leader with a 307 (the Location is
 * scheme-relative, "//ip:port/path", as Mesos writes it), or answer 503 while nobody leads.
 */
import type { HandlerResult } from '../../http/server';
import type { MasterInfo } from '../../protocol/types';

const SERVED_BY_ANY_MASTER = new Set([
  '/health', '/version', '/flags', '/metrics', '/metrics/snapshot',
].flatMap((path) => [path, `/master${path}`]));

const REDIRECT_PATHS = new Set(['/redirect', '/master/redirect']);

export function leaderLocation(leader: MasterInfo): string {
  const host = leader.address?.ip ?? leader.hostname ?? '';
  return `//${host}:${leader.address?.port ?? leader.port}`;
}

/** undefined = serve the request here. */
export function standbyAnswer(path: string, query: URLSearchParams, leader: MasterInfo | undefined): HandlerResult {
  if (SERVED_BY_ANY_MASTER.has(path)) return undefined;
  if (!leader) {
    return { status: 503, text: 'No leading master: an election is in progress (or ZooKeeper is unreachable); retry shortly' };
  }
  const search = query.toString();
  const target = REDIRECT_PATHS.has(path) ? '' : `${path}${search ? `?${search}` : ''}`;
  return { status: 307, headers: { Location: `${leaderLocation(leader)}${target}` } };
}
