/**
 * The three probes a check runs, each resolving (never rejecting) with what it found. Mesos starts
 * a helper process per probe (curl, mesos-tcp-connect; MESOS-6766 calls that overhead out): here
 * HTTP and TCP are done with node's own sockets, and only a COMMAND probe starts a process, one
 * shell, in the task's sandbox with the task's environment and user.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { DEFAULT_PATH } from '../task-command';
import { asUser } from '../task-process';
import type { UserIdentity } from '../task-user';

/** Mesos probes the loopback address, never a configurable host (docs/health-checks.md). */
export const PROBE_HOST = '127.0.0.1';

export interface CommandProbe {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  user?: UserIdentity;
  /** 0: no timeout. */
  timeoutMs: number;
  /** Aborted when the task's checks stop: the command's process group is killed at once. */
  signal?: AbortSignal;
}

/** exitCode undefined: it did not end by itself (timed out, could not start). */
export interface CommandResult { exitCode?: number; error?: string }

/** Runs the command in its own process group; on timeout the whole group is killed. */
export function probeCommand(p: CommandProbe): Promise<CommandResult> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (p.signal?.aborted) {
      resolve({ error: 'checking stopped' });
      return;
    }
    let argv: string[];
    try {
      argv = p.user ? asUser(p.user, p.argv) : p.argv;
    } catch (err) {
      resolve({ error: (err as Error).message });
      return;
    }
    const child = spawn(argv[0], argv.slice(1), { cwd: p.cwd, env: { PATH: DEFAULT_PATH, ...p.env }, detached: true, stdio: 'ignore' });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const done = (r: CommandResult) => {
      clearTimeout(timer);
      p.signal?.removeEventListener('abort', killGroup);
      resolve(r);
    };
    p.signal?.addEventListener('abort', killGroup, { once: true });
    child.once('error', (err) => done({ error: `could not start the command: ${err.message}` }));
    child.once('exit', (code, signal) => {
      if (timedOut) done({ error: `command has not returned after ${p.timeoutMs / 1000}s; aborted` });
      else if (code !== null) done({ exitCode: code });
      else done({ error: `command terminated with signal ${signal}` });
    });
    if (p.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, p.timeoutMs);
    }
  });
}

export interface HttpProbe {
  port: number;
  path?: string;
  scheme?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** statusCode undefined: no response (refused, timed out). */
export interface HttpResult { statusCode?: number; error?: string }

/** GET scheme://127.0.0.1:port/path; the body is discarded; https certificates are not verified (curl -k, as Mesos). */
export function probeHttp(p: HttpProbe): Promise<HttpResult> {
  return new Promise((resolve) => {
    const client = p.scheme === 'https' ? https : http;
    let settled = false;
    const done = (r: HttpResult) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = client.get({
      host: PROBE_HOST,
      port: p.port,
      path: p.path || '/',
      agent: false,
      rejectUnauthorized: false,
      headers: { 'user-agent': 'mesoscloud-health-check', connection: 'close' },
      ...(p.signal ? { signal: p.signal } : {}),
    }, (res) => {
      done({ statusCode: res.statusCode });
      res.resume();
      req.destroy();
    });
    req.once('error', (err) => done({ error: err.message }));
    if (p.timeoutMs > 0) {
      req.setTimeout(p.timeoutMs, () => {
        done({ error: `no response after ${p.timeoutMs / 1000}s` });
        req.destroy();
      });
    }
  });
}

/** `gaveUp`: no answer either way (timed out or aborted), as opposed to a refused connection. */
export interface TcpResult { connected: boolean; error?: string; gaveUp?: true }

/**
 * Whether a connection to 127.0.0.1:port can be established. The abort listener is added and removed
 * here: net.connect's own `signal` option leaves one listener on the signal per connection, which a
 * task probed every second for weeks would pile up.
 */
export function probeTcp(p: { port: number; timeoutMs: number; signal?: AbortSignal }): Promise<TcpResult> {
  return new Promise((resolve) => {
    if (p.signal?.aborted) {
      resolve({ connected: false, error: 'aborted', gaveUp: true });
      return;
    }
    const socket = net.connect({ host: PROBE_HOST, port: p.port });
    let settled = false;
    const onAbort = () => done({ connected: false, error: 'aborted', gaveUp: true });
    const done = (r: TcpResult) => {
      if (settled) return;
      settled = true;
      p.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    p.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done({ connected: true }));
    socket.once('error', (err) => done({ connected: false, error: err.message }));
    if (p.timeoutMs > 0) socket.setTimeout(p.timeoutMs, () => done({ connected: false, error: `no connection after ${p.timeoutMs / 1000}s`, gaveUp: true }));
  });
}
