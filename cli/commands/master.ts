import { MASTER_FLAGS } from '../../cluster/master/options';
import { DaemonCommand } from '../base-command';
import { oclifFlags } from '../daemon-flags';

export default class Master extends DaemonCommand<typeof Master> {
  static summary = 'Run a master daemon in the foreground.';

  static description =
    'The master keeps the records of agents, frameworks and tasks, offers agents\' resources to ' +
    'frameworks (weighted DRF) and serves the v1 scheduler and operator APIs and the web UI. Flags keep ' +
    'Mesos\'s names. SIGTERM stops it. `mesoscloud launch` runs this for you.';

  static examples = [
    '<%= config.bin %> <%= command.id %> --ip 127.0.0.1 --port 5050 --work_dir /var/lib/mesoscloud/master',
    '<%= config.bin %> <%= command.id %> --port 5050 --offer_timeout 30secs --allocation_interval 1secs',
    '<%= config.bin %> <%= command.id %> --ip 10.0.0.5 --zk zk://10.0.0.2:2181,10.0.0.3:2181,10.0.0.4:2181/mesos --quorum 2',
  ];

  /** For --help: the command line itself goes to the daemon's own parser (DaemonCommand), with these flags (cluster/master/options.ts). */
  static flags = oclifFlags(MASTER_FLAGS);
}
