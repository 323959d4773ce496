/**
 * Running the built CLI as a user does (`node bin/run.js ...`), with its own data dir so no test
 * sees another's clusters. Not a test file: the e2e suites import it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'run.js');

export interface CliResult { code: number | null; stdout: string; stderr: string }

export interface CliOptions {
  /** XDG_DATA_HOME for the run: the registry lives under it. */
  dataHome: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  onStdout?: (soFar: string, child: ChildProcess) => void;
  onStderr?: (soFar: string, child: ChildProcess) => void;
}

export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: opts.dataHome, MESOSCLOUD_DATA_DIR: '', MESOSCLOUD_CLUSTER: '', MESOSCLOUD_MASTER: '', ...opts.env };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      opts.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mesoscloud ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Builds once when dist/ is missing; the suites run the compiled CLI. */
export function ensureBuilt(): void {
  const marker = path.join(ROOT, 'dist', 'cli', 'commands', 'exec.js');
  if (fs.existsSync(marker)) return;
  try {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // tsc reports errors in files still being written but emits anyway; what matters is below.
  }
  if (!fs.existsSync(marker)) throw new Error('the CLI is not built: run `npm run build`');
}

/** A stack trace in output means an error escaped the CLI's error handling. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+\(.+:\d+:\d+\)$/m.test(text) || /^\s+at .+:\d+:\d+$/m.test(text);
}

/** oclif wraps error output at 80 columns behind " ›   " marks: one line of plain words, for matching. */
export function unwrap(text: string): string {
  return text.replace(/\n\s*›\s*/g, ' ').replace(/\s+/g, ' ');
}
