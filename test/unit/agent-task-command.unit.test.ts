import { commandArgv, DEFAULT_PATH, taskEnvironment, taskPorts } from '../../cluster/agent/task-command';
import type { Resource } from '../../cluster/protocol/types';

const ports: Resource = { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31005, end: 31006 }, { begin: 31000, end: 31000 }] } };

describe('commandArgv', () => {
  it('runs shell commands through /bin/sh -c by default', () => {
    expect(commandArgv({ value: 'echo hello && sleep 1' })).toEqual(['/bin/sh', '-c', 'echo hello && sleep 1']);
    expect(commandArgv({ value: 'echo hi', shell: true, arguments: ['ignored'] })).toEqual(['/bin/sh', '-c', 'echo hi']);
  });

  it('execs value with arguments[1..] when shell is false (arguments[0] is argv[0])', () => {
    expect(commandArgv({ shell: false, value: '/bin/echo', arguments: ['echo', 'a b', 'c'] })).toEqual(['/bin/echo', 'a b', 'c']);
    expect(commandArgv({ shell: false, value: '/bin/true' })).toEqual(['/bin/true']);
  });

  it('names the missing field', () => {
    expect(() => commandArgv(undefined)).toThrow(/command/);
    expect(() => commandArgv({ shell: true })).toThrow(/'command.value' is required/);
  });
});

describe('taskEnvironment', () => {
  const base = {
    resources: [ports, { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } } as Resource],
    taskId: 't1',
    frameworkId: 'fw',
    agentId: 'ag',
    executorId: 't1',
    containerId: 'cid',
    sandbox: '/w/slaves/x',
  };

  it('sets the Mesos variables and the ports', () => {
    const env = taskEnvironment(base);
    expect(env).toMatchObject({
      MESOS_SANDBOX: '/w/slaves/x',
      MESOS_DIRECTORY: '/w/slaves/x',
      MESOS_TASK_ID: 't1',
      MESOS_FRAMEWORK_ID: 'fw',
      MESOS_AGENT_ID: 'ag',
      MESOS_EXECUTOR_ID: 't1',
      MESOS_CONTAINER_ID: 'cid',
      PORTS: '31000,31005,31006',
      PORT: '31000',
      PORT0: '31000',
      PORT1: '31005',
      PORT2: '31006',
      PATH: DEFAULT_PATH,
    });
  });

  it("lets the task's own variables win and skips secrets without a value", () => {
    const env = taskEnvironment({
      ...base,
      path: '/opt/bin:/usr/bin',
      command: { value: 'x', environment: { variables: [{ name: 'FOO', value: 'bar' }, { name: 'PORT0', value: '1' }, { name: 'S', type: 'SECRET' }] } },
    });
    expect(env.FOO).toBe('bar');
    expect(env.PORT0).toBe('1');
    expect(env.PATH).toBe('/opt/bin:/usr/bin');
    expect('S' in env).toBe(false);
  });

  it('omits port variables when the task holds no ports', () => {
    const env = taskEnvironment({ ...base, resources: [] });
    expect(env.PORTS).toBeUndefined();
    expect(env.PORT0).toBeUndefined();
  });

  it('expands at most the limit of ports', () => {
    expect(taskPorts([{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 100000 }] } }], 5)).toEqual([1, 2, 3, 4, 5]);
  });
});
