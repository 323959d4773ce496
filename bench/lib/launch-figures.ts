/**
 * What the launch benchmarks (SSH and EC2) compute and check the same way: medians and spreads in
 * seconds, and the network namespaces of their test hosts that outlived the run.
 */
import { execFileSync } from 'node:child_process';
import { round } from './http';

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const secs = (ms: number): number => round(ms / 1000, 2);

/** "median (min-max)" in seconds. */
export function spread(values: number[]): string {
  return values.length === 1
    ? `${secs(values[0])}`
    : `${secs(median(values))} (${secs(Math.min(...values))}-${secs(Math.max(...values))})`;
}

/** Those of `namespaces` (the runs' own, by name) still listed by `ip netns`. */
export function leftoverNamespaces(namespaces: readonly string[]): string[] {
  const listed = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]);
  return namespaces.filter((n) => listed.includes(n));
}
