import { OperatorCommand } from '../../operator-command';
import { EXIT_CODES_HELP } from '../../errors';
import { agentArg, type AgentActionJson } from '../../agent-action';

export default class AgentDeactivate extends OperatorCommand<typeof AgentDeactivate> {
  static summary = 'Stop offering an agent\'s resources; its tasks keep running.';

  static description =
    'The master makes no more offers of the agent\'s resources (and rescinds those outstanding) until ' +
    'it is reactivated with `mesoscloud agent reactivate`. Tasks already on it are left alone.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> S1',
    '<%= config.bin %> <%= command.id %> 5f1c3a9e-0d2b-4c55-9a0e-1b2c3d4e5f60-S1 --json',
  ];

  static args = agentArg;

  async run(): Promise<AgentActionJson> {
    return this.toggleAgent(this.args.agent, 'deactivate', (id) => `deactivated: it gets no offers until \`${this.config.bin} agent reactivate ${id}${this.clusterArg}\``);
  }
}
