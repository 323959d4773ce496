import { FlagError } from '../../cli/errors';
import { isolationToCgroups } from '../../cluster/flags/values';
import {
  capabilitiesValue, clusterNameValue, commandValue, durationValue, envValue, integerValue, masterValue, readFileFlag,
  resourcesValue, taskNameValue,
} from '../../cli/flag-values';

describe('flag values', () => {
  it('accepts resource text and refuses nonsense, quoting the input', () => {
    expect(resourcesValue('resources', 'cpus:1;mem:128')).toBe('cpus:1;mem:128');
    expect(() => resourcesValue('resources', 'cpus=1')).toThrow(FlagError);
    expect(() => resourcesValue('resources', 'cpus=1')).toThrow(/--resources must be resources like "cpus:1;mem:128".*got 'cpus=1'/);
    expect(() => resourcesValue('resources', 'cpus:0')).toThrow(/got 'cpus:0'/);
  });

  it('reads durations in Mesos and short forms into milliseconds', () => {
    expect(durationValue('kill-after', '1s')).toBe(1000);
    expect(durationValue('kill-after', '2mins')).toBe(120_000);
    expect(durationValue('kill-after', '1.5secs')).toBe(1500);
    expect(() => durationValue('kill-after', 'soon')).toThrow(/--kill-after: invalid duration 'soon': expected/);
  });

  it('reads --env as a JSON object of strings', () => {
    expect(envValue('env', '{"A":"x","N":3,"B":true}')).toEqual({ A: 'x', N: '3', B: 'true' });
    expect(() => envValue('env', '[1]')).toThrow(/must be a JSON object.*got an array/);
    expect(() => envValue('env', '{oops')).toThrow(/got '\{oops'/);
    expect(() => envValue('env', '{"1BAD":"x"}')).toThrow(/'1BAD' is not a valid environment variable name/);
    expect(() => envValue('env', '{"A":{"b":1}}')).toThrow(/value of 'A' must be a string, number or boolean, got object/);
  });

  it('maps --isolation to the agent option', () => {
    expect(isolationToCgroups('cgroups/v2')).toBe('v2');
    expect(isolationToCgroups('cgroups/v1')).toBe('v1');
    expect(isolationToCgroups('auto')).toBe('auto');
    expect(isolationToCgroups('none')).toBe('none');
  });

  it('checks cluster names', () => {
    expect(clusterNameValue('cluster', 'dev-1')).toBe('dev-1');
    expect(() => clusterNameValue('cluster', 'Prod')).toThrow(/--cluster: cluster name must be.*got 'Prod'/);
    expect(() => clusterNameValue('cluster', '../x')).toThrow(FlagError);
  });
});

describe('more flag values', () => {
  it('reads whole numbers within a range, quoting what was refused', () => {
    expect(integerValue('agents', '3', 1, 64)).toBe(3);
    for (const bad of ['0', '65', 'abc', '1.5', '', '2x']) {
      expect(() => integerValue('agents', bad, 1, 64)).toThrow(`--agents must be a whole number from 1 to 64, got '${bad}'`);
    }
  });

  it('checks --name by the rules of Mesos task ids', () => {
    expect(taskNameValue('name', 'build-1.2_x')).toBe('build-1.2_x');
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'tab\there', 'x'.repeat(256)]) {
      expect(() => taskNameValue('name', bad)).toThrow(/^--name is also the task id: 1-255 characters, no '\/', '\\' or control characters, not '\.' or '\.\.'; got '/);
    }
  });

  it('refuses an empty command, or one that cannot be split without a shell', () => {
    expect(commandValue('command', 'echo "a b"', false)).toBe('echo "a b"');
    expect(commandValue('command', 'echo "a', true)).toBe('echo "a');
    expect(() => commandValue('command', '  ', true)).toThrow("--command must not be empty, got '  '");
    expect(() => commandValue('command', 'echo "a', false)).toThrow(/--command: unterminated double quote/);
  });

  it('allows GPU_RESOURCES and the always-on capabilities, and nothing else', () => {
    expect(capabilitiesValue('framework-capabilities', 'GPU_RESOURCES, TASK_KILLING_STATE,GPU_RESOURCES', ['TASK_KILLING_STATE']))
      .toEqual(['GPU_RESOURCES', 'TASK_KILLING_STATE']);
    expect(() => capabilitiesValue('framework-capabilities', 'MULTI_ROLE', ['TASK_KILLING_STATE']))
      .toThrow("--framework-capabilities: 'MULTI_ROLE' is not a capability that can be added; allowed: GPU_RESOURCES (always on: TASK_KILLING_STATE)");
    expect(() => capabilitiesValue('framework-capabilities', ',', [])).toThrow(/comma-separated list.*got ','/);
  });

  it('reads file:// values from the file, and says which file could not be read', () => {
    const read = (file: string) => {
      if (file === '/etc/env.json') return '{"A":"1"}';
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    };
    expect(readFileFlag('env', '{"A":"2"}', read)).toBe('{"A":"2"}');
    expect(readFileFlag('env', 'file:///etc/env.json', read)).toBe('{"A":"1"}');
    expect(() => readFileFlag('env', 'file:///missing', read)).toThrow("--env: cannot read '/missing' (ENOENT)");
  });

  it('checks master addresses and names the variable a value came from', () => {
    expect(masterValue('master', '10.0.0.5:5050')).toBe('10.0.0.5:5050');
    expect(masterValue('master', 'zk://h1:2181,h2:2181/mesos')).toBe('zk://h1:2181,h2:2181/mesos');
    expect(() => masterValue('master', 'zk://h:2181')).toThrow(/^--master: ZooKeeper URL 'zk:\/\/h:2181' has no path/);
    expect(() => masterValue('master', 'ftp://h', 'MESOSCLOUD_MASTER')).toThrow(/^MESOSCLOUD_MASTER \(the default of --master\): unsupported scheme/);
    expect(() => clusterNameValue('cluster', 'Bad', 'MESOSCLOUD_CLUSTER')).toThrow(/^MESOSCLOUD_CLUSTER \(the default of --cluster\): cluster name must be/);
  });
});
