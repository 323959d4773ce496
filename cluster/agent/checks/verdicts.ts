/**
 * What a probe's result means, without clocks or sockets, as Mesos's checker library decides it
 * (src/checks/health_checker.cpp, checker_process.cpp):
 *
 * - Health: the first success, and the first success after failures, report healthy; every failure
 *   outside the grace period reports unhealthy ("built-in executors forward all unhealthy status
 *   updates", docs/health-checks.md), and the one that reaches `consecutive_failures` also asks for
 *   the task to be killed. Failures before the first success within the grace period (counted
 *   from the task's start, delay included) are ignored; once a check succeeded there is no grace.
 * - General checks: a result is reported when it differs from the previous one (the first always
 *   is); they never kill.
 */
import type { CheckStatusInfo, CheckType } from '../../protocol/types';

export interface HealthVerdict {
  /** The update to send, if any. */
  healthy?: boolean;
  /** Consecutive failures so far (0 after a success). */
  failures: number;
  /** The failures reached `consecutive_failures`: the task is to be killed. */
  kill: boolean;
}

export class HealthTally {
  private initializing = true;
  private failures = 0;

  constructor(private readonly settings: { gracePeriodMs: number; consecutiveFailures: number }, private readonly startedAt: number) {}

  /** `now` is in the same unit and clock as `startedAt` (ms). */
  record(ok: boolean, now: number): HealthVerdict {
    if (ok) {
      const report = this.initializing || this.failures > 0;
      this.initializing = false;
      this.failures = 0;
      return { ...(report ? { healthy: true } : {}), failures: 0, kill: false };
    }
    const { gracePeriodMs, consecutiveFailures } = this.settings;
    if (this.initializing && gracePeriodMs > 0 && now - this.startedAt <= gracePeriodMs) return { failures: this.failures, kill: false };
    this.failures++;
    return { healthy: false, failures: this.failures, kill: this.failures >= consecutiveFailures };
  }
}

/** The status a check of `type` reports before it has a result: its member present and empty, as Mesos sends it. */
export function emptyCheckStatus(type: CheckType): CheckStatusInfo {
  switch (type) {
    case 'COMMAND': return { type, command: {} };
    case 'HTTP': return { type, http: {} };
    case 'TCP': return { type, tcp: {} };
    default: return { type };
  }
}

/**
 * A general check's successive results; `next` returns the result when it is news. As in Mesos, the
 * first result is always news, even one as empty as the status sent at launch (a check that could
 * not be performed, say one that timed out).
 */
export class CheckTally {
  private previous?: string;

  next(result: CheckStatusInfo): CheckStatusInfo | undefined {
    const key = JSON.stringify(result);
    if (key === this.previous) return undefined;
    this.previous = key;
    return result;
  }
}
