/**
 * What an AWS cluster is made of, as plain data: the settings a launch resolves (ClusterStackConfig,
 * the Pulumi program's only input) and what the stack reports back (ClusterStackOutputs). The pure
 * modules beside this one compute from these; the program (infra/pulumi) and the provider
 * (infra/providers/aws) pass them along.
 */
import type { Role } from '../plan/roles';

export type { Role } from '../plan/roles';

export const VOLUME_TYPES = ['gp3', 'gp2', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];

/** The machines of one role. */
export interface RoleMachines {
  count: number;
  instanceType: string;
  /** Spot instances (instanceMarketOptions) rather than on-demand. */
  spot: boolean;
  volumeSizeGb: number;
  volumeType: VolumeType;
}

/** Ports the security groups open, from the cluster spec. */
export interface ClusterPorts {
  ssh: number;
  master: number;
  agent: number;
  zkClient: number;
  zkPeer: number;
  zkElection: number;
}

/** Everything the Pulumi program needs, and nothing it would have to look up. */
export interface ClusterStackConfig {
  cluster: string;
  region: string;
  /** This package's version, tagged on everything. */
  version: string;
  /** The image every instance boots (resolved before `up`: the newest Ubuntu LTS, or --ami). */
  imageId: string;
  /** True for an image from `mesoscloud ami build`: the user data then installs nothing. */
  imageHasDaemons: boolean;
  /** Zones the instances are spread across (validated against the region before `up`). */
  availabilityZones: string[];
  /** An existing VPC and its subnets (--vpc/--subnets); without them a new VPC is made. */
  vpcId?: string;
  subnetIds?: string[];
  /** The new VPC's block (default 10.42.0.0/16). */
  vpcCidr: string;
  /** Who may reach SSH and the master's API/UI: the operator's address (found at launch) or --allow-cidr. */
  allowCidrs: string[];
  /** Lets allowCidrs hold blocks wider than /8 (IPv4) or /32 (IPv6), 0.0.0.0/0 among them (--allow-world). */
  allowWorld?: boolean;
  /** The operator's OpenSSH public key, imported as the cluster's key pair. */
  publicKey: string;
  roles: Record<Role, RoleMachines>;
  /** Node names ('agent-3') that must be on-demand even though their role asks for spot: spot had no capacity. */
  onDemandNodes: string[];
  iamInstanceProfile?: string;
  /** The operator's own tags, added to ours on every resource. */
  tags: Record<string, string>;
  ports: ClusterPorts;
  /** LocalStack or another EC2-compatible endpoint: the AWS provider talks to it only. */
  endpointUrl?: string;
}

/** One instance of the stack. */
export interface StackNode {
  /** 'master-0', 'zookeeper-2', 'agent-4'. */
  name: string;
  role: Role;
  index: number;
  instanceId: string;
  publicIp?: string;
  privateIp: string;
  availabilityZone: string;
  spot: boolean;
}

export interface ClusterStackOutputs {
  vpcId: string;
  subnetIds: string[];
  securityGroupId: string;
  keyName: string;
  nodes: StackNode[];
}
