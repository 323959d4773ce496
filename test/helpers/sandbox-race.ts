/**
 * The symlink-swap race against /files: a separate process, standing in for a hostile task, swaps
 * names in a sandbox between a real directory (or file) and a symlink to a directory outside that
 * holds a secret, as fast as it can, while a test reads those names over HTTP many times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the names hold inside the sandbox; the secret is what lies outside. */
export interface RaceLayout {
  secret: string;
  /** `<sandbox>/d/data` (d swaps between a directory and a link) and `<sandbox>/f` (a file and a link). */
  files: string[];
  inside: string;
}

/**
 * Lays out `sandbox`: `d/` and `f` hold `inside`; `d.link` and `f.link` are symlinks to `outside/` and
 * `outside/data`, which holds the secret.
 */
export function layOutRace(sandbox: string, outside: string): RaceLayout {
  const secret = `TOP-SECRET-${process.pid}-${Date.now()}`;
  const inside = 'inside-content';
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'data'), secret);
  fs.mkdirSync(path.join(sandbox, 'd'));
  fs.writeFileSync(path.join(sandbox, 'd', 'data'), inside);
  fs.writeFileSync(path.join(sandbox, 'f'), inside);
  fs.symlinkSync(outside, path.join(sandbox, 'd.link'));
  fs.symlinkSync(path.join(outside, 'data'), path.join(sandbox, 'f.link'));
  return { secret, inside, files: [path.join(sandbox, 'd', 'data'), path.join(sandbox, 'f')] };
}

/**
 * Each step renames twice per name, so `d` (and `f`) is in turn the real thing, missing, the link,
 * missing. It yields to its event loop now and then, so SIGTERM reaches it; it then prints its count.
 */
const SWAPPER = `
const fs = require('fs');
const dir = process.argv[1];
const at = (n) => dir + '/' + n;
let swaps = 0;
process.on('SIGTERM', () => { process.stdout.write(String(swaps)); process.exit(0); });
const swapped = (name, stash) => {
  try {
    if (swaps % 2 === 0) { fs.renameSync(at(name), at(stash)); fs.renameSync(at(name + '.link'), at(name)); }
    else { fs.renameSync(at(name), at(name + '.link')); fs.renameSync(at(stash), at(name)); }
  } catch (err) { process.stderr.write(String(err)); process.exit(1); }
};
const burst = () => {
  for (let i = 0; i < 200; i++) { swapped('d', 'd.real'); swapped('f', 'f.real'); swaps++; }
  setImmediate(burst);
};
process.stdout.write('ready\\n');
burst();
`;

export class Swapper {
  private constructor(private readonly child: ChildProcess, private output: string) {}

  static async start(sandbox: string): Promise<Swapper> {
    const child = spawn(process.execPath, ['-e', SWAPPER, sandbox], { stdio: ['ignore', 'pipe', 'pipe'] });
    let errors = '';
    child.stderr!.on('data', (c: Buffer) => (errors += c.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (c: Buffer) => resolve(c.toString()));
      child.once('exit', (code) => reject(new Error(`the swapper exited (${code}): ${errors}`)));
    });
    const swapper = new Swapper(child, '');
    child.stdout!.on('data', (c: Buffer) => (swapper.output += c.toString()));
    if (!first.startsWith('ready')) throw new Error(`the swapper said '${first}'`);
    return swapper;
  }

  /** Stops it; resolves with how many times each name was swapped. */
  async stop(): Promise<number> {
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`the swapper exited with ${code}`);
    return Number(this.output.trim());
  }
}

/** One answer: its status and body text. */
export interface RaceAnswer {
  status: number;
  text: string;
}

/** Tally of the answers, by "<label> <status>". */
export type RaceTally = Record<string, number>;

/**
 * Runs `total` requests `concurrency` at a time; `request(i)` gives the label and answer of the i-th.
 * Every answer is checked by `check`, which returns a failure description or undefined.
 */
export async function race(
  total: number,
  concurrency: number,
  request: (i: number) => Promise<{ label: string; answer: RaceAnswer }>,
  check: (label: string, answer: RaceAnswer) => string | undefined,
): Promise<{ tally: RaceTally; failures: string[] }> {
  const tally: RaceTally = {};
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const { label, answer } = await request(next++);
      const key = `${label} ${answer.status}`;
      tally[key] = (tally[key] ?? 0) + 1;
      const failure = check(label, answer);
      if (failure && failures.length < 20) failures.push(`${key}: ${failure}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { tally, failures };
}

/** The common rule: never a 5xx, never the secret, and a 2xx carries what is inside. */
export function checkRaceAnswer(layout: RaceLayout, answer: RaceAnswer, body: (text: string) => string = (t) => t): string | undefined {
  if (answer.text.includes(layout.secret)) return 'the secret leaked';
  if (answer.status >= 200 && answer.status < 300) {
    const content = body(answer.text);
    if (content.includes(layout.secret)) return 'the secret leaked';
    return content === layout.inside ? undefined : `unexpected content '${content.slice(0, 80)}'`;
  }
  return answer.status >= 400 && answer.status < 500 ? undefined : `status ${answer.status}: ${answer.text.slice(0, 200)}`;
}
