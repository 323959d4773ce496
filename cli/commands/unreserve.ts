import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP, FlagError } from '../errors';
import { agentArg } from '../agent-action';
import { roleFlag, type ReservationJson } from '../reservation-flags';

export default class Unreserve extends OperatorCommand<typeof Unreserve> {
  static summary = "Give back what is dynamically reserved for a role on an agent.";

  static description =
    'Sends UNRESERVE_RESOURCES for every dynamic reservation of --role on AGENT, named exactly as the ' +
    'master holds them (principal and labels included). Persistent volumes on the reserved disk must be ' +
    'destroyed first (`mesoscloud volume destroy`); static reservations (agent --resources) cannot be ' +
    'given back at run time.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> S1 --role db',
    '<%= config.bin %> <%= command.id %> S1 --role db --json',
  ];

  static args = agentArg;

  static flags = { role: roleFlag() };

  async run(): Promise<ReservationJson> {
    const [{ findAgent }, { dynamicReservationsOf, volumesOf }] = await Promise.all([import('../lookup'), import('../../cluster/client/reservations')]);
    const { flags } = this;
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, this.args.agent, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      const resources = dynamicReservationsOf(agent, flags.role);
      if (resources.length === 0) {
        throw new FlagError(`agent ${id} has nothing dynamically reserved for role '${flags.role}' (see \`${this.config.bin} roles\`)`);
      }
      const volumes = volumesOf(agent).filter((v) => v.role === flags.role);
      if (volumes.length > 0) this.logToStderr(`Note: volume(s) ${volumes.map((v) => v.id).join(', ')} keep their part of the reserved disk until destroyed.`);
      await operator.act('UNRESERVE_RESOURCES', { unreserve_resources: { agent_id: { value: id }, resources } });
      this.log(`Unreserved what role '${flags.role}' had on agent ${id} (${agent.agent_info.hostname}).`);
      return { agent_id: id, hostname: agent.agent_info.hostname, action: 'unreserve', role: flags.role, resources };
    });
  }
}
