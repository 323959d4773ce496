/**
 * Runs every benchmark in turn, each in its own Node process so one cannot skew another's heap:
 *   npm run bench            all of them
 *   npm run bench -- --quick the small sizes only
 * Each prints its table and writes bench/results/<name>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable, targetCells, TARGETS_FILE_ENV, type TargetRow } from './lib/report';

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const benches = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)));

// Each benchmark adds the rows of the project's targets it measured; they are printed together at the end.
const dir = mkdtempSync(join(tmpdir(), 'mesoscloud-bench-'));
const targetsFile = join(dir, 'targets.jsonl');
let failed = 0;
for (const file of benches) {
  process.stdout.write(`== ${file}\n`);
  const result = spawnSync(process.execPath, [join(__dirname, file), ...flags], { stdio: 'inherit', env: { ...process.env, [TARGETS_FILE_ENV]: targetsFile } });
  if (result.status !== 0) failed++;
}
let targets: TargetRow[] = [];
try {
  targets = readFileSync(targetsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as TargetRow);
} catch {
  // no benchmark reported a target
}
rmSync(dir, { recursive: true, force: true });
if (targets.length > 0) printTable(`== Targets${flags.includes('--quick') ? ' (--quick: small sizes)' : ''}`, targets.map(targetCells));
process.exit(failed ? 1 : 0);
