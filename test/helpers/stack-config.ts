/**
 * A complete AWS stack config for tests of the layout and the Pulumi program: three zones, three
 * ZooKeeper nodes and masters on demand, five spot agents, the default ports.
 */
import type { ClusterStackConfig, RoleMachines } from '../../infra/aws/types';

export const OPERATOR_PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOYC0rzMMXZnJCRTr6EPK7DduOPodU2J/7vXUgosx/H9 operator@example';

export function machines(over: Partial<RoleMachines> = {}): RoleMachines {
  return { count: 1, instanceType: 't3.medium', spot: false, volumeSizeGb: 20, volumeType: 'gp3', ...over };
}

export function stackConfig(over: Partial<ClusterStackConfig> = {}): ClusterStackConfig {
  return {
    cluster: 'prod',
    region: 'us-east-1',
    version: '0.1.0',
    imageId: 'ami-0123456789abcdef0',
    imageHasDaemons: false,
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    vpcCidr: '10.42.0.0/16',
    allowCidrs: ['203.0.113.7/32'],
    publicKey: OPERATOR_PUBLIC_KEY,
    roles: {
      zookeeper: machines({ count: 3, instanceType: 't3.small' }),
      master: machines({ count: 3, instanceType: 't3.medium' }),
      agent: machines({ count: 5, instanceType: 'm7g.large', spot: true, volumeSizeGb: 100 }),
    },
    onDemandNodes: [],
    tags: { team: 'data' },
    ports: { ssh: 22, master: 5050, agent: 5051, zkClient: 2181, zkPeer: 2888, zkElection: 3888 },
    ...over,
  };
}
