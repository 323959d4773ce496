/**
 * A small HTTP layer on node:http shared by the master and the agent. The daemons serve a handful
 * of routes, several of which are long-lived RecordIO streams, so direct access to the response
 * matters more than a framework's conveniences.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpError } from '../protocol/errors';
import { boundedText, parseJsonBounded } from '../protocol/json-limits';
import type { Access, Authenticator, AuthResult } from './auth';
import { encodeRecord } from '../protocol/recordio';
import { applyHttpLimits, bodyTooLargeMessage, DEFAULT_HTTP_LIMITS, serverOptions, type HttpLimits } from './limits';
import { isJsonContentType, JAVASCRIPT_CONTENT_TYPE, JSONP_HEADERS, jsonpCallback, wrapJsonp } from './jsonp';

export { HttpError };

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The POST body: parsed JSON, or what the route's parseBody made of it. */
  body: unknown;
  raw: http.IncomingMessage;
  res: http.ServerResponse;
  /** Who sent it, when it carried valid credentials (auth.ts). */
  principal?: string;
}

/**
 * What a handler returns: a JSON value (200), a full response, or `undefined` when it took over `res`.
 * `chunks` is a prepared body in pieces (a cached /state), sent without joining them.
 */
export type HandlerResult =
  | undefined
  | { status?: number; json?: unknown; text?: string; body?: Buffer; chunks?: readonly Buffer[]; contentType?: string; headers?: Record<string, string> };

export type Handler = (req: Request) => HandlerResult | Promise<HandlerResult>;

export interface RouteOptions {
  /**
   * Runs on the headers before the body is read; throws an HttpError to answer at once (e.g. 415
   * for a protobuf body, which must not be parsed as JSON and turned into a 400 about syntax).
   */
  checkHeaders?: (headers: http.IncomingHttpHeaders) => void;
  /** Who may call it, checked before the body is read; unset: a read-only endpoint. */
  access?: Access;
  /** Turns a non-empty POST body into the request's `body` (throw an HttpError to refuse it); unset: JSON. */
  parseBody?: (body: Buffer, headers: http.IncomingHttpHeaders) => unknown;
}

interface Route extends RouteOptions { handler: Handler }

/**
 * Runs before any route (and before its header checks, with the body still unread): a result
 * answers the request at once; a promise holds the request until it settles.
 */
export type Guard = (method: string, path: string, query: URLSearchParams) => HandlerResult | Promise<HandlerResult>;

export class Router {
  private routes = new Map<string, Route>();
  private prefixes: { prefix: string; method: string; route: Route }[] = [];
  guard?: Guard;
  /** Checks every route's `access`; without one, nothing is checked. */
  authenticator?: Authenticator;

  on(method: string, path: string, handler: Handler, opts: RouteOptions = {}): this {
    this.routes.set(`${method} ${path}`, { ...opts, handler });
    return this;
  }

  /** Routes every path under `prefix` (e.g. static files of the web UI). */
  onPrefix(method: string, prefix: string, handler: Handler, opts: RouteOptions = {}): this {
    this.prefixes.push({ prefix, method, route: { ...opts, handler } });
    return this;
  }

  find(method: string, path: string): Route | undefined {
    const exact = this.routes.get(`${method} ${path}`);
    if (exact) return exact;
    for (const p of this.prefixes) if (p.method === method && path.startsWith(p.prefix)) return p.route;
    return undefined;
  }

  hasPath(path: string): boolean {
    for (const key of this.routes.keys()) if (key.endsWith(` ${path}`)) return true;
    return false;
  }
}

/** Makes the server around the request listener: node:http's by default, https for TLS (see tls.ts). */
export type ServerFactory = (options: http.ServerOptions, listener: http.RequestListener) => http.Server;

export function createServer(router: Router, onError?: (err: unknown) => void, limits: Partial<HttpLimits> = {}, make: ServerFactory = http.createServer): http.Server {
  const bounds = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const server = make(serverOptions(), (raw, res) => {
    handle(router, raw, res, bounds.maxBodyBytes).catch((err) => {
      onError?.(err);
      if (!res.headersSent) send(res, { status: 500, text: 'internal error' });
      else res.destroy();
    });
  });
  applyHttpLimits(server, bounds);
  return server;
}

