import fc from 'fast-check';
import { validateAgentCall, validateAgentEvent, validateOperatorCall, validateSchedulerCall } from '../../cluster/protocol/validate';
import { checkTaskInfo } from '../../cluster/protocol/task-validation';
import { newStatusUuid } from '../../cluster/protocol/ids';
import type { AgentEvent } from '../../cluster/protocol/agent-channel';
import { SCHEDULER_CALL_TYPES } from '../../cluster/protocol/types';
import type { TaskInfo } from '../../cluster/protocol/types';

const FID = { value: 'master-0000' };
const cpus = (value: number) => ({ name: 'cpus', type: 'SCALAR', scalar: { value } });

function task(overrides: Record<string, unknown> = {}) {
  return {
    name: 'hello',
    task_id: { value: 'hello-1' },
    agent_id: { value: 'master-S0' },
    resources: [cpus(1), { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }],
    command: { value: 'echo hello' },
    ...overrides,
  };
}

function accept(operations: unknown[]) {
  return { type: 'ACCEPT', framework_id: FID, accept: { offer_ids: [{ value: 'master-O1' }], operations } };
}

function rejected(result: { ok: boolean; message?: string }): string {
  expect(result.ok).toBe(false);
  return (result as { message: string }).message;
}

/** A well-formed call of every scheduler call type. */
const VALID_CALLS: Record<(typeof SCHEDULER_CALL_TYPES)[number], Record<string, unknown>> = {
  SUBSCRIBE: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'demo', roles: ['web'], capabilities: [{ type: 'MULTI_ROLE' }] } } },
  TEARDOWN: { type: 'TEARDOWN', framework_id: FID },
  ACCEPT: accept([{ type: 'LAUNCH', launch: { task_infos: [task()] } }]),
  DECLINE: { type: 'DECLINE', framework_id: FID, decline: { offer_ids: [{ value: 'master-O1' }], filters: { refuse_seconds: 5 } } },
  REVIVE: { type: 'REVIVE', framework_id: FID },
  SUPPRESS: { type: 'SUPPRESS', framework_id: FID, suppress: { roles: ['web'] } },
  KILL: { type: 'KILL', framework_id: FID, kill: { task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: '5000000000' } } } },
  SHUTDOWN: { type: 'SHUTDOWN', framework_id: FID, shutdown: { executor_id: { value: 'e' }, agent_id: { value: 'a' } } },
  ACKNOWLEDGE: { type: 'ACKNOWLEDGE', framework_id: FID, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: newStatusUuid() } },
  RECONCILE: { type: 'RECONCILE', framework_id: FID, reconcile: { tasks: [] } },
  MESSAGE: { type: 'MESSAGE', framework_id: FID, message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: 'aGVsbG8=' } },
  REQUEST: { type: 'REQUEST', framework_id: FID, request: { requests: [] } },
  ACCEPT_INVERSE_OFFERS: { type: 'ACCEPT_INVERSE_OFFERS', framework_id: FID, accept_inverse_offers: { inverse_offer_ids: [{ value: 'master-O2' }] } },
  DECLINE_INVERSE_OFFERS: { type: 'DECLINE_INVERSE_OFFERS', framework_id: FID, decline_inverse_offers: { inverse_offer_ids: [{ value: 'master-O3' }], filters: { refuse_seconds: 60 } } },
  UPDATE_FRAMEWORK: {
    type: 'UPDATE_FRAMEWORK',
    framework_id: FID,
    update_framework: {
      framework_info: { id: FID, user: 'root', name: 'demo', roles: ['web'], capabilities: [{ type: 'MULTI_ROLE' }] },
      suppressed_roles: [],
      offer_constraints: { role_constraints: { web: { groups: [{ attribute_constraints: [{ selector: { attribute_name: 'rack' }, predicate: { text_equals: { value: 'r1' } } }] }] } } },
    },
  },
};

