/**
 * Running the built CLI as a user does (`node bin/run.js ...`), with its own data dir so no test
 * sees another's clusters. Not a test file: the e2e and integration suites import it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../infra/package-root';
import { timedCli, type TimedCliOptions } from './timed-cli';

/** The package's root, from the sources (tests) and from dist/ (benchmarks that start the daemons) alike. */
export const ROOT = packageRoot(__dirname);

export interface CliResult { code: number | null; stdout: string; stderr: string }

type CliOptions = Pick<TimedCliOptions, 'dataHome' | 'env' | 'timeoutMs' | 'onStdout' | 'onStderr'>;

export async function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  const { code, stdout, stderr } = await timedCli(args, { ...opts, cwd: ROOT, timeoutMs: opts.timeoutMs ?? 60_000 });
  return { code, stdout, stderr };
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
