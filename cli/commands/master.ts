import { Flags } from '@oclif/core';
import { DaemonCommand, integerFlag } from '../base-command';
import { durationValue } from '../flag-values';

const duration = (name: string, description: string) =>
  Flags.custom<number>({ description, parse: async (input) => durationValue(name, input) })();

export default class Master extends DaemonCommand<typeof Master> {
  static summary = 'Run a master daemon in the foreground.';

  static description =
    'The master keeps the registry of agents, frameworks and tasks, offers agents\' resources to ' +
    'frameworks (weighted DRF) and serves the v1 scheduler and operator APIs and the web UI. Flags keep ' +
    'Mesos\'s names. SIGTERM stops it. `mesoscloud launch` runs this for you.';

  static examples = [
    '<%= config.bin %> <%= command.id %> --ip 127.0.0.1 --port 5050 --work_dir /var/lib/mesoscloud/master',
    '<%= config.bin %> <%= command.id %> --port 5050 --offer_timeout 30secs --allocation_interval 1secs',
    '<%= config.bin %> <%= command.id %> --ip 10.0.0.5 --zk zk://10.0.0.2:2181,10.0.0.3:2181,10.0.0.4:2181/mesos --quorum 2',
  ];

  static flags = {
    ip: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    port: integerFlag({ description: 'port to listen on (0 picks a free one)', default: 5050, min: 0, max: 65535 }),
    hostname: Flags.string({ description: 'hostname advertised in MasterInfo' }),
    advertise_ip: Flags.string({ description: 'address advertised to agents and frameworks, when it differs from --ip' }),
    work_dir: Flags.string({ description: 'work directory, reported in /state flags (the master writes nothing there yet)' }),
    cluster: Flags.string({ description: 'cluster name shown in /state and the web UI' }),
    offer_timeout: duration('offer_timeout', 'rescind offers not answered within this long (e.g. 30secs); default: never'),
    agent_ping_timeout: duration('agent_ping_timeout', "how long to wait for an agent's PONG (e.g. 15secs)"),
    max_agent_ping_timeouts: integerFlag({ description: 'missed pings before an agent is marked unreachable', min: 1, max: 1000 }),
    allocation_interval: duration('allocation_interval', 'periodic allocation tick (e.g. 1secs); allocation also runs after every change'),
    zk: Flags.string({ description: 'ZooKeeper URL (zk://host1:2181,host2:2181/mesos): elect the leader there and keep the registry there; without it the master runs standalone' }),
    quorum: integerFlag({ description: 'masters that make a quorum (Mesos requires it with --zk; ZooKeeper\'s own quorum guards the registry here)', min: 1, max: 99 }),
    zk_session_timeout: duration('zk_session_timeout', 'ZooKeeper session timeout (e.g. 10secs); a leader that loses its session this long stops leading'),
    agent_reregister_timeout: duration('agent_reregister_timeout', 'after a failover, agents that have not re-registered within this are marked unreachable (e.g. 10mins)'),
  };

  async run(): Promise<void> {
    const f = this.flags;
    const { runMasterDaemon } = await import('../../cluster/master/index');
    const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
    const opts = Object.fromEntries(Object.entries({
      ip: f.ip,
      port: f.port,
      hostname: f.hostname,
      advertiseIp: f.advertise_ip,
      workDir: f.work_dir,
      cluster: f.cluster,
      offerTimeoutSeconds: seconds(f.offer_timeout),
      agentPingTimeoutSeconds: seconds(f.agent_ping_timeout),
      maxAgentPingTimeouts: f.max_agent_ping_timeouts,
      allocationIntervalMs: f.allocation_interval,
      zk: f.zk,
      quorum: f.quorum,
      zkSessionTimeoutSeconds: seconds(f.zk_session_timeout),
      agentReregisterTimeoutSeconds: seconds(f.agent_reregister_timeout),
    }).filter(([, v]) => v !== undefined));
    await runMasterDaemon(opts);
  }
}