describe('validateSchedulerCall', () => {
  it.each(SCHEDULER_CALL_TYPES.map((t) => [t]))('accepts a well-formed %s call', (type) => {
    const result = validateSchedulerCall(VALID_CALLS[type]);
    expect(result).toMatchObject({ ok: true, call: { type } });
  });

  it('keeps unknown fields, as Mesos ignores rather than rejects them', () => {
    const body = { ...accept([{ type: 'LAUNCH', launch: { task_infos: [task({ container: { type: 'MESOS' } })] } }]), extra: 1 };
    const result = validateSchedulerCall(body);
    expect(result.ok).toBe(true);
    const call = (result as unknown as { call: Record<string, unknown> }).call;
    expect(call.extra).toBe(1);
    expect(call.accept).toMatchObject({ operations: [{ launch: { task_infos: [{ container: { type: 'MESOS' } }] } }] });
  });

  it.each(SCHEDULER_CALL_TYPES.filter((t) => t !== 'SUBSCRIBE').map((t) => [t]))('requires framework_id on %s', (type) => {
    const { framework_id: _, ...body } = VALID_CALLS[type];
    expect(rejected(validateSchedulerCall(body))).toBe("Expecting 'framework_id' to be present");
  });

  it.each(['subscribe', 'accept', 'decline', 'kill', 'shutdown', 'acknowledge', 'reconcile', 'message', 'request'])(
    'requires the %s sub-message for its call type',
    (field) => {
      const body: Record<string, unknown> = { ...VALID_CALLS[field.toUpperCase() as 'ACCEPT'] };
      delete body[field];
      expect(rejected(validateSchedulerCall(body))).toBe(`Expecting '${field}' to be present`);
    },
  );

  it.each<[string, unknown, string]>([
    ['a non-object body', 'hello', "Expecting a JSON object, got 'hello'"],
    ['a missing type', { framework_id: FID }, `'type': required, must be one of ${SCHEDULER_CALL_TYPES.join(', ')}, got undefined`],
    ['an unknown type', { type: 'FLY', framework_id: FID }, `'type': must be one of ${SCHEDULER_CALL_TYPES.join(', ')}, got 'FLY'`],
    ['a framework without a name', { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u' } } }, "'subscribe.framework_info.name': required string, got undefined"],
    ['an empty framework id', { type: 'TEARDOWN', framework_id: { value: '' } }, "'framework_id.value': must be a non-empty string"],
    ['a non-MULTI_ROLE framework with roles', { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', roles: ['a'] } } },
      "'subscribe.framework_info.roles': must not be set unless the framework has the MULTI_ROLE capability"],
    ['an invalid role', { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', role: 'a b' } } },
      "'subscribe.framework_info.role': role 'a b' contains whitespace or one of ()[]{}:;,"],
    ['mismatched framework ids', { type: 'SUBSCRIBE', framework_id: { value: 'x' }, subscribe: { framework_info: { user: 'u', name: 'n', id: { value: 'y' } } } },
      "'framework_id' differs from 'subscribe.framework_info.id'"],
    ['a bad acknowledge uuid', { type: 'ACKNOWLEDGE', framework_id: FID, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'abc' } },
      "'acknowledge.uuid': must be a base64-encoded 16-byte UUID, as sent in TaskStatus.uuid"],
    ['non-base64 message data', { type: 'MESSAGE', framework_id: FID, message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: 'not base64!' } },
      "'message.data': must be base64-encoded bytes"],
    ['a string refuse_seconds', { type: 'DECLINE', framework_id: FID, decline: { offer_ids: [], filters: { refuse_seconds: '5' } } },
      "'decline.filters.refuse_seconds': must be a number, got '5'"],
    ['a fractional grace period', { type: 'KILL', framework_id: FID, kill: { task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: 1.5 } } } },
      "'kill.kill_policy.grace_period.nanoseconds': must be an integer, got 1.5"],
  ])('rejects %s', (_what, body, message) => {
    expect(rejected(validateSchedulerCall(body))).toBe(message);
  });

  describe('ACCEPT operations', () => {
    it('accepts LAUNCH_GROUP', () => {
      const body = accept([{
        type: 'LAUNCH_GROUP',
        launch_group: {
          executor: { type: 'DEFAULT', executor_id: { value: 'ex' }, resources: [cpus(0.1)] },
          task_group: { tasks: [task(), task({ task_id: { value: 'hello-2' } })] },
        },
      }]);
      expect(validateSchedulerCall(body).ok).toBe(true);
    });

    it('names the task whose id is empty', () => {
      const body = accept([{ type: 'LAUNCH', launch: { task_infos: [task(), task({ task_id: { value: '' } })] } }]);
      expect(rejected(validateSchedulerCall(body))).toBe("'accept.operations[0].launch.task_infos[1].task_id.value': must be a non-empty string");
    });

    it('names the bad resource of a task', () => {
      const body = accept([{ type: 'LAUNCH', launch: { task_infos: [task({ resources: [cpus(1), cpus(-2)] })] } }]);
      expect(rejected(validateSchedulerCall(body))).toBe("'accept.operations[0].launch.task_infos[0].resources[1].scalar.value': must be a non-negative number, got -2");
    });

    it('names the bad resource of a group executor', () => {
      const body = accept([{
        type: 'LAUNCH_GROUP',
        launch_group: { executor: { executor_id: { value: 'ex' }, resources: [{ name: 'cpus', type: 'SCALAR' }] }, task_group: { tasks: [] } },
      }]);
      expect(rejected(validateSchedulerCall(body))).toBe("'accept.operations[0].launch_group.executor.resources[0].scalar': required for type SCALAR, got undefined");
    });

    it('rejects operations this master does not support', () => {
      expect(rejected(validateSchedulerCall(accept([{ type: 'GROW_VOLUME', grow_volume: {} }]))))
        .toBe("'accept.operations[0].type': operation 'GROW_VOLUME' is not supported; supported operations: LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE, CREATE, DESTROY");
    });

    it('requires the sub-message of a resource operation and checks its resources', () => {
      expect(rejected(validateSchedulerCall(accept([{ type: 'CREATE' }])))).toBe("Expecting 'accept.operations[0].create' to be present");
      expect(rejected(validateSchedulerCall(accept([{ type: 'RESERVE', reserve: { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC' }] }] } }]))))
        .toBe("'accept.operations[0].reserve.resources[0].reservations[0].role': required string, got undefined");
    });

    it('requires the sub-message of the operation', () => {
      expect(rejected(validateSchedulerCall(accept([{ type: 'LAUNCH_GROUP' }])))).toBe("Expecting 'accept.operations[0].launch_group' to be present");
    });

    it('reports several problems at once, up to a limit', () => {
      const body = accept([{ type: 'LAUNCH', launch: { task_infos: [1, 2, 3, 4, 5] } }]);
      expect(rejected(validateSchedulerCall(body))).toBe(
        "'accept.operations[0].launch.task_infos[0]': must be an object, got 1; " +
        "'accept.operations[0].launch.task_infos[1]': must be an object, got 2; " +
        "'accept.operations[0].launch.task_infos[2]': must be an object, got 3 (and 2 more)",
      );
    });
  });

  it('never throws on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const r = validateSchedulerCall(v);
      return r.ok || (typeof r.message === 'string' && r.message.length > 0);
    }));
    fc.assert(fc.property(fc.constantFrom(...SCHEDULER_CALL_TYPES), fc.dictionary(fc.string(), fc.jsonValue()), (type, rest) => {
      const r = validateSchedulerCall({ ...rest, type, framework_id: FID });
      return r.ok || r.message.length > 0;
    }));
  });
});

describe('validateAgentCall', () => {
  const register = {
    type: 'REGISTER',
    register: {
      agent_info: { hostname: 'node1', port: 5051, resources: [cpus(4)], attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }] },
      version: '0.1.0',
      pid: '127.0.0.1:5051',
    },
  };

  it('accepts REGISTER, UPDATE, MESSAGE, PONG and UNREGISTER', () => {
    expect(validateAgentCall({ type: 'MESSAGE', agent_id: { value: 'a' }, message: { framework_id: FID, executor_id: { value: 'e' }, data: 'aGk=' } }).ok).toBe(true);
    expect(validateAgentCall(register).ok).toBe(true);
    expect(validateAgentCall({
      type: 'UPDATE', agent_id: { value: 'a' },
      update: { framework_id: FID, status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: newStatusUuid(), source: 'SOURCE_EXECUTOR' } },
    }).ok).toBe(true);
    expect(validateAgentCall({ type: 'PONG', agent_id: { value: 'a' } }).ok).toBe(true);
    expect(validateAgentCall({ type: 'UNREGISTER', agent_id: { value: 'a' } }).ok).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['a PONG without agent id', { type: 'PONG' }, "Expecting 'agent_id' to be present"],
    ['an UPDATE without update', { type: 'UPDATE', agent_id: { value: 'a' } }, "Expecting 'update' to be present"],
    ['a REGISTER without register', { type: 'REGISTER' }, "Expecting 'register' to be present"],
    ['an executor MESSAGE without message', { type: 'MESSAGE', agent_id: { value: 'a' } }, "Expecting 'message' to be present"],
    ['an unknown type', { type: 'HELLO' }, "'type': must be one of REGISTER, UPDATE, MESSAGE, PONG, UNREGISTER, got 'HELLO'"],
    ['a bad task state', { type: 'UPDATE', agent_id: { value: 'a' }, update: { framework_id: FID, status: { task_id: { value: 't' }, state: 'RUNNING' } } },
      "'update.status.state': must be one of TASK_STAGING, TASK_STARTING, TASK_RUNNING, TASK_KILLING, TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_ERROR, TASK_LOST, TASK_DROPPED, TASK_UNREACHABLE, TASK_GONE, TASK_GONE_BY_OPERATOR, TASK_UNKNOWN, got 'RUNNING'"],
    ['bad agent resources', { ...register, register: { ...register.register, agent_info: { hostname: 'h', resources: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 9, end: 1 }] } }] } } },
      "'register.agent_info.resources[0].ranges.range[0]': begin 9 > end 1"],
    ['an attribute without its value', { ...register, register: { ...register.register, agent_info: { hostname: 'h', attributes: [{ name: 'rack', type: 'TEXT' }] } } },
      "Expecting 'register.agent_info.attributes[0].text' to be present"],
  ])('rejects %s', (_what, body, message) => {
    expect(rejected(validateAgentCall(body))).toBe(message);
  });
});

