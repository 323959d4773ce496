/**
 * How every AWS SDK client of the provider is configured: the region, an endpoint override
 * (LocalStack, or the EC2 endpoint the tests run on loopback), the standard credential chain
 * (environment, shared profiles, SSO, instance roles: the SDK's default, with --profile picking a
 * profile), and short timeouts, so that an unreachable endpoint fails within seconds instead of
 * the SDK's minutes of retries.
 */

export interface AwsConnection {
  region: string;
  /** --endpoint-url, MESOSCLOUD_AWS_ENDPOINT or AWS_ENDPOINT_URL. */
  endpointUrl?: string;
  /** A shared-config profile (--profile or AWS_PROFILE); default: the SDK's chain. */
  profile?: string;
}

export interface ClientTiming {
  /** Per attempt, for the TCP connection. */
  connectionTimeoutMs: number;
  /** Per attempt, for the whole answer. */
  requestTimeoutMs: number;
  maxAttempts: number;
}

/** Calls that change things wait longer than look-ups; neither waits minutes. */
export const LOOKUP_TIMING: ClientTiming = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 3 };

/** The endpoint override from the environment: ours first, then the SDK's own variable. */
export function endpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.MESOSCLOUD_AWS_ENDPOINT || env.AWS_ENDPOINT_URL || undefined;
}

/** The config object every SDK client of the provider is built with. */
export function clientConfig(conn: AwsConnection, timing: ClientTiming = LOOKUP_TIMING) {
  // The SDK warns on Node 20 that releases after January 2027 will need Node 22; the versions this
  // package locks run on Node 20, and the warning would end up in every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    region: conn.region,
    ...(conn.endpointUrl ? { endpoint: conn.endpointUrl } : {}),
    ...(conn.profile ? { profile: conn.profile } : {}),
    maxAttempts: timing.maxAttempts,
    // Without throwOnRequestTimeout the SDK's HTTP layer only logs a timed-out request and keeps
    // waiting: an endpoint that accepts and never answers would hang the command.
    requestHandler: { connectionTimeout: timing.connectionTimeoutMs, requestTimeout: timing.requestTimeoutMs, throwOnRequestTimeout: true },
  };
}
