/**
 * A network partition between an agent and the master, for real: the master runs on the host, the
 * agent daemon inside a network namespace joined by a veth pair, and the test takes the link down.
 * After the master's ping timeout the agent is unreachable and the frameworks hear of their tasks
 * (TASK_UNREACHABLE if partition-aware, TASK_LOST otherwise); when the link comes back, the agent
 * re-registers under its id and the task that never stopped is TASK_RUNNING again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameworkInfo } from '../../cluster/protocol/types';
import { findTaskProcesses, isAlive, killGroupOrProcess } from '../../infra/machine/processes';
import { ensureBuilt } from '../helpers/run-cli';
import { activeAgentIds, DaemonSet, launchTasks, START_MS, type MasterProcess } from '../helpers/daemon-processes';
import { eventually } from '../helpers/http';
import { createNetns, type NetNs } from '../helpers/netns';
import { RawScheduler } from '../helpers/scheduler';

let scratch: string;
let daemons: DaemonSet;
let netns: NetNs | undefined;
const schedulers: RawScheduler[] = [];

beforeAll(() => {
  ensureBuilt();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-partition-'));
  daemons = new DaemonSet(scratch);
});

afterAll(async () => {
  for (const s of schedulers.splice(0)) s.close();
  netns?.linkUp();
  await daemons?.stopAll();
  if (scratch) for (const pid of findTaskProcesses(scratch)) killGroupOrProcess(pid, 'SIGKILL');
  netns?.remove();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

async function framework(master: MasterProcess, info: Partial<FrameworkInfo>): Promise<RawScheduler> {
  const scheduler = await RawScheduler.subscribe(master.url, { user: os.userInfo().username, name: 'partition-test', checkpoint: true, ...info });
  schedulers.push(scheduler);
  return scheduler.autoAcknowledge();
}

describe('an agent partitioned from the master', () => {
  it('is unreachable after the ping timeout, its tasks reported, and comes back with its task running', async () => {
    netns = createNetns();
    const ns = netns;
    const master = await daemons.startMaster(['--agent_ping_timeout', '1secs', '--max_agent_ping_timeouts', '2'], { ip: ns.hostIp });
    // A fresh namespace has every port free.
    const agent = await daemons.startAgent(master, ['--resources', 'cpus:2;mem:512'], {
      ip: ns.nsIp, port: 5051, master: `${ns.hostIp}:${master.port}`, prefix: ns.prefix,
    });
    const aware = await framework(master, { name: 'partition-aware', capabilities: [{ type: 'PARTITION_AWARE' }] });
    const awarePids = await launchTasks(aware, agent.id, { 'aware-task': 'sleep 600' });
    const legacy = await framework(master, { name: 'not-partition-aware' });
    const legacyPids = await launchTasks(legacy, agent.id, { 'legacy-task': 'sleep 600' });

    const [awareMark, legacyMark] = [aware.events.length, legacy.events.length];
    ns.linkDown();
    const unreachable = await aware.update('aware-task', 'TASK_UNREACHABLE', { from: awareMark, timeoutMs: START_MS });
    const lost = await legacy.update('legacy-task', 'TASK_LOST', { from: legacyMark, timeoutMs: START_MS });
    expect(unreachable.reason).toBe('REASON_AGENT_REMOVED');
    expect(lost.reason).toBe('REASON_AGENT_REMOVED');
    expect(aware.updates('aware-task').map((s) => s.state)).not.toContain('TASK_LOST');
    expect(legacy.updates('legacy-task').map((s) => s.state)).not.toContain('TASK_UNREACHABLE');
    expect(await activeAgentIds(master)).not.toContain(agent.id);
    const healedAt = aware.events.length;
    ns.linkUp();

    await agent.daemon.until(async () => (await activeAgentIds(master)).has(agent.id), 'the agent re-registering under its id', 60_000);
    const running = await aware.update('aware-task', 'TASK_RUNNING', { from: healedAt, timeoutMs: START_MS });
    expect(running.reason).toBe('REASON_AGENT_REREGISTERED');
    expect(running.agent_id?.value).toBe(agent.id);
    // Nothing on the agent stopped: the partition cut the network, not the tasks.
    expect(isAlive(awarePids['aware-task'])).toBe(true);
    expect(isAlive(legacyPids['legacy-task'])).toBe(true);
    await eventually(async () => {
      const { tasks = [] } = await master.operator.getTasks();
      return tasks.find((t) => t.task_id.value === 'aware-task')?.state === 'TASK_RUNNING';
    }, 'the master listing aware-task as running', START_MS);
  });
});
