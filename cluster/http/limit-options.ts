/**
 * The HTTP limits (cluster/http/limits.ts) as options of a daemon: the same flags, defaults and
 * checks in the master's and the agent's tables.
 */
import { duration, integer, integerAtLeast, positiveDuration, type OptionTable } from '../flags/table';
import { formatDuration } from '../protocol/duration';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './limits';

const amount = { commandLine: integer(0, 2 ** 40), check: integerAtLeast(0) };
const timeout = { commandLine: duration(), check: positiveDuration, text: formatDuration };

export function httpLimitOptions<O extends Partial<HttpLimits>>(): Pick<OptionTable<O>, keyof HttpLimits> {
  const d = DEFAULT_HTTP_LIMITS;
  // In /flags when set to other than the default, so that the usual /flags stays as Mesos prints it.
  const shown = (key: keyof HttpLimits) => (o: Partial<HttpLimits>) => o[key] !== undefined && o[key] !== d[key];
  const table: OptionTable<HttpLimits> = {
    maxBodyBytes: {
      flag: 'max_request_body_size', description: 'largest request body in bytes; a larger one is answered 413',
      default: d.maxBodyBytes, commandLine: integer(1, 2 ** 40), check: integerAtLeast(1), show: shown('maxBodyBytes'),
    },
    headersTimeoutMs: {
      flag: 'http_headers_timeout', description: "time a request's headers may take to arrive (e.g. 30secs)", default: d.headersTimeoutMs, ...timeout, show: shown('headersTimeoutMs'),
    },
    requestTimeoutMs: {
      flag: 'http_request_timeout', description: 'time a whole request, body included, may take to arrive (e.g. 60secs); streamed answers are not cut by it',
      default: d.requestTimeoutMs, ...timeout, show: shown('requestTimeoutMs'),
    },
    idleTimeoutMs: {
      flag: 'http_idle_timeout', description: 'a connection that sends no request for this long is closed (e.g. 60secs)', default: d.idleTimeoutMs, ...timeout, show: shown('idleTimeoutMs'),
    },
    maxConnectionsPerClient: {
      flag: 'max_connections_per_client', description: 'connections one client address may hold open; more are answered 503 and closed (0: unlimited)',
      default: d.maxConnectionsPerClient, ...amount, show: shown('maxConnectionsPerClient'),
    },
    maxStreamBacklogBytes: {
      flag: 'max_stream_backlog_size', description: 'unread bytes an event stream may hold for a slow reader before the reader is cut off (0: unlimited)',
      default: d.maxStreamBacklogBytes, ...amount, show: shown('maxStreamBacklogBytes'),
    },
  };
  // Each spec reads only its own field, so it fits any options type that has these fields.
  return table as unknown as Pick<OptionTable<O>, keyof HttpLimits>;
}

export const HTTP_LIMIT_KEYS: readonly (keyof HttpLimits)[] = [
  'maxBodyBytes', 'headersTimeoutMs', 'requestTimeoutMs', 'idleTimeoutMs', 'maxConnectionsPerClient', 'maxStreamBacklogBytes',
];

/** The flag names, in their order (the tables end with them). */
export const HTTP_LIMIT_FLAGS = HTTP_LIMIT_KEYS.map((key) => httpLimitOptions()[key].flag!);

/** The limits out of a daemon's options, defaults for those not set. */
export function httpLimitsOf(opts: Partial<HttpLimits>): HttpLimits {
  const limits = { ...DEFAULT_HTTP_LIMITS };
  for (const key of HTTP_LIMIT_KEYS) if (opts[key] !== undefined) limits[key] = opts[key];
  return limits;
}
