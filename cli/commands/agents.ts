import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import type { AgentRow } from '../views/agents';

export default class Agents extends OperatorCommand<typeof Agents> {
  static summary = 'List the agents with their state and resources.';

  static description =
    'One row per registered agent: its id and address, its state (active; deactivated: gets no offers; ' +
    'draining / drained; disconnected), how many tasks run on it, and its used and total cpus, memory and ' +
    'disk. Change an agent with `mesoscloud agent drain|deactivate|reactivate|gone AGENT`.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --cluster dev --json',
    '<%= config.bin %> <%= command.id %> --master 10.0.0.5:5050',
  ];

  async run(): Promise<{ agents: AgentRow[] }> {
    const { buildAgentRows, renderAgents } = await import('../views/agents');
    const rows = await this.withOperator(async (operator) => {
      const [agents, tasks] = await Promise.all([operator.getAgents(), operator.getTasks()]);
      return buildAgentRows(agents, tasks);
    });
    for (const line of renderAgents(rows)) this.log(line);
    return { agents: rows };
  }
}
