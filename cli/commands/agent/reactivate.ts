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
    const { findAgent } = await import('../../lookup');
    const { agentState } = await import('../../views/agents');
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, this.args.agent, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      await operator.reactivateAgent(id);
      const after = (await operator.getAgents()).agents.find((a) => a.agent_info.id?.value === id);
      const state = after ? agentState(after) : 'gone';
      this.log(`Agent ${id} (${agent.agent_info.hostname}) reactivated (now ${state}).`);
      return { agent_id: id, hostname: agent.agent_info.hostname, action: 'reactivate', state };
    });
  }
}
