/**
 * The agent's settings: AGENT_OPTIONS is the one table (Mesos flag name, default, check, command
 * line, /flags text) from which the defaults, the resolver, the daemon's command-line flags and
 * /flags are derived. Light on purpose: the CLI reads it for `--help` without loading the agent.
 */
import { isZooKeeperUrl, parseZooKeeperUrl, redactZooKeeperUrl } from '../election/zookeeper-url';
import { parseAttributes } from '../protocol/attributes';
import { parseMasterAddress } from '../protocol/master-address';
import type { Logger } from '../util/log';
import type { HttpLimits } from '../http/limits';
import { HTTP_LIMIT_KEYS, httpLimitOptions } from '../http/limit-options';
import { bytesText, ISOLATIONS, isolationToCgroups } from '../flags/values';
import {
  bytes, commandLineFlags, duration, integer, integerAtLeast, nonNegative, onOff, oneOf, oneOfValues, optionDefaults, parses, renderFlags, resolveOptions, resources, text,
  type OptionTable,
} from '../flags/table';
import { tlsOptionTable, type TlsOptions } from '../flags/tls';
import { readAclsFlag } from '../authz/acls-flag';
import { agentResources } from './resources-probe';

/** What a restarted agent does with the tasks it finds in its work dir (see recovery.ts). */
export const RECOVER_MODES = ['reconnect', 'cleanup'] as const;
export type RecoverMode = typeof RECOVER_MODES[number];

export interface AgentOptions extends TlsOptions, Partial<HttpLimits> {
  ip: string;
  port: number;
  /** Defaults to the advertised ip, never os.hostname() blindly. */
  hostname?: string;
  advertiseIp?: string;
  master: string;
  /** Required: no /tmp default that loses data. */
  workDir: string;
  resources?: string;
  attributes?: string;
  cgroups: 'auto' | 'v1' | 'v2' | 'none';
  /** Always set once resolved (default "mesoscloud"). */
  cgroupsRoot?: string;
  killGracePeriodSeconds: number;
  statusUpdateRetrySeconds: number;
  masterPingTimeoutSeconds: number;
  /** Always set once resolved (default "reconnect"). */
  recover?: RecoverMode;
  /** Always set once resolved (default true): run each task as its CommandInfo.user, else its FrameworkInfo.user (Mesos's --switch_user); false: as the agent's user. */
  switchUser?: boolean;
  /** Always set once resolved (default false). Whether a root agent may run a task that asks for root; the master's run_tasks ACL (--acls) decides before it, and both must allow. */
  allowRootTasks?: boolean;
  /** Mesos's switches for the agent's own endpoints; principals come from --http_credentials. */
  authenticateHttpReadonly?: boolean;
  authenticateHttpReadwrite?: boolean;
  /** Path of the credentials file for the agent's endpoints (cluster/http/auth.ts). */
  httpCredentials?: string;
  /** Path of this agent's own credential for registering with the master. */
  credential?: string;
  /** Bytes the fetcher cache may hold (Mesos's --fetcher_cache_size); always set once resolved (default 2GB). */
  fetcherCacheSize?: number;
  /** The fetcher cache's directory; default <work_dir>/fetch. */
  fetcherCacheDir?: string;
  /** A fetch that receives nothing for this long fails; 0: never. Always set once resolved (default 60). */
  fetcherStallTimeoutSeconds?: number;
  /** PEM CAs trusted for https:// URIs on top of the system's. */
  fetcherCaFile?: string;
  /** Mesos's --acls: the ACLs as JSON, or a file holding them (cluster/authz/). */
  acls?: string;
  /** Always set once resolved. How long a custom executor has to subscribe after it was started (Mesos's default 1mins). */
  executorRegistrationTimeoutSeconds?: number;
  /** After an agent restart, how long its executors have to subscribe again (Mesos's default 2secs). */
  executorReregistrationTimeoutSeconds?: number;
  /** How long an executor of a checkpointing framework keeps retrying while its agent is away (Mesos's default 15mins). */
  recoveryTimeoutSeconds?: number;
  /** /api/v1/executor requires each executor's own token (MESOS_EXECUTOR_AUTHENTICATION_TOKEN). */
  authenticateHttpExecutors?: boolean;
  /** File holding the key executor tokens are signed with; default: one generated in the work dir's meta/. */
  executorSecretKey?: string;
  logger?: Logger;
}

const CGROUPS = ['auto', 'v1', 'v2', 'none'] as const;
/** Resources are checked as the agent reads them, against a made-up host. */
const SOME_HOST = { cpus: 1, memTotalMb: 1024, diskFreeMb: 1024 };
const secs = (s: number) => `${s}secs`;
/** The authentication switches show in /flags when on. */
const switchedOn = (key: 'authenticateHttpReadonly' | 'authenticateHttpReadwrite') => (o: AgentOptions) => o[key] === true;
const given = (key: 'advertiseIp' | 'resources' | 'attributes') => (o: AgentOptions) => Boolean(o[key]);

