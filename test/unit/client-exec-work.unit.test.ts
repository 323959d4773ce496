/**
 * What `exec --task` / `--task-group` launch (cluster/client/exec-work.ts): the given JSON checked
 * before anything is sent, a group's ask including its executor, and the operation an offer turns it into.
 */
import { GROUP_EXECUTOR_ID, launchOperation, taskGroupPlan, taskPlan } from '../../cluster/client/exec-work';
import { parseGivenTask, parseGivenTaskGroup } from '../../cluster/client/given-task';
import { chooseOfferForParts } from '../../cluster/client/offer-fit';
import { Resources } from '../../cluster/protocol/resources';
import type { Offer, TaskInfo } from '../../cluster/protocol/types';

const offer = (text: string, role = '*'): Offer => ({
  id: { value: 'o1' }, framework_id: { value: 'f' }, agent_id: { value: 'agent-1' }, hostname: 'h',
  resources: Resources.parse(text).toV1(role), allocation_info: { role },
});
const task = (id: string, text: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: '' }, resources: Resources.parse(text).toV1(), command: { value: 'true' } });

describe('a task group', () => {
  const group = { tasks: [task('a', 'cpus:0.5;mem:64'), task('b', 'cpus:0.5;mem:64')] };

  test('GIVEN an offer with room for the tasks but not their executor THEN it is not taken', () => {
    const plan = taskGroupPlan(group, '*');
    expect(chooseOfferForParts([offer('cpus:1;mem:128;disk:100')], plan.variants, '*').chosen).toBeUndefined();
    expect(chooseOfferForParts([offer('cpus:1.1;mem:160;disk:100')], plan.variants, '*').chosen?.offer.id.value).toBe('o1');
  });

  test('WHEN launched THEN each task and the default executor get their own resources on the offer\'s agent', () => {
    const plan = taskGroupPlan(group, '*');
    const chosen = chooseOfferForParts([offer('cpus:2;mem:512;disk:100')], plan.variants, '*').chosen!;
    const op = launchOperation(plan, 'agent-1', chosen.partResources, 'fw-1');
    expect(op.type).toBe('LAUNCH_GROUP');
    expect(op.launch_group?.executor).toMatchObject({ type: 'DEFAULT', executor_id: { value: GROUP_EXECUTOR_ID }, framework_id: { value: 'fw-1' } });
    expect(Resources.fromV1(op.launch_group!.executor.resources!).toString()).toBe(Resources.parse('cpus:0.1;mem:32;disk:32').toString());
    expect(op.launch_group?.task_group.tasks.map((t) => [t.task_id.value, t.agent_id.value, Resources.fromV1(t.resources).scalar('cpus')])).toEqual([['a', 'agent-1', 0.5], ['b', 'agent-1', 0.5]]);
  });
});

test('a given task for a role is taken from the role\'s reservations when that is what the offer has', () => {
  const plan = taskPlan(task('t', 'cpus:1;mem:64'), 'dev');
  const reserved = offer('cpus:2;mem:128', 'dev');
  reserved.resources = Resources.parse('cpus:2;mem:128', 'dev').toV1('dev');
  const chosen = chooseOfferForParts([reserved], plan.variants, 'dev').chosen!;
  const op = launchOperation(plan, 'agent-1', chosen.partResources, 'fw');
  expect(op.launch?.task_infos[0].resources.every((r) => r.reservations?.[0]?.role === 'dev' || r.role === 'dev')).toBe(true);
});

describe('the JSON given to --task and --task-group', () => {
  test('agent_id may be missing or empty; the rest is checked as the master would', () => {
    const { agent_id: _, ...noAgent } = task('t', 'cpus:1');
    expect(parseGivenTask(noAgent)).toMatchObject({ ok: true, value: { agent_id: { value: '' } } });
    expect(parseGivenTask({ ...noAgent, command: undefined })).toEqual({ ok: false, message: 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present' });
    expect(parseGivenTask({ ...noAgent, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] })).toEqual({ ok: false, message: "'resources[0].scalar.value': must be a non-negative number, got -1" });
    expect(parseGivenTaskGroup({ tasks: [task('x', 'cpus:1'), task('x', 'cpus:1')] })).toEqual({ ok: false, message: "Invalid task group: task id 'x' appears twice" });
  });
});
