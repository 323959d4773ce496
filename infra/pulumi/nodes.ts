/**
 * The cluster's key pair (the operator's public key) and one instance per node of the layout.
 * Instances keep their image, user data and key pair once made: a newer Ubuntu image, a changed
 * first-boot script or another operator key applies to instances made later (a scale-out), never by
 * replacing or restarting running hosts, which would lose their tasks. (All three matter at first
 * boot only.) The key pair has a fixed name, so a new key replaces it delete-first.
 */
import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import type { ClusterLayout } from '../aws/cluster-layout';
import type { NodePlan } from '../aws/node-layout';
import type { ClusterStackConfig, Role } from '../aws/types';

export interface ClusterNodesArgs {
  config: ClusterStackConfig;
  layout: ClusterLayout;
  subnetIds: pulumi.Input<string>[];
  /** Set when the network made the subnets. */
  associatePublicIp: boolean;
  securityGroupId: pulumi.Input<string>;
  provider: aws.Provider;
}

export interface NodeOutputs {
  name: string;
  role: Role;
  index: number;
  instanceId: pulumi.Output<string>;
  publicIp: pulumi.Output<string | undefined>;
  privateIp: pulumi.Output<string>;
  availabilityZone: pulumi.Output<string>;
  spot: boolean;
}

/** Spot instances that end when AWS takes them back; a one-time request, so nothing restarts them behind our back. */
export const SPOT_MARKET = {
  marketType: 'spot',
  spotOptions: { instanceInterruptionBehavior: 'terminate', spotInstanceType: 'one-time' },
} as const;

/** Instance inputs that matter at first boot only, and that later changes leave alone. */
export const FIRST_BOOT_INPUTS = ['ami', 'userData', 'userDataBase64', 'keyName'] as const;

export class ClusterNodes extends pulumi.ComponentResource {
  readonly keyName: pulumi.Output<string>;
  readonly nodes: NodeOutputs[];

  constructor(name: string, args: ClusterNodesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('mesoscloud:aws:Nodes', name, {}, opts);
    const { config, layout, provider } = args;
    const child = { parent: this, provider };
    const keyPair = new aws.ec2.KeyPair(layout.names.keyPair, {
      keyName: layout.names.keyPair,
      publicKey: config.publicKey.trim(),
      tags: layout.named(layout.names.keyPair),
    }, { ...child, deleteBeforeReplace: true });
    this.keyName = keyPair.keyName;
    this.nodes = layout.nodes.map((node) => {
      // The key pair by its fixed name, not by its output: a replaced key pair then changes no
      // input of a running instance, and dependsOn still orders the creation.
      const instance = new aws.ec2.Instance(node.resourceName, instanceArgs(args, node, layout.names.keyPair), {
        ...child,
        dependsOn: [keyPair],
        ignoreChanges: [...FIRST_BOOT_INPUTS],
      });
      return {
        name: node.name,
        role: node.role,
        index: node.index,
        instanceId: instance.id,
        publicIp: instance.publicIp.apply((ip) => ip || undefined),
        privateIp: instance.privateIp,
        availabilityZone: instance.availabilityZone,
        spot: node.spot,
      };
    });
    this.registerOutputs({ keyName: this.keyName, nodes: this.nodes });
  }
}

function instanceArgs(args: ClusterNodesArgs, node: NodePlan, keyName: string): aws.ec2.InstanceArgs {
  const { config, layout } = args;
  const tags = layout.nodeTags(node);
  return {
    ami: config.imageId,
    instanceType: node.instanceType,
    subnetId: args.subnetIds[node.zoneIndex],
    vpcSecurityGroupIds: [args.securityGroupId],
    keyName,
    ...(args.associatePublicIp ? { associatePublicIpAddress: true } : {}),
    rootBlockDevice: { volumeSize: node.volumeSizeGb, volumeType: node.volumeType, deleteOnTermination: true, encrypted: true },
    ...(node.spot ? { instanceMarketOptions: SPOT_MARKET } : {}),
    ...(config.iamInstanceProfile ? { iamInstanceProfile: config.iamInstanceProfile } : {}),
    userData: layout.userData,
    userDataReplaceOnChange: false,
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required' },
    tags,
    volumeTags: tags,
  };
}
