/** `exec`'s engine (ExecSession) and the sandbox follower against a real master and agent in this process. */
import { agentBaseUrl } from '../../cluster/client/address';
import { AgentFilesClient, SandboxFollower } from '../../cluster/client/agent-files';
import { ExecError } from '../../cluster/client/exec-error';
import { ExecSession, type ExecOptions } from '../../cluster/client/exec-session';
import { OperatorClient } from '../../cluster/client/operator';
import { startCluster, type TestCluster } from '../helpers/cluster';

let cluster: TestCluster;

beforeAll(async () => { cluster = await startCluster({ agents: 1, agentResources: 'cpus:2;mem:1024;disk:1024' }) });
afterAll(async () => { await cluster.close() });

function session(overrides: Partial<ExecOptions>): { session: ExecSession; lines: string[]; notes: string[] } {
  const lines: string[] = [];
  const notes: string[] = [];
  const s = new ExecSession({
    master: cluster.url, name: 't', command: 'true', shell: true, resources: 'cpus:1;mem:64', role: '*',
    checkpoint: false, user: 'tester', print: (l) => lines.push(l), note: (l) => notes.push(l), ...overrides,
  });
  return { session: s, lines, notes };
}

describe('ExecSession', () => {
  it('runs a command to TASK_FINISHED and prints mesos-execute lines in order', async () => {
    const { session: s, lines } = session({ name: 'hello', command: 'echo hello' });
    const result = await s.run();
    expect(result).toMatchObject({ state: 'TASK_FINISHED', exitCode: 0, taskId: 'hello' });
    expect(lines[0]).toBe(`Subscribed with ID ${result.frameworkId}`);
    expect(lines[1]).toBe(`Submitted task 'hello' to agent '${result.agentId}'`);
    const updates = lines.filter((l) => l.startsWith('Received'));
    expect(updates[updates.length - 1]).toBe("Received status update TASK_FINISHED for task 'hello'");
    expect(updates).toContain("Received status update TASK_RUNNING for task 'hello'");
  });

  it('exits 1 when the command fails, with the message of the update', async () => {
    const { session: s, lines } = session({ name: 'bad', command: 'exit 3' });
    const result = await s.run();
    expect(result).toMatchObject({ state: 'TASK_FAILED', exitCode: 1 });
    expect(lines).toContain("Received status update TASK_FAILED for task 'bad'");
    expect(lines.some((l) => /^ {2}message: '.*3.*'$/.test(l))).toBe(true);
  });

  it('passes environment variables and runs without a shell', async () => {
    const { session: s } = session({ name: 'env', command: '/bin/sh -c "test \\"$X\\" = yes"', shell: false, env: { X: 'yes' } });
    expect((await s.run()).state).toBe('TASK_FINISHED');
  });

  it('subscribes with another role and runs on unreserved resources', async () => {
    const { session: s } = session({ name: 'in-role', role: 'dev' });
    expect((await s.run()).state).toBe('TASK_FINISHED');
  });

  it('kills the task after --kill-after', async () => {
    const { session: s, lines } = session({ name: 'nap', command: 'sleep 30', killAfterMs: 200 });
    const result = await s.run();
    expect(result).toMatchObject({ state: 'TASK_KILLED', exitCode: 1 });
    expect(lines.some((l) => l.startsWith("Asked to kill task 'nap'"))).toBe(true);
  });

  it('on interrupt kills the task and waits for its end', async () => {
    const { session: s } = session({ name: 'ctrl-c', command: 'sleep 30' });
    const done = s.run();
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (s.timings.runningAt.has('ctrl-c')) { clearInterval(poll); resolve() }
      }, 10);
    });
    s.interrupt();
    expect(await done).toMatchObject({ state: 'TASK_KILLED', exitCode: 130, interrupted: true });
  });

  it('fails quickly when no agent could ever hold the ask', async () => {
    const { session: s } = session({ name: 'greedy', resources: 'cpus:1000;mem:64' });
    const err = await s.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).code).toBe('RESOURCES_UNSATISFIABLE');
    expect((err as Error).message).toContain('cpus:1000');
    expect((err as Error).message).toContain('cpus:2');
  });

  it('says once that it waits when the agents are busy, then runs when resources free up', async () => {
    const hog = session({ name: 'hog', command: 'sleep 1', resources: 'cpus:2;mem:64' });
    const hogDone = hog.session.run();
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => { if (hog.session.timings.runningAt.has('hog')) { clearInterval(poll); resolve() } }, 10);
    });
    const waiter = session({ name: 'patient', resources: 'cpus:1;mem:64', capacityCheckAfterMs: 100 });
    const result = await waiter.session.run();
    await hogDone;
    expect(result.state).toBe('TASK_FINISHED');
    expect(waiter.notes.filter((n) => n.startsWith('Waiting for resources'))).toHaveLength(1);
  });

  it('subscribes with the framework info it was given: name, capabilities, principal, checkpoint', async () => {
    const { session: s } = session({
      name: 'introduced', command: 'sleep 0.3', frameworkName: 'mesos-execute instance', principal: 'ops', checkpoint: true,
      capabilities: ['TASK_KILLING_STATE', 'PARTITION_AWARE'],
    });
    const done = s.run();
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => { if (s.timings.runningAt.has('introduced')) { clearInterval(poll); resolve() } }, 10);
    });
    const operator = new OperatorClient(cluster.url);
    const { frameworks } = await operator.getFrameworks();
    operator.close();
    await done;
    const info = (frameworks ?? []).map((f) => f.framework_info).find((f) => f.name === 'mesos-execute instance');
    expect(info).toMatchObject({ principal: 'ops', checkpoint: true, capabilities: [{ type: 'TASK_KILLING_STATE' }, { type: 'PARTITION_AWARE' }] });
  });

  it('refuses a command it cannot split before subscribing anything', () => {
    expect(() => session({ name: 'bad-quote', command: 'echo "open', shell: false })).toThrow(ExecError);
    expect(() => session({ name: 'bad-quote', command: 'echo "open', shell: false })).toThrow(/cannot run command 'echo "open': unterminated double quote/);
  });

  it('leaves no framework behind', async () => {
    const operator = new OperatorClient(cluster.url);
    const { frameworks } = await operator.getFrameworks();
    operator.close();
    expect((frameworks ?? []).filter((f) => ['mesoscloud-exec', 'mesos-execute instance'].includes(f.framework_info.name))).toEqual([]);
  });
});

describe('SandboxFollower', () => {
  it('copies what the task writes to stdout and stderr', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let follower: SandboxFollower | undefined;
    let files: AgentFilesClient | undefined;
    let timer: NodeJS.Timeout | undefined;
    const { session: s } = session({
      name: 'talker', command: 'echo to-out; echo to-err >&2; sleep 0.5',
      onLaunched: ({ frameworkId, taskId }) => {
        files = new AgentFilesClient(agentBaseUrl(undefined, '127.0.0.1', cluster.agents[0].port)!);
        follower = new SandboxFollower(files, frameworkId, taskId, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
        timer = setInterval(() => void follower!.poll(), 50);
      },
    });
    await s.run();
    clearInterval(timer);
    await follower!.poll();
    files!.close();
    expect(out.join('')).toContain('to-out');
    expect(err.join('')).toContain('to-err');
  });
});
