/**
 * The agent as a real process (runAgentDaemon) and Mesos's signal semantics: SIGTERM leaves tasks
 * running, SIGUSR1 kills them, reports them and unregisters. Both exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeMaster } from './agent-fake-master';
import { isAlive, signal } from '../../infra/machine/processes';

const ROOT = path.resolve(__dirname, '..', '..');

// Runs the TypeScript sources directly: a require hook that transpiles each .ts file on load.
const BOOT = `
const fs = require('fs');
const ts = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'typescript'))});
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  });
  module._compile(out.outputText, filename);
};
require(${JSON.stringify(path.join(ROOT, 'cluster', 'agent', 'index.ts'))})
  .runAgentDaemon(JSON.parse(process.argv[1]))
  .catch((err) => { console.error(err.message); process.exit(2); });
`;

let scratch: string;
let master: FakeMaster;
let agentProcess: ChildProcess | undefined;
const taskGroups: number[] = [];

beforeEach(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-process-'));
  master = await FakeMaster.start();
});

afterEach(async () => {
  if (agentProcess && agentProcess.exitCode === null && agentProcess.signalCode === null) agentProcess.kill('SIGKILL');
  for (const pgid of taskGroups.splice(0)) signal(-pgid, 'SIGKILL');
  await master.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function startAgentProcess(): { exited: Promise<number | null>; stderr: () => string } {
  const opts = {
    ip: '127.0.0.1', port: 0, master: master.url, workDir: path.join(scratch, 'work'), cgroups: 'none',
    resources: 'cpus:1;mem:256;disk:256', killGracePeriodSeconds: 1, statusUpdateRetrySeconds: 0.2, masterPingTimeoutSeconds: 75,
    // The framework names root (this suite runs as root): allowed explicitly, as an operator would (see test/helpers/task-users.ts).
    allowRootTasks: true,
  };
  const child = spawn(process.execPath, ['-e', BOOT, JSON.stringify(opts)], { stdio: ['ignore', 'ignore', 'pipe'] });
  agentProcess = child;
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { exited, stderr: () => stderr };
}

async function runSleepTask(taskId: string): Promise<number> {
  master.send({
    type: 'RUN_TASK',
    run_task: {
      framework_id: { value: 'fw' },
      framework_info: { user: 'root', name: 'process-test' },
      task: { name: taskId, task_id: { value: taskId }, agent_id: { value: 'fake-master-S0' }, resources: [], command: { value: 'sleep 100' } },
    },
  });
  const running = await master.waitFor(() => master.updates(taskId).find((s) => s.state === 'TASK_RUNNING'), 'TASK_RUNNING');
  const pid = running.container_status!.executor_pid!;
  taskGroups.push(pid);
  return pid;
}

/** Starts the agent daemon and waits for it to register; a failure shows the agent's stderr. */
async function startRegisteredAgent(): Promise<ReturnType<typeof startAgentProcess>> {
  const agent = startAgentProcess();
  await master.waitFor(() => master.connected, 'the agent to register', 30_000).catch((err) => {
    throw new Error(`${err.message}\nagent stderr:\n${agent.stderr()}`);
  });
  return agent;
}

describe('agent daemon process', () => {
  it('exits 0 on SIGTERM and leaves its tasks running', async () => {
    const agent = await startRegisteredAgent();
    const pid = await runSleepTask('survivor');

    agentProcess!.kill('SIGTERM');

    expect(await agent.exited).toBe(0);
    expect(isAlive(pid)).toBe(true);
    expect(master.states('survivor')).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
  });

  it('on SIGUSR1 kills its tasks, reports them, unregisters and exits 0', async () => {
    const agent = await startRegisteredAgent();
    const pid = await runSleepTask('doomed');

    agentProcess!.kill('SIGUSR1');

    expect(await agent.exited).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(master.states('doomed')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    expect(master.calls.some((c) => c.type === 'UNREGISTER')).toBe(true);
  });
});
