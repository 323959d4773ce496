/**
 * Nothing reported over that is running: an agent restarted on a work dir where a running task's
 * checkpoint is damaged (truncated, its wrapper's pid file gone too) kills the task's process before
 * it reports the task, and reports it TASK_FAILED naming the damage, never TASK_LOST or TASK_GONE;
 * a task that ended meanwhile is reported by its real exit status. On a full disk a launch fails
 * cleanly: no process is left that no checkpoint describes. Real daemons and processes, as root
 * (the full disk is a small tmpfs mounted for the suite).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTaskProcesses, isAlive } from '../../infra/machine/processes';
import type { TaskStatus } from '../../cluster/protocol/types';
import { isTerminalState } from '../../cluster/protocol/types';
import { ensureBuilt } from '../helpers/run-cli';
import { cleanDaemonScratch, DaemonSet, launchTasks, newDaemonScratch, START_MS, type AgentProcess, type MasterProcess } from '../helpers/daemon-processes';
import { RawScheduler } from '../helpers/scheduler';

const asRoot = process.getuid?.() === 0;
const describeAsRoot = asRoot ? describe : describe.skip;

let scratch: string;
let gates: string;
let daemons: DaemonSet;
const schedulers: RawScheduler[] = [];
const mounts: string[] = [];

beforeAll(() => {
  ensureBuilt();
});

beforeEach(() => {
  ({ scratch, gates, daemons } = newDaemonScratch('checkpoint-damage-'));
});

afterEach(() => cleanDaemonScratch({ scratch, gates, daemons }, schedulers, () => {
  for (const dir of mounts.splice(0)) execFileSync('umount', ['-l', dir]);
}));

afterAll(() => {
  for (const dir of mounts.splice(0)) execFileSync('umount', ['-l', dir]);
});

function gated(name: string, code: number): string {
  return `while [ ! -e ${path.join(gates, name)} ]; do sleep 0.05; done; exit ${code}`;
}

async function framework(master: MasterProcess): Promise<RawScheduler> {
  const scheduler = await RawScheduler.subscribe(master.url, { user: os.userInfo().username, name: 'damage-test', checkpoint: true });
  schedulers.push(scheduler);
  return scheduler.autoAcknowledge();
}

/** The meta dir of task `taskId`'s run (its run.json and its wrapper's pid file). */
function runMetaDir(agent: AgentProcess, taskId: string): string {
  const frameworks = path.join(agent.workDir, 'meta', 'slaves', agent.id, 'frameworks');
  const [fw] = fs.readdirSync(frameworks);
  const runs = path.join(frameworks, fw, 'executors', taskId, 'runs');
  return path.join(runs, fs.readdirSync(runs)[0]);
}

