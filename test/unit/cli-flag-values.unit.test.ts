import { FlagError } from '../../cli/errors';
import { clusterNameValue, durationValue, envValue, isolationToCgroups, resourcesValue } from '../../cli/flag-values';

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
