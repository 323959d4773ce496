/**
 * The operator's catalog of clusters: `<dataDir>/clusters/<name>/cluster.json`. It is a cache of
 * endpoints and process ids for finding and tearing down what `launch` started, not a source of
 * truth (a cloud provider's own state is). The data dir is oclif's (`config.dataDir`, which honours
 * XDG_DATA_HOME); code outside the CLI gets the same one from defaultDataDir().
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClientTlsFiles } from '../cluster/client/tls';

export const CLI_DIRNAME = 'mesoscloud';

export interface DaemonRecord {
  /** The process to stop: the daemon's supervisor when `definition` is set, else the daemon itself. */
  pid: number;
  port: number;
  workDir: string;
  logPath: string;
  /** The service definition the supervisor runs the daemon from (`supervise <definition>`). */
  definition?: string;
  /** The daemon's own pid file: its pid changes each time the supervisor restarts it. */
  pidFile?: string;
}

export interface AgentRecord extends DaemonRecord {
  index: number;
  /** Filled in once the agent registered. */
  id?: string;
  /** The --resources it was started with. */
  resources?: string;
  /** What it registered with (detected resources included), as resource text. */
  total?: string;
}

/** A cluster of processes on this machine (`launch --provider local`). */
export interface ClusterRecord {
  name: string;
  provider: 'local';
  /** "http://127.0.0.1:5050" */
  masterUrl: string;
  master: DaemonRecord;
  /** With --masters N > 1: the other masters (standbys at launch). */
  standbyMasters?: DaemonRecord[];
  /** With --zk N: the ZooKeeper servers started for the cluster. */
  zookeepers?: DaemonRecord[];
  /** zk://.../mesos when the masters elect their leader through ZooKeeper; clients follow it. */
  zk?: string;
  agents: AgentRecord[];
  /** With `launch --secure`: the operator's credential file (mode 0600) every command of the CLI authenticates with. */
  operatorCredential?: string;
  /** The task port range its agents share, so that another cluster on this machine picks a different one. */
  taskPorts?: { begin: number; end: number };
  /** With TLS (`launch --secure`): the cluster CA every command verifies the daemons against, and the operator's certificate. */
  tls?: ClientTlsFiles;
  /** ISO 8601. */
  createdAt: string;
}

/** One host of an SSH cluster as the last launch, scale or upgrade left it. */
export interface SshHostRecord {
  host: string;
  sshPort: number;
  user: string;
  /** What its daemons advertise. */
  address: string;
  roles: ('zookeeper' | 'master' | 'agent')[];
  zkId?: number;
}

/** One EC2 instance of an AWS cluster, as discovery last saw it. */
export interface AwsNodeRecord {
  name: string;
  role: 'zookeeper' | 'master' | 'agent';
  index: number;
  instanceId: string;
  publicIp?: string;
  privateIp?: string;
  availabilityZone?: string;
  spot: boolean;
}

/** What an AWS cluster adds to a cluster on SSH hosts: where its stack is and what it is made of. */
export interface AwsRecordInfo {
  region: string;
  endpointUrl?: string;
  profile?: string;
  /** The Pulumi backend holding the stack. */
  backendUrl: string;
  /** 'creating' from the first `up` until the stack is complete; 'destroying' once destroy began. */
  stack: 'creating' | 'up' | 'destroying';
  /** The cluster spec as launched (provider aws, defaults filled in): the base of a later launch or scale. */
  spec: Record<string, unknown>;
  imageId?: string;
  /** The zones the instances are spread over (kept, so a later run does not move them). */
  zones?: string[];
  /** Nodes spot had no capacity for, launched on-demand instead. */
  onDemandNodes: string[];
  /** Who may reach SSH and the masters' API/UI. */
  allowCidrs: string[];
  /** The key pair the instances take (the operator's, or one made for the cluster). */
  privateKeyFile: string;
  nodes: AwsNodeRecord[];
  /** False when the hosts were provisioned but not bootstrapped (LocalStack, --no-bootstrap). */
  bootstrapped: boolean;
}

/**
 * A cluster on hosts reached over SSH: hosts the operator has (`launch --provider ssh`) or EC2
 * instances the aws provider made (`aws` says which). The hosts' own step records are the truth
 * about what is installed; this remembers how to reach them: the spec, the SSH settings inside it
 * and the host keys pinned in `knownHostsFile`.
 */
export interface SshClusterRecord {
  name: string;
  provider: 'ssh' | 'aws';
  /** Provider aws: the stack and its instances. */
  aws?: AwsRecordInfo;
  /** The first master's URL; clients follow `zk` when there is one. */
  masterUrl: string;
  zk?: string;
  /** The validated cluster spec (infra/plan ClusterSpec), as JSON. */
  spec: Record<string, unknown>;
  hosts: SshHostRecord[];
  knownHostsFile: string;
  /** 'launching' until every agent registered; a later launch resumes from here. */
  phase: 'launching' | 'up';
  bundle?: { version: string; sha256: string };
  /** The cluster CA every command verifies the daemons against, and the operator's certificate (secrets/tls). */
  tls?: ClientTlsFiles;
  /** The operator's credential file (mode 0600) every command of the CLI authenticates with. */
  operatorCredential?: string;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
}

export type AnyClusterRecord = ClusterRecord | SshClusterRecord;

export class CatalogError extends Error {
  readonly code = 'BAD_REGISTRY';
}

