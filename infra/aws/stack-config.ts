/**
 * From a validated cluster spec (provider aws) to the Pulumi program's input: the role counts and
 * machines, ports, network and tags, plus what launch resolved (image, zones, who may connect, the
 * key). Pure, so that `--dry-run` and `launch` describe the same stack.
 */
import type { ClusterSpec } from '../plan/spec';
import type { AwsSpec } from '../plan/aws-spec-schema';
import type { ClusterStackConfig, Role, RoleMachines } from './types';

/** What launch finds out before `up` (the rest comes from the spec). */
export interface Resolved {
  imageId: string;
  imageHasDaemons: boolean;
  availabilityZones: string[];
  allowCidrs: string[];
  publicKey: string;
  region: string;
  version: string;
  endpointUrl?: string;
  onDemandNodes?: string[];
}

export function awsOf(spec: ClusterSpec): AwsSpec {
  if (!spec.aws) throw new Error(`cluster '${spec.name}' has no aws settings`);
  return spec.aws;
}

/** Instances per role, with the role's machine settings. */
export function roleMachines(spec: ClusterSpec): Record<Role, RoleMachines> {
  const m = awsOf(spec).machines;
  const counts: Record<Role, number> = { zookeeper: spec.zk, master: spec.masters, agent: spec.agents ?? 1 };
  const of = (role: Role): RoleMachines => ({
    count: counts[role],
    instanceType: m[role].instance_type,
    spot: m[role].spot,
    volumeSizeGb: m[role].volume_size,
    volumeType: m[role].volume_type,
  });
  return { zookeeper: of('zookeeper'), master: of('master'), agent: of('agent') };
}

export function stackConfig(spec: ClusterSpec, resolved: Resolved): ClusterStackConfig {
  const aws = awsOf(spec);
  return {
    cluster: spec.name,
    region: resolved.region,
    version: resolved.version,
    imageId: resolved.imageId,
    imageHasDaemons: resolved.imageHasDaemons,
    availabilityZones: resolved.availabilityZones,
    ...(aws.vpc ? { vpcId: aws.vpc } : {}),
    ...(aws.subnets ? { subnetIds: aws.subnets } : {}),
    vpcCidr: aws.vpc_cidr,
    allowCidrs: resolved.allowCidrs,
    ...(aws.allow_world ? { allowWorld: true } : {}),
    publicKey: resolved.publicKey,
    roles: roleMachines(spec),
    onDemandNodes: resolved.onDemandNodes ?? [],
    ...(aws.iam_instance_profile ? { iamInstanceProfile: aws.iam_instance_profile } : {}),
    tags: aws.tags,
    ports: {
      ssh: 22,
      master: spec.master.port,
      agent: spec.agent.port,
      zkClient: spec.zookeeper.client_port,
      zkPeer: spec.zookeeper.peer_port,
      zkElection: spec.zookeeper.election_port,
    },
    ...(resolved.endpointUrl ? { endpointUrl: resolved.endpointUrl } : {}),
  };
}

/** The instance types the stack uses, each once (for the placement check and the prices). */
export function instanceTypes(roles: Record<Role, RoleMachines>): string[] {
  return [...new Set((['zookeeper', 'master', 'agent'] as Role[]).filter((r) => roles[r].count > 0).map((r) => roles[r].instanceType))];
}
