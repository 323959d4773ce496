/** What every benchmark's parent process does the same way: its sizes and how it ends. */

/** Agents in the cluster-scale benchmarks: 1,000 and 10,000, or 1,000 only with --quick. */
export function scaleAgentCounts(): number[] {
  return process.argv.includes('--quick') ? [1000] : [1000, 10_000];
}

/**
 * Runs a benchmark and exits with its outcome: sockets and timers left by the work would otherwise
 * keep the process alive. `onFailure` cleans up what a failed run left behind (e.g. child processes).
 */
export function runMain(main: () => Promise<void>, onFailure: () => void = () => undefined): void {
  main().then(() => process.exit(0), (err: Error) => {
    onFailure();
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
