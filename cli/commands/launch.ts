import * as path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, integerFlag } from '../base-command';
import { EXIT, EXIT_CODES_HELP } from '../errors';
import { resourcesValue } from '../flag-values';
import type { SshLaunchJson } from '../launch-ssh';
import type { AwsLaunchJson } from '../launch-aws';
import { concurrencyFlag } from '../ssh-command';
import { awsFlags } from '../aws-flags';
import type { ClusterSpec, SpecFlags } from '../../infra/plan/spec';
import type { DaemonRecord } from '../../infra/cluster-catalog';
import type { LocalLaunchResult } from '../../infra/providers/local';
import { daemonPid } from '../../infra/providers/supervised';
import { PROVIDER_NAMES } from '../../infra/providers/provider';
import type { LaunchOutcome } from '../../infra/providers';

type SshLaunchOutcome = Extract<LaunchOutcome, { provider: 'ssh' }>;

export const PROVIDERS = PROVIDER_NAMES;
export const MAX_LOCAL_AGENTS = 64;

export interface LaunchJson {
  cluster: string;
  provider: string;
  already_running: boolean;
  master_url: string;
  master_pid: number;
  /** Every master (the leader at launch first), and the zk:// URL clients follow, with --zk. */
  /** pid: the daemon's; supervisor_pid: the process that restarts it (and that destroy stops). */
  masters: { address: string; pid: number; supervisor_pid?: number; log: string }[];
  zk?: string;
  zookeepers?: { address: string; pid: number; log: string }[];
  agents: { index: number; id?: string; address: string; pid: number; supervisor_pid?: number; resources?: string; log: string }[];
  /** With --secure: the cluster CA every command verifies the daemons against. */
  ca_file?: string;
  logs_dir: string;
  cluster_dir: string;
  /** With --secure: the operator's credential file every command of the CLI uses for this cluster. */
  operator_credential?: string;
}

export default class Launch extends BaseCommand<typeof Launch> {
  static summary = 'Start a cluster: masters (with ZooKeeper for more than one) and agents.';

