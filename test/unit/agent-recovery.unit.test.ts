/**
 * What a restarted agent reads back from its work dir, and what it decides for each run. Damaged
 * files must give an error that names the file and must never stop the rest from being recovered.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointError, readAgentCheckpoint, readRunCheckpoint, validateRunCheckpoint, type RunCheckpoint } from '../../cluster/agent/checkpoint';
import { parseStat } from '../../cluster/agent/process-identity';
import { damagedRunFate, frameworkCheckpoints, readRecoveredState, runFate, type RecoveredRun } from '../../cluster/agent/recovery';
import { agentIdFile, runMetaDir, taskMetaDir, taskUpdatesFile, type RunKey } from '../../cluster/agent/sandbox-paths';
import { readUpdateLog } from '../../cluster/agent/status-update-log';
import type { StatusUpdate } from '../../cluster/agent/status-updates';
import type { FrameworkInfo, TaskState } from '../../cluster/protocol/types';

let workDir: string;

beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-recovery-unit-'));
});

afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

function checkpoint(taskId: string, extra: Partial<RunCheckpoint> = {}): RunCheckpoint {
  return {
    framework_id: { value: 'fw-1' },
    framework_info: { user: 'u', name: 'f', checkpoint: true },
    task: { name: taskId, task_id: { value: taskId }, agent_id: { value: 'S1' }, resources: [], command: { value: 'sleep 9' } },
    executor_id: taskId,
    container_id: `c-${taskId}`,
    sandbox: `/sandbox/${taskId}`,
    pid: 4242,
    pid_start_time: '123456',
    state: 'TASK_RUNNING',
    launched_at: 1000,
    ...extra,
  };
}

function key(taskId: string, agentId = 'S1'): RunKey {
  return { agentId, frameworkId: 'fw-1', executorId: taskId, containerId: `c-${taskId}` };
}

function writeRun(taskId: string, text: string, agentId = 'S1'): string {
  const dir = runMetaDir(workDir, key(taskId, agentId));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), text);
  return path.join(dir, 'run.json');
}

function update(taskId: string, state: TaskState, uuid: string): StatusUpdate {
  return { framework_id: { value: 'fw-1' }, status: { task_id: { value: taskId }, state, uuid, source: 'SOURCE_EXECUTOR' } };
}

function writeLog(taskId: string, lines: string[], agentId = 'S1'): string {
  const file = taskUpdatesFile(workDir, key(taskId, agentId), taskId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join(''));
  return file;
}

const line = (record: unknown) => JSON.stringify(record) + '\n';

function writeAgent(text: string): string {
  fs.mkdirSync(path.dirname(agentIdFile(workDir)), { recursive: true });
  fs.writeFileSync(agentIdFile(workDir), text);
  return agentIdFile(workDir);
}

describe('run checkpoints', () => {
  it('reads back what was written, and a missing one is no checkpoint at all', () => {
    writeRun('t1', JSON.stringify(checkpoint('t1')));
    expect(readRunCheckpoint(runMetaDir(workDir, key('t1')))).toEqual(checkpoint('t1'));
    expect(readRunCheckpoint(runMetaDir(workDir, key('nothing-here')))).toBeUndefined();
  });

  it.each([
    ['a partially written file', (t: string) => t.slice(0, t.length / 2), /run\.json: is not valid JSON \(written partially\?\)/],
    ['an empty file', () => '', /run\.json: is empty/],
    ['a JSON array', () => '[]', /run\.json: not a JSON object/],
  ])('%s is an error naming the file', (_what, damage, message) => {
    const file = writeRun('t1', damage(JSON.stringify(checkpoint('t1'))));
    expect(() => readRunCheckpoint(path.dirname(file))).toThrow(CheckpointError);
    expect(() => readRunCheckpoint(path.dirname(file))).toThrow(message);
    expect(() => readRunCheckpoint(path.dirname(file))).toThrow(file);
  });

  it.each([
    ['framework_id', { framework_id: { value: '' } }],
    ['task.task_id', { task: { name: 'x' } }],
    ['task.resources', { task: { name: 'x', task_id: { value: 'x' }, agent_id: { value: 'S1' } } }],
    ['container_id', { container_id: 7 }],
    ['state', { state: 'TASK_SLEEPING' }],
    ['pid', { pid: -3 }],
    ['pid_start_time', { pid_start_time: 'yesterday' }],
  ])('a bad %s is an error naming the field and the file', (field, bad) => {
    const run = { ...checkpoint('t1'), ...bad } as unknown;
    expect(() => validateRunCheckpoint(run, '/work/meta/run.json')).toThrow(`checkpoint /work/meta/run.json: '${field}' must be`);
  });
});

describe('the agent checkpoint', () => {
  it('holds the id and the agent info', () => {
    writeAgent(JSON.stringify({ agent_id: { value: 'S1' }, agent_info: { hostname: 'h', resources: [] } }));
    expect(readAgentCheckpoint(workDir)).toEqual({ agent_id: { value: 'S1' }, agent_info: { hostname: 'h', resources: [] } });
  });

  it('a damaged one is an error naming the file', () => {
    const file = writeAgent('{"agent_id": {"va');
    expect(() => readAgentCheckpoint(workDir)).toThrow(`checkpoint ${file}: is not valid JSON`);
    writeAgent('{"agent_id": {}}');
    expect(() => readAgentCheckpoint(workDir)).toThrow(`checkpoint ${file}: 'agent_id' must be an id`);
  });
});

describe('status update logs', () => {
  it('drops a torn last line, skips a damaged one elsewhere, and keeps the rest', () => {
    const file = writeLog('t1', [
      line({ type: 'UPDATE', update: update('t1', 'TASK_STARTING', 'u1') }),
      'garbage\n',
      line({ type: 'ACK', uuid: 'u1' }),
      line({ type: 'UPDATE', update: update('t1', 'TASK_RUNNING', 'u2') }),
      line({ type: 'UPDATE', update: update('t1', 'TASK_FINISHED', 'u3') }).slice(0, 30),
    ]);
    const log = readUpdateLog(file);
    expect(log.records.map((r) => (r.type === 'UPDATE' ? r.update.status.state : `ACK ${r.uuid}`))).toEqual(['TASK_STARTING', 'ACK u1', 'TASK_RUNNING']);
    expect(log.problems).toEqual([
      `status update log ${file}: line 2 is not a status update record; skipped`,
      `status update log ${file}: dropping a partially written last line`,
    ]);
  });

  it('a missing log is an empty one', () => {
    expect(readUpdateLog(path.join(workDir, 'none', 'task.updates'))).toEqual({ records: [], problems: [] });
  });
});

describe('reading the whole work dir', () => {
  it('recovers every run, with its updates and those still unacknowledged', () => {
    writeAgent(JSON.stringify({ agent_id: { value: 'S1' } }));
    writeRun('t1', JSON.stringify(checkpoint('t1')));
    writeLog('t1', [
      line({ type: 'UPDATE', update: update('t1', 'TASK_STARTING', 'u1') }),
      line({ type: 'ACK', uuid: 'u1' }),
      line({ type: 'UPDATE', update: update('t1', 'TASK_RUNNING', 'u2') }),
    ]);
    // A task of a group checkpoints in its own directory inside the run's.
    const groupKey = { ...key('exec'), containerId: 'c-group' };
    const groupDir = taskMetaDir(workDir, groupKey, 'g1');
    fs.mkdirSync(groupDir, { recursive: true });
    fs.writeFileSync(path.join(groupDir, 'run.json'), JSON.stringify(checkpoint('g1', { executor_id: 'exec', container_id: 'c-group' })));

    const state = readRecoveredState(workDir);

    expect(state.problems).toEqual([]);
    expect(state.agentId).toBe('S1');
    const byTask = new Map(state.runs.map((r) => [r.checkpoint.task.task_id.value, r]));
    expect(byTask.get('t1')).toMatchObject({ inGroup: false, metaDir: runMetaDir(workDir, key('t1')) });
    expect(byTask.get('t1')!.updates.map((u) => u.status.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(byTask.get('t1')!.unacknowledged.map((u) => u.status.uuid)).toEqual(['u2']);
    expect(byTask.get('g1')).toMatchObject({ inGroup: true, metaDir: groupDir, updates: [] });
  });

  it('a damaged run is reported by file and skipped; the others are recovered', () => {
    writeAgent(JSON.stringify({ agent_id: { value: 'S1' } }));
    writeRun('good', JSON.stringify(checkpoint('good')));
    const bad = writeRun('bad', '{"framework_id": {"value": "fw-1"}, "task"');

    const state = readRecoveredState(workDir);

    expect(state.runs.map((r) => r.checkpoint.task.task_id.value)).toEqual(['good']);
    expect(state.problems).toEqual([expect.stringContaining(`checkpoint ${bad}: is not valid JSON`)]);
  });

  it('what is left of a damaged run is kept: its ids from the directories and its logged updates', () => {
    writeAgent(JSON.stringify({ agent_id: { value: 'S1' } }));
    const bad = writeRun('t 1/x', JSON.stringify(checkpoint('t 1/x')).slice(0, 30));
    writeLog('t 1/x', [line({ type: 'UPDATE', update: update('t 1/x', 'TASK_RUNNING', 'u1') })]);

    const state = readRecoveredState(workDir);

    expect(state.runs).toEqual([]);
    expect(state.damaged).toEqual([{
      problem: expect.stringContaining(`checkpoint ${bad}: is not valid JSON`),
      metaDir: path.dirname(bad),
      inGroup: false,
      frameworkId: 'fw-1',
      executorId: 't 1/x',
      containerId: 'c-t 1/x',
      taskId: 't 1/x',
      updates: [update('t 1/x', 'TASK_RUNNING', 'u1')],
      unacknowledged: [update('t 1/x', 'TASK_RUNNING', 'u1')],
    }]);
  });

  it('a damaged agent checkpoint is reported, and the id is taken from the run directories', () => {
    const file = writeAgent('');
    writeRun('t1', JSON.stringify(checkpoint('t1')), 'S 7/x');

    const state = readRecoveredState(workDir);

    expect(state.agentId).toBe('S 7/x');
    expect(state.runs).toHaveLength(1);
    expect(state.problems).toEqual([expect.stringContaining(`checkpoint ${file}: is empty`)]);
  });

  it('an agent that never registered has nothing to recover', () => {
    expect(readRecoveredState(workDir)).toEqual({ runs: [], damaged: [], executors: [], problems: [] });
  });
});

describe('the fate of a run whose checkpoint is damaged', () => {
  const damaged = (states: TaskState[], acknowledged: boolean) => {
    const updates = states.map((s, i) => update('t', s, `u${i}`));
    return { problem: 'checkpoint /m/run.json: is empty', updates, unacknowledged: acknowledged ? [] : updates.slice(-1) };
  };

  it('a live process is killed, then reported TASK_FAILED naming the damage; never lost or gone', () => {
    const fate = damagedRunFate(damaged(['TASK_STARTING', 'TASK_RUNNING'], true), true, 'reconnect');
    expect(fate).toEqual({ kind: 'discard', transition: expect.objectContaining({ state: 'TASK_FAILED', reason: 'REASON_AGENT_RESTARTED', message: expect.stringContaining('/m/run.json: is empty') }) });
    expect(damagedRunFate(damaged([], true), true, 'reconnect').kind).toBe('discard');
  });

  it('a process that is gone is adopted (its exit status tells how it ended); an ended task is reported as it ended', () => {
    expect(damagedRunFate(damaged(['TASK_RUNNING'], true), false, 'reconnect')).toEqual({ kind: 'adopt', killOnRecovery: false });
    expect(damagedRunFate(damaged(['TASK_RUNNING', 'TASK_FINISHED'], false), false, 'reconnect')).toEqual({ kind: 'ended' });
    expect(damagedRunFate(damaged(['TASK_RUNNING', 'TASK_FINISHED'], true), false, 'reconnect')).toEqual({ kind: 'completed' });
  });
});

describe('the fate of a recovered run', () => {
  const run = (state: TaskState, pending: number, info: Partial<FrameworkInfo> = {}): RecoveredRun => {
    const updates = [update('t', 'TASK_RUNNING', 'a'), ...(state === 'TASK_RUNNING' ? [] : [update('t', state, 'b')])];
    return {
      checkpoint: checkpoint('t', { framework_info: { user: 'u', name: 'f', ...info } }),
      metaDir: '/m',
      inGroup: false,
      updates,
      unacknowledged: updates.slice(updates.length - pending),
    };
  };

  it('an ended task is delivered until acknowledged, then only remembered', () => {
    expect(runFate(run('TASK_FINISHED', 1), 'reconnect')).toEqual({ kind: 'ended' });
    expect(runFate(run('TASK_FAILED', 0), 'reconnect')).toEqual({ kind: 'completed' });
  });

  it('the latest logged state counts even when the checkpoint is older', () => {
    const r = run('TASK_KILLED', 1);
    expect(r.checkpoint.state).toBe('TASK_RUNNING');
    expect(runFate(r, 'reconnect')).toEqual({ kind: 'ended' });
  });

  it('a running task is adopted; with --recover=cleanup it is then killed', () => {
    expect(runFate(run('TASK_RUNNING', 0), 'reconnect')).toEqual({ kind: 'adopt', killOnRecovery: false });
    expect(runFate(run('TASK_RUNNING', 0), 'cleanup')).toEqual({ kind: 'adopt', killOnRecovery: true });
  });

  it('a framework that does not say whether it checkpoints is recovered; one that opted out loses its tasks', () => {
    expect(frameworkCheckpoints({ user: 'u', name: 'f' })).toBe(true);
    expect(runFate(run('TASK_RUNNING', 0, { checkpoint: undefined }), 'reconnect').kind).toBe('adopt');
    expect(runFate(run('TASK_RUNNING', 0, { checkpoint: false }), 'reconnect')).toMatchObject({
      kind: 'discard',
      transition: { state: 'TASK_LOST', reason: 'REASON_AGENT_RESTARTED' },
    });
    expect(runFate(run('TASK_RUNNING', 0, { checkpoint: false, capabilities: [{ type: 'PARTITION_AWARE' }] }), 'reconnect')).toMatchObject({
      kind: 'discard',
      transition: { state: 'TASK_GONE', reason: 'REASON_AGENT_RESTARTED' },
    });
  });
});

describe('/proc/<pid>/stat', () => {
  it('finds the state and start time after a command name holding spaces and parentheses', () => {
    const stat = '4242 (sh (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654321 2000000 100 18446744073709551615';
    expect(parseStat(stat)).toEqual({ state: 'S', startTime: '987654321' });
    expect(parseStat('garbage')).toBeUndefined();
  });
});
