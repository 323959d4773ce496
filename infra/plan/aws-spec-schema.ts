/**
 * The `aws:` mapping of a cluster spec (cluster file or `launch --provider aws` flags): where the
 * cluster goes (region, zones, an existing VPC), who may reach it, which image, and the machines of
 * each role. Only syntax is checked here; whether the region, zones and instance types exist is
 * asked of EC2 at launch (infra/providers/aws/aws-checks.ts), and `--dry-run` needs no network.
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { VOLUME_TYPES } from '../aws/types';

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

function textLike(what: string, pattern: RegExp, example: string) {
  return z.string().regex(pattern, { error: (iss) => `must be ${what} like ${example}, got '${String(iss.input)}'` });
}

/** "203.0.113.7/32", or a bare address meaning that one address. */
export const cidrText = z.string().transform((text, ctx) => {
  const [address, bits = '32', ...rest] = text.trim().split('/');
  const prefix = Number(bits);
  if (rest.length > 0 || !isIPv4(address) || !/^\d{1,2}$/.test(bits) || prefix > 32) {
    ctx.addIssue({ code: 'custom', message: `'${text}' is not an IPv4 address or CIDR block like 203.0.113.7/32` });
    return z.NEVER;
  }
  return `${address}/${prefix}`;
});

export const DEFAULT_MACHINES = {
  master: { instance_type: 'm6i.large', volume_size: 30 },
  zookeeper: { instance_type: 't3.medium', volume_size: 20 },
  agent: { instance_type: 'm6i.xlarge', volume_size: 50 },
} as const;

function machineSchema(role: keyof typeof DEFAULT_MACHINES) {
  const d = DEFAULT_MACHINES[role];
  return z.strictObject({
    instance_type: textLike('an EC2 instance type', INSTANCE_TYPE, 'm6i.large').default(d.instance_type),
    /** Spot instances; a node spot has no capacity for is launched on-demand instead, saying so. */
    spot: z.boolean().default(false),
    /** Root volume size in GiB. */
    volume_size: z.int().min(8, { error: (iss) => `must be at least 8 (GiB), got ${String(iss.input)}` }).max(16_384).default(d.volume_size),
    volume_type: z.enum(VOLUME_TYPES).default('gp3'),
  });
}

export const AwsMachinesSchema = z.strictObject({
  master: machineSchema('master').prefault({}),
  zookeeper: machineSchema('zookeeper').prefault({}),
  agent: machineSchema('agent').prefault({}),
});

const TAG_KEY = /^(?!aws:)[\w .:/=+\-@]{1,128}$/i;

export const AwsSchema = z.strictObject({
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION (filled in by the command). */
  region: textLike('an AWS region', REGION, 'eu-west-1').optional(),
  /** A shared-config profile for credentials. */
  profile: z.string().min(1).optional(),
  /** LocalStack or another EC2-compatible endpoint; every AWS call goes there. */
  endpoint_url: z.url({ error: (iss) => `must be a URL like http://localhost:4566, got '${String(iss.input)}'` }).optional(),
  zones: z.array(textLike('an availability zone', /^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}[a-z]$/, 'eu-west-1a')).min(1).optional(),
  vpc: textLike('a VPC id', /^vpc-[0-9a-f]{8,17}$/, 'vpc-0abc12345def67890').optional(),
  subnets: z.array(textLike('a subnet id', /^subnet-[0-9a-f]{8,17}$/, 'subnet-0abc12345def67890')).min(1).optional(),
  vpc_cidr: cidrText.default('10.42.0.0/16'),
  /** Who may reach SSH and the masters' API/UI; default: this machine's public address, found at launch. */
  allow_cidr: z.array(cidrText).min(1).optional(),
  /** Lets allow_cidr open SSH and the masters' port wider than a /8 (0.0.0.0/0 included): never by default. */
  allow_world: z.boolean().optional(),
  /** An image id, or `latest`: the newest image `mesoscloud ami build` made of this version; default: the newest Ubuntu LTS. */
  ami: z.string().regex(/^(ami-[0-9a-f]{8,17}|latest)$/, { error: (iss) => `must be an image id like ami-0abc12345def67890, or latest, got '${String(iss.input)}'` }).optional(),
  /** True for an image from `mesoscloud ami build` (found from its tags at launch when unset). */
  ami_has_daemons: z.boolean().optional(),
  arch: z.enum(['x86_64', 'arm64']).default('x86_64'),
  /** The image's login user (Ubuntu's is ubuntu; it runs the bootstrap through sudo -n). */
  ssh_user: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, { error: (iss) => `must be a user name, got '${String(iss.input)}'` }).default('ubuntu'),
  iam_instance_profile: z.string().min(1).optional(),
  tags: z.record(textLike('a tag key', TAG_KEY, 'team'), z.string().max(256)).default({}),
  /** Where the Pulumi stack is kept; default file://<data dir>/pulumi. */
  backend: z.string().regex(/^(file|s3|azblob|gs|https?):\/\//, { error: (iss) => `must be a Pulumi backend URL (file://, s3://, https://api.pulumi.com ...), got '${String(iss.input)}'` }).optional(),
  /** False: provision and discover only. Default: true, but false with an endpoint URL (LocalStack's instances have no machines behind them). */
  bootstrap: z.boolean().optional(),
  machines: AwsMachinesSchema.prefault({}),
});

export type AwsSpec = z.output<typeof AwsSchema>;

export const AWS_KNOWN_KEYS = {
  aws: ['region', 'profile', 'endpoint_url', 'zones', 'vpc', 'subnets', 'vpc_cidr', 'allow_cidr', 'allow_world', 'ami', 'ami_has_daemons', 'arch', 'ssh_user', 'iam_instance_profile', 'tags', 'backend', 'bootstrap', 'machines'],
  'aws.machines': Object.keys(AwsMachinesSchema.shape),
  'aws.machines.master': ['instance_type', 'spot', 'volume_size', 'volume_type'],
  'aws.machines.zookeeper': ['instance_type', 'spot', 'volume_size', 'volume_type'],
  'aws.machines.agent': ['instance_type', 'spot', 'volume_size', 'volume_type'],
};
