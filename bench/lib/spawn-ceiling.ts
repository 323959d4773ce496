/**
 * The ceiling a launching agent is measured against: a fresh Node process that does nothing but
 * `child_process.spawn` the same command line, `window` at a time, as the agent starts a task's
 * process (detached into its own process group, no stdin). Run as a forked child so that nothing
 * else shares its event loop.
 *
 * 'exit': each slot waits for its process to end (the rate of completions, as for `true`);
 * 'spawn': each slot waits only until the process exists (the rate of starts, as for `sleep 1`,
 * whose processes pile up running), and the count ends once every process has exited.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Child, runChild, sendToParent, untilParentSays } from './child';

export type CeilingMode = 'exit' | 'spawn';

export interface CeilingResult {
  mode: CeilingMode;
  count: number;
  window: number;
  seconds: number;
  perSecond: number;
  /** CPU of the spawning Node process per process started (user + system, ms). */
  cpuMsPerSpawn: number;
}

function startOne(argv: string[], mode: CeilingMode, exits: Promise<void>[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('error', reject);
    if (mode === 'exit') {
      void exited.then(resolve);
    } else {
      exits.push(exited);
      child.once('spawn', () => resolve());
    }
  });
}

export async function measureCeiling(argv: string[], mode: CeilingMode, count: number, window: number): Promise<CeilingResult> {
  const exits: Promise<void>[] = [];
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const slot = async () => {
    while (next < count) {
      next++;
      await startOne(argv, mode, exits);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, slot));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all(exits);
  return { mode, count, window, seconds, perSecond: count / seconds, cpuMsPerSpawn: (cpu.user + cpu.system) / 1000 / count };
}

/** Runs measureCeiling in a fresh Node process and returns what it measured. */
export async function ceilingInFreshProcess(argv: string[], mode: CeilingMode, count: number, window: number): Promise<CeilingResult> {
  const child = new Child(__filename, ['spawn-ceiling', JSON.stringify(argv), mode, String(count), String(window)]);
  try {
    await child.ready;
    const result = child.next((m) => m.type === 'result');
    child.go();
    return (await result).data as CeilingResult;
  } finally {
    child.stop();
  }
}

if (require.main === module && process.argv[2] === 'spawn-ceiling') {
  const [, , , argv, mode, count, window] = process.argv;
  runChild((async () => {
    await untilParentSays('go');
    const result = await measureCeiling(JSON.parse(argv) as string[], mode as CeilingMode, Number(count), Number(window));
    sendToParent({ type: 'result', data: result });
    await new Promise(() => undefined);
  })());
}
