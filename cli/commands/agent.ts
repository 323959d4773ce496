import { AGENT_FLAGS } from '../../cluster/agent/options';
import { DaemonCommand } from '../base-command';
import { oclifFlags } from '../daemon-flags';

export default class Agent extends DaemonCommand<typeof Agent> {
  static summary = 'Run an agent daemon in the foreground.';

  static description =
    'The agent registers with the master, offers this machine\'s resources and runs tasks in sandboxes ' +
    'under --work_dir (in cgroups when it can). Tasks run in their own process groups and outlive ' +
    'the agent process. SIGUSR1 kills all tasks, unregisters and exits; SIGTERM exits and leaves tasks running. ' +
    'Started again on the same --work_dir, the agent recovers its tasks and re-registers under the same agent id, ' +
    'with its new --resources and --attributes if they changed. Tasks of frameworks that set ' +
    'FrameworkInfo.checkpoint to false are killed on restart, as Mesos does; a framework that does not say is recovered. ' +
    'With --master zk://host:2181/mesos the agent follows the leading master. ' +
    'Flags keep Mesos\'s names. `mesoscloud launch` runs this for you.\n\n' +
    'To change a running agent from the operator\'s side, see `mesoscloud agent drain|deactivate|reactivate|gone --help`.';

  static examples = [
    '<%= config.bin %> <%= command.id %> --master 127.0.0.1:5050 --work_dir /var/lib/mesoscloud/agent',
    '<%= config.bin %> <%= command.id %> --master zk://10.0.0.2:2181,10.0.0.3:2181,10.0.0.4:2181/mesos --work_dir /var/lib/mesoscloud/agent',
    '<%= config.bin %> <%= command.id %> --master 10.0.0.5:5050 --port 5051 --work_dir /data/agent --resources "cpus:4;mem:8192" --attributes "rack:a"',
  ];

  /** For --help: the command line itself goes to the daemon's own parser (DaemonCommand), with these flags (cluster/agent/options.ts). */
  static flags = oclifFlags(AGENT_FLAGS);
}
