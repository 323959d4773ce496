/**
 * A stack's checkpoint out and back in, for clearing pending operations. Not the Automation API's
 * exportStack/importStack: those export with `--show-secrets` and import from a file in the system
 * temp directory with the default mode, which would leave the stack's secrets in plain text in
 * /tmp. Here secrets stay encrypted (no --show-secrets; `stack import` takes them back as they are)
 * and the file is 0600 in the engine's own work directory, removed right after.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PulumiRun {
  /** The CLI (PulumiCommand.command). */
  command: string;
  cwd: string;
  /** Added to this process's environment; an undefined value removes a variable. */
  env: Record<string, string | undefined>;
}

export interface Exported {
  version: number;
  deployment: Record<string, unknown>;
}

function pulumi(run: PulumiRun, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(run.command, [...args, '--non-interactive'], { cwd: run.cwd, env: { ...process.env, ...run.env }, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(`pulumi ${args.slice(0, 2).join(' ')} failed: ${stderr.trim() || err.message}`), { commandResult: { stderr } }));
      else resolve(stdout);
    });
  });
}

export async function exportState(run: PulumiRun, stack: string): Promise<Exported> {
  return JSON.parse(await pulumi(run, ['stack', 'export', '--stack', stack])) as Exported;
}

export async function importState(run: PulumiRun, stack: string, state: Exported): Promise<void> {
  const file = path.join(run.cwd, `state-${randomBytes(6).toString('hex')}.json`);
  fs.writeFileSync(file, JSON.stringify(state), { mode: 0o600, flag: 'wx' });
  try {
    await pulumi(run, ['stack', 'import', '--file', file, '--stack', stack]);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