/** The first terminal update of `taskId`, with whether `pid` was alive when it arrived. */
async function terminalUpdate(scheduler: RawScheduler, taskId: string, pid: number): Promise<{ status: TaskStatus; aliveThen: boolean }> {
  const event = await scheduler.waitFor(
    (e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId && isTerminalState(e.update.status.state),
    `a terminal update of ${taskId}`,
    { timeoutMs: START_MS },
  );
  const aliveThen = isAlive(pid);
  return { status: event.type === 'UPDATE' ? event.update.status : (undefined as never), aliveThen };
}

const lostOrGone = (scheduler: RawScheduler, taskId: string) => scheduler.updates(taskId).filter((s) => ['TASK_LOST', 'TASK_GONE', 'TASK_UNREACHABLE'].includes(s.state));

describeAsRoot('a damaged checkpoint', () => {
  it('kills a running task whose checkpoint is truncated before reporting it TASK_FAILED, naming the damage; never lost or gone', async () => {
    const master = await daemons.startMaster();
    const agent = await daemons.startAgent(master, ['--resources', 'cpus:1;mem:256']);
    const scheduler = await framework(master);
    const pids = await launchTasks(scheduler, agent.id, { runner: gated('never', 0) });
    await agent.daemon.stop('SIGKILL');
    const meta = runMetaDir(agent, 'runner');
    const checkpoint = path.join(meta, 'run.json');
    fs.writeFileSync(checkpoint, fs.readFileSync(checkpoint, 'utf8').slice(0, 40));
    // The wrapper is then found by its command line alone.
    fs.rmSync(path.join(meta, 'pid'));
    expect(isAlive(pids.runner)).toBe(true);

    const again = await daemons.startAgent(master, [], { workDir: agent.workDir, port: agent.port });
    const { status, aliveThen } = await terminalUpdate(scheduler, 'runner', pids.runner);

    expect(again.id).toBe(agent.id);
    expect(status).toMatchObject({ state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_AGENT_RESTARTED' });
    expect(status.message).toContain(checkpoint);
    expect(status.message).toContain('killed');
    expect(aliveThen).toBe(false);
    expect(again.daemon.log).toContain(checkpoint);
    // The damage is what Mesos counts as a recovery error.
    const metrics = (await (await fetch(`${again.url}/metrics/snapshot`)).json()) as Record<string, number>;
    expect(metrics['slave/recovery_errors']).toBe(1);
    // The master hears the same from the re-registration: no lost or gone update follows.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(lostOrGone(scheduler, 'runner')).toEqual([]);
    expect(scheduler.updates('runner').filter((s) => isTerminalState(s.state))).toHaveLength(1);
  });

  it('reports a task that ended while the agent was away by the exit status its wrapper recorded', async () => {
    const master = await daemons.startMaster();
    const agent = await daemons.startAgent(master, ['--resources', 'cpus:1;mem:256']);
    const scheduler = await framework(master);
    const pids = await launchTasks(scheduler, agent.id, { ender: gated('end', 3) });
    await agent.daemon.stop('SIGKILL');
    fs.writeFileSync(path.join(runMetaDir(agent, 'ender'), 'run.json'), '');
    fs.writeFileSync(path.join(gates, 'end'), '');
    for (const deadline = Date.now() + START_MS; isAlive(pids.ender) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));

    await daemons.startAgent(master, [], { workDir: agent.workDir, port: agent.port });
    const { status } = await terminalUpdate(scheduler, 'ender', pids.ender);

    expect(status).toMatchObject({ state: 'TASK_FAILED', message: 'Command exited with status 3' });
    expect(lostOrGone(scheduler, 'ender')).toEqual([]);
  });
});

describeAsRoot('a full disk', () => {
  /** A work dir on a tmpfs of `sizeKb`, unmounted after the test. */
  function smallWorkDir(sizeKb: number): string {
    const dir = path.join(scratch, 'small');
    fs.mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0711`, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  }

  /** Fills the file system holding `dir` to the last byte. */
  function fill(dir: string): void {
    const fd = fs.openSync(path.join(dir, 'filler'), 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(64 * 1024));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      fs.closeSync(fd);
    }
  }

  it('fails a launch it cannot checkpoint, cleanly: TASK_FAILED saying why, and no process left behind', async () => {
    const workDir = smallWorkDir(1024);
    const master = await daemons.startMaster();
    const agent = await daemons.startAgent(master, ['--resources', 'cpus:1;mem:256'], { workDir });
    const scheduler = await framework(master);
    fill(workDir);

    let offer;
    for (let from = 0; !offer; from = scheduler.events.length) offer = (await scheduler.nextOffers({ from, timeoutMs: START_MS })).find((o) => o.agent_id.value === agent.id);
    const { commandTask } = await import('../helpers/scheduler');
    await scheduler.launch([offer], [commandTask(offer, 'squeezed', 'sleep 60')]);
    const end = await scheduler.waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'squeezed' && isTerminalState(e.update.status.state), 'the end of squeezed', { timeoutMs: START_MS });
    const status = end.type === 'UPDATE' ? end.update.status : (undefined as never);

    expect(status).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
    expect(status.message).toMatch(/ENOSPC|no space/i);
    expect(findTaskProcesses(workDir)).toEqual([]);
    expect(scheduler.updates('squeezed').map((s) => s.state)).not.toContain('TASK_RUNNING');
  });
});
