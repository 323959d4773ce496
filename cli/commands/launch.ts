import * as path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, integerFlag } from '../base-command';
import { EXIT, EXIT_CODES_HELP } from '../errors';
import { resourcesValue } from '../flag-values';

export const PROVIDERS = ['local', 'ssh', 'aws'] as const;
export const MAX_LOCAL_AGENTS = 64;

export interface LaunchJson {
  cluster: string;
  provider: string;
  already_running: boolean;
  master_url: string;
  master_pid: number;
  /** Every master (the leader at launch first), and the zk:// URL clients follow, with --zk. */
  masters: { address: string; pid: number; log: string }[];
  zk?: string;
  zookeepers?: { address: string; pid: number; log: string }[];
  agents: { index: number; id?: string; address: string; pid: number; resources?: string; log: string }[];
  logs_dir: string;
  cluster_dir: string;
}

export default class Launch extends BaseCommand<typeof Launch> {
  static summary = 'Start a cluster: masters (with ZooKeeper for more than one) and agents.';

  static description =
    'With --provider local (the default, and for now the only provider), starts one master and --agents ' +
    'agents as background processes on this machine. They keep running after this command returns; stop ' +
    'them with `mesoscloud destroy`. Launching a cluster that is already running changes nothing. Progress ' +
    'goes to stderr as plain lines, the summary to stdout. If a daemon fails to start, everything started ' +
    'so far is stopped and the logs are kept; so is it on Ctrl-C.\n\n' +
    'High availability: --masters 3 --zk 3 starts a 3-server ZooKeeper ensemble (Debian\'s zookeeper package, ' +
    'run as plain processes) and 3 masters that elect their leader through it; agents and every later ' +
    'command follow the leader through zk://, so killing the leading master loses no task.\n\n' +
    EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --agents 3 --agent-resources "cpus:2;mem:2048"',
    '<%= config.bin %> <%= command.id %> --cluster dev --master-port 6050 --json',
    '<%= config.bin %> <%= command.id %> --masters 3 --zk 3 --agents 5',
  ];

  static flags = {
    provider: Flags.string({ description: 'where the cluster runs', options: [...PROVIDERS], default: 'local' }),
    agents: integerFlag({ description: `number of agents (1-${MAX_LOCAL_AGENTS})`, default: 1, min: 1, max: MAX_LOCAL_AGENTS }),
    masters: integerFlag({ description: 'number of masters (1-5); more than one needs --zk', default: 1, min: 1, max: 5 }),
    zk: integerFlag({ description: 'ZooKeeper servers to start (0-7; 0 = a standalone master; 3 is the usual ensemble)', default: 0, min: 0, max: 7 }),
    'master-port': integerFlag({ description: "master's port on 127.0.0.1", default: 5050, min: 1, max: 65535 }),
    'agent-resources': Flags.custom<string>({
      description: "each agent's resources (default: detected from this machine)",
      parse: async (input) => resourcesValue('agent-resources', input),
    })(),
  };

  async run(): Promise<LaunchJson> {
    const { flags } = this;
    if (flags.provider !== 'local') {
      throw Object.assign(new Error(`provider '${flags.provider}' is not available yet; the only provider so far is 'local'`), {
        code: 'PROVIDER_UNAVAILABLE',
        suggestions: [`run the cluster on this machine: mesoscloud launch --provider local${this.clusterArg}`],
      });
    }
    const { launchLocal } = await import('../../infra/providers/local');
    // First Ctrl-C: stop what was started, then exit 130. A second one leaves at once.
    const interrupt = new AbortController();
    const onSigint = () => (interrupt.signal.aborted ? process.exit(EXIT.interrupted) : interrupt.abort());
    process.on('SIGINT', onSigint);
    const result = await launchLocal(this.registry, {
      name: this.clusterName,
      agents: flags.agents,
      masters: flags.masters,
      zk: flags.zk,
      masterPort: flags['master-port'],
      agentResources: flags['agent-resources'],
      progress: (line) => this.logToStderr(line),
      signal: interrupt.signal,
    }).finally(() => process.off('SIGINT', onSigint));
    const { record } = result;
    const clusterDir = this.registry.clusterDir(record.name);
    const logsDir = path.dirname(record.master.logPath);
    if (result.alreadyRunning) {
      this.log(`Cluster '${record.name}' is already running at ${record.masterUrl}; nothing changed.`);
      for (const line of this.ignoredFlags(record)) this.logToStderr(line);
      this.log(`(Stop it with: mesoscloud destroy${this.clusterArg})`);
    } else {
      this.log(`Cluster '${record.name}' is up.`);
    }
    const masters = [record.master, ...(record.standbyMasters ?? [])];
    if (masters.length === 1) this.log(`  master:  ${record.masterUrl}  (pid ${record.master.pid})`);
    else {
      this.log(`  masters: ${masters.length}, leader ${record.masterUrl} at launch`);
      for (const m of masters) this.log(`    127.0.0.1:${m.port}  pid ${m.pid}`);
    }
    if (record.zk) this.log(`  zk:      ${record.zk}  (${record.zookeepers?.length ?? 0} server(s))`);
    this.log(`  agents:  ${record.agents.length}`);
    for (const a of record.agents) {
      this.log(`    ${a.index + 1}. 127.0.0.1:${a.port}  pid ${a.pid}  ${a.id ?? '(not registered)'}  ${a.total ?? a.resources ?? ''}`.trimEnd());
    }
    this.log(`  logs:    ${logsDir}`);
    if (!result.alreadyRunning) this.log(`Try: mesoscloud exec${this.clusterArg} --name hello --command "echo hello world"`);
    return {
      cluster: record.name,
      provider: record.provider,
      already_running: result.alreadyRunning,
      master_url: record.masterUrl,
      master_pid: record.master.pid,
      masters: masters.map((m) => ({ address: `127.0.0.1:${m.port}`, pid: m.pid, log: m.logPath })),
      ...(record.zk ? { zk: record.zk, zookeepers: (record.zookeepers ?? []).map((z) => ({ address: `127.0.0.1:${z.port}`, pid: z.pid, log: z.logPath })) } : {}),
      agents: record.agents.map((a) => ({ index: a.index, id: a.id, address: `127.0.0.1:${a.port}`, pid: a.pid, resources: a.total ?? a.resources, log: a.logPath })),
      logs_dir: logsDir,
      cluster_dir: clusterDir,
    };
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
