/** The master's public HTTP API as the browser uses it: POST /api/v1 calls and the SUBSCRIBE stream. */
import { readRecords } from './recordio';

/** How calls authenticate; main.ts plugs in the login (auth.ts) at start. */
export const apiAuth = {
  headers: (): Record<string, string> => ({}),
  /** A 401: the token expired or the cluster's secrets changed. */
  onUnauthorized: (): void => undefined,
};

/**
 * The page uses no cookies; without 'omit' a browser answers a 401 with a basic challenge by holding
 * the request for its own password dialog.
 */
export const NO_PROMPT = 'omit' as const;

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };
const headers = (base: Record<string, string> = JSON_HEADERS) => ({ ...base, ...apiAuth.headers() });

function checkAuthenticated(res: Response): void {
  if (res.status === 401) apiAuth.onUnauthorized();
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** One operator call; `type` names it and `body` holds its message (e.g. {list_files: {...}}). */
export async function operatorCall<T = Record<string, unknown>>(type: string, body: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  const res = await fetch('/api/v1', { method: 'POST', headers: headers(), body: JSON.stringify({ type, ...body }), signal, credentials: NO_PROMPT });
  checkAuthenticated(res);
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, text || `${type} failed with HTTP ${res.status}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** Opens the operator event stream and yields its events until it ends or `signal` aborts. */
export async function* subscribe(signal: AbortSignal): AsyncGenerator<unknown> {
  const res = await fetch('/api/v1', { method: 'POST', headers: headers(), body: JSON.stringify({ type: 'SUBSCRIBE' }), signal, credentials: NO_PROMPT });
  checkAuthenticated(res);
  if (!res.ok || !res.body) throw new ApiError(res.status, (await res.text()) || `SUBSCRIBE failed with HTTP ${res.status}`);
  yield* readRecords(res.body);
}

/** GET /metrics/snapshot: Mesos metric names to numbers. */
export async function metricsSnapshot(signal?: AbortSignal): Promise<Record<string, number>> {
  const res = await fetch('/metrics/snapshot', { signal, headers: headers({ Accept: 'application/json' }), credentials: NO_PROMPT });
  checkAuthenticated(res);
  if (!res.ok) throw new ApiError(res.status, await res.text());
  return (await res.json()) as Record<string, number>;
}
