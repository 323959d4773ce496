/**
 * Shared output of the benchmarks: an aligned table on stdout for people, and a JSON file under
 * bench/results/ for comparing runs.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

/** One of the project's stated performance targets, as a benchmark measured it. */
export interface TargetRow {
  benchmark: string;
  measured: string;
  anchor: string;
  target: string;
  /** Whether the target is met; undefined when the row has no pass/fail threshold. */
  met?: boolean;
}

/** Set by bench/run.ts: where each benchmark adds its target rows, for the summary at the end. */
export const TARGETS_FILE_ENV = 'MESOSCLOUD_BENCH_TARGETS';

/** Prints `rows` and hands them to bench/run.ts's closing summary (when run from there). */
export function reportTargets(rows: TargetRow[]): void {
  printTable('Targets', rows.map(targetCells));
  const file = process.env[TARGETS_FILE_ENV];
  if (file) appendFileSync(file, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
}

export function targetCells(row: TargetRow): Row {
  return { benchmark: row.benchmark, measured: row.measured, anchor: row.anchor, target: row.target, met: row.met === undefined ? '' : row.met ? 'yes' : 'NO' };
}
