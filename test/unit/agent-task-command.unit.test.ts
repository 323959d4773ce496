import { commandArgv, DEFAULT_PATH, executorEnvironment, taskEnvironment, taskPorts } from '../../cluster/agent/task-command';
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

describe('executorEnvironment', () => {
  const base = {
    command: { value: 'node executor.js', environment: { variables: [{ name: 'MODE', value: 'fast' }, { name: 'MESOS_EXECUTOR_AUTHENTICATION_TOKEN', value: 'mine' }] } },
    frameworkId: 'fw', agentId: 'ag', executorId: 'ex', containerId: 'cid', sandbox: '/w/s', agentEndpoint: '10.0.0.2:5051',
    checkpoint: true, recoveryTimeoutMs: 900_000, subscriptionBackoffMaxMs: 1000, shutdownGracePeriodMs: 3000,
  };

  it("sets Mesos's executor variables, then the command's own", () => {
    expect(executorEnvironment(base)).toEqual({
      PATH: DEFAULT_PATH, MESOS_AGENT_ENDPOINT: '10.0.0.2:5051', MESOS_FRAMEWORK_ID: 'fw', MESOS_EXECUTOR_ID: 'ex', MESOS_AGENT_ID: 'ag', MESOS_SLAVE_ID: 'ag',
      MESOS_CONTAINER_ID: 'cid', MESOS_DIRECTORY: '/w/s', MESOS_SANDBOX: '/w/s', MESOS_CHECKPOINT: '1', MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '3secs',
      MESOS_HTTP_COMMAND_EXECUTOR: '0', MESOS_RECOVERY_TIMEOUT: '15mins', MESOS_SUBSCRIPTION_BACKOFF_MAX: '1secs', MODE: 'fast', MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'mine',
    });
  });

  it('sets the recovery variables only for a checkpointing framework, and the agent\'s token over any the command names', () => {
    const env = executorEnvironment({ ...base, checkpoint: false, authenticationToken: 'agent-issued' });
    expect(env.MESOS_CHECKPOINT).toBe('0');
    expect(env).not.toHaveProperty('MESOS_RECOVERY_TIMEOUT');
    expect(env).not.toHaveProperty('MESOS_SUBSCRIPTION_BACKOFF_MAX');
    expect(env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN).toBe('agent-issued');
  });
});
