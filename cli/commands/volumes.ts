import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import type { VolumeRow } from '../../cluster/client/reservations';

export default class Volumes extends OperatorCommand<typeof Volumes> {
  static summary = 'List the persistent volumes of every agent.';

  static description =
    'One line per volume: its agent, role, id, size, where tasks see it and whether they may write. Make ' +
    'one with `mesoscloud volume create`, remove one with `mesoscloud volume destroy`.\n\n' + EXIT_CODES_HELP;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<{ volumes: VolumeRow[] }> {
    const [{ volumesOf }, { renderTable }] = await Promise.all([import('../../cluster/client/reservations'), import('../render/table')]);
    const volumes = await this.withOperator(async (operator) => (await operator.getAgents()).agents.flatMap(volumesOf));
    if (volumes.length === 0) this.log('No persistent volumes.');
    else {
      const rows = volumes.map((v) => [v.agent_id, v.hostname, v.role, v.id, `${v.size_mb} MB`, v.container_path, v.mode]);
      for (const line of renderTable(['AGENT', 'HOST', 'ROLE', 'ID', 'SIZE', 'PATH', 'MODE'], rows)) this.log(line);
    }
    return { volumes };
  }
}
