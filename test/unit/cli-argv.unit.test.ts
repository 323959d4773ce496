import { normalizeSwitches, type SwitchSpec } from '../../cli/argv';
import { FlagError } from '../../cli/errors';

const shell: SwitchSpec = { name: 'shell', allowNo: true };
const checkpoint: SwitchSpec = { name: 'checkpoint', allowNo: false };
const aware: SwitchSpec = { name: 'partition-aware', allowNo: true };
const switches = new Map<string, SwitchSpec>([
  ['shell', shell], ['checkpoint', checkpoint], ['partition-aware', aware], ['partition_aware', aware],
]);

describe('normalizeSwitches', () => {
  it("turns Mesos's --switch=true|false into oclif's --switch / --no-switch", () => {
    expect(normalizeSwitches(['--checkpoint=true', '--shell=false', '--partition_aware=0'], switches))
      .toEqual(['--checkpoint', '--no-shell', '--no-partition-aware']);
  });

  it('drops =false for a switch that is off unless given', () => {
    expect(normalizeSwitches(['--checkpoint=false', '--name', 'x'], switches)).toEqual(['--name', 'x']);
  });

  it('leaves values, other flags and everything after -- untouched', () => {
    const argv = ['--name=a=b', '--resources', 'cpus:1', '--', '--checkpoint=true'];
    expect(normalizeSwitches(argv, switches)).toEqual(argv);
  });

  it('refuses a switch value that is neither true nor false, naming the input', () => {
    expect(() => normalizeSwitches(['--shell=maybe'], switches)).toThrow(FlagError);
    expect(() => normalizeSwitches(['--shell=maybe'], switches)).toThrow("--shell is a switch: give --shell or --no-shell (or =true / =false), got 'maybe'");
  });
});
