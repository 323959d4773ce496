import { Args, Flags } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';

export interface TeardownJson { framework_id: string; name: string; tasks_killed: number }

export default class Teardown extends OperatorCommand<typeof Teardown> {
  static summary = 'Tear a framework down: kill all its tasks and remove it.';

  static description =
    'The master kills every task of the framework, removes it and refuses its scheduler from then on. ' +
    'This cannot be undone, so it asks first on a terminal; without one (a script, a pipe) it does nothing ' +
    'and exits 2 unless --yes is given. FRAMEWORK is a framework id, a unique prefix, or the part after ' +
    'the last \'-\' (e.g. 0003).\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> 0003',
    '<%= config.bin %> <%= command.id %> 5f1c3a9e-0d2b-4c55-9a0e-1b2c3d4e5f60-0003 --yes --json',
  ];

  static args = {
    framework: Args.string({ description: 'framework id, or a unique part of one', required: true }),
  };

  static flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation', default: false }),
  };

  async run(): Promise<TeardownJson> {
    const [{ findFramework }, { confirmOrThrow }, { isTerminalState }] = await Promise.all([
      import('../lookup'), import('../confirm'), import('../../cluster/protocol/types'),
    ]);
    return this.withOperator(async (operator) => {
      const framework = await findFramework(operator, this.args.framework, this.lookup, false);
      const id = framework.framework_info.id?.value ?? '';
      const name = framework.framework_info.name;
      const tasks = (await operator.getTasks()).tasks?.filter((t) => t.framework_id.value === id && !isTerminalState(t.state)).length ?? 0;
      await confirmOrThrow({
        yes: this.flags.yes,
        question: `Tear down framework ${id} (${name}) and kill its ${tasks} task(s)?`,
        command: `${this.config.bin} teardown ${id}${this.clusterArg}`,
      });
      await operator.teardown(id);
      this.log(`Framework ${id} (${name}) torn down; the master is killing its ${tasks} task(s).`);
      return { framework_id: id, name, tasks_killed: tasks };
    });
  }
}
