/**
 * `mesoscloud exec --health-check-*`, the built CLI run as a user runs it against a real master and
 * agent: a task whose health check fails is killed after --health-check-failures and exec says so
 * (mesos-execute's "healthy?" lines, `healthy` in --json); a healthy one prints its health; misuse
 * of the flags is refused before anything is launched.
 */
import { execSuite } from '../helpers/exec-suite';
import { hasStackTrace, unwrap, type CliResult } from '../helpers/run-cli';

const suite = execSuite('exec-health');
const cli = suite.exec;
const said = (r: CliResult) => unwrap(r.stderr);
const fast = ['--resources', 'cpus:0.1;mem:32', '--health-check-delay', '0', '--health-check-interval', '1secs'];

test('a failing --health-check-cmd kills the task after --health-check-failures; --json gives each status\'s health', async () => {
  const r = await cli(['--name', 'sick', '--command', 'exec sleep 100', '--health-check-cmd', 'exit 1', ...fast, '--health-check-grace', '0', '--health-check-failures', '2', '--json']);

  expect(r.code).toBe(1);
  expect(hasStackTrace(r.stderr)).toBe(false);
  const out = JSON.parse(r.stdout) as { state: string; statuses: { state: string; reason?: string; healthy?: boolean; message?: string }[] };
  expect(out.state).toBe('TASK_KILLED');
  const health = out.statuses.filter((s) => s.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED').map((s) => [s.state, s.healthy]);
  expect(health).toEqual([['TASK_RUNNING', false], ['TASK_RUNNING', false], ['TASK_KILLED', false]]);
  expect(out.statuses[out.statuses.length - 1]).toMatchObject({ state: 'TASK_KILLED', healthy: false, message: expect.stringContaining('2 consecutive health checks failed') });
});

test('a passing --health-check-tcp prints healthy?: 1 as mesos-execute does', async () => {
  const r = await cli(['--name', 'fine', '--command', 'exec sleep 100', '--health-check-tcp', String(suite.cluster().agents[0].port), ...fast, '--kill-after', '3secs']);

  expect(hasStackTrace(r.stderr)).toBe(false);
  expect(r.stdout).toContain("Received status update TASK_RUNNING for task 'fine'\n  source: SOURCE_EXECUTOR\n  reason: REASON_TASK_HEALTH_CHECK_STATUS_UPDATED\n  healthy?: 1");
  expect(r.stdout).toContain("Received status update TASK_KILLED for task 'fine'");
  // The transition is said once on stderr (not with --json, whose output is one document).
  expect(r.stderr.match(/Task 'fine' is healthy/g)).toHaveLength(1);
});

test('misused health check flags are refused before anything runs, saying what to do', async () => {
  const tuningOnly = await cli(['--name', 'x', '--command', 'true', '--health-check-interval', '1']);
  expect({ code: tuningOnly.code, stderr: said(tuningOnly) }).toEqual({ code: 2, stderr: expect.stringContaining('--health-check-interval tunes a health check: add --health-check-cmd, --health-check-http or --health-check-tcp') });

  const two = await cli(['--name', 'x', '--command', 'true', '--health-check-cmd', 'true', '--health-check-http', '80/']);
  expect({ code: two.code, stderr: said(two) }).toEqual({ code: 2, stderr: expect.stringContaining('a task has one health check') });

  const badPort = await cli(['--name', 'x', '--command', 'true', '--health-check-http', 'localhost:80']);
  expect({ code: badPort.code, stderr: said(badPort) }).toEqual({ code: 2, stderr: expect.stringContaining("--health-check-http must be PORT or PORT/path (e.g. 8080/health), got 'localhost:80'") });

  const withTask = await cli(['--task', JSON.stringify({ name: 't', task_id: { value: 't' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }], command: { value: 'true' } }), '--health-check-tcp', '80']);
  expect(withTask.code).toBe(2);
  expect(said(withTask)).toContain('--health-check-tcp cannot be combined with --task');
  expect([tuningOnly, two, badPort, withTask].every((r) => !hasStackTrace(r.stderr))).toBe(true);
});
