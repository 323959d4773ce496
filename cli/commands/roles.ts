import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import type { RoleRow } from '../views/roles';

export default class Roles extends OperatorCommand<typeof Roles> {
  static summary = 'List the roles with their weight, frameworks, allocation and quota.';

  static description =
    'One row per role the master knows (in use by a framework, or given a weight or quota): its weight ' +
    'in the fair sharing of offers, its frameworks, the cpus, memory and disk allocated to it, and its ' +
    'quota. Change them with `mesoscloud weights` and `mesoscloud quota`.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ];

  async run(): Promise<{ roles: RoleRow[] }> {
    const { buildRoleRows, renderRoles } = await import('../views/roles');
    const rows = await this.withOperator(async (operator) => {
      const [roles, quota] = await Promise.all([operator.getRoles(), operator.getQuota()]);
      return buildRoleRows(roles, quota);
    });
    for (const line of renderRoles(rows)) this.log(line);
    return { roles: rows };
  }
}
