import { Args } from '@oclif/core';
import { EXIT, EXIT_CODES_HELP } from '../errors';
import { concurrencyFlag, hostFlag, roleFlag, SshClusterCommand } from '../ssh-command';

export interface RunJson { command: string; results: { host: string; exit_code: number | null; stdout: string; stderr: string; error?: string }[] }

export default class Run extends SshClusterCommand<typeof Run> {
  static summary = "Run a shell command on the cluster's hosts, in parallel.";

  static description =
    'Runs COMMAND with the login shell of the SSH user on every host (or those with --role, or --host), ' +
    'all at once, and prints each host\'s output under its name as it finishes. Exits 1 when the command ' +
    'failed (or the host could not be reached) anywhere. For SSH clusters only.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> "uptime" --role agent',
    '<%= config.bin %> <%= command.id %> "df -h /var/lib/mesoscloud" --host 10.0.0.12',
    '<%= config.bin %> <%= command.id %> "tail -n 20 /var/log/mesoscloud/prod/agent.log" --role agent --cluster prod',
  ];

  static args = { command: Args.string({ description: 'shell command to run on each host', required: true }) };

  static flags = { role: roleFlag(), host: hostFlag(), concurrency: concurrencyFlag() };

  async run(): Promise<RunJson> {
    const provider = await this.providerWith('run');
    const progress = await this.hostProgress();
    const json = this.jsonEnabled();
    const results = await provider.run(this.clusterName, this.args.command, {
      role: this.flags.role as 'agent' | undefined,
      hosts: this.flags.host,
      onResult: (r) => {
        if (json) return;
        const status = r.error ? `unreachable: ${r.error}` : r.code === 0 ? 'ok' : `exit ${r.code ?? 'signal'}`;
        this.log(`--- ${r.host} (${status})`);
        if (r.stdout) this.log(r.stdout.replace(/\n$/, ''));
        if (r.stderr) this.logToStderr(r.stderr.replace(/\n$/, ''));
      },
    }, { catalog: this.catalog, progress, concurrency: this.flags.concurrency });
    progress.close();
    const bad = results.filter((r) => r.error || r.code !== 0);
    if (bad.length > 0) {
      process.exitCode = EXIT.failure;
      if (!json) this.logToStderr(`Failed on ${bad.length} of ${results.length} host(s): ${bad.map((r) => r.host).join(', ')}`);
    }
    return { command: this.args.command, results: results.map((r) => ({ host: r.host, exit_code: r.code, stdout: r.stdout, stderr: r.stderr, ...(r.error ? { error: r.error } : {}) })) };
  }
}
