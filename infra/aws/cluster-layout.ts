/**
 * The whole AWS layout of a cluster from its stack config, computed and checked in one call: the
 * Pulumi program builds its resources from this, and the provider can call it before `up` so that
 * a bad setting is refused before Pulumi starts. Pure: config in, plain data out.
 */
import { clusterNames } from './naming';
import { nodeLayout, nodesPerZone, type NodePlan } from './node-layout';
import { checkZones, subnetLayout, type SubnetPlan } from './network-layout';
import { securityRules, type SecurityRule } from './security-rules';
import { clusterTags, namedTags, nodeTags, type Tags } from './tags';
import { userData } from './user-data';
import { AwsLayoutError } from './layout-error';
import type { ClusterStackConfig } from './types';

export interface ClusterLayout {
  names: ReturnType<typeof clusterNames>;
  /** The subnets to make, one per zone; undefined when the cluster uses an existing VPC. */
  subnets?: SubnetPlan[];
  rules: SecurityRule[];
  nodes: NodePlan[];
  tags: Tags;
  /** Tags of a shared part, with its Name. */
  named(name: string): Tags;
  nodeTags(node: NodePlan): Tags;
  userData: string;
}

const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

export function clusterLayout(config: ClusterStackConfig): ClusterLayout {
  const names = clusterNames(config.cluster);
  checkZones(config.availabilityZones);
  const nodes = nodeLayout(config);
  const subnets = existingNetwork(config) ? undefined : subnetLayout(config.vpcCidr, config.availabilityZones);
  if (subnets) checkCapacity(subnets, nodes);
  const rules = securityRules({ allowCidrs: config.allowCidrs, allowWorld: config.allowWorld, ports: config.ports });
  const tags = clusterTags(config);
  checkSettings(config);
  return {
    names,
    subnets,
    rules,
    nodes,
    tags,
    named: (name) => namedTags(config, name),
    nodeTags: (node) => nodeTags(config, node),
    userData: userData(config),
  };
}

/**
 * With --vpc the cluster uses that VPC and its subnets: `subnetIds[i]` is a subnet in
 * `availabilityZones[i]` (the provider resolves both before `up`).
 */
function existingNetwork(config: ClusterStackConfig): boolean {
  const { vpcId, subnetIds } = config;
  if (vpcId === undefined && subnetIds === undefined) return false;
  if (!vpcId || !/^vpc-[0-9a-f]{8,17}$/.test(vpcId)) throw new AwsLayoutError('vpcId', `'${vpcId ?? ''}' is not a VPC id like vpc-0123456789abcdef0${subnetIds ? ' (subnetIds are given, so vpcId is needed too)' : ''}`);
  if (!subnetIds || subnetIds.length === 0) throw new AwsLayoutError('subnetIds', 'name at least one subnet of the VPC when vpcId is given');
  subnetIds.forEach((id, i) => {
    if (!/^subnet-[0-9a-f]{8,17}$/.test(id)) throw new AwsLayoutError(`subnetIds[${i}]`, `'${id}' is not a subnet id like subnet-0123456789abcdef0`);
  });
  if (subnetIds.length !== config.availabilityZones.length) {
    throw new AwsLayoutError('subnetIds', `${subnetIds.length} subnets for ${config.availabilityZones.length} zones; give each zone its subnet (subnetIds[i] is in availabilityZones[i])`);
  }
  return true;
}

function checkCapacity(subnets: SubnetPlan[], nodes: NodePlan[]): void {
  const counts = nodesPerZone(nodes, subnets.length);
  subnets.forEach((subnet, i) => {
    if (counts[i] > subnet.usableAddresses) {
      throw new AwsLayoutError('vpcCidr', `the subnet of ${subnet.zone} (${subnet.cidr}) holds ${subnet.usableAddresses} instances, but ${counts[i]} are placed there; use a larger VPC block or more zones`);
    }
  });
}

function checkSettings(config: ClusterStackConfig): void {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(config.region)) throw new AwsLayoutError('region', `'${config.region}' is not an AWS region like us-east-1`);
  if (!/^ami-[0-9a-f]{8,17}$/.test(config.imageId)) throw new AwsLayoutError('imageId', `'${config.imageId}' is not an image id like ami-0123456789abcdef0`);
  if (!SSH_PUBLIC_KEY.test(config.publicKey.trim())) {
    throw new AwsLayoutError('publicKey', `is not an OpenSSH ed25519 or RSA public key ('ssh-ed25519 AAAA... comment'); EC2 imports only those; got '${config.publicKey.slice(0, 40)}'`);
  }
  if (config.iamInstanceProfile !== undefined && !/^[\w+=,.@-]{1,128}$/.test(config.iamInstanceProfile)) {
    throw new AwsLayoutError('iamInstanceProfile', `'${config.iamInstanceProfile}' is not an instance profile name (1-128 letters, digits and +=,.@_-)`);
  }
  if (config.endpointUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(config.endpointUrl)) {
    throw new AwsLayoutError('endpointUrl', `'${config.endpointUrl}' is not an http(s) URL like http://localhost:4566`);
  }
  if (!config.version || /\s/.test(config.version) || config.version.length > 256) throw new AwsLayoutError('version', `'${config.version}' is not a version like 0.1.0`);
}
