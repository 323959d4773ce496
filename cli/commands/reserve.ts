import { Flags } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import { resourcesValue } from '../flag-values';
import { agentArg } from '../agent-action';
import { labelFlag, labelsOf, roleFlag, type ReservationJson } from '../reservation-flags';

export default class Reserve extends OperatorCommand<typeof Reserve> {
  static summary = "Reserve an agent's resources for a role (a dynamic reservation).";

  static description =
    'Sends RESERVE_RESOURCES: the unreserved amounts given with --resources are reserved on AGENT for ' +
    '--role, by the principal the command authenticates with (if any), with the --label labels. From then ' +
    'on they are offered only to frameworks of that role (or of roles below it), across task ends, agent ' +
    'restarts and master failovers, until `mesoscloud unreserve`. A persistent volume is made on reserved ' +
    'disk with `mesoscloud volume create`.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> S1 --role db --resources "cpus:1;mem:1024;disk:2048"',
    '<%= config.bin %> <%= command.id %> S1 --role db --resources "cpus:0.5;mem:256" --label service=postgres --json',
  ];

  static args = agentArg;

  static flags = {
    role: roleFlag(),
    resources: Flags.custom<string>({
      description: 'unreserved amounts to reserve, e.g. "cpus:1;mem:1024;disk:2048"',
      required: true,
      parse: async (input) => resourcesValue('resources', input),
    })(),
    label: labelFlag(),
  };

  async run(): Promise<ReservationJson> {
    const [{ findAgent }, { reservedFromText }, { FlagError }] = await Promise.all([
      import('../lookup'), import('../../cluster/client/reservations'), import('../errors'),
    ]);
    const { flags } = this;
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, this.args.agent, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      let resources;
      try {
        resources = reservedFromText(flags.resources, { role: flags.role, principal: (await this.credential())?.principal, labels: labelsOf(flags.label) });
      } catch (err) {
        throw new FlagError(`--resources: ${(err as Error).message}`);
      }
      await operator.act('RESERVE_RESOURCES', { reserve_resources: { agent_id: { value: id }, resources } });
      this.log(`Reserved ${flags.resources} on agent ${id} (${agent.agent_info.hostname}) for role '${flags.role}'.`);
      return { agent_id: id, hostname: agent.agent_info.hostname, action: 'reserve', role: flags.role, resources };
    });
  }
}
