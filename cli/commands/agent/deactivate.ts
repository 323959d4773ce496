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
    const { findAgent } = await import('../../lookup');
    const { agentState } = await import('../../views/agents');
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, this.args.agent, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      await operator.deactivateAgent(id);
      const after = (await operator.getAgents()).agents.find((a) => a.agent_info.id?.value === id);
      const state = after ? agentState(after) : 'gone';
      this.log(`Agent ${id} (${agent.agent_info.hostname}) deactivated: it gets no offers until \`${this.config.bin} agent reactivate ${id}${this.clusterArg}\` (now ${state}).`);
      return { agent_id: id, hostname: agent.agent_info.hostname, action: 'deactivate', state };
    });
  }
}
