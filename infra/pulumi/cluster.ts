/**
 * One cluster in AWS as one component: its explicit AWS provider, the network, the firewall and the
 * nodes, all children of it. Built from the layout (infra/aws), which checked every setting first.
 */
import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import { clusterLayout } from '../aws/cluster-layout';
import type { ClusterStackConfig } from '../aws/types';
import { awsProviderArgs } from './provider-args';
import { ClusterNetwork } from './network';
import { ClusterFirewall } from './firewall';
import { ClusterNodes, type NodeOutputs } from './nodes';

export class MesosCluster extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly subnetIds: pulumi.Output<string>[];
  readonly securityGroupId: pulumi.Output<string>;
  readonly keyName: pulumi.Output<string>;
  readonly nodes: NodeOutputs[];

  constructor(name: string, config: ClusterStackConfig, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked before anything registers: a bad setting fails the program with its own message
    // instead of leaving a half-registered component behind.
    const layout = clusterLayout(config);
    super('mesoscloud:aws:Cluster', name, {}, opts);
    const provider = new aws.Provider(layout.names.provider, awsProviderArgs(config), { parent: this });
    const network = new ClusterNetwork(layout.names.network, { config, layout, provider }, { parent: this });
    const firewall = new ClusterFirewall(layout.names.firewall, { layout, vpcId: network.vpcId, provider }, { parent: this });
    const nodes = new ClusterNodes(layout.names.nodes, {
      config,
      layout,
      subnetIds: network.subnetIds,
      associatePublicIp: network.ownSubnets,
      securityGroupId: firewall.securityGroupId,
      provider,
    }, { parent: this });
    this.vpcId = network.vpcId;
    this.subnetIds = network.subnetIds;
    this.securityGroupId = firewall.securityGroupId;
    this.keyName = nodes.keyName;
    this.nodes = nodes.nodes;
    this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds, securityGroupId: this.securityGroupId, keyName: this.keyName, nodes: this.nodes });
  }
}
