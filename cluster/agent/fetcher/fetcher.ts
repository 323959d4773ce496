/**
 * Mesos's fetcher: puts a command's URIs (CommandInfo.uris) into a sandbox before its process starts.
 * fetchUris is the one entry point; the command task runner calls it for each task, and an executor
 * launcher calls it for ExecutorInfo.command.uris the same way.
 *
 * Each URI is downloaded (http, https) or copied (file://, absolute path) either straight into the
 * sandbox or through the agent-wide cache (`cache: true`), then made executable, extracted, or left as
 * it is (uri-rules.ts has the rules). Everything is done by the agent and given to the task's user;
 * local files are read as that user. Progress and errors go to the sandbox's `stderr` with the lines
 * Mesos's fetcher writes there ("Fetching URI '...'", "Fetched '...' to '...'").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandInfo_URI, TaskState, TaskStatusReason, TaskStatusSource } from '../../protocol/types';
import type { Logger } from '../../util/log';
import type { UserIdentity } from '../task-user';
import { copyLocal, downloadHttp, trustedCas, type DownloadOptions } from './download';
import { FetcherCache, NotCachedError } from './fetcher-cache';
import { copyInside, FetchError, openInside } from './sandbox-files';
import { cacheKey, fetchAction, isNetUri, sandboxFileName, unsupportedScheme, uriBasename, uriToLocalPath } from './uri-rules';

export { FetchError } from './sandbox-files';

/** The agent's fetcher: its cache and settings, shared by every fetch. */
export interface AgentFetcher {
  /** The agent's cache; without one, URIs with `cache: true` are fetched directly. */
  cache?: FetcherCache;
  /** --fetcher_stall_timeout in milliseconds; 0: none. Default: a minute, Mesos's default. */
  stallTimeoutMs?: number;
  /** CAs for https:// (download.ts trustedCas); default: the system's and Node's. */
  ca?: string[];
}

export interface FetchOptions extends AgentFetcher {
  /** Aborts the fetch: the task was killed meanwhile. */
  signal?: AbortSignal;
}

export interface AgentFetcherSettings {
  cacheDir: string;
  cacheSizeBytes: number;
  stallTimeoutSeconds: number;
  caFile?: string;
}

/** The agent's fetcher; its cache's directory is made (and emptied) by cache.prepare() when the agent starts. */
export function createAgentFetcher(settings: AgentFetcherSettings, log: Logger): AgentFetcher & { cache: FetcherCache } {
  const cache = new FetcherCache(settings.cacheDir, settings.cacheSizeBytes, log.child('fetcher_cache'));
  return { cache, stallTimeoutMs: settings.stallTimeoutSeconds * 1000, ca: trustedCas(settings.caFile) };
}

