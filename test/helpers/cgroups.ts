/**
 * Suites that check real cgroup limits need writable cgroups (root on Linux). Without them they
 * fail and say how to fix it, rather than pass having checked nothing; a developer who knows
 * their machine cannot run them sets MESOSCLOUD_SKIP_CGROUP_TESTS=1 to skip them on purpose.
 */
import type { Isolator } from '../../cluster/agent/cgroups';

export const SKIP_CGROUP_TESTS = process.env.MESOSCLOUD_SKIP_CGROUP_TESTS === '1';

/** True when the cgroup checks should run; throws when they cannot and nobody asked to skip them. */
export function cgroupsUsable(isolator: Isolator, suite: string): boolean {
  if (isolator.kind !== 'none') return true;
  if (SKIP_CGROUP_TESTS) {
    console.warn(`SKIPPED ${suite}: MESOSCLOUD_SKIP_CGROUP_TESTS=1 and cgroups are not writable here`);
    return false;
  }
  throw new Error(
    `${suite} needs writable cgroups (v1 or v2): run the tests as root on Linux with /sys/fs/cgroup writable, ` +
      'or set MESOSCLOUD_SKIP_CGROUP_TESTS=1 to skip them knowingly',
  );
}
