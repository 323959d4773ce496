/**
 * The cluster spec's shape: one zod schema that checks a cluster file (snake_case keys, as YAML
 * writes them) merged with CLI flags, fills in defaults, and gives the TypeScript types. Checks
 * that span fields (hosts named twice, role counts against hosts) live in spec-checks.ts.
 */
import { z } from 'zod';
import { parseAttributes } from '../../cluster/protocol/attributes';
import { Resources } from '../../cluster/protocol/resources';
import { validateClusterName } from '../cluster-catalog';
import { hostOf, isUserName, parseEndpoint, type Endpoint } from './host-address';
import { AWS_KNOWN_KEYS, AwsSchema } from './aws-spec-schema';
import { DEFAULT_AGENT_PORT, DEFAULT_MASTER_PORT, DEFAULT_SSH_PORT, DEFAULT_SSH_USER, ZOOKEEPER_DEFAULTS } from './spec-defaults';

export const PROVIDERS = ['ssh', 'aws'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Operators running the launcher as root against root-run test hosts need nothing more. */
export { DEFAULT_SSH_PORT, DEFAULT_SSH_USER } from './spec-defaults';
export const MAX_AGENTS = 10_000;

/** How a value looks in a message: YAML's words for lists and mappings. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false',
  object: 'a mapping', record: 'a mapping', array: 'a list',
};

/** Wording of zod's built-in issues; schemas with their own message keep it. */
export function wording(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => `'${String(v)}'`).join(', ')}, got ${describeValue(iss.input)}`;
    case 'too_small':
      return `must be at least ${String(iss.minimum)}, got ${describeValue(iss.input)}`;
    case 'too_big':
      return `must be at most ${String(iss.maximum)}, got ${describeValue(iss.input)}`;
    default:
      return undefined;
  }
}

function wholeNumber(min: number, max: number) {
  const error = (iss: { input?: unknown }) => `must be a whole number from ${min} to ${max}, got ${describeValue(iss.input)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

const port = wholeNumber(1, 65535);

type Ctx = z.core.$RefinementCtx;

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Issues of a nested parse, re-raised at the same relative path. */
function forward(ctx: Ctx, issues: readonly z.core.$ZodIssue[]): never {
  for (const issue of issues) ctx.addIssue(issue as unknown as z.core.$ZodSuperRefineIssue);
  return z.NEVER;
}

function hostText(what: string) {
  return z.string().transform((text, ctx) => {
    const host = hostOf(text.trim());
    if (host === undefined) {
      ctx.addIssue({ code: 'custom', message: `'${text}' is not a ${what}` });
      return z.NEVER;
    }
    return host;
  });
}

const userName = z.string().refine(isUserName, {
  error: (iss) => `${describeValue(iss.input)} is not a user name (letters, digits, '_', '.', '-', starting with a letter or '_')`,
});

export interface HostSpec extends Endpoint {
  /** What the host's daemons advertise and peers connect to; default: host. */
  address?: string;
}

export const HostObjectSchema = z.strictObject({
  host: hostText('host name or address'),
  port: port.optional(),
  user: userName.optional(),
  address: hostText('host name or address').optional(),
});

export const EndpointObjectSchema = z.strictObject({
  host: hostText('host name or address'),
  port: port.optional(),
  user: userName.optional(),
});

const ENDPOINT_HINT = '"10.0.0.5", "ubuntu@10.0.0.5:2222" or "[2001:db8::5]:22"';

/** "[user@]host[:port]" text, or the same as a mapping. */
function endpoint<O extends Endpoint>(objectSchema: z.ZodType<O>, mappingKeys: string) {
  return z.unknown().transform((value, ctx): O => {
    if (typeof value === 'string') {
      const parsed = parseEndpoint(value);
      if ('error' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed as O;
    }
    if (isMapping(value)) {
      const result = objectSchema.safeParse(value, { error: wording });
      return result.success ? result.data : forward(ctx, result.error.issues);
    }
    ctx.addIssue({ code: 'custom', message: `must be a host like ${ENDPOINT_HINT} or a mapping with ${mappingKeys}, got ${describeValue(value)}` });
    return z.NEVER;
  });
}

/** Flags the launcher sets itself, and where the spec sets them instead. */
export const LAUNCHER_FLAGS = {
  master: { ip: undefined, advertise_ip: 'hosts[].address', hostname: 'hosts[].address', port: 'master.port', work_dir: undefined, cluster: 'name', zk: 'zk', quorum: 'masters' },
  agent: {
    ip: undefined, advertise_ip: 'hosts[].address', hostname: 'hosts[].address', port: 'agent.port', master: undefined, work_dir: undefined,
    cgroups_root: undefined, resources: 'agent.resources', attributes: 'agent.attributes',
  },
} as const satisfies Record<string, Record<string, string | undefined>>;

const FLAG_NAME = /^[a-z][a-z0-9_]*$/;

/** Extra daemon flags by Mesos name (offer_timeout: 30secs), as strings, sorted so their order changes nothing. */
function extraFlags(reserved: Readonly<Record<string, string | undefined>>) {
  return z.record(z.string(), z.unknown()).transform((flags, ctx) => {
    const out: Record<string, string> = {};
    for (const name of Object.keys(flags).sort()) {
      const value = flags[name];
      const path = [name];
      if (!FLAG_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path, message: `'${name}' is not a flag name: give it as the daemon names it, without '--' (e.g. offer_timeout)` });
      } else if (name in reserved) {
        const instead = reserved[name];
        ctx.addIssue({ code: 'custom', path, message: `is set by the launcher${instead ? `; set ${instead} instead` : ''}` });
      } else if ((typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') {
        out[name] = String(value);
      } else {
        ctx.addIssue({ code: 'custom', path, message: `must be text, a number or true/false, got ${describeValue(value)}` });
      }
    }
    return out;
  });
}

function checkedText(what: string, example: string, parse: (text: string) => unknown) {
  return z.string().superRefine((text, ctx) => {
    try {
      parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(text)} is not ${what} like "${example}": ${(err as Error).message}` });
    }
  });
}

const resourcesText = checkedText('resources', 'cpus:4;mem:8192', (text) => {
  if (Resources.parse(text).isEmpty()) throw new Error('no resource with a positive quantity');
});
const attributesText = checkedText('attributes', 'rack:a;zone:2', parseAttributes);

export const SshSchema = z.strictObject({
  user: userName.default(DEFAULT_SSH_USER),
  port: port.default(DEFAULT_SSH_PORT),
  /** A private key file; '~' is expanded by the caller. Default: the SSH agent. */
  key: z.string().min(1, { error: 'must name a private key file' }).optional(),
  /** A jump host every connection goes through. */
  bastion: endpoint(EndpointObjectSchema, 'host, port, user').optional(),
});

export const MasterSchema = z.strictObject({
  port: port.default(DEFAULT_MASTER_PORT),
  flags: extraFlags(LAUNCHER_FLAGS.master).default({}),
});

export const AgentSchema = z.strictObject({
  port: port.default(DEFAULT_AGENT_PORT),
  resources: resourcesText.optional(),
  attributes: attributesText.optional(),
  flags: extraFlags(LAUNCHER_FLAGS.agent).default({}),
});

export const ZooKeeperSchema = z.strictObject({
  client_port: port.default(ZOOKEEPER_DEFAULTS.client_port),
  peer_port: port.default(ZOOKEEPER_DEFAULTS.peer_port),
  election_port: port.default(ZOOKEEPER_DEFAULTS.election_port),
  tick_ms: wholeNumber(10, 60_000).default(ZOOKEEPER_DEFAULTS.tick_ms),
});

const hostList = z.array(hostText('host name or address'));

const clusterName = z.string().superRefine((name, ctx) => {
  const problem = validateClusterName(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The fields as given; role counts still optional (their defaults depend on other fields). */
export const SpecFieldsSchema = z.strictObject({
  name: clusterName,
  provider: z.enum(PROVIDERS).default('ssh'),
  hosts: z.array(endpoint(HostObjectSchema, 'host, port, user, address')).default([]),
  masters: wholeNumber(1, 5).optional(),
  zk: wholeNumber(0, 7).optional(),
  agents: wholeNumber(1, MAX_AGENTS).optional(),
  master_hosts: hostList.optional(),
  zk_hosts: hostList.optional(),
  colocate: z.boolean().default(false),
  /** TLS for all HTTP: a cluster CA is generated, every daemon serves HTTPS only, the CLI verifies against the CA. */
  secure: z.boolean().optional(),
  ssh: SshSchema.prefault({}),
  master: MasterSchema.prefault({}),
  agent: AgentSchema.prefault({}),
  zookeeper: ZooKeeperSchema.prefault({}),
  /** Provider aws: where and on what the cluster's EC2 instances run. */
  aws: AwsSchema.optional(),
  /** The daemon version wanted; informational (the bundle that is pushed is the one built here). */
  version: z.string().regex(/^\S+$/, { error: (iss) => `must be a version like 0.1.0, got ${describeValue(iss.input)}` }).optional(),
});

export type SpecFields = z.output<typeof SpecFieldsSchema>;
export type ClusterSpecInput = z.input<typeof SpecFieldsSchema>;

export interface SshEndpoint { host: string; port: number; user: string }

/** A validated cluster spec: every default filled in, role counts and the bastion's user and port resolved. */
export type ClusterSpec = Omit<SpecFields, 'provider' | 'masters' | 'zk' | 'ssh'> & {
  /** 'local' only from the local provider's own spec (localSpec); a cluster file names a remote provider. */
  provider: Provider | 'local';
  masters: number;
  zk: number;
  ssh: Omit<SpecFields['ssh'], 'bastion'> & { bastion?: SshEndpoint };
};

/** Known keys of each mapping, by path pattern ('' the top, 'hosts[]' a host mapping), for "did you mean". */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(SpecFieldsSchema.shape),
  'hosts[]': Object.keys(HostObjectSchema.shape),
  ssh: Object.keys(SshSchema.shape),
  'ssh.bastion': Object.keys(EndpointObjectSchema.shape),
  master: Object.keys(MasterSchema.shape),
  agent: Object.keys(AgentSchema.shape),
  zookeeper: Object.keys(ZooKeeperSchema.shape),
  ...AWS_KNOWN_KEYS,
};
