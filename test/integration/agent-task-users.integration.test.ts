/**
 * Tasks run as users, with real processes on a root agent: the task's process has the uid, gid and
 * groups of its CommandInfo.user, else its FrameworkInfo.user, and cannot read what is not its own
 * (/etc/shadow, the agent's checkpoints, another user's sandbox); --no-switch_user runs tasks as the
 * agent's user; an unknown user fails the task naming the user; a task asking for root is refused
 * unless the agent allows it; sandboxes belong to their task's user.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Agent, AgentOptions } from '../../cluster/agent';
import { Resources } from '../../cluster/protocol/resources';
import type { CommandInfo, FrameworkInfo, TaskStatus } from '../../cluster/protocol/types';
import { isTerminalState } from '../../cluster/protocol/types';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { RawScheduler } from '../helpers/scheduler';
import { findRunSandbox } from '../helpers/sandboxes';

const asRoot = process.getuid?.() === 0;
/** The cases need a root agent: switching users is what root does. */
const describeAsRoot = asRoot ? describe : describe.skip;

let cluster: TestCluster;
const schedulers: RawScheduler[] = [];
const workDirs = new Map<Agent, string>();

async function agentWith(options: Partial<AgentOptions>): Promise<Agent> {
  const workDir = fs.mkdtempSync(path.join('/var/tmp', 'task-users-'));
  const agent = await cluster.addAgent({ workDir, ...options });
  workDirs.set(agent, workDir);
  return agent;
}

let strict: Agent;
let rootAllowed: Agent;
let noSwitch: Agent;

beforeAll(async () => {
  if (!asRoot) return;
  cluster = await startCluster({ agents: 0 });
  strict = await agentWith({ switchUser: true, allowRootTasks: false });
  rootAllowed = await agentWith({ switchUser: true, allowRootTasks: true });
  noSwitch = await agentWith({ switchUser: false, allowRootTasks: true });
}, 30_000);

afterAll(async () => {
  for (const s of schedulers) s.close();
  await cluster?.close();
  for (const dir of workDirs.values()) fs.rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  status: TaskStatus;
  statuses: TaskStatus[];
  stdout: string;
  sandbox: string;
}

let taskCount = 0;

/** Runs one command task on `agent` as a framework of `user` and waits for its end. */
async function runTask(agent: Agent, frameworkUser: string, command: string, extra: Partial<CommandInfo> = {}, info: Partial<FrameworkInfo> = {}): Promise<Ran> {
  const scheduler = (await RawScheduler.subscribe(cluster.url, { user: frameworkUser, name: 'task-users', ...info })).autoAcknowledge();
  schedulers.push(scheduler);
  let offer;
  for (let from = 0; !offer; from = scheduler.events.length) {
    offer = (await scheduler.nextOffers({ from, timeoutMs: 10_000 })).find((o) => o.agent_id.value === agent.agentId);
  }
  const id = `t${++taskCount}`;
  await scheduler.launch([offer], [{
    name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { shell: true, value: command, ...extra }, resources: Resources.parse('cpus:0.1;mem:32').toV1(),
  }]);
  const end = await scheduler.waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === id && isTerminalState(e.update.status.state), `end of ${id}`, { timeoutMs: 15_000 });
  const status = end.type === 'UPDATE' ? end.update.status : (undefined as never);
  const sandbox = sandboxOf(agent, id);
  const stdout = sandbox ? fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8') : '';
  // Gives the other agents' offers back for the next task's framework.
  await scheduler.expectAccepted({ type: 'TEARDOWN' });
  return { status, statuses: scheduler.updates(id), stdout, sandbox: sandbox ?? '' };
}

/** The sandbox of the one run of task `id` on `agent`, found as an operator would, under the work dir. */
function sandboxOf(agent: Agent, id: string): string | undefined {
  return findRunSandbox(workDirs.get(agent)!, id);
}

const NOBODY = { uid: 65534, gid: 65534 };
const DAEMON_UID = 1;

/** Says what the task's process may read (a file's content, a directory's list), one line each. */
function probe(paths: Record<string, string>): string {
  const read = (p: string) => `{ if [ -d ${p} ]; then ls ${p}; else cat ${p}; fi; }`;
  return Object.entries(paths).map(([name, p]) => `if ${read(p)} >/dev/null 2>&1; then echo ${name}=readable; else echo ${name}=denied; fi`).join('; ');
}

