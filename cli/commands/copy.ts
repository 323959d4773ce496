import { Args } from '@oclif/core';
import { EXIT, EXIT_CODES_HELP } from '../errors';
import { concurrencyFlag, hostFlag, roleFlag, SshClusterCommand } from '../ssh-command';

export interface CopyJson { source: string; destination: string; hosts: { host: string; files: number; bytes: number; error?: string }[] }

export default class Copy extends SshClusterCommand<typeof Copy> {
  static summary = "Copy a file or directory to the cluster's hosts, in parallel.";

  static description =
    'Copies SOURCE (a file, or a directory with everything under it) to DESTINATION on every host (or those ' +
    'with --role, or --host). As with scp: a DESTINATION ending in "/" is a directory the source goes into; ' +
    'otherwise it is the new name. Each file is written atomically with its mode. For SSH clusters only.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> ./data.csv /srv/ --role agent',
    '<%= config.bin %> <%= command.id %> ./conf /etc/myapp --host 10.0.0.12',
  ];

  static args = {
    source: Args.string({ description: 'local file or directory', required: true }),
    destination: Args.string({ description: 'path on the hosts', required: true }),
  };

  static flags = { role: roleFlag(), host: hostFlag(), concurrency: concurrencyFlag() };

  async run(): Promise<CopyJson> {
    const provider = await this.providerWith('copy');
    const progress = await this.hostProgress();
    const hosts = await provider.copy(this.clusterName, this.args.source, this.args.destination, {
      role: this.flags.role as 'agent' | undefined,
      hosts: this.flags.host,
    }, { catalog: this.catalog, progress, concurrency: this.flags.concurrency });
    progress.close();
    const bad = hosts.filter((h) => h.error);
    if (bad.length > 0) process.exitCode = EXIT.failure;
    this.log(`Copied ${this.args.source} to ${hosts.length - bad.length} of ${hosts.length} host(s)${bad.length ? `; failed: ${bad.map((h) => h.host).join(', ')}` : ''}.`);
    return { source: this.args.source, destination: this.args.destination, hosts };
  }
}
