/**
 * Shared output of the benchmarks: an aligned table on stdout for people, and a JSON file under
 * bench/results/ for comparing runs.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Row = Record<string, string | number>;

/** Prints rows as columns aligned on the widest cell; numbers are right-aligned. */
export function printTable(title: string, rows: Row[]): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (v: string | number | undefined) => (v === undefined ? '' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((row) => cell(row[c]).length)));
  const line = (cells: string[], numeric: boolean[]) =>
    cells.map((text, i) => (numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]))).join('  ').trimEnd();
  const numeric = columns.map((c) => rows.every((row) => typeof row[c] !== 'string'));
  const out = [title, line(columns, numeric), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows) out.push(line(columns.map((c) => cell(row[c])), numeric));
  process.stdout.write(out.join('\n') + '\n\n');
}

/** Writes bench/results/<name>.json (from the source tree or from dist/, whichever runs). */
export function writeResults(name: string, data: unknown): string {
  const file = join(projectRoot(), 'bench', 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
