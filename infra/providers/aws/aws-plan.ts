/**
 * `launch --provider aws`, before anything changes: the connection (region, endpoint, profile),
 * the stack's machines from the spec, the key the instances will take, where the stack is kept,
 * and the cost. Needs no network and no credentials: the image, the zones and the operator's
 * address are resolved at launch, and the plan says so.
 */
import * as path from 'node:path';
import type { ClusterCatalog } from '../../cluster-catalog';
import { ProviderError } from '../../errors';
import type { ClusterSpec } from '../../plan/spec';
import { plural } from '../../plan/roles';
import { awsOf, roleMachines } from '../../aws/stack-config';
import type { Role, RoleMachines } from '../../aws/types';
import { endpointFromEnv, type AwsConnection } from './aws-connection';
import { existingKey } from './operator-key';
import { stackRefOf } from './stack-engines';
import type { StackRef } from './engine';

export interface AwsPlan {
  spec: ClusterSpec;
  conn: AwsConnection;
  roles: Record<Role, RoleMachines>;
  stack: StackRef;
  /** The private key file the instances will take; undefined: one is made for the cluster at launch. */
  keyFile?: string;
  /** The cluster's own key, made at launch when the operator has none. */
  clusterKeyFile: string;
  /** Hosts are bootstrapped after provisioning (not with an endpoint URL unless asked). */
  bootstrap: boolean;
  /** The cost preview, when the plan was asked for with one. */
  cost?: { text: string; json: unknown };
}

/** AWS_REGION, then AWS_DEFAULT_REGION, as the AWS CLI and SDKs read them. */
export function regionOf(spec: ClusterSpec, env: NodeJS.ProcessEnv = process.env): string {
  const region = awsOf(spec).region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ProviderError('NO_REGION', 'no AWS region given: --region, aws.region in the cluster file, or AWS_REGION in the environment', [
      `mesoscloud launch --provider aws --region eu-west-1${spec.name === 'local' ? '' : ` --cluster ${spec.name}`}`,
    ]);
  }
  return region;
}

export function connectionOf(spec: ClusterSpec, env: NodeJS.ProcessEnv = process.env): AwsConnection {
  const aws = awsOf(spec);
  const endpointUrl = aws.endpoint_url ?? endpointFromEnv(env);
  const profile = aws.profile ?? env.AWS_PROFILE;
  return { region: regionOf(spec, env), ...(endpointUrl ? { endpointUrl } : {}), ...(profile ? { profile } : {}) };
}

export function clusterKeyFileOf(catalog: ClusterCatalog, cluster: string): string {
  return path.join(catalog.clusterDir(cluster), 'secrets', 'ssh', 'id_ed25519');
}

export function planAws(catalog: ClusterCatalog, spec: ClusterSpec): AwsPlan {
  const aws = awsOf(spec);
  const conn = connectionOf(spec);
  const clusterKeyFile = clusterKeyFileOf(catalog, spec.name);
  const key = existingKey(spec.ssh.key, clusterKeyFile);
  return {
    spec,
    conn,
    roles: roleMachines(spec),
    stack: stackRefOf(catalog, spec.name, aws.backend),
    ...(key ? { keyFile: key.privateKeyFile } : {}),
    clusterKeyFile,
    // An endpoint URL is LocalStack (or another emulator) unless the operator says its instances are machines.
    bootstrap: aws.bootstrap ?? !conn.endpointUrl,
  };
}

const ROLE_ORDER: Role[] = ['zookeeper', 'master', 'agent'];
const ROLE_WORDS: Record<Role, string> = { zookeeper: 'ZooKeeper server', master: 'master', agent: 'agent' };

/** What `launch --dry-run` prints: what would be created, and for how much. */
export function describeAwsPlan(plan: AwsPlan): { text: string; json: unknown } {
  const aws = awsOf(plan.spec);
  const { roles, conn } = plan;
  const zones = aws.zones ? aws.zones.join(', ') : 'the region\'s first three available zones';
  const total = ROLE_ORDER.reduce((n, r) => n + roles[r].count, 0);
  const lines = [
    `Plan for cluster '${plan.spec.name}' on EC2 in ${conn.region}${conn.endpointUrl ? ` (endpoint ${conn.endpointUrl})` : ''}: ${plural(total, 'instance')}`,
    '',
    ...ROLE_ORDER.filter((r) => roles[r].count > 0).map((r) => {
      const m = roles[r];
      return `  ${plural(m.count, ROLE_WORDS[r]).padEnd(20)} ${m.instanceType.padEnd(12)} ${(m.spot ? 'spot' : 'on-demand').padEnd(9)}  root ${m.volumeSizeGb} GiB ${m.volumeType}`;
    }),
    '',
    `  network:  ${aws.vpc ? `existing VPC ${aws.vpc}, subnets ${aws.subnets!.join(', ')}` : `a new VPC ${aws.vpc_cidr} with a public subnet in each zone, an internet gateway and its route`}`,
    `  zones:    ${zones}`,
    `  firewall: one security group; SSH and the master's port ${plan.spec.master.port} only from ${aws.allow_cidr ? aws.allow_cidr.join(', ') : 'this machine\'s public address (found at launch)'}; agent, master and ZooKeeper ports only within the cluster; all egress`,
    `  image:    ${aws.ami === 'latest' ? `the newest image \`mesoscloud ami build\` made of this version (${aws.arch}), resolved at launch` : aws.ami ?? `newest Ubuntu LTS (${aws.arch}), resolved at launch`}`,
    `  key pair: ${plan.keyFile ? `imported from ${plan.keyFile}.pub` : `a new ed25519 key made for the cluster (${plan.clusterKeyFile})`}`,
    `  security: TLS (a cluster CA), authentication on every endpoint but /health, ZooKeeper ACLs: generated at launch`,
    `  stack:    Pulumi stack '${plan.stack.cluster}' in ${plan.stack.backendUrl}`,
    `  then:     ${plan.bootstrap ? 'hosts found by tag, host keys pinned from the console, daemons bootstrapped over SSH' : 'hosts found by tag; no bootstrap (an endpoint URL, or --no-bootstrap)'}`,
    ...(aws.iam_instance_profile ? [`  profile:  ${aws.iam_instance_profile}`] : []),
    ...(Object.keys(aws.tags).length > 0 ? [`  tags:     ${Object.entries(aws.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
  ];
  if (plan.cost) lines.push('', plan.cost.text.trimEnd());
  return {
    text: lines.join('\n') + '\n',
    json: {
      cluster: plan.spec.name,
      provider: 'aws',
      region: conn.region,
      endpoint_url: conn.endpointUrl ?? null,
      roles: Object.fromEntries(ROLE_ORDER.map((r) => [r, { count: roles[r].count, instance_type: roles[r].instanceType, spot: roles[r].spot, volume_size_gb: roles[r].volumeSizeGb, volume_type: roles[r].volumeType }])),
      network: aws.vpc ? { vpc: aws.vpc, subnets: aws.subnets } : { vpc_cidr: aws.vpc_cidr },
      zones: aws.zones ?? null,
      allow_cidr: aws.allow_cidr ?? null,
      image: aws.ami ?? null,
      key_file: plan.keyFile ?? null,
      backend: plan.stack.backendUrl,
      bootstrap: plan.bootstrap,
      cost: plan.cost?.json ?? null,
    },
  };
}
