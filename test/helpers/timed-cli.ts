/**
 * Runs the built CLI as a user does (`node bin/run.js ...`) and keeps, for every line it writes to
 * stderr, when that line arrived: the launcher's progress lines then tell where the time went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { cliEntryPoint } from '../../infra/package-root';

export interface TimedLine { ms: number; text: string }

export interface TimedRun {
  code: number | null;
  /** From spawn to exit. */
  ms: number;
  stdout: string;
  stderr: string;
  /** stderr, line by line, each with its arrival time since spawn. */
  lines: TimedLine[];
}

export interface TimedCliOptions {
  /** XDG_DATA_HOME of the run: the cluster catalog lives under it. */
  dataHome: string;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Hears each stderr line as it arrives (e.g. to echo it). */
  onLine?: (line: TimedLine) => void;
  /** Hear all output so far on each chunk, with the child (e.g. to interrupt it at some point). */
  onStdout?: (soFar: string, child: ChildProcess) => void;
  onStderr?: (soFar: string, child: ChildProcess) => void;
}

export function timedCli(args: string[], opts: TimedCliOptions): Promise<TimedRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env, XDG_DATA_HOME: opts.dataHome, MESOSCLOUD_DATA_DIR: '', MESOSCLOUD_CLUSTER: '', MESOSCLOUD_MASTER: '', ...opts.env,
  };
  const timeoutMs = opts.timeoutMs ?? 300_000;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [cliEntryPoint(), ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const lines: TimedLine[] = [];
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (c: Buffer) => {
      const ms = performance.now() - start;
      const text = c.toString();
      stderr += text;
      opts.onStderr?.(stderr, child);
      const parts = (partial + text).split('\n');
      partial = parts.pop()!;
      for (const part of parts) {
        const line = { ms, text: part };
        lines.push(line);
        opts.onLine?.(line);
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mesoscloud ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    let exitMs = 0;
    child.on('error', reject);
    child.on('exit', () => (exitMs = performance.now() - start));
    // 'close' comes after the last output; the time is still the exit's.
    child.on('close', (code) => {
      clearTimeout(timer);
      if (partial) lines.push({ ms: exitMs, text: partial });
      resolve({ code, ms: exitMs, stdout, stderr, lines });
    });
  });
}