async function handle(router: Router, raw: http.IncomingMessage, res: http.ServerResponse, maxBodyBytes: number): Promise<void> {
  const url = new URL(raw.url ?? '/', 'http://localhost');
  const method = raw.method ?? 'GET';
  // No await without a guard: a promise tick per request is not free at thousands of calls a second.
  const guarded = router.guard ? await router.guard(method, url.pathname, url.searchParams) : undefined;
  if (guarded !== undefined) {
    drain(raw);
    send(res, guarded);
    return;
  }
  const route = router.find(method, url.pathname);
  if (!route) {
    drain(raw);
    const status = router.hasPath(url.pathname) ? 405 : 404;
    const where = boundedText(url.pathname);
    send(res, { status, text: status === 405 ? `method ${boundedText(method)} not allowed on ${where}` : `no such path: ${where}` });
    return;
  }
  const auth = authenticate(router, route, raw);
  if ('rejected' in auth) {
    drain(raw);
    send(res, auth.rejected);
    return;
  }
  let body: unknown;
  let callback: string | undefined;
  try {
    callback = jsonpCallback(method, url.searchParams);
    route.checkHeaders?.(raw.headers);
    const bytes = method === 'POST' || method === 'PUT' ? await readBody(raw, maxBodyBytes) : undefined;
    body = bytes === undefined ? undefined : (route.parseBody ?? parseJsonBody)(bytes, raw.headers);
  } catch (err) {
    const status = err instanceof HttpError ? err.status : 400;
    // A body over the limit is not read to its end: the connection closes after the answer.
    if (status === 413) res.shouldKeepAlive = false;
    else drain(raw);
    send(res, { status, text: (err as Error).message, headers: err instanceof HttpError ? err.headers : undefined });
    return;
  }
  try {
    const result = await route.handler({ method, path: url.pathname, query: url.searchParams, headers: raw.headers, body, raw, res, principal: auth.principal });
    if (result !== undefined) send(res, callback === undefined ? result : asJsonp(result, callback));
  } catch (err) {
    if (err instanceof HttpError) send(res, { status: err.status, text: err.message, headers: err.headers });
    else throw err;
  }
}

function authenticate(router: Router, route: Route, raw: http.IncomingMessage): AuthResult {
  return router.authenticator ? router.authenticator.check(route.access ?? 'readonly', raw.headers) : {};
}

function drain(raw: http.IncomingMessage): void {
  raw.resume();
}

/**
 * The body, or undefined when there is none. Read with 'data' and 'end' listeners rather than an
 * async iterator: the iterator's promise per chunk and its stream set-up were a measurable share of
 * a small call's cost (an agent's UPDATE, a scheduler's ACKNOWLEDGE) in the master's profile.
 */
