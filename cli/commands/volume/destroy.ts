import { Flags } from '@oclif/core';
import { OperatorCommand } from '../../operator-command';
import { EXIT_CODES_HELP, FlagError } from '../../errors';
import { agentArg } from '../../agent-action';
import type { ReservationJson } from '../../reservation-flags';

export default class VolumeDestroy extends OperatorCommand<typeof VolumeDestroy> {
  static summary = 'Destroy a persistent volume: its data is deleted, its disk stays reserved.';

  static description =
    'Sends DESTROY_VOLUMES for the volume --id on AGENT, named exactly as the master holds it. The agent ' +
    'deletes the data; the disk goes back to the role\'s reservation (`mesoscloud unreserve` gives it back ' +
    'to everyone). A volume a running task uses cannot be destroyed: the master answers 409.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> S1 --id pgdata',
    '<%= config.bin %> <%= command.id %> S1 --id pgdata --json',
  ];

  static args = agentArg;

  static flags = {
    id: Flags.string({ description: "the volume's persistence id (see `mesoscloud volumes`)", required: true }),
  };

  async run(): Promise<ReservationJson> {
    const [{ findAgent }, { volumeResourceOf, volumesOf }, { reservationRole }] = await Promise.all([
      import('../../lookup'), import('../../../cluster/client/reservations'), import('../../../cluster/protocol/reservation-summary'),
    ]);
    const { flags } = this;
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, this.args.agent, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      const volume = volumeResourceOf(agent, flags.id);
      if (!volume) {
        const known = volumesOf(agent).map((v) => v.id);
        throw new FlagError(`agent ${id} has no volume '${flags.id}'; it has ${known.length ? known.map((k) => `'${k}'`).join(', ') : 'none'} (see \`${this.config.bin} volumes\`)`);
      }
      const role = reservationRole(volume) ?? '*';
      await operator.act('DESTROY_VOLUMES', { destroy_volumes: { agent_id: { value: id }, volumes: [volume] } });
      this.log(`Destroyed volume '${flags.id}' on agent ${id} (${agent.agent_info.hostname}); its disk stays reserved for role '${role}'.`);
      return { agent_id: id, hostname: agent.agent_info.hostname, action: 'destroy-volume', role, resources: [volume] };
    });
  }
}