export const AGENT_OPTIONS: OptionTable<AgentOptions> = {
  ip: { flag: 'ip', description: 'address to listen on for /files, /state and /health', default: '127.0.0.1', commandLine: text, show: true },
  port: { flag: 'port', description: 'port to listen on (0 picks a free one)', default: 5051, commandLine: integer(0, 65535), check: nonNegative(true), show: true },
  hostname: { flag: 'hostname', description: 'hostname reported to the master (default: the advertised address)', commandLine: text, show: true },
  advertiseIp: { flag: 'advertise_ip', description: 'address the master and operators use to reach this agent', commandLine: text, show: given('advertiseIp') },
  workDir: { flag: 'work_dir', description: 'sandboxes and checkpoints live here', required: true, commandLine: text, show: true },
  master: {
    flag: 'master', required: true, commandLine: text, show: true, text: redactZooKeeperUrl,
    description: 'master to register with: host:port, http://host:port, or zk://host:2181[,host:2181...]/path to follow the leader',
    check: parses((value) => (isZooKeeperUrl(value) ? parseZooKeeperUrl(value) : new URL(parseMasterAddress(value).baseUrl))),
  },
  resources: {
    flag: 'resources', description: 'resources to offer, e.g. "cpus:2;mem:2048;ports:[31000-32000]" (unset ones are detected)',
    commandLine: resources, check: (value) => void agentResources(value, SOME_HOST), show: given('resources'),
  },
  attributes: { flag: 'attributes', description: 'attributes, e.g. "rack:a;zone:2"', commandLine: text, check: parses(parseAttributes), show: given('attributes') },
  cgroups: {
    flag: 'isolation', description: 'how tasks are isolated; auto uses cgroups when they are writable', default: 'auto',
    commandLine: oneOf(ISOLATIONS, isolationToCgroups), check: oneOfValues(CGROUPS, 'auto, cgroups/v1, cgroups/v2 or none'), show: true,
  },
  recover: {
    flag: 'recover', default: 'reconnect', commandLine: oneOf(RECOVER_MODES), check: oneOfValues(RECOVER_MODES, RECOVER_MODES.join(' or ')), show: true,
    description: 'on restart, reconnect: adopt the tasks still running and report those that ended; cleanup: kill them (TASK_KILLED) and go on without them',
  },
  switchUser: {
    flag: 'switch_user', default: true, commandLine: onOff, show: true,
    description: "run each task as the user its CommandInfo.user, else its FrameworkInfo.user, names (needs root); --no-switch_user: as the agent's own user",
  },
  allowRootTasks: {
    flag: 'allow_root_tasks', default: false, commandLine: onOff, show: true,
    description: 'let a root agent run tasks that ask for user root (refused by default); the master\'s run_tasks ACL (--acls) is checked first, and both must allow',
  },
  cgroupsRoot: {
    flag: 'cgroups_root', description: 'name of the cgroup under which task cgroups are made (letters, digits, ".", "_", "-")', default: 'mesoscloud',
    commandLine: text, show: true,
  },
  killGracePeriodSeconds: {
    flag: 'executor_shutdown_grace_period', description: "time between SIGTERM and SIGKILL when killing a task, unless the task's kill policy says otherwise",
    default: 3, check: nonNegative(true), text: secs, show: true,
  },
  statusUpdateRetrySeconds: {
    flag: 'status_update_retry_interval', description: 'first retry interval for unacknowledged status updates; doubles up to 10 minutes',
    default: 2, check: nonNegative(false), text: secs, show: true,
  },
  masterPingTimeoutSeconds: {
    flag: 'master_ping_timeout', description: "give up on a silent master after this long and re-register; shortened to what the master's ping interval implies",
    default: 75, check: nonNegative(false), text: secs, show: true,
  },
  ...tlsOptionTable('clients without a certificate are served'),
  authenticateHttpReadonly: {
    flag: 'authenticate_http_readonly', description: "the agent's endpoints (/state, /flags, /files) require authentication; /health stays open",
    default: false, commandLine: onOff, show: switchedOn('authenticateHttpReadonly'),
  },
  authenticateHttpReadwrite: {
    flag: 'authenticate_http_readwrite', description: "the agent's endpoints that change something require authentication", default: false, commandLine: onOff, show: switchedOn('authenticateHttpReadwrite'),
  },
  httpCredentials: {
    flag: 'http_credentials', commandLine: text, show: true,
    description: 'file of principals and secrets for the agent\'s endpoints: JSON {"credentials":[...]} or "principal secret" lines',
  },
  credential: {
    flag: 'credential', commandLine: text, show: true,
    description: 'file with this agent\'s credential for registering with the master: JSON {"principal":..,"secret":..} or "principal secret"',
  },
  fetcherCacheSize: {
    flag: 'fetcher_cache_size', description: 'how much the fetcher cache (URIs with cache: true) may hold, e.g. 2GB; least recently used files go first',
    default: 2 * 2 ** 30, commandLine: bytes, check: integerAtLeast(0), text: bytesText, show: true,
  },
  fetcherCacheDir: {
    flag: 'fetcher_cache_dir', description: 'directory of the fetcher cache (default: <work_dir>/fetch); emptied when the agent starts', commandLine: text, show: true,
  },
  fetcherStallTimeoutSeconds: {
    flag: 'fetcher_stall_timeout', description: 'a download that receives no data for this long fails (0secs: never)',
    default: 60, commandLine: duration(1000), check: nonNegative(true), text: secs, show: true,
  },
  fetcherCaFile: {
    flag: 'fetcher_ca_file', description: "PEM file of CAs trusted for https:// URIs, on top of the system's", commandLine: text, show: true,
  },
  acls: {
    flag: 'acls', commandLine: text, show: true, check: parses(readAclsFlag),
    description: 'Mesos-format ACLs for the agent\'s endpoints (view_frameworks, view_tasks, view_executors on /state, access_sandboxes on /files, ' +
      'view_flags on /flags): JSON, or a file holding it (/path or file:///path). The sandbox proxy of the master reads agents as principal \'master\'',
  },
  executorRegistrationTimeoutSeconds: {
    flag: 'executor_registration_timeout', description: 'how long a custom executor has to subscribe once started; then it is killed and its tasks fail',
    default: 60, commandLine: duration(1000), check: nonNegative(false), text: secs, show: true,
  },
  executorReregistrationTimeoutSeconds: {
    flag: 'executor_reregistration_timeout', description: 'after an agent restart, how long its executors have to subscribe again before they are taken for gone',
    default: 2, commandLine: duration(1000), check: nonNegative(false), text: secs, show: true,
  },
  recoveryTimeoutSeconds: {
    flag: 'recovery_timeout', description: 'how long an executor of a checkpointing framework retries subscribing while its agent is away (MESOS_RECOVERY_TIMEOUT)',
    default: 900, commandLine: duration(1000), check: nonNegative(false), text: secs, show: true,
  },
  authenticateHttpExecutors: {
    flag: 'authenticate_http_executors', description: "/api/v1/executor requires each executor's own token (MESOS_EXECUTOR_AUTHENTICATION_TOKEN), which opens it for that executor only",
    default: false, commandLine: onOff, show: (o: AgentOptions) => o.authenticateHttpExecutors === true,
  },
  executorSecretKey: {
    flag: 'executor_secret_key', commandLine: text, show: (o: AgentOptions) => o.executorSecretKey !== undefined,
    description: "file with the key executors' tokens are signed with (default: a key generated in the work dir, kept across restarts)",
  },
  logger: { description: 'where the agent logs (default: its own logger)' },
  ...httpLimitOptions(),
};

