import fc from 'fast-check';
import { limitsFromFlags, mergeQuota, parseWeightArgs, quotaAmount, removedQuota, roleProblem, scalars, scalarText } from '../../cli/role-args';

describe('role names', () => {
  it.each(['*', 'dev', 'eng/frontend', 'a.b', 'team_1'])('accepts %s', (role) => {
    expect(roleProblem(role)).toBeUndefined();
  });

  it.each([['', 'empty'], ['-x', "'-'"], ['a b', 'whitespace'], ['/a', "'/'"], ['a//b', "'//'"], ['a/..', "'..'"], ['a/*', "'*'"]])('refuses %j, saying why', (role, why) => {
    expect(roleProblem(role)).toContain(why);
  });
});

describe('weights arguments', () => {
  it('reads ROLE=WEIGHT pairs', () => {
    expect(parseWeightArgs(['dev=2', 'ops=0.5'])).toEqual([{ role: 'dev', weight: 2 }, { role: 'ops', weight: 0.5 }]);
  });

  it.each([
    ['dev', 'ROLE=WEIGHT'],
    ['dev=0', "role 'dev' must be a number greater than 0, got '0'"],
    ['dev=abc', "got 'abc'"],
    ['=2', 'ROLE=WEIGHT'],
    ['a b=1', 'whitespace'],
  ])('refuses %j', (arg, message) => {
    expect(() => parseWeightArgs([arg])).toThrow(message);
  });

  it('refuses a role given twice', () => {
    expect(() => parseWeightArgs(['dev=1', 'dev=2'])).toThrow("role 'dev' is given more than once");
  });

  it('reads back any positive weight it is given', () => {
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (w) => {
      expect(parseWeightArgs([`r=${w}`])[0].weight).toBe(w);
    }));
  });
});

describe('quota', () => {
  it('takes non-negative amounts only', () => {
    expect(quotaAmount('cpus', '1.5')).toBe(1.5);
    expect(() => quotaAmount('mem', '-1')).toThrow("--mem must be a number of at least 0, got '-1'");
    expect(() => quotaAmount('disk', 'lots')).toThrow("got 'lots'");
  });

  it('turns the flags given into limits', () => {
    expect(limitsFromFlags({ cpus: 2, disk: 100 })).toEqual({ cpus: { value: 2 }, disk: { value: 100 } });
  });

  it('keeps the limits not given and the guarantees when setting one limit', () => {
    const current = { role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 4 }, mem: { value: 1024 } } };
    expect(mergeQuota(current, 'dev', { mem: { value: 2048 } })).toEqual({
      role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 4 }, mem: { value: 2048 } },
    });
    expect(mergeQuota(undefined, 'new', { cpus: { value: 1 } })).toEqual({ role: 'new', limits: { cpus: { value: 1 } } });
  });

  it('removes a quota with an empty config, as Mesos does', () => {
    expect(removedQuota('dev')).toEqual({ role: 'dev', guarantees: {}, limits: {} });
  });

  it('shows scalar maps as plain numbers', () => {
    expect(scalars({ cpus: { value: 2 }, mem: { value: 512 } })).toEqual({ cpus: 2, mem: 512 });
    expect(scalarText({ cpus: 0.5, mem: 512 })).toBe('cpus:0.5;mem:512');
    expect(scalarText({})).toBe('-');
  });
});
