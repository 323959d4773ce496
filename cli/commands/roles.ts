import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import type { RoleRow } from '../views/roles';

export default class Roles extends OperatorCommand<typeof Roles> {
  static summary = 'List the roles with their weight, frameworks, allocation, quota and reservations.';

  static description =
    'One row per role the master knows (in use by a framework, or given a weight or quota): its weight ' +
    'in the fair sharing of offers, its frameworks, the cpus, memory and disk allocated to it, and its ' +
    'quota, and what is reserved to it: in total, then per agent with the kind of reservation (STATIC from an ' +
    "agent's --resources, DYNAMIC from a framework's or operator's RESERVE, with its principal and labels) and " +
    'the persistent volumes made on it. Change weights and quota with `mesoscloud weights` and `mesoscloud quota`.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ];

  async run(): Promise<{ roles: RoleRow[] }> {
    const { buildRoleRows, renderRoles } = await import('../views/roles');
    const rows = await this.withOperator(async (operator) => {
      const [roles, quota, agents] = await Promise.all([operator.getRoles(), operator.getQuota(), operator.getAgents()]);
      return buildRoleRows(roles, quota, agents.agents);
    });
    for (const line of renderRoles(rows)) this.log(line);
    return { roles: rows };
  }
}
