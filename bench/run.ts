/**
 * Runs every benchmark in turn, each in its own Node process so one cannot skew another's heap:
 *   npm run bench            all of them
 *   npm run bench -- --quick the small sizes only
 * Each prints its table and writes bench/results/<name>.json.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const benches = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)));

let failed = 0;
for (const file of benches) {
  process.stdout.write(`== ${file}\n`);
  const result = spawnSync(process.execPath, [join(__dirname, file), ...flags], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
