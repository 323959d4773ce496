/**
 * Every name the AWS layout gives, in one place: node names ('agent-3'), the Pulumi resource names
 * and EC2 `Name` tags of instances ('prod-agent-3'), and the names of the cluster's shared parts
 * (VPC, subnets, gateway, route table, security group, key pair). Names parse back, so discovery
 * can tell a node from its `Name` tag; all of them stay inside AWS's limits.
 */
import { ROLES, type Role } from '../plan/roles';
import { AwsLayoutError } from './layout-error';

/** AWS's limits on the names we give (security group and key pair names; tag values). */
export const NAME_LIMITS = { securityGroupName: 255, keyPairName: 255, tagValue: 256 } as const;

/** What cluster names look like (the launcher refuses others before anything is made). */
const CLUSTER = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const INDEX = '(0|[1-9][0-9]{0,5})';
const NODE = new RegExp(`^(${ROLES.join('|')})-${INDEX}$`);
/** The cluster part may itself hold '-' and even role words: the role and index are matched from the end. */
const RESOURCE = new RegExp(`^(.+)-(${ROLES.join('|')})-${INDEX}$`);

export interface NodeId { role: Role; index: number }

export function checkClusterName(cluster: string): void {
  if (!CLUSTER.test(cluster)) {
    throw new AwsLayoutError('cluster', `must be 1-63 lowercase letters, digits or '-', not starting or ending with '-'; got '${cluster}'`);
  }
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > 999_999) throw new AwsLayoutError('index', `must be a whole number from 0 to 999999, got ${index}`);
}

/** 'agent-3': how the launcher, the registry and --on-demand name a node. */
export function nodeName(role: Role, index: number): string {
  checkIndex(index);
  return `${role}-${index}`;
}

export function parseNodeName(name: string): NodeId | undefined {
  const m = NODE.exec(name);
  return m ? { role: m[1] as Role, index: Number(m[2]) } : undefined;
}

/** 'prod-agent-3': the instance's Pulumi resource name and its EC2 `Name` tag. */
export function resourceName(cluster: string, role: Role, index: number): string {
  checkClusterName(cluster);
  return `${cluster}-${nodeName(role, index)}`;
}

export function parseResourceName(name: string): (NodeId & { cluster: string }) | undefined {
  const m = RESOURCE.exec(name);
  if (!m || !CLUSTER.test(m[1])) return undefined;
  return { cluster: m[1], role: m[2] as Role, index: Number(m[3]) };
}

/**
 * The names of a cluster's shared parts. Security group and key pair names are account-wide in a
 * region (a VPC for groups), so they carry a 'mesoscloud-' prefix that also keeps a group name from
 * starting with 'sg-', which AWS refuses.
 */
export function clusterNames(cluster: string) {
  checkClusterName(cluster);
  return {
    vpc: `${cluster}-vpc`,
    internetGateway: `${cluster}-igw`,
    routeTable: `${cluster}-public`,
    route: `${cluster}-public-default`,
    subnet: (zone: string) => `${cluster}-public-${zone}`,
    routeTableAssociation: (zone: string) => `${cluster}-public-${zone}`,
    securityGroup: `mesoscloud-${cluster}`,
    securityRule: (rule: string) => `${cluster}-${rule}`,
    keyPair: `mesoscloud-${cluster}`,
    provider: `${cluster}-aws`,
    network: `${cluster}-network`,
    firewall: `${cluster}-firewall`,
    nodes: `${cluster}-nodes`,
  };
}
