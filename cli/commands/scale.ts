import { Flags } from '@oclif/core';
import { integerFlag } from '../base-command';
import { EXIT_CODES_HELP } from '../errors';
import { concurrencyFlag, SshClusterCommand } from '../ssh-command';

export interface ScaleJson { cluster: string; agents: number; added: string[]; removed: string[] }

export default class Scale extends SshClusterCommand<typeof Scale> {
  static summary = 'Add agents on new hosts, or drain and remove agents.';

  static description =
    'Growing: give the new hosts with --hosts (they become agents, bootstrapped in parallel like at launch); ' +
    '--agents N without --hosts uses hosts of the cluster\'s spec not yet in use. Shrinking: --agents N below ' +
    'the current count drains the last agents (their tasks are killed with their grace period, the agents are ' +
    'marked gone), then removes the cluster from those hosts. Control roles never move. For SSH clusters only.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> --agents 8 --hosts 10.0.0.21,10.0.0.22,10.0.0.23',
    '<%= config.bin %> <%= command.id %> --agents 3',
  ];

  static flags = {
    agents: integerFlag({ description: 'number of agents wanted', min: 1, max: 10_000 }),
    hosts: Flags.string({ description: 'hosts to add, comma-separated ([user@]host[:port])' }),
    concurrency: concurrencyFlag(),
  };

  async run(): Promise<ScaleJson> {
    if (this.flags.agents === undefined && !this.flags.hosts) {
      throw Object.assign(new Error('say what to change: --agents N, --hosts h1,h2 (to add), or both'), { code: 'MISSING_FLAG' });
    }
    const provider = await this.providerWith('scale');
    const progress = await this.hostProgress();
    const addHosts = this.flags.hosts?.split(',').map((h) => h.trim()).filter(Boolean);
    const ctx = { catalog: this.catalog, progress, concurrency: this.flags.concurrency };
    const result = await provider.scale(this.clusterName, { agents: this.flags.agents, addHosts }, ctx).finally(() => progress.close());
    const agents = result.plan.hosts.filter((h) => h.roles.includes('agent')).length;
    this.log(`Cluster '${this.clusterName}' has ${agents} agent(s)` +
      `${result.added.length ? `; added ${result.added.join(', ')}` : ''}${result.removed.length ? `; removed ${result.removed.join(', ')}` : ''}` +
      `${!result.added.length && !result.removed.length ? '; nothing to change' : ''}.`);
    return { cluster: this.clusterName, agents, added: result.added, removed: result.removed };
  }
}
