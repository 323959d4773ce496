import { Flags } from '@oclif/core';
import { DaemonCommand, integerFlag } from '../base-command';
import { ISOLATIONS, isolationToCgroups, resourcesValue } from '../flag-values';

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

  static flags = {
    ip: Flags.string({ description: 'address to listen on for /files, /state and /health', default: '127.0.0.1' }),
    port: integerFlag({ description: 'port to listen on (0 picks a free one)', default: 5051, min: 0, max: 65535 }),
    hostname: Flags.string({ description: 'hostname reported to the master (default: the advertised address)' }),
    advertise_ip: Flags.string({ description: 'address the master and operators use to reach this agent' }),
    work_dir: Flags.string({ description: 'sandboxes and checkpoints live here', required: true }),
    master: Flags.string({ description: 'master to register with: host:port, http://host:port, or zk://host:2181[,host:2181...]/path to follow the leader', required: true }),
    resources: Flags.custom<string>({
      description: 'resources to offer, e.g. "cpus:2;mem:2048;ports:[31000-32000]" (unset ones are detected)',
      parse: async (input) => resourcesValue('resources', input),
    })(),
    attributes: Flags.string({ description: 'attributes, e.g. "rack:a;zone:2"' }),
    isolation: Flags.string({ description: 'how tasks are isolated; auto uses cgroups when they are writable', options: [...ISOLATIONS], default: 'auto' }),
    recover: Flags.string({
      description: 'on restart, reconnect: adopt the tasks still running and report those that ended; cleanup: kill them (TASK_KILLED) and go on without them',
      options: ['reconnect', 'cleanup'],
      default: 'reconnect',
    }),
    cgroups_root: Flags.string({ description: 'name of the cgroup under which task cgroups are made (letters, digits, ".", "_", "-")', default: 'mesoscloud' }),
  };

  async run(): Promise<void> {
    const f = this.flags;
    const { runAgentDaemon, AGENT_DEFAULTS } = await import('../../cluster/agent/index');
    await runAgentDaemon({
      ...AGENT_DEFAULTS,
      ip: f.ip,
      port: f.port,
      hostname: f.hostname,
      advertiseIp: f.advertise_ip,
      master: f.master,
      workDir: f.work_dir,
      resources: f.resources,
      attributes: f.attributes,
      cgroups: isolationToCgroups(f.isolation as (typeof ISOLATIONS)[number]),
      cgroupsRoot: f.cgroups_root,
      recover: f.recover as 'reconnect' | 'cleanup',
    });
  }
}
