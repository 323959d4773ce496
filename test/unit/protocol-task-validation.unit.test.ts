import {
  checkGroupExecutor, checkTask, taskGroupToRunProblem, taskToRunProblem, validateOffers, type OfferView,
} from '../../cluster/protocol/task-validation';
import { Resources } from '../../cluster/protocol/resources';
import type { TaskInfo } from '../../cluster/protocol/types';

const offers: Record<string, OfferView> = {
  o1: { frameworkId: 'f1', agentId: 'a1', role: '*' },
  o2: { frameworkId: 'f1', agentId: 'a1', role: '*' },
  o3: { frameworkId: 'f1', agentId: 'a2', role: '*' },
  o4: { frameworkId: 'f2', agentId: 'a1', role: '*' },
  o5: { frameworkId: 'f1', agentId: 'a1', role: 'web' },
};
const lookup = (id: string) => offers[id];

describe('validateOffers', () => {
  test('offers of one framework on one agent and role are valid together', () => {
    expect(validateOffers('f1', ['o1', 'o2'], lookup)).toBeUndefined();
  });

  test.each([
    [[], 'No offers specified'],
    [['o1', 'o1'], 'Duplicate offer o1'],
    [['gone'], 'Offer gone is no longer valid'],
    [['o4'], 'Offer o4 has invalid framework f2'],
    [['o1', 'o3'], 'must belong to one single agent'],
    [['o1', 'o5'], 'must be allocated to the same role'],
  ])('%j is rejected: %s', (ids, message) => {
    expect(validateOffers('f1', ids, lookup)).toContain(message);
  });
});

describe('checkTask', () => {
  const task = (extra: Partial<TaskInfo> = {}): TaskInfo => ({
    name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' },
    command: { value: 'true', shell: true }, resources: Resources.parse('cpus:1;mem:32').toV1(), ...extra,
  });
  const ctx = { agentId: 'a1', taskIdInUse: (id: string) => id === 'taken', launchedInThisCall: new Set(['earlier']) };

  test('a good task yields its resources', () => {
    const checked = checkTask(task(), ctx);
    expect(checked.ok && checked.value.equals(Resources.parse('cpus:1;mem:32'))).toBe(true);
  });

  test.each([
    [{ task_id: { value: 'taken' } }, 'duplicate ID: taken'],
    [{ task_id: { value: 'earlier' } }, 'duplicate ID: earlier'],
    [{ agent_id: { value: 'a9' } }, 'agent a9'],
    [{ command: undefined }, 'CommandInfo or ExecutorInfo'],
    [{ resources: [] }, 'no resources'],
    [{ resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: -2 } }] }, 'resources'],
  ])('%j is rejected: %s', (extra, message) => {
    const checked = checkTask(task(extra as Partial<TaskInfo>), ctx);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toContain(message);
  });

  test('a task group executor must be DEFAULT and the group non-empty', () => {
    const executor = { executor_id: { value: 'e' }, type: 'CUSTOM' as const };
    expect(checkGroupExecutor(executor, { tasks: [task()] })).toMatchObject({ ok: false });
    expect(checkGroupExecutor({ ...executor, type: 'DEFAULT' }, { tasks: [] })).toMatchObject({ ok: false, message: 'Task group is empty' });
    expect(checkGroupExecutor({ ...executor, type: 'DEFAULT' }, { tasks: [task()] })).toMatchObject({ ok: true });
  });
});

describe('the agent: a task the master sent', () => {
  const task = (id: string, extra: Partial<TaskInfo> = {}): TaskInfo => ({
    name: id, task_id: { value: id }, agent_id: { value: 'a1' },
    command: { value: 'true', shell: true }, resources: Resources.parse('cpus:1').toV1(), ...extra,
  });

  test('a command task can run', () => {
    expect(taskToRunProblem(task('t'))).toBeUndefined();
  });

  test('a task on a custom executor with a command can run', () => {
    const executor = { type: 'CUSTOM' as const, executor_id: { value: 'e' }, command: { value: 'node executor.js' } };
    expect(taskToRunProblem(task('t', { command: undefined, executor }))).toBeUndefined();
    expect(taskToRunProblem(task('t', { command: undefined, executor: { ...executor, type: undefined } }))).toBeUndefined();
  });

  test.each<[string, Partial<TaskInfo>, string]>([
    ['a custom executor without a command', { command: undefined, executor: { executor_id: { value: 'e' } } }, "Invalid task: 'executor.command.value' is required to start a custom executor"],
    ['a task of its own on the default executor', { command: undefined, executor: { type: 'DEFAULT', executor_id: { value: 'e' }, command: { value: 'x' } } }, "Invalid task: the default executor runs task groups (LAUNCH_GROUP) only; a task's own executor must be CUSTOM"],
    ['no command', { command: undefined }, "Invalid task: task has neither 'command' nor a supported 'executor'"],
    ['a command without value', { command: { shell: true } }, "Invalid task: 'command.value' is required"],
    // The master lets an empty value through; the agent cannot run it.
    ['an empty command value', { command: { value: '' } }, "Invalid task: 'command.value' is required"],
    ['resources that are no list', { resources: 'cpus:1' as never }, "Invalid task: 'resources' must be a list"],
  ])('refuses %s', (_what, extra, message) => {
    expect(taskToRunProblem(task('t', extra))).toBe(message);
  });

  test('the master lets an empty command value through', () => {
    const checked = checkTask(task('t', { command: { value: '' } }), { agentId: 'a1', taskIdInUse: () => false, launchedInThisCall: new Set() });
    expect(checked.ok).toBe(true);
  });

  const executor = { executor_id: { value: 'pod' }, type: 'DEFAULT' as const };

  test('a group of command tasks under the default executor can run', () => {
    expect(taskGroupToRunProblem(executor, [task('a'), task('b')])).toBeUndefined();
    // Unlike the master, the agent refuses only the executor type it cannot run.
    expect(taskGroupToRunProblem({ ...executor, type: 'UNKNOWN' }, [task('a')])).toBeUndefined();
    expect(checkGroupExecutor({ ...executor, type: 'UNKNOWN' }, { tasks: [task('a')] })).toMatchObject({ ok: false });
  });

  test.each<[string, Parameters<typeof taskGroupToRunProblem>[0], TaskInfo[], string]>([
    ['no executor id', { executor_id: { value: '' } }, [task('a')], "Invalid task group: 'executor.executor_id' is required"],
    ['no executor', undefined, [task('a')], "Invalid task group: 'executor.executor_id' is required"],
    ['a custom executor', { ...executor, type: 'CUSTOM' }, [task('a')], 'Invalid task group: task groups run under the default executor; custom executors are not supported by this agent'],
    ['executor resources that are no list', { ...executor, resources: {} as never }, [task('a')], "Invalid task group: 'executor.resources' must be a list"],
    ['a task id twice', executor, [task('a'), task('a')], "Invalid task group: task id 'a' appears twice"],
    ['a task with its own executor', executor, [task('a', { executor: executor })], "Invalid task group: task 'a' sets 'executor'; tasks of a group run under the group's executor"],
    ['a task without command', executor, [task('a', { command: undefined })], "Invalid task group: task 'a': Invalid task: task has neither 'command' nor a supported 'executor'"],
    ['a task without command value', executor, [task('a'), task('b', { command: { shell: true } })], "Invalid task group: task 'b': Invalid task: 'command.value' is required"],
  ])('refuses a group with %s', (_what, groupExecutor, tasks, message) => {
    expect(taskGroupToRunProblem(groupExecutor, tasks)).toBe(message);
  });
});
