/** Hash routes: "#/tasks/<framework>/<task>?file=stdout" -> { parts: ['tasks', fw, task], query }. */

export interface Route {
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const path = q < 0 ? text : text.slice(0, q);
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  return { parts, query: new URLSearchParams(q < 0 ? '' : text.slice(q + 1)) };
}

/** Builds "#/a/b?x=1" with every part encoded (ids may hold slashes or spaces). */
export function href(parts: string[], query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, v);
  const qs = params.toString();
  return `#/${parts.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
}

export const routes = {
  overview: () => '#/',
  agents: () => href(['agents']),
  agent: (id: string) => href(['agents', id]),
  frameworks: () => href(['frameworks']),
  framework: (id: string) => href(['frameworks', id]),
  tasks: (query?: Record<string, string | undefined>) => href(['tasks'], query),
  task: (frameworkId: string, taskId: string, query?: Record<string, string | undefined>) => href(['tasks', frameworkId, taskId], query),
  roles: () => href(['roles']),
  offers: () => href(['offers']),
};
