/**
 * The HTTP transport under the typed clients: node:http with a keep-alive agent, because a
 * scheduler makes many small calls (accept, acknowledge, ...) and a new TCP connection for each
 * one costs more than the call itself on loopback.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { authorizationHeaders, type Credential } from '../http/auth';
import { httpsOptions, type ClientTls } from './tls';

export type { Credential };

/** How a client reaches a cluster: its CA (and certificate) for TLS, and the credential it authenticates with. */
export interface ClusterAccess {
  tls?: ClientTls;
  credential?: Credential;
}

/** The server answered with a non-success status; `message` is its body, verbatim. */
export class ClientHttpError extends Error {
  readonly code = 'MASTER_REJECTED';
  constructor(readonly status: number, readonly body: string, readonly url: string) {
    super(body.trim() !== '' ? body.trim() : `HTTP ${status} from ${url}`);
  }
}

/** The server could not be reached at all (refused, reset, timed out). */
export class ClientConnectionError extends Error {
  readonly code = 'UNREACHABLE';
  constructor(readonly url: string, readonly cause: Error & { code?: string }) {
    super(`cannot reach ${url}: ${describeSocketError(cause)}`);
  }
}

function describeSocketError(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused (is it running?)';
    case 'ECONNRESET': return 'connection reset by peer';
    case 'ETIMEDOUT': return 'timed out';
    case 'ENOTFOUND': return 'host not found';
    default: return err.message;
  }
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Whole-request timeout; no timeout when unset. */
  timeoutMs?: number;
}

const MAX_REDIRECTS = 3;

export class HttpClient {
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };
  private base: URL;
  private readonly auth: Record<string, string>;

  /**
   * `access.tls`: verify https:// servers against the cluster CA (and present a certificate); without it,
   * the system's CAs. `access.credential`: sent as HTTP basic with every request (also after a redirect
   * to another master of the cluster).
   */
  constructor(baseUrl: string, access: ClusterAccess = {}) {
    this.base = new URL(baseUrl);
    this.auth = authorizationHeaders(access.credential);
    const keepAlive = { keepAlive: true, keepAliveMsecs: 10_000, noDelay: true } as http.AgentOptions;
    this.agents = { 'http:': new http.Agent(keepAlive), 'https:': new https.Agent({ ...keepAlive, ...httpsOptions(access.tls) }) };
  }

  get baseUrl(): string {
    return `${this.base.protocol}//${this.base.host}`;
  }

  /** Follows a 307 to another master (Mesos redirects to the leader) by moving the base URL there. */
  rebase(location: string): void {
    this.base = new URL(location.startsWith('//') ? `${this.base.protocol}${location}` : location, this.base);
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    for (let hop = 0; ; hop++) {
      const res = await this.once(method, path, opts);
      if (res.status === 307 && typeof res.headers.location === 'string' && hop < MAX_REDIRECTS) {
        this.rebase(res.headers.location);
        continue;
      }
      return res;
    }
  }

  /** Sends a request and hands back the response stream itself (long-lived RecordIO responses). */
  open(method: string, path: string, opts: RequestOptions = {}): { req: http.ClientRequest; response: Promise<http.IncomingMessage> } {
    const url = new URL(path, this.base);
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body), 'utf8');
    const headers: Record<string, string | number> = { Accept: 'application/json', ...this.auth, ...opts.headers };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const req = url.protocol === 'https:'
      ? https.request(url, { method, headers, agent: this.agents['https:'] })
      : http.request(url, { method, headers, agent: this.agents['http:'] });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      // `on`, not `once`: a long-lived request can fail again after its first error, and an
      // 'error' without a listener would crash the process. Later rejections are no-ops.
      req.on('error', (err) => reject(new ClientConnectionError(url.origin, err)));
      if (opts.timeoutMs !== undefined) {
        req.setTimeout(opts.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      }
    });
    req.end(payload);
    return { req, response };
  }

  private async once(method: string, path: string, opts: RequestOptions): Promise<HttpResponse> {
    const { req, response } = this.open(method, path, opts);
    const res = await response;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (err) {
      throw new ClientConnectionError(new URL(path, this.base).origin, err as Error);
    } finally {
      req.setTimeout(0);
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
  }

  /** POSTs JSON; throws ClientHttpError unless the status is one of `ok`. */
  async postJson(path: string, body: unknown, opts: Omit<RequestOptions, 'body'> & { ok?: number[] } = {}): Promise<HttpResponse> {
    const res = await this.request('POST', path, { ...opts, body });
    if (!(opts.ok ?? [200, 202]).includes(res.status)) throw new ClientHttpError(res.status, res.body, new URL(path, this.base).href);
    return res;
  }

  async getJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request('GET', path, opts);
    if (res.status !== 200) throw new ClientHttpError(res.status, res.body, new URL(path, this.base).href);
    return parseJson<T>(res.body, new URL(path, this.base).href);
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  destroy(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
  }
}

export function parseJson<T>(text: string, from: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`invalid JSON from ${from}: ${(err as Error).message}`);
  }
}
