/**
 * What one client may cost a daemon's HTTP server: the size of a request body, how long the headers
 * and the whole request may take to arrive, how long a connection may sit idle, how many connections
 * one address may hold open, and how far behind a reader of an event stream may fall. Every limit is
 * a daemon option (limit-options.ts); an answer beyond a limit names it.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';

export interface HttpLimits {
  /** Largest request body, in bytes; a larger one is answered 413. */
  maxBodyBytes: number;
  /** Time for a request's headers to arrive (from its first byte). */
  headersTimeoutMs: number;
  /** Time for a whole request (headers and body) to arrive; streamed responses are not bounded by it. */
  requestTimeoutMs: number;
  /** A connection that sends nothing (before its first request or between requests) is closed after this. */
  idleTimeoutMs: number;
  /** Connections one client address may hold at once; 0 = unlimited. */
  maxConnectionsPerClient: number;
  /** Unread bytes an event stream may hold for its reader before the reader is cut off; 0 = unlimited. */
  maxStreamBacklogBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxBodyBytes: 16 * MiB,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  maxConnectionsPerClient: 1000,
  maxStreamBacklogBytes: 16 * MiB,
});

/** How often node checks the headers and request timeouts. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

export function serverOptions(): http.ServerOptions {
  return { connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS };
}

/**
 * Applies the timeouts and the per-address connection cap to a server. Node's requestTimeout covers
 * receiving a request only: once the body is in, a long-lived response (an event stream) runs on.
 */
export function applyHttpLimits(server: http.Server, limits: HttpLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  const perClient = new Map<string, number>();
  server.on('connection', (socket: net.Socket) => {
    const address = socket.remoteAddress ?? '';
    const open = (perClient.get(address) ?? 0) + 1;
    if (limits.maxConnectionsPerClient > 0 && open > limits.maxConnectionsPerClient) {
      refuse(socket, `more than ${limits.maxConnectionsPerClient} connections from ${address} (--max_connections_per_client)`);
      return;
    }
    perClient.set(address, open);
    socket.once('close', () => {
      const left = (perClient.get(address) ?? 1) - 1;
      if (left > 0) perClient.set(address, left);
      else perClient.delete(address);
    });
    // Until its first request, a connection that sends nothing is idle; node's own keep-alive timeout
    // takes over between requests.
    socket.setTimeout(limits.idleTimeoutMs);
  });
  server.on('request', (req: http.IncomingMessage) => {
    if (req.socket.timeout === limits.idleTimeoutMs) req.socket.setTimeout(0);
  });
}

/** A 503 written straight on the socket: the connection is never handed to the HTTP parser. */
function refuse(socket: net.Socket, why: string): void {
  const body = `Service unavailable: ${why}`;
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroySoon();
}

/** The 413 for a body over the limit, naming it. */
export function bodyTooLargeMessage(limit: number): string {
  return `Request body too large: the limit is ${limit} bytes (--max_request_body_size)`;
}
