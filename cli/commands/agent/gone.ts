import { Flags } from '@oclif/core';
import { OperatorCommand } from '../../operator-command';
import { EXIT_CODES_HELP } from '../../errors';
import { agentArg, type AgentActionJson } from '../../agent-action';

export default class AgentGone extends OperatorCommand<typeof AgentGone> {
  static summary = 'Mark an agent gone for good: its tasks are lost and it may never come back.';

  static description =
    'For a machine that has been decommissioned or is broken beyond repair: the master removes the ' +
    'agent, reports its tasks as TASK_GONE_BY_OPERATOR to their frameworks, and refuses the agent if it ' +
    'ever comes back under the same id. This cannot be undone, so it asks first on a terminal; without ' +
    'one (a script, a pipe) it does nothing and exits 2 unless --yes is given. To empty an agent gently, ' +
    'use `mesoscloud agent drain` (with --mark-gone to end the same way).\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> S1',
    '<%= config.bin %> <%= command.id %> S1 --yes --json',
  ];

  static args = agentArg;

  static flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation', default: false }),
  };

  async run(): Promise<AgentActionJson> {
    const [{ findAgent }, { confirmOrThrow }] = await Promise.all([import('../../lookup'), import('../../confirm')]);
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, this.args.agent, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      await confirmOrThrow({
        yes: this.flags.yes,
        question: `Mark agent ${id} (${agent.agent_info.hostname}) gone? Its tasks are lost and it can never rejoin.`,
        command: `${this.config.bin} agent gone ${id}${this.clusterArg}`,
      });
      await operator.markAgentGone(id);
      this.log(`Agent ${id} (${agent.agent_info.hostname}) marked gone.`);
      return { agent_id: id, hostname: agent.agent_info.hostname, action: 'gone', state: 'gone' };
    });
  }
}
