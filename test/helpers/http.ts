/**
 * Raw HTTP for tests: plain requests, and long-lived RecordIO streams decoded as they arrive, so tests
 * speak the wire format exactly as an outside client would.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { RecordIODecoder } from '../../cluster/protocol/recordio';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body as it arrived (a protobuf answer is not text). */
  bytes: Buffer;
}

export async function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown; /** PEM of the CA an https:// server is verified against, and a client certificate to present. */ ca?: string; cert?: string; key?: string } = {},
): Promise<HttpResult> {
  const body = opts.body === undefined ? undefined
    : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...opts.headers };
  return new Promise((resolve, reject) => {
    const options = { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, agent: false as const };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: bytes.toString('utf8'), bytes });
      });
      res.on('error', reject);
    };
    const req = url.startsWith('https:') ? https.request(url, { ...options, ca: opts.ca, cert: opts.cert, key: opts.key }, onResponse) : http.request(url, options, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await request(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as T;
}

/** Resolves when `check` returns something truthy; polls, failing with `what` after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A POST whose response is a RecordIO stream. Records are collected in `records`; `waitFor` resolves
 * with the first record (from `from` on) that matches.
 */
export class RecordStream<T = any> {
  readonly records: T[] = [];
  /** The body bytes exactly as they arrived, for tests of the framing itself. */
  readonly rawChunks: Buffer[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  /** Body of a non-200 answer. */
  errorText = '';
  ended = false;
  private readonly req: http.ClientRequest;
  private waiters: (() => void)[] = [];
  private readonly responded: Promise<void>;

  /** `body` is sent as JSON, or as given when it is a string or bytes; `parseRecord` reads a record that is not JSON (protobuf). */
  constructor(url: string, body: unknown, headers: Record<string, string> = {}, parseRecord?: (record: Buffer) => unknown) {
    const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const decoder = new RecordIODecoder(undefined, parseRecord);
    let onResponse!: () => void;
    let onError!: (err: Error) => void;
    this.responded = new Promise<void>((resolve, reject) => {
      onResponse = resolve;
      onError = reject;
    });
    this.req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    }, (res) => {
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      onResponse();
      res.on('data', (chunk: Buffer) => {
        if (this.status !== 200) {
          this.errorText += chunk.toString('utf8');
          return;
        }
        this.rawChunks.push(chunk);
        for (const record of decoder.push(chunk)) this.records.push(record as T);
        this.wake();
      });
      res.on('end', () => this.finish());
      res.on('close', () => this.finish());
      res.on('error', () => this.finish());
    });
    this.req.on('error', (err) => {
      onError(err);
      this.finish();
    });
    this.req.end(payload);
  }

  /** Resolves once the status line and headers are in. */
  async response(): Promise<this> {
    await this.responded;
    return this;
  }

  async waitFor(match: (record: T) => boolean, what: string, opts: { from?: number; timeoutMs?: number } = {}): Promise<T> {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    for (;;) {
      for (let i = opts.from ?? 0; i < this.records.length; i++) if (match(this.records[i])) return this.records[i];
      if (this.ended) throw new Error(`stream ended before ${what}; got ${JSON.stringify(this.records.map((r: any) => r?.type ?? r))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.records.map((r: any) => r?.type ?? r))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Ends the stream from the client side. */
  close(): void {
    this.req.destroy();
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
