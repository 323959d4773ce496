import { EXIT_CODES_HELP } from '../errors';
import { concurrencyFlag, SshClusterCommand } from '../ssh-command';

export interface UpgradeJson { cluster: string; from?: string; to: string; restarted: string[] }

export default class Upgrade extends SshClusterCommand<typeof Upgrade> {
  static summary = 'Roll out this build of the daemons, one at a time, keeping tasks.';

  static description =
    'Uploads the daemon bundle of this mesoscloud (or the file named by MESOSCLOUD_DAEMON_BUNDLE) to every ' +
    'host, then restarts the standby masters, the leader, and each agent in turn, waiting for each to be ' +
    'healthy and each agent to re-register before the next. Agents recover their running tasks, so no task ' +
    'is lost. ZooKeeper is not restarted. Running it again when every host has this build changes nothing. ' +
    'For SSH clusters only.\n\n' + EXIT_CODES_HELP;

  static examples = ['<%= config.bin %> <%= command.id %>', 'MESOSCLOUD_DAEMON_BUNDLE=./dist/daemon/mesoscloud-daemon.js <%= config.bin %> <%= command.id %> --cluster prod'];

  static flags = { concurrency: concurrencyFlag() };

  async run(): Promise<UpgradeJson> {
    const provider = await this.providerWith('upgrade');
    const progress = await this.hostProgress();
    const result = await provider.upgrade(this.clusterName, { catalog: this.catalog, progress, concurrency: this.flags.concurrency }).finally(() => progress.close());
    const short = (sha?: string) => (sha ? sha.slice(0, 12) : '?');
    if (result.restarted.length === 0) this.log(`Every host of '${this.clusterName}' already runs ${short(result.to)}; nothing restarted.`);
    else this.log(`Upgraded '${this.clusterName}' from ${short(result.from)} to ${short(result.to)}: restarted ${result.restarted.join(', ')}.`);
    return { cluster: this.clusterName, from: result.from, to: result.to, restarted: result.restarted };
  }
}
