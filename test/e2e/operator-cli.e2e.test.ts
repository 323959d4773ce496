/**
 * The operator commands of the built CLI (agents, tasks, frameworks, roles, offers, logs, kill,
 * agent drain|deactivate|reactivate|gone, teardown, ui, weights, quota), run as a user runs them
 * against a local cluster of a master and two agents that this suite launches in its own data dir.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../infra/machine/ports';
import { isAlive } from '../../infra/machine/processes';
import { eventually } from '../helpers/http';
import { ensureBuilt, hasStackTrace, runCli, unwrap, type CliResult } from '../helpers/run-cli';

const CLUSTER = 'opcli';

let dataHome: string;
let recordedPids: number[] = [];

function cli(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  return runCli(args, { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER, ...opts.env }, timeoutMs: opts.timeoutMs ?? 60_000 });
}

async function json<T>(args: string[]): Promise<T> {
  const r = await cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`mesoscloud ${args.join(' ')} --json exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface TaskJson { id: string; name: string; state: string; framework_id: string; agent_id: string }
interface AgentJson { id: string; state: string; tasks: number; total: Record<string, number> }

async function task(name: string, state?: string): Promise<TaskJson | undefined> {
  const { tasks } = await json<{ tasks: TaskJson[] }>(['tasks', '--all']);
  return tasks.find((t) => t.id === name && (!state || t.state === state));
}

/** Starts `exec` in the background; resolves once the task runs, with the exec run still going. */
async function startTask(name: string, command: string): Promise<{ task: TaskJson; exec: Promise<CliResult> }> {
  const exec = cli(['exec', '--name', name, '--command', command, '--resources', 'cpus:0.5;mem:64'], { timeoutMs: 120_000 });
  const running = await eventually(() => task(name, 'TASK_RUNNING'), `task ${name} to run`, 30_000);
  return { task: running, exec };
}

function clusterDir(): string {
  return path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER);
}

beforeAll(async () => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-opcli-'));
  const port = await freePort();
  const r = await cli(['launch', '--agents', '2', '--master-port', String(port), '--agent-resources', 'cpus:2;mem:1024;disk:1024'], { timeoutMs: 90_000 });
  if (r.code !== 0) throw new Error(`launch failed:\n${r.stdout}\n${r.stderr}`);
  const record = JSON.parse(fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8'));
  recordedPids = [record.master.pid, ...record.agents.map((a: { pid: number }) => a.pid)];
}, 120_000);

