import { BaseCommand, masterFlag } from '../base-command';
import { EXIT_CODES_HELP } from '../errors';
import type { StatusJson } from '../status-view';

export default class Status extends BaseCommand<typeof Status> {
  static summary = 'Show the master, the agents with their resources, and the tasks.';

  static description =
    'Reads the master\'s operator API (GET_STATE): every agent with its total and used resources, the ' +
    'running tasks and the most recently completed ones. --json prints the same as one object.\n\n' +
    EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --cluster dev --json',
    '<%= config.bin %> <%= command.id %> --master 10.0.0.5:5050',
  ];

  static flags = {
    master: masterFlag(),
  };

  async run(): Promise<StatusJson> {
    const master = await this.resolveMaster(this.flags.master);
    const [{ OperatorClient }, { buildStatus, renderStatus }] = await Promise.all([
      import('../../cluster/client/operator'),
      import('../status-view'),
    ]);
    const operator = new OperatorClient(master, { tls: this.clusterTls, credential: await this.credential() });
    try {
      const [healthy, version, state] = await Promise.all([
        operator.getHealth(),
        operator.getVersion().then((v) => v.version, () => undefined),
        operator.getState(),
      ]);
      const status = buildStatus({ cluster: this.clusterName, masterUrl: operator.baseUrl, healthy, version, state });
      const record = this.flags.master ? undefined : this.catalog.read(this.clusterName);
      const extra = record?.provider === 'local' ? [`Logs: ${record.master.logPath} and ${record.agents.length} agent log(s) beside it`] : [];
      if (record?.provider === 'ssh') {
        extra.push(`Hosts (ssh, ${record.hosts.length}):`, ...record.hosts.map((h) => `  ${h.user}@${h.host}${h.sshPort !== 22 ? `:${h.sshPort}` : ''}  ${h.roles.join('+')}${h.zkId ? ` (zk id ${h.zkId})` : ''}`));
        extra.push(`Logs: mesoscloud run${this.clusterArg} "tail -n 50 /var/log/mesoscloud/${record.name}/<role>.log" --role <role>`);
      }
      for (const line of renderStatus(status, extra)) this.log(line);
      return record?.provider === 'ssh' ? { ...status, hosts: record.hosts.map((h) => ({ host: h.host, address: h.address, roles: h.roles })) } : status;
    } finally {
      operator.close();
    }
  }
}
