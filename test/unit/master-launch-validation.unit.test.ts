import { checkGroupExecutor, checkTask, validateOffers, type OfferView } from '../../cluster/master/launch-validation';
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