afterAll(async () => {
  if (dataHome && fs.existsSync(clusterDir())) await cli(['destroy']).catch(() => undefined);
  for (const pid of recordedPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  if (dataHome) fs.rmSync(dataHome, { recursive: true, force: true });
}, 60_000);

describe('listing what the cluster holds', () => {
  it('agents: a table of both agents, and the same as JSON', async () => {
    const r = await cli(['agents']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+ADDRESS\s+STATE\s+TASKS\s+CPUS \(USED\/TOTAL\)/);
    expect(lines.slice(1).filter((l) => /\sactive\s+0\s+0\/2\s+0\/1024/.test(l))).toHaveLength(2);
    const { agents } = await json<{ agents: AgentJson[] }>(['agents']);
    expect(agents).toHaveLength(2);
    for (const agent of agents) expect(agent).toMatchObject({ state: 'active', tasks: 0, total: expect.objectContaining({ cpus: 2, mem: 1024 }) });
  });

  it('tasks, frameworks and logs show a finished task and what it printed', async () => {
    const ran = await cli(['exec', '--name', 'echoer', '--command', 'echo operator-cli-marker; echo to-stderr >&2']);
    expect(ran.code).toBe(0);

    const live = await cli(['tasks']);
    expect(live.code).toBe(0);
    expect(live.stdout).not.toContain('echoer');
    const all = await cli(['tasks', '--all']);
    expect(all.stdout).toMatch(/^ID\s+NAME\s+STATE\s+HEALTH\s+FRAMEWORK\s+AGENT\s+RESOURCES\s+UPDATED/);
    expect(all.stdout).toMatch(/\nechoer\s+echoer\s+TASK_FINISHED\s+—\s/);
    const finished = await json<{ tasks: TaskJson[] }>(['tasks', '--state', 'finished']);
    const echoer = finished.tasks.find((t) => t.id === 'echoer')!;
    expect(echoer).toMatchObject({ state: 'TASK_FINISHED' });
    expect((await json<{ tasks: TaskJson[] }>(['tasks', '--state', 'TASK_RUNNING'])).tasks.map((t) => t.id)).not.toContain('echoer');
    const byFramework = await json<{ tasks: TaskJson[] }>(['tasks', '--all', '--framework', echoer.framework_id]);
    expect(byFramework.tasks.map((t) => t.id)).toEqual(['echoer']);

    const frameworks = await json<{ frameworks: { id: string; name: string; state: string }[] }>(['frameworks', '--all']);
    expect(frameworks.frameworks).toContainEqual(expect.objectContaining({ id: echoer.framework_id, name: 'mesoscloud-exec', state: 'completed' }));
    expect((await json<{ frameworks: { id: string }[] }>(['frameworks'])).frameworks.map((f) => f.id)).not.toContain(echoer.framework_id);
    expect((await cli(['frameworks', '--all'])).stdout).toMatch(/^ID\s+NAME\s+ROLES\s+STATE/);

    const out = await cli(['logs', 'echoer']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('operator-cli-marker');
    expect(out.stdout).not.toContain('to-stderr');
    const err = await cli(['logs', 'echo', '--stderr']);
    expect(err.stdout).toContain('to-stderr');
    const asJson = await json<{ task_id: string; file: string; data: string }>(['logs', 'echoer']);
    expect(asJson).toMatchObject({ task_id: 'echoer', file: 'stdout', data: expect.stringContaining('operator-cli-marker') });
  });

  it('offers and roles answer as tables and JSON', async () => {
    const offers = await cli(['offers']);
    expect(offers.code).toBe(0);
    expect(offers.stdout).toMatch(/^(ID\s+FRAMEWORK\s+AGENT|No offers outstanding\.)/);
    expect(Array.isArray((await json<{ offers: unknown[] }>(['offers'])).offers)).toBe(true);
    const roles = await cli(['roles']);
    expect(roles.code).toBe(0);
    expect(roles.stdout).toMatch(/^(ROLE\s+WEIGHT\s+FRAMEWORKS|No roles in use\.)/);
    expect(Array.isArray((await json<{ roles: unknown[] }>(['roles'])).roles)).toBe(true);
  });
});

describe('acting on tasks', () => {
  it('logs --follow prints a running task\'s output as it comes and stops when the task has ended', async () => {
    const { exec } = await startTask('ticker', 'for i in 1 2 3; do echo tick-$i; sleep 1; done');
    const followed = await cli(['logs', 'ticker', '--follow'], { timeoutMs: 60_000 });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('tick-1\ntick-2\ntick-3\n');
    expect((await exec).code).toBe(0);
  });

  it('logs --follow stops at Ctrl-C with exit 130, leaving the task running', async () => {
    const { exec } = await startTask('chatter', 'while true; do echo chat; sleep 0.2; done');
    let interrupted = false;
    const followed = await runCli(['logs', 'chatter', '--follow'], {
      dataHome,
      env: { MESOSCLOUD_CLUSTER: CLUSTER },
      onStdout: (soFar, child) => {
        if (!interrupted && soFar.includes('chat\n')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(followed.code).toBe(130);
    expect(followed.stdout).toContain('chat\n');
    expect((await task('chatter'))!.state).toBe('TASK_RUNNING');
    expect((await cli(['kill', 'chatter'])).code).toBe(0);
    await exec;
  });

  it('kill kills a running task, waits for it and prints its final state', async () => {
    const { exec } = await startTask('victim', 'sleep 120');
    const r = await cli(['kill', 'vict']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Task 'victim' is TASK_KILLED");
    expect((await exec).stdout).toContain("Received status update TASK_KILLED for task 'victim'");
    const again = await json<{ already_ended: boolean; state: string }>(['kill', 'victim']);
    expect(again).toMatchObject({ already_ended: true, state: 'TASK_KILLED' });
  });

  it('teardown ends a framework and its tasks (with --yes; without a terminal it refuses)', async () => {
    const { task: torn, exec } = await startTask('torn', 'sleep 120');
    const refused = await cli(['teardown', torn.framework_id]);
    expect(refused.code).toBe(2);
    expect(unwrap(refused.stderr)).toContain('--yes');
    expect((await task('torn'))!.state).toBe('TASK_RUNNING');
    const r = await cli(['teardown', torn.framework_id, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Framework ${torn.framework_id} (mesoscloud-exec) torn down`);
    await eventually(async () => {
      const now = await task('torn');
      return now && now.state !== 'TASK_RUNNING' ? now : undefined;
    }, 'the torn task to end', 30_000);
    await exec;
  });
});

describe('acting on agents', () => {
  it('deactivate and reactivate an agent named by the last part of its id', async () => {
    const { agents } = await json<{ agents: AgentJson[] }>(['agents']);
    const id = agents[0].id;
    const short = id.slice(id.lastIndexOf('-') + 1);
    const off = await cli(['agent', 'deactivate', short]);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain(`Agent ${id}`);
    expect((await json<{ agents: AgentJson[] }>(['agents'])).agents.find((a) => a.id === id)!.state).toBe('deactivated');
    const on = await json<{ agent_id: string; state: string }>(['agent', 'reactivate', id]);
    expect(on).toMatchObject({ agent_id: id, state: 'active' });
  });

  it('drain kills the agent\'s tasks, waits until it is drained, and reactivate brings it back', async () => {
    const { task: drainee, exec } = await startTask('drainee', 'sleep 120');
    const r = await cli(['agent', 'drain', drainee.agent_id, '--grace-period', '1secs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Agent ${drainee.agent_id}`);
    expect(r.stdout).toContain('is drained');
    expect(r.stderr).toMatch(/task\(s\) left on the agent/);
    expect((await exec).code).not.toBe(0);
    expect((await task('drainee'))!.state).not.toBe('TASK_RUNNING');
    expect((await json<{ agents: AgentJson[] }>(['agents'])).agents.find((a) => a.id === drainee.agent_id)!.state).toBe('drained');
    expect((await cli(['agent', 'reactivate', drainee.agent_id])).code).toBe(0);
    expect((await json<{ agents: AgentJson[] }>(['agents'])).agents.find((a) => a.id === drainee.agent_id)!.state).toBe('active');
  });

  it('agent gone refuses without a terminal unless --yes, and changes nothing', async () => {
    const { agents } = await json<{ agents: AgentJson[] }>(['agents']);
    const r = await cli(['agent', 'gone', agents[1].id]);
    expect(r.code).toBe(2);
    expect(unwrap(r.stderr)).toContain('cannot be undone');
    expect(unwrap(r.stderr)).toContain('--yes');
    expect((await json<{ agents: AgentJson[] }>(['agents'])).agents).toHaveLength(2);
  });

  it('agent and agent drain both have their own help', async () => {
    const daemon = await cli(['agent', '--help']);
    expect(daemon.code).toBe(0);
    expect(daemon.stdout).toContain('--work_dir');
    const drain = await cli(['agent', 'drain', '--help']);
    expect(drain.code).toBe(0);
    expect(drain.stdout).toContain('--grace-period');
    expect(drain.stdout).toContain('EXAMPLES');
  });
});

describe('weights and quota', () => {
  it('weights sets and shows', async () => {
    const set = await cli(['weights', 'dev=2', 'ops=0.5']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/dev\s+2\n/);
    expect(set.stdout).toMatch(/ops\s+0\.5/);
    const { weights } = await json<{ weights: { role: string; weight: number }[] }>(['weights']);
    expect(weights).toEqual(expect.arrayContaining([{ role: 'dev', weight: 2 }, { role: 'ops', weight: 0.5 }]));
    const roles = await json<{ roles: { name: string; weight: number }[] }>(['roles']);
    expect(roles.roles).toContainEqual(expect.objectContaining({ name: 'dev', weight: 2 }));
    const bad = await cli(['weights', 'dev=0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("must be a number greater than 0, got '0'");
  });

  it('quota sets limits one at a time, shows them, and removes them', async () => {
    const set = await cli(['quota', 'dev', '--cpus', '1', '--mem', '256']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/dev\s+cpus:1;mem:256/);
    await cli(['quota', 'dev', '--disk', '100']);
    const shown = await json<{ quota: { role: string; limits: Record<string, number> }[] }>(['quota']);
    expect(shown.quota).toContainEqual({ role: 'dev', guarantees: {}, limits: { cpus: 1, mem: 256, disk: 100 } });
    const roles = await cli(['roles']);
    expect(roles.stdout).toMatch(/dev\s+2\s.*cpus:1;mem:256;disk:100/);
    const removed = await cli(['quota', 'dev', '--remove']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain("Role 'dev' has no quota.");
    const bad = await cli(['quota', '--cpus', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('needs a ROLE');
  });
});

describe('unknown ids and the web UI', () => {
  it.each<[string[], string, string]>([
    [['kill', 'no-such-task'], "no task 'no-such-task' on cluster 'opcli'", `mesoscloud tasks --all --cluster ${CLUSTER}`],
    [['logs', 'no-such-task'], "no task 'no-such-task' on cluster 'opcli'", `mesoscloud tasks --all --cluster ${CLUSTER}`],
    [['agent', 'drain', 'no-such-agent'], "no agent 'no-such-agent' on cluster 'opcli'", `mesoscloud agents --cluster ${CLUSTER}`],
    [['teardown', 'no-such-framework', '--yes'], "no framework 'no-such-framework' on cluster 'opcli'", `mesoscloud frameworks --cluster ${CLUSTER}`],
    [['tasks', '--framework', 'no-such-framework'], "no framework 'no-such-framework' on cluster 'opcli'", `mesoscloud frameworks --all --cluster ${CLUSTER}`],
  ])('%j names the id and the list command, exit 2', async (args, message, list) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    const text = unwrap(r.stderr);
    expect(text).toContain(message);
    expect(text).toContain(list);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('an unknown id under --json is one error object', async () => {
    const r = await cli(['kill', 'no-such-task', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'UNKNOWN_ID', exit_code: 2 } });
  });

  it('ui prints the address and opens nothing without a display', async () => {
    const { masterUrl } = JSON.parse(fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8')) as { masterUrl: string };
    const r = await cli(['ui'], { env: { DISPLAY: '', WAYLAND_DISPLAY: '' } });
    expect(r.code).toBe(0);
    expect(masterUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.stdout.trim()).toBe(`${masterUrl}/`);
    expect(r.stderr).toContain('Not opening a browser');
    expect(await json<{ url: string; opened: boolean }>(['ui', '--no-open'])).toMatchObject({ opened: false, url: r.stdout.trim() });
  });
});

// Last: an agent marked gone never comes back, so nothing after this may need two agents.
describe('marking an agent gone', () => {
  it('agent gone --yes removes the agent for good', async () => {
    const { agents } = await json<{ agents: AgentJson[] }>(['agents']);
    const gone = agents[1].id;
    const r = await json<{ agent_id: string; state: string }>(['agent', 'gone', gone, '--yes']);
    expect(r).toEqual(expect.objectContaining({ agent_id: gone, state: 'gone' }));
    await eventually(async () => {
      const now = (await json<{ agents: AgentJson[] }>(['agents'])).agents;
      return now.some((a) => a.id === gone) ? undefined : now;
    }, 'the agent to leave the list', 30_000);
    const again = await cli(['agent', 'deactivate', gone]);
    expect(again.code).toBe(2);
    expect(unwrap(again.stderr)).toContain(`no agent '${gone}' on cluster 'opcli'`);
  });
});
