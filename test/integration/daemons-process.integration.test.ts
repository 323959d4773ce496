/**
 * The master and agent daemons as a person starts them: `mesoscloud master ...` and `mesoscloud agent ...`
 * through the built CLI, as real processes on loopback ports, driven by the scheduler and operator
 * clients. What is checked is what an operator would see: Mesos's flags take effect, signals do what
 * the help says, and bad flags fail at once with exit code 2 and the flag named.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SchedulerClient } from '../../cluster/client/scheduler';
import { Resources } from '../../cluster/protocol/resources';
import type { FrameworkInfo, Offer, Resource, SchedulerEvent, TaskInfo, TaskState, TaskStatus } from '../../cluster/protocol/types';
import { freePort, isPortFree } from '../../infra/machine/ports';
import { isAlive } from '../../infra/machine/processes';
import { ensureBuilt, unwrap } from '../helpers/run-cli';
import { activeAgentIds, DaemonSet, START_MS, type AgentProcess, type MasterProcess } from '../helpers/daemon-processes';
import { eventually, getJson } from '../helpers/http';

let scratch: string;
let pool: DaemonSet;
const frameworks: Framework[] = [];

beforeAll(() => {
  ensureBuilt();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'daemons-process-'));
  pool = new DaemonSet(scratch);
});

afterEach(async () => {
  for (const framework of frameworks.splice(0)) framework.close();
  await pool.stopAll();
});

afterAll(() => {
  pool?.killAll();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

// ---- frameworks ----

/** A scheduler client that records every event and acknowledges updates as a driver does. */
class Framework {
  readonly events: SchedulerEvent[] = [];
  readonly client: SchedulerClient;

  private constructor(master: MasterProcess, info: FrameworkInfo) {
    this.client = new SchedulerClient({ master: master.url, frameworkInfo: info });
    this.client.on('event', (e) => this.events.push(e));
    this.client.on('update', (s) => void this.client.acknowledge(s).catch(() => undefined));
    // A master going away is expected in some tests; the recorded events tell the story.
    this.client.on('disconnected', () => undefined);
    this.client.on('error', () => undefined);
    frameworks.push(this);
  }

  static async subscribe(master: MasterProcess, info: Partial<FrameworkInfo> = {}): Promise<Framework> {
    const framework = new Framework(master, { user: os.userInfo().username, name: 'daemons-process-test', ...info });
    await framework.client.subscribe();
    return framework;
  }

  get id(): string { return this.client.frameworkId! }

  /** Every offer received so far. */
  offers(): Offer[] {
    return this.events.flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : []));
  }

  /** The first offer (counting from the `from`-th offer received) that matches. */
  offer(what: string, match: (o: Offer) => boolean = () => true, from = 0): Promise<Offer> {
    return eventually(() => this.offers().slice(from).find(match), `${what} for framework ${this.id}`, START_MS);
  }

  rescinded(offerId: string): Promise<true> {
    return eventually(
      () => this.events.some((e) => e.type === 'RESCIND' && e.rescind.offer_id.value === offerId) || undefined,
      `RESCIND of offer ${offerId}`,
      START_MS,
    );
  }

  states(taskId: string): TaskState[] {
    return this.events.flatMap((e) => (e.type === 'UPDATE' && e.update.status.task_id.value === taskId ? [e.update.status.state] : []));
  }

  /** The first update of `taskId` in `state` among the events from the `from`-th on. */
  update(taskId: string, state: TaskState, from = 0): Promise<TaskStatus> {
    return eventually(() => {
      for (const e of this.events.slice(from)) {
        if (e.type === 'UPDATE' && e.update.status.task_id.value === taskId && e.update.status.state === state) return e.update.status;
      }
      return undefined;
    }, `${state} of ${taskId} for framework ${this.id}`, START_MS).catch((err: Error) => {
      throw new Error(`${err.message}; its updates: ${this.states(taskId).join(', ') || 'none'}`);
    });
  }

  /** Launches a `sleep` task on `offer` and returns the pid of its process once it runs. */
  async launchSleep(offer: Offer, taskId: string, resources = 'cpus:0.1;mem:32'): Promise<number> {
    const task: TaskInfo = {
      name: taskId,
      task_id: { value: taskId },
      agent_id: offer.agent_id,
      command: { shell: true, value: 'sleep 60' },
      resources: Resources.parse(resources).toV1(),
    };
    // The rest of the offer is refused for long, so the next offers of other frameworks are predictable.
    await this.client.launch([offer.id], [task], { refuse_seconds: 3600 });
    const running = await this.update(taskId, 'TASK_RUNNING');
    const pid = running.container_status?.executor_pid;
    if (!pid) throw new Error(`TASK_RUNNING of ${taskId} carries no container_status.executor_pid: ${JSON.stringify(running)}`);
    return pid;
  }

  close(): void {
    this.client.close();
  }
}

