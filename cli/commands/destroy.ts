import { BaseCommand } from '../base-command';
import { EXIT, EXIT_CODES_HELP } from '../errors';
import type { DestroyOutcome } from '../../infra/providers';

export interface DestroyJson {
  cluster: string;
  found: boolean;
  provider?: string;
  stopped: { role: string; pid: number; how: string }[];
  removed_dir?: string;
  /** SSH clusters: hosts cleaned, and those that could not be reached (the record keeps them). */
  cleaned_hosts?: string[];
  failed_hosts?: { host: string; error: string }[];
  /** EC2 clusters: agents drained first, instances the sweep terminated, and anything still tagged for the cluster. */
  drained_agents?: string[];
  terminated?: string[];
  left?: { type: string; id: string; state?: string }[];
  notes?: string[];
}

export default class Destroy extends BaseCommand<typeof Destroy> {
  static summary = 'Stop a cluster and remove its files.';

  static description =
    'Local clusters: agents are asked to kill their tasks and leave (SIGUSR1), then the master stops (SIGTERM); ' +
    'anything still alive a few seconds later is killed by PID, task processes included. The cluster\'s directory ' +
    '(work dirs, sandboxes, logs) is removed.\n\n' +
    'SSH clusters: on every host, in parallel, the agents kill their tasks and leave, every service stops and is ' +
    'removed (systemd units or our supervisor), and everything the launcher put there goes: the bundle, config, ' +
    'work dirs, logs, cgroups, and Java/ZooKeeper packages the launcher installed. A host that cannot be reached ' +
    'is named and kept in the record, so running destroy again finishes the job.\n\n' +
    'EC2 clusters: the agents are drained, the Pulumi stack is destroyed, then every resource still tagged for the ' +
    'cluster is looked for; stray instances are terminated, and anything else left is named (exit code 1) so nothing ' +
    'stays billed unseen.\n\n' +
    'Destroying a cluster that does not exist is harmless.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --cluster dev',
  ];

  async run(): Promise<DestroyJson> {
    const record = this.catalog.read(this.clusterName);
    const { providerFor } = await import('../../infra/providers');
    const provider = await providerFor(record?.provider ?? 'local');
    const progress = await this.hostProgress();
    const outcome = await provider.destroy(this.clusterName, { catalog: this.catalog, progress }).finally(() => progress.close());
    if (outcome.provider === 'local') return this.localSummary(outcome);
    return outcome.provider === 'ssh' ? this.hostsSummary(outcome) : this.awsSummary(outcome);
  }

  private async awsSummary(result: Extract<DestroyOutcome, { provider: 'aws' }>): Promise<DestroyJson> {
    if (!result.found) {
      this.log(`No cluster named '${this.clusterName}' in ${this.catalog.root}; nothing to destroy.`);
      return { cluster: this.clusterName, found: false, provider: 'aws', stopped: [] };
    }
    const json: DestroyJson = { cluster: this.clusterName, found: true, provider: 'aws', stopped: [], drained_agents: result.drained, terminated: result.terminated, left: result.left, notes: result.notes };
    if (result.left.length > 0) {
      const { leftError } = await import('../../infra/providers/aws/aws-destroy');
      throw Object.assign(leftError(this.clusterName, result.left), { result: json });
    }
    if (result.terminated.length > 0) this.log(`Terminated ${result.terminated.length} instance(s) the stack no longer knew: ${result.terminated.join(', ')}`);
    this.log(`Cluster '${this.clusterName}' destroyed: the stack is gone and nothing tagged mesoscloud:cluster=${this.clusterName} is left.`);
    return json;
  }

  private localSummary(result: Extract<DestroyOutcome, { provider: 'local' }>): DestroyJson {
    if (!result.found) {
      this.log(`No cluster named '${this.clusterName}' in ${this.catalog.root}; nothing to destroy.`);
    } else {
      for (const p of result.stopped) this.log(`Stopped ${p.role} (pid ${p.pid})${p.how === 'killed' ? ' with SIGKILL' : ''}`);
      if (result.stopped.length === 0) this.log('No process of the cluster was running.');
      this.log(`Removed ${result.removedDir}`);
      this.log(`Cluster '${this.clusterName}' destroyed.`);
    }
    return { cluster: this.clusterName, found: result.found, provider: 'local', stopped: result.stopped, removed_dir: result.removedDir };
  }

  private hostsSummary(result: Extract<DestroyOutcome, { provider: 'ssh' }>): DestroyJson {
    if (result.failed.length > 0) {
      process.exitCode = EXIT.failure;
      this.logToStderr(`Could not clean ${result.failed.length} host(s): ${result.failed.map((f) => `${f.host} (${f.error})`).join('; ')}`);
      this.log(`Cleaned ${result.cleaned.length} host(s); run \`mesoscloud destroy${this.clusterArg}\` again once the others are reachable.`);
    } else {
      this.log(`Cluster '${this.clusterName}' destroyed: ${result.cleaned.length} host(s) cleaned.`);
    }
    return { cluster: this.clusterName, found: true, provider: 'ssh', stopped: [], cleaned_hosts: result.cleaned, failed_hosts: result.failed };
  }
}
