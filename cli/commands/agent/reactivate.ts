import { OperatorCommand } from '../../operator-command';
import { EXIT_CODES_HELP } from '../../errors';
import { agentArg, type AgentActionJson } from '../../agent-action';

export default class AgentReactivate extends OperatorCommand<typeof AgentReactivate> {
  static summary = 'Offer a deactivated or drained agent\'s resources again.';

  static description =
    'Undoes `mesoscloud agent deactivate` and ends draining: the master offers the agent\'s resources ' +
    'to frameworks again.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> S1',
    '<%= config.bin %> <%= command.id %> S1 --cluster dev --json',
  ];

  static args = agentArg;

  async run(): Promise<AgentActionJson> {
    return this.toggleAgent(this.args.agent, 'reactivate', () => 'reactivated');
  }
}
