/**
 * Getting a URI's bytes into a file: over HTTP(S) with redirects followed, TLS verified against the
 * system's CAs (plus an optional CA file), a stall timeout as Mesos's --fetcher_stall_timeout, and an
 * abort signal for a task killed while it fetches; or from a local file, read as the task's user when
 * the agent switches users (Mesos runs its fetcher as that user), so that a task cannot fetch a file
 * its user may not read.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { asUser } from '../task-process';
import type { UserIdentity } from '../task-user';
import { FetchError } from './sandbox-files';

export interface DownloadOptions {
  signal: AbortSignal;
  /** Give up on a transfer that received nothing for this long; 0: never. */
  stallTimeoutMs: number;
  /** PEM bundle of CAs for https://: the system's, Node's and any --fetcher_ca_file; default trustedCas(). */
  ca?: string[];
}

/** Where the system keeps its CA bundle (Debian and friends first). */
const SYSTEM_CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

/** The CAs https:// downloads trust: Node's own list, the system's bundle and `caFile` when given. */
export function trustedCas(caFile?: string): string[] {
  const cas = [...tls.rootCertificates];
  const system = SYSTEM_CA_BUNDLES.find((f) => fs.existsSync(f));
  if (system) cas.push(fs.readFileSync(system, 'utf8'));
  if (caFile) {
    try {
      cas.push(fs.readFileSync(caFile, 'utf8'));
    } catch (err) {
      throw new Error(`--fetcher_ca_file: cannot read '${caFile}': ${(err as Error).message}`);
    }
  }
  return cas;
}

const MAX_REDIRECTS = 10;

/** GETs `uri` into `out`; rejects with Mesos's wording on a status other than 200. Resolves with the byte count. */
export async function downloadHttp(uri: string, out: Writable, opts: DownloadOptions): Promise<number> {
  let url = new URL(uri);
  for (let hop = 0; ; hop++) {
    const res = await request(url, opts);
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(res.statusCode ?? 0) && location && hop < MAX_REDIRECTS) {
      res.resume();
      url = new URL(location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchError(`Error downloading resource: redirected to an unsupported scheme '${url.protocol}'`);
      continue;
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new FetchError(`Error downloading resource, received HTTP return code ${res.statusCode}`);
    }
    let bytes = 0;
    const stall = stallWatch(opts.stallTimeoutMs, () => res.destroy(new FetchError(`Error downloading resource: no data received for ${opts.stallTimeoutMs / 1000}s (--fetcher_stall_timeout)`)));
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      stall.touch();
    });
    try {
      await pipeline(res, out, { signal: opts.signal });
    } catch (err) {
      throw asFetchError(err, opts.signal);
    } finally {
      stall.stop();
    }
    return bytes;
  }
}

function request(url: URL, opts: DownloadOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { signal: opts.signal, ...(url.protocol === 'https:' ? { ca: opts.ca ?? trustedCas() } : {}), headers: { 'user-agent': 'mesoscloud-fetcher' } }, resolve);
    const stall = stallWatch(opts.stallTimeoutMs, () => req.destroy(new Error(`no response for ${opts.stallTimeoutMs / 1000}s (--fetcher_stall_timeout)`)));
    req.on('response', () => stall.stop());
    req.on('error', (err) => {
      stall.stop();
      reject(asFetchError(err, opts.signal));
    });
  });
}

function asFetchError(err: unknown, signal: AbortSignal): Error {
  if (signal.aborted) return new FetchError('Fetch aborted: the task was killed');
  if (err instanceof FetchError) return err;
  return new FetchError(`Error downloading resource: ${(err as Error).message}`);
}

/** Calls `onStall` once nothing happened for `ms` (0: never); `touch` on each sign of life. */
function stallWatch(ms: number, onStall: () => void): { touch(): void; stop(): void } {
  if (ms <= 0) return { touch: () => undefined, stop: () => undefined };
  let timer = setTimeout(onStall, ms);
  return {
    touch: () => {
      clearTimeout(timer);
      timer = setTimeout(onStall, ms);
    },
    stop: () => clearTimeout(timer),
  };
}

/**
 * Copies a local file into `out`. As the agent's own user when `user` is undefined; else through
 * `cat` run as that user, so the file system's permissions are the task user's.
 */
export async function copyLocal(file: string, out: Writable, user: UserIdentity | undefined, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  const count = (chunk: Buffer | string) => void (bytes += chunk.length);
  if (!user) {
    const stat = await fs.promises.stat(file).catch((err: NodeJS.ErrnoException) => {
      throw new FetchError(err.code === 'ENOENT' ? `Failed to read '${file}': no such file` : `Failed to read '${file}': ${err.message}`);
    });
    if (!stat.isFile()) throw new FetchError(`Failed to read '${file}': not a regular file`);
    const input = fs.createReadStream(file);
    input.on('data', count);
    await pipeline(input, out, { signal }).catch((err) => { throw asFetchError(err, signal) });
    return bytes;
  }
  const [command, ...args] = asUser(user, ['/bin/cat', '--', file]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, signal });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  child.stdout.on('data', count);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.on('error', () => undefined);
  try {
    await pipeline(child.stdout, out, { signal });
  } catch (err) {
    throw asFetchError(err, signal);
  }
  const code = await exited;
  if (signal.aborted) throw asFetchError(undefined, signal);
  if (code !== 0) {
    const reason = stderr.trim().replace(/^\/bin\/cat: /, '').replace(/^cat: /, '') || `exit status ${code}`;
    throw new FetchError(`Failed to read '${file}' as user '${user.name}': ${reason}`);
  }
  return bytes;
}
