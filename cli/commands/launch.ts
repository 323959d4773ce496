import * as path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command';
import { resourcesValue } from '../flag-values';

export const PROVIDERS = ['local', 'ssh', 'aws'] as const;

export interface LaunchJson {
  cluster: string;
  provider: string;
  already_running: boolean;
  master_url: string;
  master_pid: number;
  agents: { index: number; id?: string; address: string; pid: number; resources?: string; log: string }[];
  logs_dir: string;
  cluster_dir: string;
}

export default class Launch extends BaseCommand<typeof Launch> {
  static summary = 'Start a cluster: a master and agents.';

  static description =
    'With --provider local (the default, and for now the only provider), starts one master and --agents ' +
    'agents as background processes on this machine. They keep running after this command returns; stop ' +
    'them with \\`mesoscloud destroy\\`. Launching a cluster that is already running changes nothing.';

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --agents 3 --agent-resources "cpus:2;mem:2048"',
    '<%= config.bin %> <%= command.id %> --cluster dev --master-port 6050 --json',
  ];

  static flags = {
    provider: Flags.string({ description: 'where the cluster runs', options: [...PROVIDERS], default: 'local' }),
    agents: Flags.integer({ description: 'number of agents', default: 1, min: 1, max: 64 }),
    'master-port': Flags.integer({ description: "master's port on 127.0.0.1", default: 5050, min: 1, max: 65535 }),
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
        suggestions: ['run the cluster on this machine: mesoscloud launch --provider local'],
      });
    }
    const { launchLocal } = await import('../../infra/providers/local');
    const result = await launchLocal(this.registry, {
      name: this.clusterName,
      agents: flags.agents,
      masterPort: flags['master-port'],
      agentResources: flags['agent-resources'],
      progress: (line) => this.logToStderr(line),
    });
    const { record } = result;
    const clusterDir = this.registry.clusterDir(record.name);
    const logsDir = path.dirname(record.master.logPath);
    if (result.alreadyRunning) {
      this.log(`Cluster '${record.name}' is already running at ${record.masterUrl}; nothing changed.`);
      this.log(`(Stop it with: mesoscloud destroy --cluster ${record.name})`);
    } else {
      this.log(`Cluster '${record.name}' is up.`);
    }
    this.log(`  master:  ${record.masterUrl}  (pid ${record.master.pid})`);
    this.log(`  agents:  ${record.agents.length}`);
    for (const a of record.agents) {
      this.log(`    ${a.index + 1}. 127.0.0.1:${a.port}  pid ${a.pid}  ${a.id ?? '(not registered)'}  ${a.total ?? a.resources ?? ''}`.trimEnd());
    }
    this.log(`  logs:    ${logsDir}`);
    if (!result.alreadyRunning) this.log(`Try: mesoscloud exec --name hello --command "echo hello world"`);
    return {
      cluster: record.name,
      provider: record.provider,
      already_running: result.alreadyRunning,
      master_url: record.masterUrl,
      master_pid: record.master.pid,
      agents: record.agents.map((a) => ({ index: a.index, id: a.id, address: `127.0.0.1:${a.port}`, pid: a.pid, resources: a.total ?? a.resources, log: a.logPath })),
      logs_dir: logsDir,
      cluster_dir: clusterDir,
    };
  }
}