function scalar(resources: Resource[], name: string, match: (r: Resource) => boolean = () => true): number {
  return resources.filter((r) => r.name === name && match(r)).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

/** The role a resource is reserved to, in either of Mesos's formats; undefined when unreserved. */
function reservedRole(r: Resource): string | undefined {
  const role = r.reservations?.length ? r.reservations[r.reservations.length - 1].role : r.role;
  return role === undefined || role === '*' ? undefined : role;
}

interface LegacyState {
  id: string;
  hostname: string;
  slaves: { id: string; pid: string; hostname: string; attributes: Record<string, unknown>; active: boolean }[];
}

interface AgentState {
  frameworks: { id: string; executors: { tasks: { id: string; state: string; statuses: { state: string; container_status?: { executor_pid?: number } }[] }[] }[] }[];
}

/** The pid the agent's /state reports for a task, from its latest status that has one. */
async function agentTaskPid(agent: AgentProcess, taskId: string): Promise<number | undefined> {
  const state = await getJson<AgentState>(`${agent.url}/state`);
  for (const framework of state.frameworks) {
    for (const executor of framework.executors) {
      const task = executor.tasks.find((t) => t.id === taskId);
      const pid = task?.statuses.map((s) => s.container_status?.executor_pid).filter((p): p is number => !!p).pop();
      if (pid) return pid;
    }
  }
  return undefined;
}

/** Live (not zombie) processes whose process group is `pgid`: a task runs in a group of its own. */
function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z' && state !== 'X') members.push(pid);
    } catch {
      // Gone while we looked.
    }
  }
  return members;
}

// ---- the suite ----

