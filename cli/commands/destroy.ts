import { BaseCommand } from '../base-command';
import { EXIT_CODES_HELP } from '../errors';

export interface DestroyJson {
  cluster: string;
  found: boolean;
  stopped: { role: string; pid: number; how: string }[];
  removed_dir?: string;
}

export default class Destroy extends BaseCommand<typeof Destroy> {
  static summary = 'Stop a cluster and remove its files.';

  static description =
    'Agents are asked to kill their tasks and leave (SIGUSR1), then the master stops (SIGTERM); anything ' +
    'still alive a few seconds later is killed by PID, task processes included. The cluster\'s directory ' +
    '(work dirs, sandboxes, logs) is removed. Destroying a cluster that does not exist is harmless.\n\n' +
    EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --cluster dev',
  ];

  async run(): Promise<DestroyJson> {
    const { destroyLocal } = await import('../../infra/providers/local');
    const result = await destroyLocal(this.registry, this.clusterName, (line) => this.logToStderr(line));
    if (!result.found) {
      this.log(`No cluster named '${this.clusterName}' in ${this.registry.root}; nothing to destroy.`);
    } else {
      for (const p of result.stopped) this.log(`Stopped ${p.role} (pid ${p.pid})${p.how === 'killed' ? ' with SIGKILL' : ''}`);
      if (result.stopped.length === 0) this.log('No process of the cluster was running.');
      this.log(`Removed ${result.removedDir}`);
      this.log(`Cluster '${this.clusterName}' destroyed.`);
    }
    return { cluster: this.clusterName, found: result.found, stopped: result.stopped, removed_dir: result.removedDir };
  }
}