export const AGENT_DEFAULTS = optionDefaults(AGENT_OPTIONS) as Readonly<Omit<AgentOptions, 'master' | 'workDir'>>;

/** `agent`'s command line (Mesos's names), for the daemon bundle's parser and `mesoscloud agent --help`. */
export const AGENT_FLAGS = commandLineFlags(AGENT_OPTIONS);

/** Defaults filled in, every value checked (the Error names the flag), frozen. */
export function resolveAgentOptions(options: Partial<AgentOptions>): Readonly<AgentOptions> {
  return resolveOptions(AGENT_OPTIONS, options);
}

/** The order /flags lists them in. */
const SHOWN: readonly (keyof AgentOptions)[] = [
  'ip', 'port', 'master', 'workDir', 'hostname', 'cgroups', 'cgroupsRoot', 'killGracePeriodSeconds', 'statusUpdateRetrySeconds',
  'masterPingTimeoutSeconds', 'recover', 'switchUser', 'allowRootTasks', 'advertiseIp', 'resources', 'attributes',
  'tlsCertFile', 'tlsKeyFile', 'tlsCaFile', 'tlsRequireCert',
  ...HTTP_LIMIT_KEYS,
  'masterPingTimeoutSeconds', 'recover', 'advertiseIp', 'resources', 'attributes',
  'authenticateHttpReadonly', 'authenticateHttpReadwrite', 'httpCredentials', 'credential',
  'fetcherCacheSize', 'fetcherCacheDir', 'fetcherStallTimeoutSeconds', 'fetcherCaFile', 'acls',
  'executorRegistrationTimeoutSeconds', 'executorReregistrationTimeoutSeconds', 'recoveryTimeoutSeconds', 'authenticateHttpExecutors', 'executorSecretKey',
];

/** The agent's flags as Mesos reports them (/flags, /state "flags"), with the hostname it reports. */
export function agentFlags(opts: AgentOptions, hostname: string): Record<string, string> {
  return renderFlags(AGENT_OPTIONS, { ...opts, hostname }, SHOWN);
}
