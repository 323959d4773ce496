import { BaseCommand } from '../base-command';
import { EXIT_CODES_HELP } from '../errors';

export interface ClustersJson {
  clusters: { name: string; provider: string; master: string; zk?: string; hosts: number; agents: number; phase?: string; created: string; error?: string }[];
}

export default class Clusters extends BaseCommand<typeof Clusters> {
  static summary = 'List the clusters recorded on this machine.';

  static description =
    'Every cluster launched from this machine, with its provider, master, ZooKeeper URL and size. ' +
    'Pick one for any command with --cluster <name> or MESOSCLOUD_CLUSTER=<name>.\n\n' + EXIT_CODES_HELP;

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<ClustersJson> {
    const clusters: ClustersJson['clusters'] = [];
    for (const name of this.catalog.list()) {
      try {
        const r = this.catalog.read(name)!;
        if (r.provider !== 'local') {
          clusters.push({ name, provider: r.provider, master: r.masterUrl, zk: r.zk, hosts: r.hosts.length, agents: r.hosts.filter((h) => h.roles.includes('agent')).length, phase: r.phase, created: r.createdAt });
        } else {
          clusters.push({ name, provider: 'local', master: r.masterUrl, zk: r.zk, hosts: 1, agents: r.agents.length, created: r.createdAt });
        }
      } catch (err) {
        clusters.push({ name, provider: '?', master: '', hosts: 0, agents: 0, created: '', error: (err as Error).message });
      }
    }
    if (clusters.length === 0) {
      this.log(`No clusters recorded in ${this.catalog.root}. Start one with: mesoscloud launch`);
      return { clusters };
    }
    const rows = [[' NAME', 'PROVIDER', 'HOSTS', 'AGENTS', 'MASTER', 'STATE'], ...clusters.map((c) => [
      `${c.name === this.clusterName ? '*' : ' '}${c.name}`, c.provider, String(c.hosts), String(c.agents), c.zk ?? c.master, c.error ? `unreadable: ${c.error}` : c.phase ?? 'running',
    ])];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) this.log(r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
    this.log(`(* the cluster commands use now: --cluster or MESOSCLOUD_CLUSTER picks another)`);
    return { clusters };
  }
}