describe('validateAgentEvent', () => {
  const FRAMEWORK_INFO = { user: 'root', name: 'demo' };
  const UUID = newStatusUuid();
  /** A well-formed event of every type, as the master sends them. */
  const VALID_EVENTS: Record<AgentEvent['type'], Record<string, unknown>> = {
    REGISTERED: { type: 'REGISTERED', registered: { agent_id: { value: 'S0' }, master_info: { id: 'm', ip: 1, port: 5050, hostname: 'm1' }, ping_interval_seconds: 15 } },
    RUN_TASK: { type: 'RUN_TASK', run_task: { framework_id: FID, framework_info: FRAMEWORK_INFO, task: task() } },
    RUN_TASK_GROUP: {
      type: 'RUN_TASK_GROUP',
      run_task_group: { framework_id: FID, framework_info: FRAMEWORK_INFO, executor: { executor_id: { value: 'pod' } }, task_group: { tasks: [task()] } },
    },
    KILL_TASK: { type: 'KILL_TASK', kill_task: { framework_id: FID, task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: 1 } } } },
    ACKNOWLEDGE: { type: 'ACKNOWLEDGE', acknowledge: { framework_id: FID, task_id: { value: 't1' }, uuid: UUID } },
    SHUTDOWN_FRAMEWORK: { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: FID } },
    SHUTDOWN_EXECUTOR: { type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: FID, executor_id: { value: 'e' } } },
    FRAMEWORK_MESSAGE: { type: 'FRAMEWORK_MESSAGE', framework_message: { framework_id: FID, executor_id: { value: 'e' }, data: 'aGk=' } },
    CHECKPOINT_RESOURCES: {
      type: 'CHECKPOINT_RESOURCES',
      checkpoint_resources: { resources: [{ name: 'disk', type: 'SCALAR', scalar: { value: 64 }, reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'ops' }], disk: { persistence: { id: 'v1', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } }] },
    },
    PING: { type: 'PING' },
  };

  it.each(Object.entries(VALID_EVENTS))('accepts %s as sent', (_type, event) => {
    expect(validateAgentEvent(event)).toEqual({ ok: true, event });
  });

  it('leaves a task to the launch checks, so that the agent can answer it with TASK_ERROR', () => {
    const odd = { type: 'RUN_TASK', run_task: { framework_id: FID, task: { task_id: { value: 't' }, command: { shell: true }, resources: 'cpus:1' } } };
    expect(validateAgentEvent(odd)).toEqual({ ok: true, event: odd });
    const noExecutor = { type: 'RUN_TASK_GROUP', run_task_group: { framework_id: FID, task_group: { tasks: [{ task_id: { value: 't' } }] } } };
    expect(validateAgentEvent(noExecutor).ok).toBe(true);
  });

  it('ignores what REGISTERED carries for information when it is unusable, as the agent falls back to its defaults', () => {
    const registered = { agent_id: { value: 'S0' }, master_info: 'm1', ping_interval_seconds: 0 };
    expect(validateAgentEvent({ type: 'REGISTERED', registered })).toEqual({ ok: true, event: { type: 'REGISTERED', registered: { agent_id: { value: 'S0' } } } });
  });

  const without = (type: AgentEvent['type'], path: string[]): Record<string, unknown> => {
    const event = structuredClone(VALID_EVENTS[type]);
    let at: Record<string, unknown> = event;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
    delete at[path[path.length - 1]];
    return event;
  };

  it.each<[string, unknown, string]>([
    ['no object', 'PING', "Expecting a JSON object, got 'PING'"],
    ['no type', {}, "'type': required, must be one of REGISTERED, RUN_TASK, RUN_TASK_GROUP, KILL_TASK, ACKNOWLEDGE, SHUTDOWN_FRAMEWORK, SHUTDOWN_EXECUTOR, FRAMEWORK_MESSAGE, CHECKPOINT_RESOURCES, PING, got undefined"],
    ['an unknown type', { type: 'LAUNCH' }, "'type': must be one of REGISTERED, RUN_TASK, RUN_TASK_GROUP, KILL_TASK, ACKNOWLEDGE, SHUTDOWN_FRAMEWORK, SHUTDOWN_EXECUTOR, FRAMEWORK_MESSAGE, CHECKPOINT_RESOURCES, PING, got 'LAUNCH'"],
    ['REGISTERED without its message', { type: 'REGISTERED' }, "Expecting 'registered' to be present"],
    ['REGISTERED without agent id', without('REGISTERED', ['registered', 'agent_id']), "'registered.agent_id': required object, got undefined"],
    ['REGISTERED with an empty agent id', { type: 'REGISTERED', registered: { agent_id: { value: '' } } }, "'registered.agent_id.value': must be a non-empty string"],
    ['RUN_TASK without its message', { type: 'RUN_TASK' }, "Expecting 'run_task' to be present"],
    ['RUN_TASK without framework id', without('RUN_TASK', ['run_task', 'framework_id']), "'run_task.framework_id': required object, got undefined"],
    ['RUN_TASK without task', without('RUN_TASK', ['run_task', 'task']), "'run_task.task': required object, got undefined"],
    ['RUN_TASK without task id', without('RUN_TASK', ['run_task', 'task', 'task_id']), "'run_task.task.task_id': required object, got undefined"],
    ['RUN_TASK_GROUP without framework id', without('RUN_TASK_GROUP', ['run_task_group', 'framework_id']), "'run_task_group.framework_id': required object, got undefined"],
    ['RUN_TASK_GROUP without task group', without('RUN_TASK_GROUP', ['run_task_group', 'task_group']), "'run_task_group.task_group': required object, got undefined"],
    [
      'RUN_TASK_GROUP with no tasks',
      { type: 'RUN_TASK_GROUP', run_task_group: { framework_id: FID, task_group: { tasks: [] } } },
      "'run_task_group.task_group.tasks': must list at least one task",
    ],
    [
      'RUN_TASK_GROUP with a task without id',
      { type: 'RUN_TASK_GROUP', run_task_group: { framework_id: FID, task_group: { tasks: [task(), { name: 'x' }] } } },
      "'run_task_group.task_group.tasks[1].task_id': required object, got undefined",
    ],
    ['KILL_TASK without framework id', without('KILL_TASK', ['kill_task', 'framework_id']), "'kill_task.framework_id': required object, got undefined"],
    ['KILL_TASK without task id', without('KILL_TASK', ['kill_task', 'task_id']), "'kill_task.task_id': required object, got undefined"],
    ['ACKNOWLEDGE without framework id', without('ACKNOWLEDGE', ['acknowledge', 'framework_id']), "'acknowledge.framework_id': required object, got undefined"],
    ['ACKNOWLEDGE without task id', without('ACKNOWLEDGE', ['acknowledge', 'task_id']), "'acknowledge.task_id': required object, got undefined"],
    ['ACKNOWLEDGE without uuid', without('ACKNOWLEDGE', ['acknowledge', 'uuid']), "'acknowledge.uuid': required string, got undefined"],
    ['ACKNOWLEDGE with a numeric uuid', { type: 'ACKNOWLEDGE', acknowledge: { framework_id: FID, task_id: { value: 't1' }, uuid: 7 } }, "'acknowledge.uuid': must be a string, got 7"],
    ['SHUTDOWN_FRAMEWORK without its message', { type: 'SHUTDOWN_FRAMEWORK' }, "Expecting 'shutdown_framework' to be present"],
    ['SHUTDOWN_FRAMEWORK without framework id', without('SHUTDOWN_FRAMEWORK', ['shutdown_framework', 'framework_id']), "'shutdown_framework.framework_id': required object, got undefined"],
    ['FRAMEWORK_MESSAGE without executor id', without('FRAMEWORK_MESSAGE', ['framework_message', 'executor_id']), "'framework_message.executor_id': required object, got undefined"],
    ['FRAMEWORK_MESSAGE with data that is not base64', { type: 'FRAMEWORK_MESSAGE', framework_message: { framework_id: FID, executor_id: { value: 'e' }, data: '!' } }, "'framework_message.data': must be base64-encoded bytes"],
    ['CHECKPOINT_RESOURCES without its message', { type: 'CHECKPOINT_RESOURCES' }, "Expecting 'checkpoint_resources' to be present"],
    ['CHECKPOINT_RESOURCES with resources that are no list', { type: 'CHECKPOINT_RESOURCES', checkpoint_resources: { resources: 'disk:1' } }, "'checkpoint_resources.resources': must be an array of resources, got 'disk:1'"],
  ])('rejects %s, naming the field', (_what, event, message) => {
    expect(rejected(validateAgentEvent(event))).toBe(message);
  });

  it('says which known type a malformed event has, so that a bad REGISTERED can be told apart', () => {
    expect(validateAgentEvent({ type: 'REGISTERED' })).toMatchObject({ ok: false, type: 'REGISTERED' });
    expect(validateAgentEvent({ type: 'KILL_TASK' })).toMatchObject({ ok: false, type: 'KILL_TASK' });
    expect(validateAgentEvent({ type: 'LAUNCH' })).not.toHaveProperty('type');
  });
});

