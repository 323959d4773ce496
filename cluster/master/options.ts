/**
 * The master's settings: MASTER_OPTIONS is the one table (Mesos flag name, default, check, command
 * line, /flags text) from which the defaults, the resolver, the daemon's command-line flags and
 * /flags are derived. Light on purpose: the CLI reads it for `--help` without loading the master.
 */
import type { Allocator } from '../allocator/types';
import { parseZooKeeperUrl, redactZooKeeperUrl } from '../election/zookeeper-url';
import { formatDuration } from '../protocol/duration';
import type { AuthRequirements } from '../http/auth';
import type { Logger } from '../util/log';
import type { Clock } from '../util/clock';
import type { HttpLimits } from '../http/limits';
import { HTTP_LIMIT_KEYS, httpLimitOptions } from '../http/limit-options';
import {
  commandLineFlags, duration, integer, integerAtLeast, onOff, optionDefaults, parses, positiveDuration, renderFlags, resolveOptions, text, textOrFile,
  type OptionTable,
} from '../flags/table';
import { tlsOptionTable, type TlsOptions } from '../flags/tls';
import { readAclsFlag } from '../authz/acls-flag';

export interface MasterOptions extends TlsOptions, HttpLimits {
  ip: string;
  port: number;
  hostname?: string;
  advertiseIp?: string;
  cluster?: string;
  workDir?: string;
  /** undefined = offers are never rescinded. */
  offerTimeoutSeconds?: number;
  agentPingTimeoutSeconds: number;
  maxAgentPingTimeouts: number;
  heartbeatIntervalSeconds: number;
  allocationIntervalMs: number;
  maxCompletedTasksPerFramework: number;
  maxCompletedFrameworks: number;
  zk?: string;
  quorum?: number;
  zkSessionTimeoutSeconds: number;
  agentReregisterTimeoutSeconds: number;
  onLeadershipLost: 'exit' | 'standby';
  /** Mesos's authentication switches: each class of endpoint requires credentials from --credentials. */
  authenticateFrameworks: boolean;
  authenticateAgents: boolean;
  authenticateHttpReadwrite: boolean;
  authenticateHttpReadonly: boolean;
  /** Path of the credentials file (cluster/http/auth.ts). */
  credentials?: string;
  /** Mesos's --acls: the ACLs as JSON, or a file holding them (cluster/authz/). */
  acls?: string;
  logger?: Logger;
  allocator?: Allocator;
  clock?: Clock;
}

const seconds = { commandLine: duration(1000), check: positiveDuration, text: (s: number) => formatDuration(s * 1000) };
const withZk = (o: MasterOptions) => o.zk !== undefined;
/** Masters that recover a registry: from ZooKeeper, or (standalone) from the work dir. */
const withRegistry = (o: MasterOptions) => o.zk !== undefined || o.workDir !== undefined;
/** The authentication switches show in /flags when on. */
const switchedOn = (key: 'authenticateFrameworks' | 'authenticateAgents' | 'authenticateHttpReadwrite' | 'authenticateHttpReadonly') => (o: MasterOptions) => o[key];

