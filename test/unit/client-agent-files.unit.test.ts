import { findSandboxInState } from '../../cluster/client/agent-files';
import { nestedTaskSandbox } from '../../cluster/agent/sandbox-paths';
import type { TaskSnapshot } from '../../cluster/agent/state-json';
import { agentStateJson } from '../../cluster/agent/state-json';
import { Resources } from '../../cluster/protocol/resources';
import type { ExecutorInfo, TaskInfo } from '../../cluster/protocol/types';

describe('findSandboxInState', () => {
  const state = {
    frameworks: [{ id: 'f1', executors: [{ id: 'other', directory: '/w/other', tasks: [{ id: 'other' }] }, { id: 'e1', directory: '/w/e1', tasks: [{ id: 't1' }] }] }],
    completed_frameworks: [{ id: 'f2', completed_executors: [{ id: 't9', directory: '/w/t9' }] }],
  };

  it('finds a running task by the executor that runs it', () => {
    expect(findSandboxInState(state, 'f1', 't1')).toBe('/w/e1');
  });

  it('finds a finished task of a completed framework by executor id', () => {
    expect(findSandboxInState(state, 'f2', 't9')).toBe('/w/t9');
  });

  it('returns undefined for unknown tasks or frameworks', () => {
    expect(findSandboxInState(state, 'f1', 'nope')).toBeUndefined();
    expect(findSandboxInState(state, 'fx', 't1')).toBeUndefined();
    expect(findSandboxInState({}, 'f1', 't1')).toBeUndefined();
  });

  describe('with the /state an agent renders', () => {
    const task = (id: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'a1' }, command: { value: 'true' }, resources: Resources.parse('cpus:0.1').toV1() });
    const snapshot = (id: string, extra: Partial<TaskSnapshot>): TaskSnapshot => ({
      task: task(id), frameworkId: 'f1', executorId: id, containerId: `c-${id}`, directory: `/w/runs/c-${id}`, state: 'TASK_RUNNING', statuses: [], ...extra,
    });
    const executor: ExecutorInfo = { executor_id: { value: 'pod' }, type: 'DEFAULT', resources: Resources.parse('cpus:0.1').toV1() };
    const group = { executorId: 'pod', executor, containerId: 'c-pod', directory: '/w/runs/c-pod' };
    const rendered = agentStateJson({
      version: 'test', build: { build_date: '', build_time: 0, build_user: '' }, allocated: Resources.empty(), startTime: 0, agentId: 'a1', hostname: 'h', pid: 'slave(1)@h:5051', resources: Resources.parse('cpus:4'), attributes: [], flags: {},
      frameworks: [{
        id: 'f1', info: { user: 'u', name: 'fw' },
        tasks: [snapshot('web', group), snapshot('cmd', {})],
        completedTasks: [snapshot('init', { ...group, state: 'TASK_FINISHED' })],
      }],
      completedFrameworks: [],
    });

    it('gives a task of a group its own sandbox inside the executor\'s, where the agent puts it', () => {
      expect(findSandboxInState(rendered, 'f1', 'web')).toBe(nestedTaskSandbox('/w/runs/c-pod', 'web'));
      expect(findSandboxInState(rendered, 'f1', 'web')).toBe('/w/runs/c-pod/tasks/web');
      expect(findSandboxInState(rendered, 'f1', 'init')).toBe('/w/runs/c-pod/tasks/init');
    });

    it('keeps a command task in its executor\'s sandbox', () => {
      expect(findSandboxInState(rendered, 'f1', 'cmd')).toBe('/w/runs/c-cmd');
    });

    it('does not take the group executor\'s own id for a task', () => {
      expect(findSandboxInState(rendered, 'f1', 'pod')).toBeUndefined();
    });
  });
});
