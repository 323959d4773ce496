/**
 * The cluster spec from a cluster file and CLI flags: flags override the file field by field, the
 * result is validated as a whole, and every problem is reported at once, each with the field it is
 * about (and the flag, when a flag set it).
 */
import type { z } from 'zod';
import { nearest } from './nearest';
import type { Issue } from './roles';
import { resolveSpec } from './spec-checks';
import { KNOWN_KEYS, SpecFieldsSchema, describeValue, wording, type ClusterSpec } from './spec-schema';

export type { ClusterSpec, ClusterSpecInput, HostSpec, Provider } from './spec-schema';

export class SpecError extends Error {
  readonly code = 'BAD_CLUSTER_SPEC';
  constructor(readonly issues: Issue[], readonly source?: string) {
    super(specErrorMessage(issues, source));
  }
}

function specErrorMessage(issues: Issue[], source?: string): string {
  const lines = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  const where = source ? ` in ${source}` : '';
  if (lines.length === 1) return `invalid cluster spec${where}: ${lines[0]}`;
  return `invalid cluster spec${where} (${lines.length} problems):\n${lines.map((l) => `  - ${l}`).join('\n')}`;
}

/**
 * CLI flags by the launch command's flag names (pass only flags the operator gave: an oclif default
 * would otherwise override the file). `hosts`, `master-hosts` and `zk-hosts` take "a,b,c".
 */
export interface SpecFlags {
  cluster?: string;
  provider?: string;
  hosts?: string | string[];
  masters?: number;
  zk?: number;
  agents?: number;
  'master-hosts'?: string | string[];
  'zk-hosts'?: string | string[];
  colocate?: boolean;
  user?: string;
  'ssh-port'?: number;
  key?: string;
  bastion?: string;
  'master-port'?: number;
  'agent-port'?: number;
  'agent-resources'?: string;
  'agent-attributes'?: string;
  version?: string;
  region?: string;
  profile?: string;
  'endpoint-url'?: string;
  zones?: string | string[];
  vpc?: string;
  subnets?: string | string[];
  'allow-cidr'?: string | string[];
  'allow-world'?: boolean;
  ami?: string;
  'instance-type'?: string;
  'master-instance-type'?: string;
  'zk-instance-type'?: string;
  spot?: boolean;
  'volume-size'?: number;
  'iam-instance-profile'?: string;
  tag?: Record<string, string>;
  backend?: string;
  bootstrap?: boolean;
  'aws-user'?: string;
}

/** The spec field each flag sets. */
export const FLAG_FIELDS: { readonly [F in keyof Required<SpecFlags>]: string } = {
  cluster: 'name',
  provider: 'provider',
  hosts: 'hosts',
  masters: 'masters',
  zk: 'zk',
  agents: 'agents',
  'master-hosts': 'master_hosts',
  'zk-hosts': 'zk_hosts',
  colocate: 'colocate',
  user: 'ssh.user',
  'ssh-port': 'ssh.port',
  key: 'ssh.key',
  bastion: 'ssh.bastion',
  'master-port': 'master.port',
  'agent-port': 'agent.port',
  'agent-resources': 'agent.resources',
  'agent-attributes': 'agent.attributes',
  version: 'version',
  region: 'aws.region',
  profile: 'aws.profile',
  'endpoint-url': 'aws.endpoint_url',
  zones: 'aws.zones',
  vpc: 'aws.vpc',
  subnets: 'aws.subnets',
  'allow-cidr': 'aws.allow_cidr',
  'allow-world': 'aws.allow_world',
  ami: 'aws.ami',
  'instance-type': 'aws.machines.agent.instance_type',
  'master-instance-type': 'aws.machines.master.instance_type',
  'zk-instance-type': 'aws.machines.zookeeper.instance_type',
  spot: 'aws.machines.agent.spot',
  'volume-size': 'aws.machines.agent.volume_size',
  'iam-instance-profile': 'aws.iam_instance_profile',
  tag: 'aws.tags',
  backend: 'aws.backend',
  bootstrap: 'aws.bootstrap',
  'aws-user': 'aws.ssh_user',
};

const LIST_FLAGS = new Set<keyof SpecFlags>(['hosts', 'master-hosts', 'zk-hosts', 'zones', 'subnets', 'allow-cidr']);

/**
 * The validated spec. `file` is a parsed cluster file (loadSpecFile) or undefined; `source` names
 * it in messages.
 */
export function specFromSources(file: unknown, flags: SpecFlags = {}, source?: string): ClusterSpec {
  if (file !== undefined && file !== null && !isMapping(file)) {
    throw new SpecError([{ path: '', message: `a cluster file is a mapping of settings (name:, hosts:, masters:, ...), got ${describeValue(file)}` }], source);
  }
  const input: Record<string, unknown> = structuredClone((file ?? {}) as Record<string, unknown>);
  const fromFlags = new Map<string, string>();
  for (const [flag, field] of Object.entries(FLAG_FIELDS) as [keyof SpecFlags, string][]) {
    const value = flags[flag];
    if (value === undefined) continue;
    setField(input, field, LIST_FLAGS.has(flag) ? listValue(value) : value);
    fromFlags.set(field, flag);
  }
  const parsed = SpecFieldsSchema.safeParse(input, { error: wording });
  if (!parsed.success) throw new SpecError(parsed.error.issues.flatMap((i) => describeIssue(i, fromFlags)), source);
  const { spec, issues } = resolveSpec(parsed.data);
  if (issues.length > 0) throw new SpecError(issues.map((i) => withFlag(i, fromFlags)), source);
  return spec;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function setField(target: Record<string, unknown>, field: string, value: unknown): void {
  const parts = field.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isMapping(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

export function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** One issue per unknown key, with the nearest known key; others as they are. */
function describeIssue(issue: z.core.$ZodIssue, fromFlags: Map<string, string>): Issue[] {
  if (issue.code !== 'unrecognized_keys') return [withFlag({ path: pathText(issue.path), message: issue.message }, fromFlags)];
  const pattern = issue.path.map((p) => (typeof p === 'number' ? '[]' : String(p))).join('.').replace(/\.\[\]/g, '[]');
  const known = KNOWN_KEYS[pattern] ?? [];
  return issue.keys.map((key) => {
    const guess = nearest(key, known);
    const hint = guess ? `did you mean '${guess}'?` : `known keys: ${known.join(', ')}`;
    return { path: pathText([...issue.path, key]), message: `unknown key; ${hint}` };
  });
}

/** "hosts[2] (--hosts)" when the field came from a flag. */
function withFlag(issue: Issue, fromFlags: Map<string, string>): Issue {
  for (const [field, flag] of fromFlags) {
    if (issue.path === field || issue.path.startsWith(`${field}[`) || issue.path.startsWith(`${field}.`)) {
      return { path: `${issue.path} (--${flag})`, message: issue.message };
    }
  }
  return issue;
}