export const MASTER_OPTIONS: OptionTable<MasterOptions> = {
  ip: { flag: 'ip', description: 'address to listen on', default: '127.0.0.1', commandLine: text, show: true },
  port: {
    flag: 'port', description: 'port to listen on (0 picks a free one)', default: 5050,
    commandLine: integer(0, 65535), check: integerAtLeast(0, 65535), show: true,
  },
  hostname: { flag: 'hostname', description: 'hostname advertised in MasterInfo', commandLine: text, show: true },
  advertiseIp: { flag: 'advertise_ip', description: 'address advertised to agents and frameworks, when it differs from --ip', commandLine: text, show: true },
  workDir: { flag: 'work_dir', description: 'work directory; a standalone master (no --zk) keeps its registry (agents, frameworks, weights, quota, maintenance) in <work_dir>/registry', commandLine: text, show: true },
  cluster: { flag: 'cluster', description: 'cluster name shown in /state and the web UI', commandLine: text, show: true },
  offerTimeoutSeconds: {
    flag: 'offer_timeout', description: 'rescind offers not answered within this long (e.g. 30secs); default: never', ...seconds, show: true,
  },
  agentPingTimeoutSeconds: {
    flag: 'agent_ping_timeout', description: "how long to wait for an agent's PONG (e.g. 15secs)", default: 15, ...seconds, show: true,
  },
  maxAgentPingTimeouts: {
    flag: 'max_agent_ping_timeouts', description: 'missed pings before an agent is marked unreachable', default: 5,
    commandLine: integer(1, 1000), check: integerAtLeast(1), show: true,
  },
  allocationIntervalMs: {
    flag: 'allocation_interval', description: 'periodic allocation tick (e.g. 1secs); allocation also runs after every change', default: 1000,
    commandLine: duration(), check: positiveDuration, text: formatDuration, show: true,
  },
  zk: {
    flag: 'zk', commandLine: textOrFile, show: true, text: redactZooKeeperUrl,
    description: 'ZooKeeper URL (zk://host1:2181,host2:2181/mesos): elect the leader there and keep the registry there; without it the master runs ' +
      'standalone. With zk://user:password@host:2181/mesos the masters authenticate (digest) and lock their znodes: anyone may read the ' +
      'election (to find the leader), only the masters write it, and only they read or write the registry. The password is shown as ***; ' +
      'file:///path reads the URL from that file (keep it mode 0600), so the password is not on the command line',
    check: parses(parseZooKeeperUrl),
  },
  quorum: {
    flag: 'quorum', commandLine: integer(1, 99), show: true,
    description: 'masters that make a quorum (Mesos requires it with --zk; ZooKeeper\'s own quorum guards the registry here)',
    check: (value, flag) => {
      if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a positive integer, got ${String(value)}`);
    },
  },
  zkSessionTimeoutSeconds: {
    flag: 'zk_session_timeout', description: 'ZooKeeper session timeout (e.g. 10secs); a leader that loses its session this long stops leading',
    default: 10, ...seconds, show: withZk,
  },
  agentReregisterTimeoutSeconds: {
    flag: 'agent_reregister_timeout', description: 'after a failover or restart, agents that have not re-registered within this are marked unreachable (e.g. 10mins)',
    default: 600, ...seconds, show: withRegistry,
  },
  heartbeatIntervalSeconds: {
    flag: 'heartbeat_interval', description: 'interval of HEARTBEAT events on scheduler streams', default: 15,
    check: positiveDuration, text: seconds.text, show: true,
  },
  maxCompletedTasksPerFramework: {
    flag: 'max_completed_tasks_per_framework', description: 'completed tasks kept per framework for /state', default: 1000,
    check: integerAtLeast(0), show: true,
  },
  maxCompletedFrameworks: {
    flag: 'max_completed_frameworks', description: 'torn-down frameworks kept for /state', default: 50, check: integerAtLeast(0), show: true,
  },
  ...tlsOptionTable('agents must (the agent channel is mutual TLS) and operators and schedulers need only trust the CA'),
  onLeadershipLost: {
    description: "what a leader does when it loses leadership: 'exit' (the daemon: exit so a supervisor restarts it as a standby, " +
      "as Mesos does) or 'standby' (in-process masters: stop acting and answer like a standby)",
    default: 'standby',
  },
  authenticateFrameworks: {
    flag: 'authenticate_frameworks', description: 'schedulers must authenticate (HTTP basic or a bearer token) with a principal from --credentials',
    default: false, commandLine: onOff, show: switchedOn('authenticateFrameworks'),
  },
  authenticateAgents: {
    flag: 'authenticate_agents', description: 'agents must authenticate with a principal from --credentials to register', default: false, commandLine: onOff, show: switchedOn('authenticateAgents'),
  },
  authenticateHttpReadwrite: {
    flag: 'authenticate_http_readwrite', description: 'HTTP endpoints that change the cluster (operator calls other than GET_*, SUBSCRIBE and file reads) require authentication',
    default: false, commandLine: onOff, show: switchedOn('authenticateHttpReadwrite'),
  },
  authenticateHttpReadonly: {
    flag: 'authenticate_http_readonly', description: 'read-only HTTP endpoints (/state, /metrics, GET_* calls, /files, ...) require authentication; /health stays open',
    default: false, commandLine: onOff, show: switchedOn('authenticateHttpReadonly'),
  },
  credentials: {
    flag: 'credentials', commandLine: text, show: true,
    description: 'file of principals and secrets: JSON {"credentials":[{"principal":..,"secret":..}]} or "principal secret" lines; keep it mode 0600',
  },
  acls: {
    flag: 'acls', commandLine: text, show: true, check: parses(readAclsFlag),
    description: 'Mesos-format ACLs that authorize what principals may do (register_frameworks, run_tasks, teardown_frameworks, view_*, ' +
      'access_sandboxes, update_weights, update_quotas, agent maintenance, get_endpoints, ...): JSON, or a file holding it (/path or file:///path)',
  },
  logger: { description: 'where the master logs (default: its own logger)' },
  allocator: { description: 'injected allocator (tests, benchmarks); the weighted DRF allocator by default' },
  clock: { description: 'injected clock (tests advance time by hand); the system clock by default' },
  ...httpLimitOptions(),
};

export const MASTER_DEFAULTS = optionDefaults(MASTER_OPTIONS) as Readonly<MasterOptions>;

/** `master`'s command line (Mesos's names), for the daemon bundle's parser and `mesoscloud master --help`. */
export const MASTER_FLAGS = commandLineFlags(MASTER_OPTIONS);

/** Defaults filled in, every value checked (the Error names the flag), frozen. */
export function resolveMasterOptions(given: Partial<MasterOptions>): Readonly<MasterOptions> {
  return resolveOptions(MASTER_OPTIONS, given);
}

/** The order /flags lists them in. */
const SHOWN: readonly (keyof MasterOptions)[] = [
  'ip', 'port', 'agentPingTimeoutSeconds', 'maxAgentPingTimeouts', 'allocationIntervalMs', 'heartbeatIntervalSeconds',
  'maxCompletedTasksPerFramework', 'maxCompletedFrameworks', 'hostname', 'advertiseIp', 'cluster', 'workDir',
  'zk', 'zkSessionTimeoutSeconds', 'agentReregisterTimeoutSeconds', 'quorum', 'offerTimeoutSeconds',
  'tlsCertFile', 'tlsKeyFile', 'tlsCaFile', 'tlsRequireCert',
  ...HTTP_LIMIT_KEYS,
  'authenticateFrameworks', 'authenticateAgents', 'authenticateHttpReadwrite', 'authenticateHttpReadonly', 'credentials', 'acls',
];

/** Which classes of endpoint (cluster/http/auth.ts) require credentials, from the four switches. */
export function masterAuthRequirements(opts: MasterOptions): AuthRequirements {
  return { framework: opts.authenticateFrameworks, agent: opts.authenticateAgents, readwrite: opts.authenticateHttpReadwrite, readonly: opts.authenticateHttpReadonly };
}

/** The master's flags as Mesos reports them (/state "flags", GET_FLAGS), with the port it listens on. */
export function masterFlags(opts: MasterOptions, port: number): Record<string, string> {
  return renderFlags(MASTER_OPTIONS, { ...opts, port }, SHOWN);
}
