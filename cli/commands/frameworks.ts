import { Flags } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import type { FrameworkRow } from '../views/frameworks';

export default class Frameworks extends OperatorCommand<typeof Frameworks> {
  static summary = 'List the frameworks, with --all also those that have ended.';

  static description =
    'One row per framework: id, name, roles, state (active; inactive; disconnected: its scheduler is ' +
    'gone but its failover timeout has not passed; completed), live tasks, the cpus and memory its tasks ' +
    'use, offers it holds, and when it registered. Tear one down with `mesoscloud teardown FRAMEWORK`.\n\n' +
    EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all --json',
  ];

  static flags = {
    all: Flags.boolean({ description: 'include frameworks that have ended', default: false }),
  };

  async run(): Promise<{ frameworks: FrameworkRow[] }> {
    const { buildFrameworkRows, renderFrameworks } = await import('../views/frameworks');
    const rows = await this.withOperator(async (operator) => {
      const [frameworks, tasks] = await Promise.all([operator.getFrameworks(), operator.getTasks()]);
      return buildFrameworkRows(frameworks, tasks, this.flags.all);
    });
    for (const line of renderFrameworks(rows, this.flags.all)) this.log(line);
    return { frameworks: rows };
  }
}