/** What oclif computes for `config.dataDir` on Linux and macOS (MESOSCLOUD_DATA_DIR wins, then XDG_DATA_HOME). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESOSCLOUD_DATA_DIR) return env.MESOSCLOUD_DATA_DIR;
  if (env.XDG_DATA_HOME) return path.join(env.XDG_DATA_HOME, CLI_DIRNAME);
  return path.join(os.homedir(), '.local', 'share', CLI_DIRNAME);
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Cluster names become directory names and, later, cloud resource names. */
export function validateClusterName(name: string): string | undefined {
  if (NAME.test(name)) return undefined;
  return `cluster name must be 1-63 lowercase letters, digits or '-', not starting or ending with '-'; got '${name}'`;
}

export class ClusterCatalog {
  constructor(readonly dataDir: string) {}

  get root(): string { return path.join(this.dataDir, 'clusters') }

  clusterDir(name: string): string {
    const problem = validateClusterName(name);
    if (problem) throw new CatalogError(problem);
    return path.join(this.root, name);
  }

  recordPath(name: string): string { return path.join(this.clusterDir(name), 'cluster.json') }

  /** The local cluster of that name; an SSH cluster of that name is an error naming its provider. */
  readLocal(name: string): ClusterRecord | undefined {
    const record = this.read(name);
    if (record && record.provider !== 'local') {
      throw new CatalogError(`cluster '${name}' runs on ${record.provider} hosts, not on this machine`);
    }
    return record;
  }

  read(name: string): AnyClusterRecord | undefined {
    const file = this.recordPath(name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new CatalogError(`${file} is not valid JSON (${(err as Error).message}); remove it or run \`mesoscloud destroy --cluster ${name}\``);
    }
    const problem = checkRecord(parsed);
    if (problem) throw new CatalogError(`${file}: ${problem}`);
    return parsed as AnyClusterRecord;
  }

  /** Atomic: written to a temporary file, then renamed over the record. */
  write(record: AnyClusterRecord): void {
    const file = this.recordPath(record.name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
    fs.renameSync(tmp, file);
  }

  remove(name: string): void {
    fs.rmSync(this.clusterDir(name), { recursive: true, force: true });
  }

  list(): string[] {
    try {
      return fs.readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(this.root, d.name, 'cluster.json')))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
  }
}

function checkRecord(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'expected a JSON object';
  const r = value as Record<string, unknown>;
  if (typeof r.name !== 'string') return "field 'name' must be a string";
  if (typeof r.masterUrl !== 'string') return "field 'masterUrl' must be a string";
  if (r.tls !== undefined) {
    const t = r.tls as Record<string, unknown> | null;
    if (typeof t !== 'object' || t === null || typeof t.caFile !== 'string') return "field 'tls' must be an object with a 'caFile' string";
    for (const key of ['certFile', 'keyFile'] as const) if (t[key] !== undefined && typeof t[key] !== 'string') return `field 'tls.${key}' must be a string`;
  }
  if (r.provider === 'ssh') return checkSshRecord(r);
  if (r.provider === 'aws') return typeof r.aws === 'object' && r.aws !== null ? checkSshRecord(r) : "field 'aws' must be an object";
  if (r.provider !== 'local') return `field 'provider' must be 'local', 'ssh' or 'aws', got ${JSON.stringify(r.provider)}`;
  const daemonProblem = (d: unknown, where: string) => {
    if (typeof d !== 'object' || d === null) return `field '${where}' must be an object`;
    const o = d as Record<string, unknown>;
    for (const key of ['pid', 'port'] as const) if (typeof o[key] !== 'number') return `field '${where}.${key}' must be a number`;
    for (const key of ['workDir', 'logPath'] as const) if (typeof o[key] !== 'string') return `field '${where}.${key}' must be a string`;
    return undefined;
  };
  const masterProblem = daemonProblem(r.master, 'master');
  if (masterProblem) return masterProblem;
  if (r.taskPorts !== undefined) {
    const t = r.taskPorts as Record<string, unknown> | null;
    if (typeof t !== 'object' || t === null || typeof t.begin !== 'number' || typeof t.end !== 'number') return "field 'taskPorts' must be {begin, end} numbers";
  }
  if (!Array.isArray(r.agents)) return "field 'agents' must be an array";
  for (let i = 0; i < r.agents.length; i++) {
    const problem = daemonProblem(r.agents[i], `agents[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

function checkSshRecord(r: Record<string, unknown>): string | undefined {
  if (typeof r.spec !== 'object' || r.spec === null) return "field 'spec' must be an object";
  if (typeof r.knownHostsFile !== 'string') return "field 'knownHostsFile' must be a string";
  if (!Array.isArray(r.hosts)) return "field 'hosts' must be an array";
  for (let i = 0; i < r.hosts.length; i++) {
    const h = r.hosts[i] as Record<string, unknown> | null;
    if (typeof h !== 'object' || h === null) return `field 'hosts[${i}]' must be an object`;
    for (const key of ['host', 'user', 'address'] as const) if (typeof h[key] !== 'string') return `field 'hosts[${i}].${key}' must be a string`;
    if (typeof h.sshPort !== 'number') return `field 'hosts[${i}].sshPort' must be a number`;
    if (!Array.isArray(h.roles)) return `field 'hosts[${i}].roles' must be an array`;
  }
  return undefined;
}
