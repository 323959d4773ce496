import { Flags } from '@oclif/core';
import { OperatorCommand } from '../../operator-command';
import { EXIT_CODES_HELP, FlagError } from '../../errors';
import { agentArg } from '../../agent-action';
import { roleFlag, type ReservationJson } from '../../reservation-flags';

/** Mesos's rule for ids that become directory names: no '/', not '.' or '..'; kept to a portable set. */
const VOLUME_ID = /^[A-Za-z0-9._-]+$/;

export default class VolumeCreate extends OperatorCommand<typeof VolumeCreate> {
  static summary = 'Create a persistent volume on disk reserved for a role.';

  static description =
    'Sends CREATE_VOLUMES: --size MB of the disk reserved for --role on AGENT (reserve it first with ' +
    '`mesoscloud reserve`) becomes the volume --id. The agent keeps its data outside any sandbox and mounts ' +
    'it at --path in the sandbox of every task that uses it; the data outlives tasks, agent restarts and ' +
    'master failovers until `mesoscloud volume destroy`. Frameworks of the role find it in their offers; ' +
    '`mesoscloud exec --role ROLE --volume ID` runs a task on it.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> S1 --role db --id pgdata --size 1024 --path data',
    '<%= config.bin %> <%= command.id %> S1 --role db --id reference --size 256 --path ref --mode ro --json',
  ];

  static args = agentArg;

  static flags = {
    role: roleFlag(),
    id: Flags.string({ description: 'the volume\'s persistence id, unique on the agent for the role', required: true }),
    size: Flags.integer({ description: 'size in MB, taken from the reserved disk', required: true, min: 1 }),
    path: Flags.string({ description: 'where tasks see it: a relative path in their sandbox', required: true }),
    mode: Flags.option({ options: ['rw', 'ro'] as const, description: 'read-write, or read-only for the tasks', default: 'rw' })(),
  };

  async run(): Promise<ReservationJson> {
    const { flags } = this;
    if (!VOLUME_ID.test(flags.id) || flags.id === '.' || flags.id === '..') {
      throw new FlagError(`--id '${flags.id}' is not a valid volume id: use letters, digits, '.', '_' and '-' (not '.' or '..')`);
    }
    const segments = flags.path.split('/');
    if (flags.path.startsWith('/') || segments.some((s) => s === '..' || s === '')) {
      throw new FlagError(`--path '${flags.path}' must be a relative path inside the sandbox, without '..' or empty parts (e.g. data)`);
    }
    const [{ findAgent }, { reservedDiskOf, volumeResource }] = await Promise.all([import('../../lookup'), import('../../../cluster/client/reservations')]);
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, this.args.agent, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      const disk = reservedDiskOf(agent, flags.role).find((r) => (r.scalar?.value ?? 0) >= flags.size) ?? reservedDiskOf(agent, flags.role)[0];
      if (!disk) {
        throw new FlagError(`agent ${id} has no disk reserved for role '${flags.role}'; reserve some first: ${this.config.bin} reserve ${this.args.agent} --role ${flags.role} --resources disk:${flags.size}`);
      }
      const volume = volumeResource({
        reservations: disk.reservations ?? [], principal: (await this.credential())?.principal,
        id: flags.id, sizeMb: flags.size, containerPath: flags.path, mode: flags.mode === 'ro' ? 'RO' : 'RW',
      });
      await operator.act('CREATE_VOLUMES', { create_volumes: { agent_id: { value: id }, volumes: [volume] } });
      this.log(`Created volume '${flags.id}' (${flags.size} MB, ${flags.mode.toUpperCase()}, at ${flags.path}) on agent ${id} (${agent.agent_info.hostname}) for role '${flags.role}'.`);
      return { agent_id: id, hostname: agent.agent_info.hostname, action: 'create-volume', role: flags.role, resources: [volume] };
    });
  }
}