function readBody(raw: http.IncomingMessage, maxBodyBytes: number): Promise<Buffer | undefined> {
  if (Number(raw.headers['content-length']) > maxBodyBytes) return Promise.reject(new HttpError(413, bodyTooLargeMessage(maxBodyBytes)));
  // Gone while an asynchronous guard held the request (a takeover, say): its 'close' has fired already.
  if (raw.destroyed) return Promise.reject(new Error('Premature close'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
      raw.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        done();
        // The rest of the body is not read: the connection closes after the answer (handle()).
        raw.pause();
        reject(new HttpError(413, bodyTooLargeMessage(maxBodyBytes)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      if (size === 0) resolve(undefined);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    // A peer that went away before the end of its body.
    const onClose = () => {
      done();
      reject(new Error('Premature close'));
    };
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
    raw.on('close', onClose);
  });
}

/** A body as JSON, depth-bounded; 400 if it is not JSON. */
export function parseJsonBody(body: Buffer): unknown {
  const parsed = parseJsonBounded(body.toString('utf8'));
  if (!parsed.ok) throw new HttpError(400, `Failed to parse body into JSON: ${parsed.message}`);
  return parsed.value;
}

/** A 200 JSON answer as the JSONP script `callback(json);` (jsonp.ts); any other answer as it is. */
function asJsonp(result: Exclude<HandlerResult, undefined>, callback: string): Exclude<HandlerResult, undefined> {
  if ((result.status ?? 200) !== 200) return result;
  // The same precedence as send(): chunks, then a prepared body, then a JSON value (JSON unless typed otherwise).
  const prepared = result.chunks ?? (result.body !== undefined ? [result.body] : undefined);
  const isJson = prepared ? isJsonContentType(result.contentType) : result.json !== undefined && (result.contentType === undefined || isJsonContentType(result.contentType));
  if (!isJson) return result;
  const json = prepared ?? [Buffer.from(JSON.stringify(result.json))];
  return { status: 200, chunks: wrapJsonp(callback, json), contentType: JAVASCRIPT_CONTENT_TYPE, headers: { ...result.headers, ...JSONP_HEADERS } };
}

export function send(res: http.ServerResponse, result: Exclude<HandlerResult, undefined>): void {
  const status = result.status ?? 200;
  let payload: string | Buffer = '';
  let contentType = result.contentType;
  if (result.chunks !== undefined) {
    sendChunks(res, status, result.chunks, contentType, result.headers);
    return;
  }
  // A prepared body (a cached /state) goes out as it is: no encoding pass over megabytes per request.
  if (result.body !== undefined) {
    payload = result.body;
  } else if (result.json !== undefined) {
    payload = JSON.stringify(result.json);
    contentType ??= 'application/json';
  } else if (result.text !== undefined) {
    payload = result.text;
    contentType ??= 'text/plain; charset=utf-8';
  }
  const headers: Record<string, string | number> = { ...result.headers };
  if (contentType) headers['Content-Type'] = contentType;
  headers['Content-Length'] = Buffer.byteLength(payload);
  res.writeHead(status, headers);
  res.end(payload);
}

/** A body in pieces, written corked: one send for what fits, never a copy of the whole. */
function sendChunks(res: http.ServerResponse, status: number, chunks: readonly Buffer[], contentType: string | undefined, extra: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = { ...extra };
  if (contentType) headers['Content-Type'] = contentType;
  headers['Content-Length'] = chunks.reduce((n, c) => n + c.length, 0);
  res.writeHead(status, headers);
  res.cork();
  for (const chunk of chunks) if (chunk.length > 0) res.write(chunk);
  res.uncork();
  res.end();
}

/**
 * Stream writes made in one turn of the event loop leave in one system call per socket: the socket is
 * corked at its first write and uncorked once the turn's I/O callbacks have run (setImmediate). A
 * master handling a burst of status updates writes several events to the same framework or agent in
 * one turn; one writev instead of several is most of what an event costs it on loopback.
 */
const corked = new Set<Socket>();
let uncorkScheduled = false;

function corkUntilTurnEnds(socket: Socket | null): void {
  if (!socket || corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (uncorkScheduled) return;
  uncorkScheduled = true;
  setImmediate(uncorkAll);
}

function uncorkAll(): void {
  uncorkScheduled = false;
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * A long-lived RecordIO response (chunked transfer encoding). `write` returns false once the
 * peer has gone; `onClose` fires exactly once when it does. A reader that falls more than
 * `maxBacklogBytes` behind (bytes written but not yet taken by the peer) is cut off: its connection is
 * closed and `onClose` fires as if it had gone, so a stream costs at most that much memory.
 */
export class RecordIOStream {
  private closed = false;
  private cut = false;
  private closeHandlers: (() => void)[] = [];
  private limit: number;

  /** `headers` may replace the Content-Type; `encode` frames one event (JSON by default, see v1-media.ts for protobuf). */
  constructor(
    private readonly res: http.ServerResponse,
    headers: Record<string, string> = {},
    maxBacklogBytes = DEFAULT_HTTP_LIMITS.maxStreamBacklogBytes,
    private readonly encode: (event: unknown) => Buffer = encodeRecord,
  ) {
    this.limit = maxBacklogBytes > 0 ? maxBacklogBytes : Infinity;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', ...headers });
    res.flushHeaders();
    const done = () => this.markClosed();
    res.on('close', done);
    res.on('error', done);
  }

  get isClosed(): boolean { return this.closed || this.cut }

  /** True once the stream was cut off for falling behind. */
  get overflowed(): boolean { return this.cut }

  write(event: unknown): boolean {
    return this.writeEncoded(this.encode(event));
  }

  /** An encoded record (one buffer written to many streams is encoded once). */
  writeEncoded(record: Buffer): boolean {
    if (this.isClosed) return false;
    if (this.res.writableLength + record.length > this.limit) {
      // The close handlers run on the response's 'close', as when a peer goes: never in the middle of the caller's work.
      this.cut = true;
      this.res.destroy();
      return false;
    }
    corkUntilTurnEnds(this.res.socket);
    this.res.write(record);
    return true;
  }

  /** The first records of a stream (a snapshot of any size), allowed on top of the backlog bound. */
  writeInitial(record: Buffer): boolean {
    this.limit += record.length;
    return this.writeEncoded(record);
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeHandlers.push(fn);
  }

  end(): void {
    if (!this.isClosed) this.res.end();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closeHandlers.splice(0)) fn();
  }
}

/** The kernel caps it at net.core.somaxconn (4096 on current Linux). */
const LISTEN_BACKLOG = 8192;

export async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    // Node's default backlog (511) overflows when thousands of agents reconnect at once after a
    // failover: the kernel drops their SYNs and each retries a full second later.
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Closes the server and every open connection, streams included. */
export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