describe('mesoscloud master and agent as processes', () => {
  it('--offer_timeout rescinds an unanswered offer and offers its resources again', async () => {
    const master = await pool.startMaster(['--offer_timeout', '1secs']);
    const agent = await pool.startAgent(master, ['--resources', 'cpus:1;mem:256;ports:[31000-31009]']);
    const framework = await Framework.subscribe(master);

    const first = await framework.offer('a first offer');
    await framework.rescinded(first.id.value);
    const again = await framework.offer('a new offer after the rescind', (o) => o.id.value !== first.id.value);

    expect(again.agent_id.value).toBe(agent.id);
    expect(scalar(again.resources, 'cpus')).toBe(scalar(first.resources, 'cpus'));
    expect(scalar(again.resources, 'mem')).toBe(256);
  });

  it('--agent_ping_timeout and --max_agent_ping_timeouts: a stopped agent is unreachable, and running again after SIGCONT', async () => {
    const master = await pool.startMaster(['--agent_ping_timeout', '1secs', '--max_agent_ping_timeouts', '2']);
    const agent = await pool.startAgent(master, ['--resources', 'cpus:2;mem:512']);
    const aware = await Framework.subscribe(master, { name: 'partition-aware', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const awarePid = await aware.launchSleep(await aware.offer('an offer'), 'aware-task');
    const legacy = await Framework.subscribe(master, { name: 'not-partition-aware' });
    const legacyPid = await legacy.launchSleep(await legacy.offer('an offer'), 'legacy-task');

    const [awareMark, legacyMark] = [aware.events.length, legacy.events.length];
    expect(agent.daemon.child.kill('SIGSTOP')).toBe(true);
    let cutOff: number;
    try {
      await aware.update('aware-task', 'TASK_UNREACHABLE', awareMark);
      await legacy.update('legacy-task', 'TASK_LOST', legacyMark);
      cutOff = aware.events.length;
      expect(aware.states('aware-task')).not.toContain('TASK_LOST');
      expect(legacy.states('legacy-task')).not.toContain('TASK_UNREACHABLE');
      expect(await activeAgentIds(master)).not.toContain(agent.id);
    } finally {
      agent.daemon.child.kill('SIGCONT');
    }

    await agent.daemon.until(async () => (await activeAgentIds(master)).has(agent.id), 'the agent re-registering under its id');
    const runningAgain = await aware.update('aware-task', 'TASK_RUNNING', cutOff);
    expect(runningAgain.agent_id?.value).toBe(agent.id);
    // The tasks never stopped: the agent was unreachable, not its tasks.
    expect(isAlive(awarePid)).toBe(true);
    expect(isAlive(legacyPid)).toBe(true);
    const { tasks = [] } = await master.operator.getTasks();
    expect(tasks.find((t) => t.task_id.value === 'aware-task')?.state).toBe('TASK_RUNNING');
  });

  it('--resources with a role reservation and --attributes reach offers and /state', async () => {
    const master = await pool.startMaster();
    const agent = await pool.startAgent(master, ['--resources', 'cpus(ops):1;cpus:1;mem:256;ports:[31000-31009]', '--attributes', 'rack:a;zone:2']);

    // A framework in the default role '*' is offered the unreserved cpus only.
    const everyone = await Framework.subscribe(master, { name: 'default-role' });
    const general = await everyone.offer('an offer to role *');
    expect(general.agent_id.value).toBe(agent.id);
    expect(scalar(general.resources, 'cpus')).toBe(1);
    expect(general.resources.filter((r) => reservedRole(r) !== undefined)).toEqual([]);
    expect(general.attributes).toEqual(expect.arrayContaining([
      { name: 'rack', type: 'TEXT', text: { value: 'a' } },
      { name: 'zone', type: 'SCALAR', scalar: { value: 2 } },
    ]));

    // A framework in role ops is offered the cpus reserved to ops, with that role.
    const ops = await Framework.subscribe(master, { name: 'ops-role', roles: ['ops'], capabilities: [{ type: 'MULTI_ROLE' }] });
    const reserved = await ops.offer('an offer with the ops reservation', (o) => scalar(o.resources, 'cpus', (r) => reservedRole(r) === 'ops') > 0);
    expect(scalar(reserved.resources, 'cpus', (r) => reservedRole(r) === 'ops')).toBe(1);
    expect(reserved.allocation_info).toEqual({ role: 'ops' });
    expect(reserved.resources.every((r) => r.allocation_info?.role === 'ops')).toBe(true);

    // Once ops refuses its offer for long, the reserved cpus are free, and still never offered to '*'.
    const offeredSoFar = everyone.offers().length;
    await ops.client.decline([reserved.id], { refuse_seconds: 3600 });
    await everyone.client.decline([general.id], { refuse_seconds: 0 });
    await everyone.offer('a fresh offer to role *', () => true, offeredSoFar);
    for (const offer of everyone.offers()) {
      expect(offer.resources.filter((r) => reservedRole(r) !== undefined)).toEqual([]);
      expect(scalar(offer.resources, 'cpus')).toBeLessThanOrEqual(1);
    }

    const state = await getJson<LegacyState>(`${master.url}/state`);
    expect(state.slaves.find((s) => s.id === agent.id)?.attributes).toEqual({ rack: 'a', zone: 2 });
  });

  it('--hostname and --advertise_ip are what the agent registers with', async () => {
    const master = await pool.startMaster();
    const hostname = 'agent-under-test.example';
    const agent = await pool.startAgent(master, ['--hostname', hostname, '--advertise_ip', '127.0.0.2', '--resources', 'cpus:1;mem:128']);
    const framework = await Framework.subscribe(master);

    const offer = await framework.offer('an offer');
    expect(offer.hostname).toBe(hostname);
    expect(offer.url?.address.ip).toBe('127.0.0.2');
    expect(offer.url?.address.port).toBe(agent.port);
    const slave = (await getJson<LegacyState>(`${master.url}/state`)).slaves.find((s) => s.id === agent.id);
    expect(slave).toMatchObject({ hostname, pid: `slave(1)@127.0.0.2:${agent.port}` });
    expect(slave?.hostname).not.toBe(os.hostname());
  });

  it('SIGUSR1 kills the agent\'s tasks, reports them, and the agent leaves the master and exits 0', async () => {
    const master = await pool.startMaster();
    const agent = await pool.startAgent(master, ['--resources', 'cpus:1;mem:256']);
    const framework = await Framework.subscribe(master);
    const pid = await framework.launchSleep(await framework.offer('an offer'), 'doomed');
    expect(await agentTaskPid(agent, 'doomed')).toBe(pid);
    expect(liveGroupMembers(pid)).toContain(pid);

    agent.daemon.child.kill('SIGUSR1');

    expect(await agent.daemon.exited()).toBe(0);
    await framework.update('doomed', 'TASK_KILLED');
    expect(isAlive(pid)).toBe(false);
    expect(liveGroupMembers(pid)).toEqual([]);
    const { agents } = await master.operator.getAgents();
    expect(agents.map((a) => a.agent_info.id?.value)).not.toContain(agent.id);
    expect(await isPortFree(agent.port)).toBe(true);
  });

  it('SIGTERM stops the master with exit 0; the agent keeps retrying and registers with a new master on the same port', async () => {
    const first = await pool.startMaster();
    const agent = await pool.startAgent(first, ['--resources', 'cpus:1;mem:256']);
    const framework = await Framework.subscribe(first, { failover_timeout: 3600 });
    const pid = await framework.launchSleep(await framework.offer('an offer'), 'survivor');
    const firstId = (await getJson<LegacyState>(`${first.url}/state`)).id;

    first.daemon.child.kill('SIGTERM');
    expect(await first.daemon.exited()).toBe(0);

    // The agent notices, stays up and keeps trying; its task is untouched.
    await eventually(() => /cannot reach the master|lost the master/.test(agent.daemon.log), 'the agent saying it lost the master', START_MS);
    expect(agent.daemon.running).toBe(true);
    expect(isAlive(pid)).toBe(true);

    const second = await pool.startMaster([], { port: first.port });
    const secondId = (await getJson<LegacyState>(`${second.url}/state`)).id;
    expect(secondId).not.toBe(firstId);

    // The agent comes back under the id it had, with its task, which the new master adopts.
    await agent.daemon.until(async () => (await activeAgentIds(second)).has(agent.id), 'the agent registering with the new master');
    const adopted = await agent.daemon.until(async () => {
      const { tasks = [] } = await second.operator.getTasks();
      return tasks.find((t) => t.task_id.value === 'survivor');
    }, 'the new master listing the agent\'s task');
    expect(adopted).toMatchObject({ state: 'TASK_RUNNING', agent_id: { value: agent.id }, framework_id: { value: framework.id } });

    // The framework subscribes to the new master under its id and can still manage its task.
    const again = await Framework.subscribe(second, { id: { value: framework.id }, failover_timeout: 3600 });
    expect(again.id).toBe(framework.id);
    await again.client.kill({ value: 'survivor' }, { value: agent.id });
    await again.update('survivor', 'TASK_KILLED');
    await eventually(() => !isAlive(pid), `task process ${pid} to end`, START_MS);
  });

  describe('bad flags: exit code 2, the flag named, nothing left running', () => {
    async function runToExit(args: string[]): Promise<{ code: number | null; output: string }> {
      const daemon = pool.start(args);
      const code = await daemon.exited();
      return { code, output: unwrap(daemon.log) };
    }

    it('master --port abc', async () => {
      const { code, output } = await runToExit(['master', '--port', 'abc']);
      expect(code).toBe(2);
      expect(output).toContain('--port');
      expect(output).toContain("'abc'");
    });

    it('agent --resources "cpus:x"', async () => {
      const port = await freePort();
      const workDir = path.join(scratch, 'never-made-by-bad-resources');
      const { code, output } = await runToExit(['agent', '--master', '127.0.0.1:1', '--port', String(port), '--work_dir', workDir, '--resources', 'cpus:x']);
      expect(code).toBe(2);
      expect(output).toContain('--resources');
      expect(output).toContain('cpus:x');
      expect(await isPortFree(port)).toBe(true);
      expect(fs.existsSync(workDir)).toBe(false);
    });

    it('agent without --master', async () => {
      const port = await freePort();
      const workDir = path.join(scratch, 'never-made-without-master');
      const { code, output } = await runToExit(['agent', '--port', String(port), '--work_dir', workDir]);
      expect(code).toBe(2);
      expect(output).toContain('--master');
      expect(await isPortFree(port)).toBe(true);
      expect(fs.existsSync(workDir)).toBe(false);
    });
  });
});