describe('validateOperatorCall', () => {
  it('accepts any call type, leaving support to the master', () => {
    expect(validateOperatorCall({ type: 'GET_HEALTH' })).toEqual({ ok: true, call: { type: 'GET_HEALTH' } });
    expect(validateOperatorCall({ type: 'SOMETHING_NEW', x: 1 })).toEqual({ ok: true, call: { type: 'SOMETHING_NEW', x: 1 } });
  });

  it('requires a type', () => {
    expect(rejected(validateOperatorCall({}))).toBe("'type': required string, got undefined");
    expect(rejected(validateOperatorCall({ type: '' }))).toBe("'type': must be a non-empty string");
    expect(rejected(validateOperatorCall([]))).toBe('Expecting a JSON object, got array');
  });
});

describe('checkTaskInfo', () => {
  const base = task() as unknown as TaskInfo;

  it('passes a command task', () => {
    expect(checkTaskInfo(base)).toBeUndefined();
  });

  it.each<[string, Partial<TaskInfo>, string]>([
    ['a task id with a slash', { task_id: { value: 'a/b' } }, "Task ID is invalid: 'a/b' contains invalid characters ('/', '\\' or control characters)"],
    ['a task id of ..', { task_id: { value: '..' } }, "Task ID is invalid: '..' is disallowed"],
    ['neither command nor executor', { command: undefined }, 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present'],
    ['both command and executor', { executor: { executor_id: { value: 'e' } } }, 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present'],
    ['no resources', { resources: [] }, 'Task uses no resources'],
    ['a command without value', { command: { shell: true } }, "'CommandInfo.value' must be set"],
  ])('reports %s', (_what, change, reason) => {
    expect(checkTaskInfo({ ...base, ...change })).toBe(reason);
  });

  it('checks tasks of a group against the group executor', () => {
    const executor = { executor_id: { value: 'ex' } };
    expect(checkTaskInfo(base, executor)).toBeUndefined();
    expect(checkTaskInfo({ ...base, executor }, executor)).toBe("Task 'hello-1' should not have 'ExecutorInfo' set");
    expect(checkTaskInfo(base, { executor_id: { value: 'a/b' } })).toMatch(/^Executor ID is invalid/);
  });
});
