import { Args } from '@oclif/core';
import { EXIT_CODES_HELP } from '../errors';
import { SshClusterCommand } from '../ssh-command';

export default class Ssh extends SshClusterCommand<typeof Ssh> {
  static summary = 'Open a shell (or run a command) on one of the cluster\'s hosts.';

  static description =
    'TARGET is a role (master, agent, zookeeper: the first host with it), a host as given at launch, or its ' +
    'address. Uses the cluster\'s key, user, port, jump host and pinned host keys. Words after "--" are run ' +
    'instead of a shell, and the command\'s exit code is ours. For SSH clusters only.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> master',
    '<%= config.bin %> <%= command.id %> 10.0.0.12',
    '<%= config.bin %> <%= command.id %> agent -- systemctl status mesoscloud-prod-agent',
  ];

  static strict = false;

  static args = { target: Args.string({ description: 'master | agent | zookeeper | a host', required: true }) };

  async run(): Promise<{ host: string; exit_code: number }> {
    const record = await this.sshRecord();
    const target = this.args.target;
    const host = ['master', 'agent', 'zookeeper'].includes(target)
      ? record.hosts.find((h) => h.roles.includes(target as 'agent'))
      : record.hosts.find((h) => h.host === target || h.address === target);
    if (!host) {
      throw Object.assign(new Error(`'${target}' is not a role or host of cluster '${record.name}'`), {
        code: 'UNKNOWN_HOST',
        suggestions: [`roles: master, agent, zookeeper; hosts: ${record.hosts.map((h) => h.host).join(', ')}`],
      });
    }
    const command = this.positionals.slice(1).join(' ');
    const [{ connectOne, settingsOfRecord }, { KnownHosts }] = await Promise.all([import('../../infra/providers/ssh-connect'), import('../../infra/bootstrap/known-hosts')]);
    const conn = await connectOne(host, settingsOfRecord(record), new KnownHosts(record.knownHostsFile));
    try {
      const code = await conn.shell({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, command: command || undefined, pty: process.stdin.isTTY === true });
      process.exitCode = code;
      return { host: host.host, exit_code: code };
    } finally {
      conn.close();
    }
  }
}