  static description =
    'With --provider local (the default), starts one master and --agents ' +
    'agents as background processes on this machine. They keep running after this command returns; stop ' +
    'them with `mesoscloud destroy`. Launching a cluster that is already running changes nothing. Progress ' +
    'goes to stderr as plain lines, the summary to stdout. If a daemon fails to start, everything started ' +
    'so far is stopped and the logs are kept; so is it on Ctrl-C. The agents split the machine: each offers an ' +
    'equal share of its memory (after room for the master and the system) and free disk, and of its cpus but at ' +
    'least one each, so a one-CPU task fits (launch says when the agents then offer more cpus than the machine ' +
    'has); --agent-resources sets what it names.\n\n' +
    'High availability: --masters 3 --zk 3 starts a 3-server ZooKeeper ensemble (Debian\'s zookeeper package, ' +
    'run as plain processes) and 3 masters that elect their leader through it; agents and every later ' +
    'command follow the leader through zk://, so killing the leading master loses no task.\n\n' +
    'SSH hosts: --provider ssh --hosts (or -f cluster.yaml) pushes one daemon bundle and generated config to every ' +
    'host over SSH, in parallel, and starts ZooKeeper, the masters and the agents under systemd (or a small ' +
    'supervisor where systemd does not run); hosts need Node 20+, ZooKeeper hosts get Java and ZooKeeper from ' +
    'the package manager when absent. Host keys are recorded on first use and a changed key is refused. Each ' +
    'step is recorded on its host: running launch again after any failure finishes the cluster without redoing ' +
    'finished hosts, and on a healthy cluster changes nothing. It returns once every agent is registered.\n\n' +
    'EC2: --provider aws makes the cluster as one Pulumi stack (a VPC, a security group open only to this machine ' +
    'and the cluster itself, a key pair, one instance per ZooKeeper server, master and agent, all tagged), finds the ' +
    'instances by tag, pins their host keys from their consoles and bootstraps them as SSH hosts. It needs the ' +
    'Pulumi CLI and AWS credentials (the standard chain); --dry-run needs neither. Running it again completes a ' +
    'launch that broke off.\n\n' +
    EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --agents 3 --agent-resources "cpus:2;mem:2048"',
    '<%= config.bin %> <%= command.id %> --cluster dev --master-port 6050 --json',
    '<%= config.bin %> <%= command.id %> --masters 3 --zk 3 --agents 5',
    '<%= config.bin %> <%= command.id %> --provider ssh --hosts 10.0.0.11,10.0.0.12,10.0.0.13,10.0.0.14 --masters 1 --zk 1 --user ubuntu --key ~/.ssh/id_ed25519',
    '<%= config.bin %> <%= command.id %> -f cluster.yaml --dry-run',
    '<%= config.bin %> <%= command.id %> --provider aws --agents 5 --dry-run          # what would be created, and its cost',
    '<%= config.bin %> <%= command.id %> --provider aws --agents 5 --masters 3 --zk 3 --region eu-west-1 --cluster prod',
    '<%= config.bin %> <%= command.id %> --provider aws --agents 10 --spot --instance-type c6i.2xlarge --allow-cidr 203.0.113.0/24',
    '<%= config.bin %> <%= command.id %> --cluster prod          # resume a launch that broke off',
  ];

  static flags = {
    provider: Flags.string({ description: 'where the cluster runs: this machine, SSH hosts you have, or EC2', options: [...PROVIDERS], default: 'local' }),
    file: Flags.string({ char: 'f', description: 'cluster file (YAML) for SSH clusters; flags override it' }),
    hosts: Flags.string({ description: 'SSH hosts, comma-separated: [user@]host[:port] (first ones take ZooKeeper and master roles)', helpGroup: 'SSH' }),
    'master-hosts': Flags.string({ description: 'hosts (of --hosts) that run the masters', helpGroup: 'SSH' }),
    'zk-hosts': Flags.string({ description: 'hosts (of --hosts) that run ZooKeeper', helpGroup: 'SSH' }),
    colocate: Flags.boolean({ description: 'let one host hold several roles (masters on ZooKeeper hosts, agents on control hosts when short)', helpGroup: 'SSH' }),
    user: Flags.string({ description: 'SSH user (default root); not root means sudo -n', helpGroup: 'SSH' }),
    key: Flags.string({ description: 'SSH private key file (default: ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa)', helpGroup: 'SSH' }),
    'ssh-port': integerFlag({ description: 'SSH port (default 22)', min: 1, max: 65535 }),
    bastion: Flags.string({ description: 'jump host every SSH connection goes through: [user@]host[:port]', helpGroup: 'SSH' }),
    secure: Flags.boolean({
      description: 'a secure local cluster: authentication on every endpoint but /health with generated credentials, and TLS for all HTTP (a generated cluster CA and certificates, HTTPS-only daemons, agents over mutual TLS); the CLI records what every command needs. SSH clusters are always secure (the flag changes nothing there)',
    }),
    'dry-run': Flags.boolean({ description: 'print the plan (which host runs what; on EC2 also what would be created and its cost per hour and month) and change nothing' }),
    region: awsFlags.region,
    profile: awsFlags.profile,
    'endpoint-url': Flags.string({ description: 'an EC2-compatible endpoint such as LocalStack\'s (default: MESOSCLOUD_AWS_ENDPOINT, then AWS_ENDPOINT_URL); hosts are then not bootstrapped unless --bootstrap', helpGroup: 'AWS' }),
    zones: Flags.string({ description: 'availability zones to spread the instances over, comma-separated (default: the region\'s first three)', helpGroup: 'AWS' }),
    vpc: Flags.string({ description: 'an existing VPC to use (with --subnets) instead of a new one', helpGroup: 'AWS' }),
    subnets: Flags.string({ description: 'public subnets of --vpc to use, comma-separated', helpGroup: 'AWS' }),
    'allow-cidr': Flags.string({ description: 'who may reach SSH and the masters\' API/UI, comma-separated CIDRs (default: this machine\'s public address, found at launch)', helpGroup: 'AWS' }),
    'allow-world': Flags.boolean({ description: 'let --allow-cidr open SSH and the masters\' API wider than a /8, 0.0.0.0/0 included (refused without it)', helpGroup: 'AWS' }),
    ami: Flags.string({ description: 'the image to boot: an id, or latest (the newest image `mesoscloud ami build` made of this version); default: the newest Ubuntu LTS. Images from `ami build` skip the installs', helpGroup: 'AWS' }),
    'instance-type': Flags.string({ description: 'agents\' instance type (default m6i.xlarge)', helpGroup: 'AWS' }),
    'master-instance-type': Flags.string({ description: 'masters\' instance type (default m6i.large)', helpGroup: 'AWS' }),
    'zk-instance-type': Flags.string({ description: 'ZooKeeper nodes\' instance type (default t3.medium)', helpGroup: 'AWS' }),
    spot: Flags.boolean({ description: 'agents on spot instances; nodes spot has no capacity for are launched on-demand, saying so', helpGroup: 'AWS' }),
    'volume-size': integerFlag({ description: 'agents\' root volume in GiB (default 50)', min: 8, max: 16_384 }),
    'iam-instance-profile': Flags.string({ description: 'an IAM instance profile for every instance', helpGroup: 'AWS' }),
    tag: Flags.string({ description: 'a tag for every resource, key=value (repeat for several)', multiple: true, helpGroup: 'AWS' }),
    backend: Flags.string({ description: 'where the Pulumi stack is kept: file://..., s3://bucket, https://api.pulumi.com (default: file:// under the data dir)', helpGroup: 'AWS' }),
    bootstrap: Flags.boolean({ description: 'after provisioning, install and start the daemons over SSH (default: yes, but not with --endpoint-url)', allowNo: true, helpGroup: 'AWS' }),
    concurrency: concurrencyFlag(),
    agents: integerFlag({ description: `number of agents (local: 1-${MAX_LOCAL_AGENTS}, default 1; ssh: default every host left after the control roles)`, default: 1, min: 1, max: 10_000 }),
    masters: integerFlag({ description: 'number of masters (1-5); more than one needs --zk', default: 1, min: 1, max: 5 }),
    zk: integerFlag({ description: 'ZooKeeper servers to start (0-7; 0 = a standalone master; 3 is the usual ensemble)', default: 0, min: 0, max: 7 }),
    'master-port': integerFlag({ description: "master's port on 127.0.0.1", default: 5050, min: 1, max: 65535 }),
    'agent-resources': Flags.custom<string>({
      description: "each agent's resources; local: what it does not name is this machine split evenly between the agents (memory after 1 GiB or a tenth for the master and the system, free disk less a margin, cpus divided but at least 1 each), and ports split too",
      parse: async (input) => resourcesValue('agent-resources', input),
    })(),
  };

  async run(): Promise<LaunchJson | SshLaunchJson | AwsLaunchJson | Record<string, unknown>> {
    const { flags } = this;
    const name = await this.providerName();
    if (name === 'local' && flags.agents > MAX_LOCAL_AGENTS) {
      throw Object.assign(new Error(`--agents ${flags.agents} is too many for one machine; the local provider runs 1-${MAX_LOCAL_AGENTS} agents`), { code: 'BAD_FLAG' });
    }
    const { providerFor } = await import('../../infra/providers');
    const provider = await providerFor(name);
    const spec = name === 'local' ? await this.localSpec() : await this.hostsSpec(name);
    const progress = await this.hostProgress();
    // First Ctrl-C: stop what was started, then exit 130. A second one leaves at once.
    const interrupt = new AbortController();
    const onSigint = () => (interrupt.signal.aborted ? process.exit(EXIT.interrupted) : interrupt.abort());
    if (provider.abortable) process.on('SIGINT', onSigint);
    let outcome: LaunchOutcome;
    try {
      const ctx = { catalog: this.catalog, progress, concurrency: flags.concurrency, signal: interrupt.signal, dryRun: flags['dry-run'] };
      if (flags['dry-run'] && !provider.describePlan) {
        throw Object.assign(new Error(`--dry-run shows the plan of clusters on SSH hosts or EC2; a cluster on this machine (provider ${provider.name}) has none to show`), { code: 'BAD_FLAG', suggestions: ['leave --dry-run out, or give --provider ssh/aws'] });
      }
      const plan = await provider.plan(spec, ctx);
      if (flags['dry-run'] && provider.describePlan) {
        const { text, json } = provider.describePlan(plan);
        progress.close();
        this.log(text);
        return { dry_run: true, plan: json };
      }
      outcome = await provider.launch(plan, ctx);
    } finally {
      process.off('SIGINT', onSigint);
      progress.close();
    }
    if (outcome.provider === 'local') return this.localSummary(outcome);
    return outcome.provider === 'ssh' ? this.sshSummary(outcome) : this.awsSummary(outcome);
  }

  /**
   * --provider when given; else the cluster file's (`provider:`, default ssh); else ssh when hosts
   * are given; else the recorded cluster's (by --cluster, or the file's name); else local.
   */
  private async providerName(): Promise<string> {
    const { flags } = this;
    if (this.given.has('provider')) return flags.provider;
    if (flags.file) {
      const { loadSpecFile } = await import('../../infra/plan');
      const file = loadSpecFile(flags.file) as Record<string, unknown> | null;
      return file?.provider === 'aws' ? 'aws' : 'ssh';
    }
    if (flags.hosts) return 'ssh';
    return this.recordedProvider() ?? flags.provider;
  }

  private async localSpec(): Promise<ClusterSpec> {
    const { flags } = this;
    const { localSpec } = await import('../../infra/providers/local');
    return localSpec({
      name: this.clusterName,
      agents: flags.agents,
      masters: flags.masters,
      zk: flags.zk,
      masterPort: flags['master-port'],
      agentResources: flags['agent-resources'],
      secure: flags.secure,
    });
  }

  private localSummary({ record, alreadyRunning }: LocalLaunchResult): LaunchJson {
    const clusterDir = this.catalog.clusterDir(record.name);
    const logsDir = path.dirname(record.master.logPath);
    if (alreadyRunning) {
      this.log(`Cluster '${record.name}' is already running at ${record.masterUrl}; nothing changed.`);
      for (const line of this.ignoredFlags(record)) this.logToStderr(line);
      this.log(`(Stop it with: mesoscloud destroy${this.clusterArg})`);
    } else {
      this.log(`Cluster '${record.name}' is up.`);
    }
    const masters = [record.master, ...(record.standbyMasters ?? [])];
    if (masters.length === 1) this.log(`  master:  ${record.masterUrl}  (pid ${pidText(record.master)})`);
    else {
      this.log(`  masters: ${masters.length}, leader ${record.masterUrl} at launch`);
      for (const m of masters) this.log(`    127.0.0.1:${m.port}  pid ${pidText(m)}`);
    }
    if (record.zk) this.log(`  zk:      ${record.zk}  (${record.zookeepers?.length ?? 0} server(s))`);
    this.log(`  agents:  ${record.agents.length}`);
    for (const a of record.agents) {
      this.log(`    ${a.index + 1}. 127.0.0.1:${a.port}  pid ${pidText(a)}  ${a.id ?? '(not registered)'}  ${a.total ?? a.resources ?? ''}`.trimEnd());
    }
    if (record.tls) this.log(`  tls:     HTTPS only; CA ${record.tls.caFile}`);
    this.log(`  logs:    ${logsDir}`);
    if (record.operatorCredential) this.log(`  auth:    on; the CLI authenticates with ${record.operatorCredential}`);
    if (!alreadyRunning) this.log(`Try: mesoscloud exec${this.clusterArg} --name hello --command "echo hello world"`);
    return {
      cluster: record.name,
      provider: record.provider,
      already_running: alreadyRunning,
      master_url: record.masterUrl,
      master_pid: daemonPid(record.master) ?? record.master.pid,
      masters: masters.map((m) => ({ address: `127.0.0.1:${m.port}`, ...pids(m), log: m.logPath })),
      ...(record.zk ? { zk: record.zk, zookeepers: (record.zookeepers ?? []).map((z) => ({ address: `127.0.0.1:${z.port}`, pid: z.pid, log: z.logPath })) } : {}),
      agents: record.agents.map((a) => ({ index: a.index, id: a.id, address: `127.0.0.1:${a.port}`, ...pids(a), resources: a.total ?? a.resources, log: a.logPath })),
      ...(record.tls ? { ca_file: record.tls.caFile } : {}),
      logs_dir: logsDir,
      cluster_dir: clusterDir,
      ...(record.operatorCredential ? { operator_credential: record.operatorCredential } : {}),
    };
  }

  private recordedProvider(): string | undefined {
    try {
      return this.catalog.read(this.clusterName)?.provider;
    } catch {
      return undefined;
    }
  }

  /** The spec of a cluster on hosts (SSH or EC2): the recorded one, then the cluster file, then the flags. */
  private async hostsSpec(provider: string): Promise<ClusterSpec> {
    const { flags } = this;
    const given = (name: string) => this.given.has(name);
    const common: SpecFlags = {
      masters: given('masters') ? flags.masters : undefined,
      zk: given('zk') ? flags.zk : undefined,
      agents: given('agents') ? flags.agents : undefined,
      key: flags.key,
      'master-port': given('master-port') ? flags['master-port'] : undefined,
      'agent-resources': flags['agent-resources'],
    };
    const cluster = given('cluster') || !flags.file ? this.clusterName : undefined;
    if (provider === 'aws') {
      const { awsSpec } = await import('../launch-aws');
      const aws: SpecFlags = {
        ...common,
        region: flags.region,
        profile: flags.profile,
        'endpoint-url': flags['endpoint-url'],
        zones: flags.zones,
        vpc: flags.vpc,
        subnets: flags.subnets,
        'allow-cidr': flags['allow-cidr'],
        'allow-world': given('allow-world') ? flags['allow-world'] : undefined,
        ami: flags.ami,
        'instance-type': flags['instance-type'],
        'master-instance-type': flags['master-instance-type'],
        'zk-instance-type': flags['zk-instance-type'],
        spot: given('spot') ? flags.spot : undefined,
        'volume-size': flags['volume-size'],
        'iam-instance-profile': flags['iam-instance-profile'],
        tag: flags.tag ? tagsValue(flags.tag) : undefined,
        backend: flags.backend,
        bootstrap: given('bootstrap') ? flags.bootstrap : undefined,
        'aws-user': flags.user,
        // Given here, they are refused by the spec's checks rather than ignored.
        hosts: flags.hosts,
        'master-hosts': flags['master-hosts'],
        'zk-hosts': flags['zk-hosts'],
        bastion: flags.bastion,
      };
      return awsSpec({ catalog: this.catalog, cluster, file: flags.file, flags: definedOnly(aws) });
    }
    const { sshSpec } = await import('../launch-ssh');
    const ssh: SpecFlags = {
      ...common,
      provider: 'ssh',
      hosts: flags.hosts,
      'master-hosts': flags['master-hosts'],
      'zk-hosts': flags['zk-hosts'],
      colocate: given('colocate') ? flags.colocate : undefined,
      user: flags.user,
      'ssh-port': flags['ssh-port'],
      bastion: flags.bastion,
    };
    return sshSpec({ catalog: this.catalog, cluster, file: flags.file, flags: definedOnly(ssh) });
  }

  private async awsSummary(outcome: Extract<LaunchOutcome, { provider: 'aws' }>): Promise<AwsLaunchJson> {
    const { awsLaunchSummary } = await import('../launch-aws');
    const clusterArg = outcome.record.name === 'local' ? '' : ` --cluster ${outcome.record.name}`;
    const { lines, json } = awsLaunchSummary(outcome, clusterArg);
    for (const line of lines) this.log(line);
    return json;
  }

  private async sshSummary(outcome: SshLaunchOutcome): Promise<SshLaunchJson> {
    const { sshLaunchSummary } = await import('../launch-ssh');
    const clusterArg = outcome.spec.name === 'local' ? '' : ` --cluster ${outcome.spec.name}`;
    const { lines, json } = sshLaunchSummary(outcome.spec, outcome, clusterArg);
    for (const line of lines) this.log(line);
    return json;
  }

  /** Flags the operator gave that a running cluster does not match: they were not applied. */
  private ignoredFlags(record: { agents: unknown[]; master: { port: number }; standbyMasters?: unknown[]; zookeepers?: unknown[] }): string[] {
    const agents = record.agents.length;
    const masterPort = record.master.port;
    const lines: string[] = [];
    const hint = `destroy it first to change it: mesoscloud destroy${this.clusterArg}`;
    if (this.given.has('agents') && this.flags.agents !== agents) lines.push(`Note: it has ${agents} agent(s); --agents ${this.flags.agents} was not applied (${hint})`);
    if (this.given.has('master-port') && this.flags['master-port'] !== masterPort) lines.push(`Note: its master listens on port ${masterPort}; --master-port ${this.flags['master-port']} was not applied (${hint})`);
    const masters = 1 + (record.standbyMasters?.length ?? 0);
    if (this.given.has('masters') && this.flags.masters !== masters) lines.push(`Note: it has ${masters} master(s); --masters ${this.flags.masters} was not applied (${hint})`);
    const zk = record.zookeepers?.length ?? 0;
    if (this.given.has('zk') && this.flags.zk !== zk) lines.push(`Note: it has ${zk} ZooKeeper server(s); --zk ${this.flags.zk} was not applied (${hint})`);
    if (this.given.has('agent-resources')) lines.push(`Note: --agent-resources is only used when agents start; it was not applied (${hint})`);
    return lines;
  }
}

/** The daemon's pid and, when supervised, its supervisor's. */
function pids(d: DaemonRecord): { pid: number; supervisor_pid?: number } {
  return d.definition ? { pid: daemonPid(d) ?? d.pid, supervisor_pid: d.pid } : { pid: d.pid };
}

function pidText(d: DaemonRecord): string {
  const { pid, supervisor_pid: supervisor } = pids(d);
  return supervisor === undefined ? String(pid) : `${pid}, supervisor ${supervisor}`;
}

/** Flags the operator left out stay out: an oclif default would otherwise override the file. */
function definedOnly(flags: SpecFlags): SpecFlags {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as SpecFlags;
}

/** --tag key=value, repeated. */
function tagsValue(tags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags) {
    const eq = tag.indexOf('=');
    if (eq <= 0) throw Object.assign(new Error(`--tag takes key=value, got '${tag}'`), { code: 'BAD_FLAG' });
    out[tag.slice(0, eq)] = tag.slice(eq + 1);
  }
  return out;
}
