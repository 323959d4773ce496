/** The executor API's calls (executor.proto), checked as the agent checks them, with Mesos's wording. */
import { validateExecutorCall } from '../../cluster/protocol/executor';

const ids = { framework_id: { value: 'fw' }, executor_id: { value: 'ex' } };
const uuid = Buffer.alloc(16, 1).toString('base64');

describe('executor calls', () => {
  it('take the documented SUBSCRIBE, UPDATE and MESSAGE', () => {
    const subscribe = validateExecutorCall({
      type: 'SUBSCRIBE', ...ids,
      subscribe: {
        unacknowledged_tasks: [{ name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'ls' } }],
        unacknowledged_updates: [{ framework_id: { value: 'fw' }, status: { task_id: { value: 't' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid } }],
      },
    });
    expect(subscribe.ok).toBe(true);
    expect(validateExecutorCall({ type: 'SUBSCRIBE', ...ids }).ok).toBe(true);
    expect(validateExecutorCall({ type: 'UPDATE', ...ids, update: { status: { task_id: { value: 't' }, state: 'TASK_FINISHED', uuid } } }).ok).toBe(true);
    expect(validateExecutorCall({ type: 'MESSAGE', ...ids, message: { data: 'aGk=' } }).ok).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['no JSON object', 'x', 'Expecting a JSON object, got'],
    ['an unknown type', { type: 'LAUNCH', ...ids }, "'type': must be one of SUBSCRIBE, UPDATE, MESSAGE"],
    ['no framework id', { type: 'SUBSCRIBE', executor_id: { value: 'ex' } }, "'framework_id': required object"],
    ['an UPDATE without update', { type: 'UPDATE', ...ids }, "Expecting 'update' to be present"],
    ['a status without uuid', { type: 'UPDATE', ...ids, update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING' } } }, "'update.status.uuid': required string"],
    ['a bad state', { type: 'UPDATE', ...ids, update: { status: { task_id: { value: 't' }, state: 'DONE', uuid } } }, "'update.status.state': must be one of"],
    ['another executor in the status', { type: 'UPDATE', ...ids, update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid, executor_id: { value: 'other' } } } }, "'update.status.executor_id': differs from the call's 'executor_id'"],
    ['a MESSAGE without message', { type: 'MESSAGE', ...ids }, "Expecting 'message' to be present"],
    ['data that is no base64', { type: 'MESSAGE', ...ids, message: { data: '!!' } }, "'message.data': must be base64-encoded bytes"],
  ])('refuse %s, naming the field', (_what, body, message) => {
    const decoded = validateExecutorCall(body);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.message).toContain(message);
  });
});
