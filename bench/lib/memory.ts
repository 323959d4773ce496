/**
 * A process's memory after a full garbage collection, so that a figure counts what is kept, not what
 * happens to be uncollected yet. The collector is reached without --expose-gc on the command line
 * (the flag set at run time, `gc` taken from a fresh context), so every benchmark can be run as it is.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export interface Memory { rssMB: number; heapMB: number; externalMB: number }

export function settledMemory(): Memory {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rssMB: Math.round(rss / 1e6), heapMB: Math.round(heapUsed / 1e6), externalMB: Math.round(external / 1e6) };
}
