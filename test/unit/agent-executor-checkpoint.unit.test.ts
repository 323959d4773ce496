/**
 * A custom executor's checkpoint (executor.json) as a restarted agent reads it back: the executor, its
 * tasks and their update logs, found apart from the runs of command tasks and task groups; a damaged
 * file is a problem that names it, never a crash.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeAgentCheckpoint } from '../../cluster/agent/checkpoint';
import { readExecutorCheckpoint, writeExecutorCheckpoint, type ExecutorCheckpoint } from '../../cluster/agent/executor-checkpoint';
import { readRecoveredState } from '../../cluster/agent/recovery';
import { runMetaDir, taskUpdatesFile, type RunKey } from '../../cluster/agent/sandbox-paths';
import { appendUpdateLog } from '../../cluster/agent/status-update-log';

let workDir: string;
beforeEach(() => { workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-executor-checkpoint-')) });
afterEach(() => fs.rmSync(workDir, { recursive: true, force: true }));

const key: RunKey = { agentId: 'S1', frameworkId: 'fw', executorId: 'ex', containerId: 'c1' };
const task = (id: string) => ({ name: id, task_id: { value: id }, agent_id: { value: 'S1' }, resources: [] });
const executor: ExecutorCheckpoint = {
  framework_id: { value: 'fw' },
  framework_info: { user: 'u', name: 'f', checkpoint: true },
  executor_info: { type: 'CUSTOM', executor_id: { value: 'ex' }, command: { value: 'node e.js' } },
  container_id: 'c1',
  sandbox: '/sandbox',
  launched_at: 1000,
  tasks: [task('t1'), task('t2')],
  pid: 4242,
  pid_start_time: '99',
  terminated: false,
};

describe('the executor checkpoint', () => {
  it('is read back as written', () => {
    writeExecutorCheckpoint(runMetaDir(workDir, key), executor);
    expect(readExecutorCheckpoint(runMetaDir(workDir, key))).toEqual(executor);
  });

  it.each<[string, Partial<Record<keyof ExecutorCheckpoint, unknown>>, string]>([
    ['no executor id', { executor_info: { command: { value: 'x' } } }, "'executor_info.executor_id' must be an id"],
    ['tasks that are no list of tasks', { tasks: [{ name: 'x' }] }, "'tasks' must be a list of tasks"],
    ['a bad pid', { pid: 1 }, "'pid' must be a process id"],
    ['no container', { container_id: '' }, "'container_id' must be a non-empty string"],
  ])('refuses %s, naming the field and the file', (_what, change, message) => {
    const dir = runMetaDir(workDir, key);
    writeExecutorCheckpoint(dir, { ...executor, ...change } as ExecutorCheckpoint);
    expect(() => readExecutorCheckpoint(dir)).toThrow(message);
    expect(() => readExecutorCheckpoint(dir)).toThrow(path.join(dir, 'executor.json'));
  });
});

describe('reading the work dir', () => {
  beforeEach(() => writeAgentCheckpoint(workDir, { agent_id: { value: 'S1' } }));

  it('finds an executor run with its tasks\' update logs, apart from the task runs', () => {
    writeExecutorCheckpoint(runMetaDir(workDir, key), executor);
    const status = { task_id: { value: 't1' }, state: 'TASK_RUNNING' as const, uuid: Buffer.alloc(16, 1).toString('base64') };
    appendUpdateLog(taskUpdatesFile(workDir, key, 't1'), { type: 'UPDATE', update: { framework_id: { value: 'fw' }, status } });
    const state = readRecoveredState(workDir);
    expect(state.runs).toEqual([]);
    expect(state.damaged).toEqual([]);
    expect(state.executors).toHaveLength(1);
    const [run] = state.executors;
    expect(run.checkpoint.executor_info.executor_id.value).toBe('ex');
    expect(run.updates.get('t1')).toEqual({ updates: [{ framework_id: { value: 'fw' }, status }], unacknowledged: [{ framework_id: { value: 'fw' }, status }] });
    expect(run.updates.get('t2')).toEqual({ updates: [], unacknowledged: [] });
  });

  it('reports a damaged executor checkpoint as a problem and goes on', () => {
    const dir = runMetaDir(workDir, key);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'executor.json'), '{"framework_id":');
    const state = readRecoveredState(workDir);
    expect(state.executors).toEqual([]);
    expect(state.problems).toEqual([expect.stringContaining(path.join(dir, 'executor.json'))]);
  });
});
