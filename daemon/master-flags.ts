/** `master`'s flags (Mesos's names) and how they become the master daemon's options. */
import type { MasterOptions } from '../cluster/master/options';
import { durationFlag, integerFlag, textFlag, type FlagValues } from '../cluster/util/options-table';

export const MASTER_FLAGS = {
  ip: textFlag({ description: 'address to listen on', default: '127.0.0.1' }),
  port: integerFlag({ description: 'port to listen on (0 picks a free one)', default: 5050, min: 0, max: 65535 }),
  hostname: textFlag({ description: 'hostname advertised in MasterInfo' }),
  advertise_ip: textFlag({ description: 'address advertised to agents and frameworks, when it differs from --ip' }),
  work_dir: textFlag({ description: 'work directory, reported in /state flags (the master writes nothing there yet)' }),
  cluster: textFlag({ description: 'cluster name shown in /state and the web UI' }),
  offer_timeout: durationFlag({ description: 'rescind offers not answered within this long (e.g. 30secs); default: never' }),
  agent_ping_timeout: durationFlag({ description: "how long to wait for an agent's PONG (e.g. 15secs)" }),
  max_agent_ping_timeouts: integerFlag({ description: 'missed pings before an agent is marked unreachable', min: 1, max: 1000 }),
  allocation_interval: durationFlag({ description: 'periodic allocation tick (e.g. 1secs); allocation also runs after every change' }),
  zk: textFlag({ description: 'ZooKeeper URL (zk://host1:2181,host2:2181/mesos): elect the leader there and keep the registry there; without it the master runs standalone' }),
  quorum: integerFlag({ description: 'masters that make a quorum (Mesos requires it with --zk; ZooKeeper\'s own quorum guards the registry here)', min: 1, max: 99 }),
  zk_session_timeout: durationFlag({ description: 'ZooKeeper session timeout (e.g. 10secs); a leader that loses its session this long stops leading' }),
  agent_reregister_timeout: durationFlag({ description: 'after a failover, agents that have not re-registered within this are marked unreachable (e.g. 10mins)' }),
};

export type MasterFlags = FlagValues<typeof MASTER_FLAGS>;

/** Only what was given (or defaulted by the table): the master fills in the rest. */
export function masterOptions(f: MasterFlags): Partial<MasterOptions> {
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  const opts: Partial<MasterOptions> = {
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
  };
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as Partial<MasterOptions>;
}