describeAsRoot('tasks run as users', () => {
  it("runs the task as FrameworkInfo.user, with that user's uid (real, effective and saved) and groups, unable to read what is not theirs", async () => {
    const workDir = workDirs.get(strict)!;
    const checkpoint = path.join(workDir, 'meta');
    const r = await runTask(strict, 'nobody', `id -u; id -g; grep '^Uid:' /proc/self/status; ${probe({ shadow: '/etc/shadow', checkpoints: checkpoint, agent_id: path.join(checkpoint, 'agent.json') })}; echo mine > "$MESOS_SANDBOX/own-file"`);

    expect(r.status.state).toBe('TASK_FINISHED');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([String(NOBODY.uid), String(NOBODY.gid)]);
    expect(lines[2].split(/\s+/).slice(1)).toEqual(Array(4).fill(String(NOBODY.uid)));
    expect(lines.slice(3)).toEqual(['shadow=denied', 'checkpoints=denied', 'agent_id=denied']);
    expect(fs.statSync(path.join(r.sandbox, 'own-file')).uid).toBe(NOBODY.uid);
  });

  it("CommandInfo.user wins over FrameworkInfo.user, and a task cannot read another user's sandbox", async () => {
    const first = await runTask(strict, 'nobody', 'echo private > "$MESOS_SANDBOX/secret"; id -u', { user: 'daemon' });
    expect(first.status.state).toBe('TASK_FINISHED');
    expect(first.stdout.trim()).toBe(String(DAEMON_UID));

    const second = await runTask(strict, 'nobody', probe({ other_sandbox: first.sandbox, other_secret: path.join(first.sandbox, 'secret') }));
    expect(second.status.state).toBe('TASK_FINISHED');
    expect(second.stdout.trim().split('\n')).toEqual(['other_sandbox=denied', 'other_secret=denied']);
  });

  it("gives the sandbox and the output files to the task's user (0750), and keeps the work dir's other parts the agent's", async () => {
    const r = await runTask(strict, 'nobody', 'true');
    const workDir = workDirs.get(strict)!;

    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    expect({ uid: fs.statSync(r.sandbox).uid, gid: fs.statSync(r.sandbox).gid, mode: mode(r.sandbox) }).toEqual({ ...NOBODY, mode: 0o750 });
    for (const file of ['stdout', 'stderr']) expect(fs.statSync(path.join(r.sandbox, file)).uid).toBe(NOBODY.uid);
    expect(mode(workDir)).toBe(0o711);
    expect(mode(path.join(workDir, 'slaves'))).toBe(0o711);
    expect(mode(path.dirname(r.sandbox))).toBe(0o711);
    expect({ uid: fs.statSync(path.join(workDir, 'meta')).uid, mode: mode(path.join(workDir, 'meta')) }).toEqual({ uid: 0, mode: 0o700 });
  });

  it("hands the task's environment to the command as given, quotes and newlines included, while the agent's part runs without it", async () => {
    const value = `it's "quoted" $HOME \`x\`\nsecond line`;
    const r = await runTask(strict, 'nobody', 'printf "%s" "$TRICKY"; echo; echo "$PATH"', {
      environment: { variables: [{ name: 'TRICKY', value }, { name: 'PATH', value: '/bin:/usr/bin' }, { name: 'LD_PRELOAD', value: '/nonexistent/evil.so' }] },
    });

    expect(r.status.state).toBe('TASK_FINISHED');
    expect(r.stdout).toBe(`${value}\n/bin:/usr/bin\n`);
  });

  it("runs tasks as the agent's user with --no-switch_user, whatever the framework names", async () => {
    const r = await runTask(noSwitch, 'nobody', 'id -u');
    expect(r.status.state).toBe('TASK_FINISHED');
    expect(r.stdout.trim()).toBe('0');
  });

  it('fails a task whose user does not exist, naming the user', async () => {
    const r = await runTask(strict, 'no-such-user-here', 'true');
    expect(r.status).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', source: 'SOURCE_AGENT' });
    expect(r.status.message).toContain("'no-such-user-here'");
    expect(r.statuses.map((s) => s.state)).toEqual(['TASK_FAILED']);
  });

  it('refuses a task that asks for root on a root agent, unless the agent allows root tasks', async () => {
    const refused = await runTask(strict, 'root', 'id -u');
    expect(refused.status).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_UNAUTHORIZED' });
    expect(refused.status.message).toContain("Not authorized to launch as user 'root'");
    expect(refused.status.message).toContain('--allow_root_tasks');
    const byCommand = await runTask(strict, 'nobody', 'id -u', { user: 'root' });
    expect(byCommand.status).toMatchObject({ state: 'TASK_ERROR', reason: 'REASON_TASK_UNAUTHORIZED' });

    const allowed = await runTask(rootAllowed, 'root', 'id -u');
    expect(allowed.status.state).toBe('TASK_FINISHED');
    expect(allowed.stdout.trim()).toBe('0');
  });
});
