/**
 * A suite of `mesoscloud exec` runs: the built CLI, with a data dir of its own, against one in-process
 * cluster of one agent, set up before the suite's tests and removed after them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCluster, type TestCluster } from './cluster';
import { ensureBuilt, runCli, type CliResult } from './run-cli';

export interface ExecSuite {
  cluster(): TestCluster;
  /** The CLI's data dir, for the suite's own files too. */
  scratch(): string;
  /** `mesoscloud exec --master <the cluster> ...args`. */
  exec(args: string[]): Promise<CliResult>;
}

export function execSuite(prefix: string): ExecSuite {
  let cluster: TestCluster | undefined;
  let scratch: string | undefined;

  beforeAll(async () => {
    ensureBuilt();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    cluster = await startCluster({ agents: 1 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  return {
    cluster: () => cluster!,
    scratch: () => scratch!,
    exec: (args) => runCli(['exec', '--master', cluster!.url, ...args], { dataHome: scratch!, timeoutMs: 60_000 }),
  };
}