/** How a task whose fetch failed ends: Mesos's REASON_FETCHER_FAILED, with the URI and the cause. */
export function fetchFailure(err: Error): { state: TaskState; source: TaskStatusSource; reason: TaskStatusReason; message: string } {
  return { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_FETCHER_FAILED', message: err.message };
}

const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** A failed fetch: which URI, and what went wrong with it, worded as Mesos's fetcher does. */
export class UriFetchError extends FetchError {
  constructor(readonly uri: string, readonly reason: string) {
    super(`Failed to fetch '${uri}': ${reason}`);
  }
}

const EXECUTABLE_MODE = 0o755;

/** One glog-style line, as Mesos's fetcher writes them to the sandbox's stderr. */
function logLine(level: 'I' | 'W' | 'E', message: string, now = new Date()): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}.${pad(now.getUTCMilliseconds() * 1000, 6)}`;
  return `${level}${stamp} ${String(process.pid).padStart(5)} fetcher.ts] ${message}\n`;
}

/**
 * Fetches every URI into `sandbox` (which exists) for `user` (undefined: the agent's own user), in
 * order; throws UriFetchError at the first one that fails, or FetchError when aborted.
 */
export async function fetchUris(uris: readonly CommandInfo_URI[], sandbox: string, user: UserIdentity | undefined, options: FetchOptions, log: Logger): Promise<void> {
  if (uris.length === 0) return;
  // Appended to, never through a link; the task's own output follows (task-process.ts appends too).
  const stderr = openInside(sandbox, 'stderr', user, 0o640, true);
  const write = (level: 'I' | 'W' | 'E', message: string) => fs.writeSync(stderr.fd, logLine(level, message));
  try {
    await fetchAll(uris, sandbox, user, options, log, write);
  } finally {
    fs.closeSync(stderr.fd);
  }
}

async function fetchAll(uris: readonly CommandInfo_URI[], sandbox: string, user: UserIdentity | undefined, options: FetchOptions, log: Logger, write: Write): Promise<void> {
  const signal = options.signal ?? new AbortController().signal;
  for (const uri of uris) {
    write('I', `Fetching URI '${uri.value}'`);
    try {
      const where = await fetchOne(uri, sandbox, user, options, signal, write);
      write('I', `Fetched '${uri.value}' to '${where}'`);
    } catch (err) {
      const reason = (err as Error).message;
      if (signal.aborted) {
        write('E', `Fetching '${uri.value}' aborted: the task was killed`);
        throw new FetchError('Fetch aborted: the task was killed');
      }
      write('E', `Failed to fetch '${uri.value}': ${reason}`);
      log.warn('fetch failed', { uri: uri.value, sandbox, error: reason });
      throw new UriFetchError(uri.value, reason);
    }
  }
  write('I', `Successfully fetched all URIs into '${sandbox}'`);
}

type Write = (level: 'I' | 'W' | 'E', message: string) => void;

/** Fetches one URI; returns what it became (a file, or the sandbox when extracted), for the log. */
async function fetchOne(uri: CommandInfo_URI, sandbox: string, user: UserIdentity | undefined, options: FetchOptions, signal: AbortSignal, write: Write): Promise<string> {
  const base = uriBasename(uri.value);
  if (!base.ok) throw new FetchError(base.error);
  const unsupported = unsupportedScheme(uri.value);
  if (unsupported) throw new FetchError(unsupported);
  const name = sandboxFileName(uri);
  if (!name.ok) throw new FetchError(name.error);
  const action = fetchAction(uri, name.value);
  const download: DownloadOptions = { signal, stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, ...(options.ca ? { ca: options.ca } : {}) };

  if (uri.cache && options.cache) {
    const cache = options.cache;
    let cached;
    try {
      cached = await cache.acquire(cacheKey(user?.name, uri.value), uri.value, signal, async (file) => {
        write('I', `Downloading into cache`);
        // The cache's own signal: the download goes on for the other fetches waiting for it.
        await fetchTo(uri.value, file, undefined, user, { ...download, signal: cache.signal });
      });
    } catch (err) {
      if (signal.aborted || !(err instanceof NotCachedError)) throw err;
      write('W', `Reverting to fetching directly into the sandbox for '${uri.value}', due to failure to fetch through the cache, with error: ${(err as Error).message}`);
    }
    if (cached) {
      try {
        write('I', 'Fetching from cache');
        if (action === 'chmod') return await copyInside(cached.file, sandbox, name.value, user, EXECUTABLE_MODE);
        if (action !== 'copy') {
          await extractArchive(action.extract, cached.file, sandbox, user, signal);
          return sandbox;
        }
        return await copyInside(cached.file, sandbox, name.value, user);
      } finally {
        cached.release();
      }
    }
  }

  write('I', 'Fetching directly into the sandbox directory');
  const file = await fetchTo(uri.value, sandbox, name.value, user, download, action === 'chmod' ? EXECUTABLE_MODE : 0o644);
  if (action !== 'chmod' && action !== 'copy') {
    await extractArchive(action.extract, file, sandbox, user, signal);
    write('I', `Extracted '${file}' into '${sandbox}'`);
  }
  return file;
}

/**
 * Downloads or copies `uri` to `rel` inside `root` (a sandbox), or to the file `root` itself when
 * `rel` is undefined (a cache file, the agent's). Returns the file written.
 */
async function fetchTo(uri: string, root: string, rel: string | undefined, user: UserIdentity | undefined, download: DownloadOptions, mode = 0o644): Promise<string> {
  const target = rel === undefined
    ? { fd: fs.openSync(root, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o600), file: root }
    : openInside(root, rel, user, mode);
  if (rel !== undefined) fs.fchmodSync(target.fd, mode);
  const out = fs.createWriteStream('', { fd: target.fd });
  const trimmed = uri.trimStart();
  try {
    if (isNetUri(trimmed)) await downloadHttp(trimmed, out, download);
    else {
      const local = uriToLocalPath(trimmed);
      if (!local || !local.ok) throw new FetchError(local?.error ?? `Unsupported URI '${uri}'`);
      await copyLocal(path.normalize(local.value), out, user, download.signal);
    }
  } catch (err) {
    // A partial file is no use to the task; what it is (a link or a directory) was checked by openInside.
    fs.rmSync(target.file, { force: true });
    throw err;
  } finally {
    // Closes the file whether or not the transfer got as far as writing to it.
    out.destroy();
  }
  return target.file;
}

/**
 * tar, yauzl and zlib are loaded with the first archive to extract, not with every agent: an idle
 * agent never needs them (about 30 ms of its start-up and a few MB).
 */
async function extractArchive(...args: Parameters<typeof import('./extract').extractArchive>): Promise<void> {
  const { extractArchive: extract } = await import('./extract');
  return extract(...args);
}
