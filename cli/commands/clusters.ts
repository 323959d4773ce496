import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command';
import { EXIT_CODES_HELP } from '../errors';
import { awsConnection, awsFlags } from '../aws-flags';

export interface ClustersJson {
  clusters: { name: string; provider: string; master: string; zk?: string; hosts: number; agents: number; phase?: string; created: string; error?: string }[];
}

export interface AwsClustersJson {
  region: string;
  clusters: { name: string; recorded_here: boolean; version?: string; instances: { name: string; instance_id: string; state: string; public_ip?: string; private_ip?: string }[] }[];
}

export default class Clusters extends BaseCommand<typeof Clusters> {
  static summary = 'List the clusters recorded on this machine, or those running in an AWS region.';

  static description =
    'Every cluster launched from this machine, with its provider, master, ZooKeeper URL and size. ' +
    'Pick one for any command with --cluster <name> or MESOSCLOUD_CLUSTER=<name>.\n\n' +
    'With --provider aws, the clusters are found in EC2 by their tags (mesoscloud:cluster) instead, with no ' +
    'local state: also those launched from another machine.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --provider aws --region eu-west-1',
  ];

  static flags = {
    provider: Flags.string({ description: 'aws: ask EC2 for the clusters running in --region', options: ['aws'] }),
    ...awsFlags,
  };

  async run(): Promise<ClustersJson | AwsClustersJson> {
    if (this.flags.provider === 'aws') return this.inRegion();
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
    this.table([[' NAME', 'PROVIDER', 'HOSTS', 'AGENTS', 'MASTER', 'STATE'], ...clusters.map((c) => [
      `${c.name === this.clusterName ? '*' : ' '}${c.name}`, c.provider, String(c.hosts), String(c.agents), c.zk ?? c.master, c.error ? `unreadable: ${c.error}` : c.phase ?? 'running',
    ])]);
    this.log(`(* the cluster commands use now: --cluster or MESOSCLOUD_CLUSTER picks another)`);
    return { clusters };
  }

  private async inRegion(): Promise<AwsClustersJson> {
    const conn = awsConnection(this.flags);
    const { region } = conn;
    const { ec2Client, awsError } = await import('../../infra/providers/aws/ec2-client');
    const { listClusters } = await import('../../infra/providers/aws/instances');
    const ec2 = await ec2Client(conn);
    const found = await listClusters(ec2).catch((err) => { throw awsError(err, `listing the clusters in ${region}`) });
    const recorded = new Set(this.catalog.list());
    const clusters = found.map((c) => ({
      name: c.cluster,
      recorded_here: recorded.has(c.cluster),
      ...(c.version ? { version: c.version } : {}),
      instances: c.instances.map((i) => ({ name: i.name, instance_id: i.instanceId, state: i.state, ...(i.publicIp ? { public_ip: i.publicIp } : {}), ...(i.privateIp ? { private_ip: i.privateIp } : {}) })),
    }));
    if (clusters.length === 0) {
      this.log(`No mesoscloud clusters in ${region}.`);
      return { region, clusters };
    }
    const count = (c: (typeof clusters)[number], role: string) => c.instances.filter((i) => i.name.startsWith(`${role}-`)).length;
    this.table([['NAME', 'ZOOKEEPER', 'MASTERS', 'AGENTS', 'RUNNING', 'VERSION', 'RECORDED HERE'], ...clusters.map((c) => [
      c.name, String(count(c, 'zookeeper')), String(count(c, 'master')), String(count(c, 'agent')),
      `${c.instances.filter((i) => i.state === 'running').length}/${c.instances.length}`, c.version ?? '-', c.recorded_here ? 'yes' : 'no',
    ])]);
    return { region, clusters };
  }

  private table(rows: string[][]): void {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) this.log(r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  }
}
