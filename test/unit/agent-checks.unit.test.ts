/**
 * The pure parts of health checks and general checks: Mesos's validation and defaults
 * (protocol/check-validation.ts), what a probe's result means (agent/checks/verdicts.ts), and
 * exec's --health-check-* flags (cli/health-check-flags.ts).
 */
import fc from 'fast-check';
import { healthCheckOf, probeTarget } from '../../cli/health-check-flags';
import { CheckTally, emptyCheckStatus, HealthTally } from '../../cluster/agent/checks/verdicts';
import { checkInfoProblem, checkSchedule, healthCheckProblem, healthSettings } from '../../cluster/protocol/check-validation';
import { latestHealth } from '../../cluster/protocol/task-health';
import { checkTaskInfo, taskToRunProblem } from '../../cluster/protocol/task-validation';
import type { HealthCheck, TaskInfo } from '../../cluster/protocol/types';

describe('health check validation (Mesos validateHealthCheck)', () => {
  it.each<[HealthCheck, string | undefined]>([
    [{ type: 'TCP', tcp: { port: 80 } }, undefined],
    [{ type: 'HTTP', http: { port: 80, path: '/ready', scheme: 'https' } }, undefined],
    [{ type: 'COMMAND', command: { value: 'true' } }, undefined],
    [{ http: { port: 80 } }, "HealthCheck must specify 'type'"],
    [{ type: 'UNKNOWN' }, "'UNKNOWN' is not a valid health check type"],
    [{ type: 'COMMAND' }, "Expecting 'command' to be set for COMMAND health check"],
    [{ type: 'COMMAND', command: { shell: false } }, "Command health check must contain 'executable path'"],
    [{ type: 'HTTP' }, "Expecting 'http' to be set for HTTP health check"],
    [{ type: 'HTTP', http: { port: 80, scheme: 'ftp' } }, "Unsupported HTTP health check scheme: 'ftp'"],
    [{ type: 'HTTP', http: { port: 80, path: 'health' } }, "The path 'health' of HTTP health check must start with '/'"],
    [{ type: 'TCP' }, "Expecting 'tcp' to be set for TCP health check"],
    [{ type: 'TCP', tcp: { port: 80 }, delay_seconds: -1 }, "Expecting 'delay_seconds' to be non-negative"],
    [{ type: 'TCP', tcp: { port: 80 }, grace_period_seconds: -0.5 }, "Expecting 'grace_period_seconds' to be non-negative"],
    [{ type: 'TCP', tcp: { port: 80 }, interval_seconds: -1 }, "Expecting 'interval_seconds' to be non-negative"],
    [{ type: 'TCP', tcp: { port: 80 }, timeout_seconds: -1 }, "Expecting 'timeout_seconds' to be non-negative"],
  ])('%j -> %s', (hc, problem) => {
    expect(healthCheckProblem(hc)).toBe(problem);
  });

  it('general checks have their own wording, and a COMMAND check wraps its CommandInfo', () => {
    expect(checkInfoProblem({ type: 'COMMAND', command: { command: { value: 'true' } } })).toBeUndefined();
    expect(checkInfoProblem({})).toBe("CheckInfo must specify 'type'");
    expect(checkInfoProblem({ type: 'COMMAND' })).toBe("Expecting 'command' to be set for COMMAND check");
    expect(checkInfoProblem({ type: 'COMMAND', command: {} as never })).toBe("Command check must contain 'shell command'");
    expect(checkInfoProblem({ type: 'HTTP', http: { port: 1, path: 'x' } })).toBe("The path 'x' of HTTP check must start with '/'");
    expect(checkInfoProblem({ type: 'TCP', tcp: { port: 1 }, interval_seconds: -2 })).toBe("Expecting 'interval_seconds' to be non-negative");
  });

  it('the master and the agent both refuse a task with a bad check, naming it', () => {
    const task: TaskInfo = {
      name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'true' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], health_check: { type: 'HTTP' },
    };
    expect(checkTaskInfo(task)).toBe("Task uses invalid health check: Expecting 'http' to be set for HTTP health check");
    expect(taskToRunProblem(task)).toBe("Invalid task: Task uses invalid health check: Expecting 'http' to be set for HTTP health check");
    expect(checkTaskInfo({ ...task, health_check: undefined, check: { type: 'TCP' } })).toBe("Task uses invalid check: Expecting 'tcp' to be set for TCP check");
  });

  it("fills in Mesos's defaults: delay 15s, interval 10s, timeout 20s, grace 10s, 3 failures", () => {
    expect(healthSettings({ type: 'TCP', tcp: { port: 1 } })).toEqual({ delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000, gracePeriodMs: 10_000, consecutiveFailures: 3 });
    expect(healthSettings({ type: 'TCP', tcp: { port: 1 }, delay_seconds: 0, interval_seconds: 0.5, consecutive_failures: 1 })).toMatchObject({ delayMs: 0, intervalMs: 500, consecutiveFailures: 1 });
    expect(checkSchedule({ type: 'TCP', tcp: { port: 1 } })).toEqual({ delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000 });
  });
});

