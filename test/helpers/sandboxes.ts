/** Finding a run's sandbox under an agent's work dir, as an operator would (sandbox-paths.ts has the layout). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The sandbox of the one run of executor `executorId` (a command task's id) under `workDir`; undefined when there is none. */
export function findRunSandbox(workDir: string, executorId: string): string | undefined {
  const slaves = path.join(workDir, 'slaves');
  for (const a of fs.readdirSync(slaves)) {
    for (const f of fs.readdirSync(path.join(slaves, a, 'frameworks'))) {
      const runs = path.join(slaves, a, 'frameworks', f, 'executors', executorId, 'runs');
      if (fs.existsSync(runs)) return path.join(runs, fs.readdirSync(runs)[0]);
    }
  }
  return undefined;
}

/** As findRunSandbox, throwing when there is none. */
export function runSandbox(workDir: string, executorId: string): string {
  const sandbox = findRunSandbox(workDir, executorId);
  if (!sandbox) throw new Error(`no sandbox for executor ${executorId} under ${workDir}`);
  return sandbox;
}