describe('health verdicts (Mesos health_checker.cpp)', () => {
  const settings = { gracePeriodMs: 10_000, consecutiveFailures: 3 };

  it('ignores failures before the first success during the grace period, then counts them', () => {
    const tally = new HealthTally(settings, 0);
    expect(tally.record(false, 5_000)).toEqual({ failures: 0, kill: false });
    expect(tally.record(false, 10_000)).toEqual({ failures: 0, kill: false });
    expect(tally.record(false, 10_001)).toEqual({ healthy: false, failures: 1, kill: false });
  });

  it('reports the first success, each failure, the first success after failures, and asks for a kill at consecutive_failures', () => {
    const tally = new HealthTally(settings, 0);
    expect(tally.record(true, 1)).toEqual({ healthy: true, failures: 0, kill: false });
    expect(tally.record(true, 2)).toEqual({ failures: 0, kill: false });
    // No grace once a check succeeded.
    expect(tally.record(false, 3)).toEqual({ healthy: false, failures: 1, kill: false });
    expect(tally.record(true, 4)).toEqual({ healthy: true, failures: 0, kill: false });
    expect(tally.record(false, 5)).toEqual({ healthy: false, failures: 1, kill: false });
    expect(tally.record(false, 6)).toEqual({ healthy: false, failures: 2, kill: false });
    expect(tally.record(false, 7)).toEqual({ healthy: false, failures: 3, kill: true });
  });

  it('property: a kill is asked for exactly when the failures outside the grace period reach the limit, and only unhealthy verdicts ask', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (results, limit) => {
      const tally = new HealthTally({ gracePeriodMs: 0, consecutiveFailures: limit }, 0);
      let run = 0;
      results.forEach((ok, i) => {
        const v = tally.record(ok, i + 1);
        run = ok ? 0 : run + 1;
        expect(v.failures).toBe(run);
        expect(v.kill).toBe(!ok && run >= limit);
        if (!ok) expect(v.healthy).toBe(false);
      });
    }));
  });

  it('general checks: the first result and each change are news, repeats are not', () => {
    const tally = new CheckTally();
    const code = (exit_code: number) => ({ type: 'COMMAND' as const, command: { exit_code } });
    expect(tally.next(emptyCheckStatus('COMMAND'))).toEqual({ type: 'COMMAND', command: {} });
    expect(tally.next(emptyCheckStatus('COMMAND'))).toBeUndefined();
    expect(tally.next(code(1))).toEqual(code(1));
    expect(tally.next(code(1))).toBeUndefined();
    expect(tally.next(code(0))).toEqual(code(0));
    expect(emptyCheckStatus('TCP')).toEqual({ type: 'TCP', tcp: {} });
    expect(emptyCheckStatus('HTTP')).toEqual({ type: 'HTTP', http: {} });
  });

  it("a task's health is its latest status's", () => {
    const s = (healthy?: boolean) => ({ task_id: { value: 't' }, state: 'TASK_RUNNING' as const, ...(healthy === undefined ? {} : { healthy }) });
    expect(latestHealth([s(true), s(false)])).toBe('unhealthy');
    expect(latestHealth([s(false), s(true)])).toBe('healthy');
    expect(latestHealth([s(true), s()])).toBeUndefined();
    expect(latestHealth(undefined)).toBeUndefined();
  });
});

describe('exec --health-check-* flags', () => {
  it('build one HealthCheck from one probe and its tuning', () => {
    expect(healthCheckOf({})).toBeUndefined();
    expect(healthCheckOf({ 'health-check-http': { port: 8080, path: '/health' }, 'health-check-interval': 2, 'health-check-grace': 30, 'health-check-failures': 5 })).toEqual({
      type: 'HTTP', http: { port: 8080, path: '/health' }, interval_seconds: 2, grace_period_seconds: 30, consecutive_failures: 5,
    });
    expect(healthCheckOf({ 'health-check-tcp': { port: 6379 }, 'health-check-delay': 0 })).toEqual({ type: 'TCP', tcp: { port: 6379 }, delay_seconds: 0 });
    expect(healthCheckOf({ 'health-check-cmd': 'test -f ready' })).toEqual({ type: 'COMMAND', command: { shell: true, value: 'test -f ready' } });
  });

  it('refuse two probes, tuning without a probe, and a malformed target, saying what is allowed', () => {
    expect(() => healthCheckOf({ 'health-check-cmd': 'true', 'health-check-tcp': { port: 1 } })).toThrow('give one of --health-check-cmd, --health-check-http and --health-check-tcp, got --health-check-cmd and --health-check-tcp');
    expect(() => healthCheckOf({ 'health-check-interval': 1 })).toThrow('--health-check-interval tunes a health check');
    expect(probeTarget('health-check-http', '8080/ready', true)).toEqual({ port: 8080, path: '/ready' });
    expect(probeTarget('health-check-http', '8080', true)).toEqual({ port: 8080 });
    expect(() => probeTarget('health-check-tcp', '8080/x', false)).toThrow("--health-check-tcp must be a PORT, got '8080/x'");
    expect(() => probeTarget('health-check-http', 'web:80', true)).toThrow("--health-check-http must be PORT or PORT/path (e.g. 8080/health), got 'web:80'");
    expect(() => probeTarget('health-check-tcp', '70000', false)).toThrow('from 1 to 65535');
  });
});
