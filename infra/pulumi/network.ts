/**
 * The cluster's network: a new VPC (DNS hostnames on) with an internet gateway, one public route
 * table sending 0.0.0.0/0 to it, and one public subnet per zone from the subnet plan. With an
 * existing VPC (--vpc, --subnets) it makes nothing and hands those ids on.
 */
import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import type { ClusterLayout } from '../aws/cluster-layout';
import type { ClusterStackConfig } from '../aws/types';

export interface ClusterNetworkArgs {
  config: ClusterStackConfig;
  layout: ClusterLayout;
  provider: aws.Provider;
}

export class ClusterNetwork extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  /** In the zones' order. */
  readonly subnetIds: pulumi.Output<string>[];
  /** True when this component made the subnets (instances then ask for a public address). */
  readonly ownSubnets: boolean;

  constructor(name: string, args: ClusterNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('mesoscloud:aws:Network', name, {}, opts);
    const { config, layout, provider } = args;
    const child = { parent: this, provider };
    if (!layout.subnets) {
      this.ownSubnets = false;
      this.vpcId = pulumi.output(config.vpcId!);
      this.subnetIds = config.subnetIds!.map((id) => pulumi.output(id));
    } else {
      const names = layout.names;
      this.ownSubnets = true;
      const vpc = new aws.ec2.Vpc(names.vpc, {
        cidrBlock: config.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: layout.named(names.vpc),
      }, child);
      const gateway = new aws.ec2.InternetGateway(names.internetGateway, { vpcId: vpc.id, tags: layout.named(names.internetGateway) }, child);
      const routes = new aws.ec2.RouteTable(names.routeTable, { vpcId: vpc.id, tags: layout.named(names.routeTable) }, child);
      new aws.ec2.Route(names.route, { routeTableId: routes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: gateway.id }, child);
      this.vpcId = vpc.id;
      this.subnetIds = layout.subnets.map((plan) => {
        const subnetName = names.subnet(plan.zone);
        const subnet = new aws.ec2.Subnet(subnetName, {
          vpcId: vpc.id,
          cidrBlock: plan.cidr,
          availabilityZone: plan.zone,
          mapPublicIpOnLaunch: true,
          tags: layout.named(subnetName),
        }, child);
        new aws.ec2.RouteTableAssociation(names.routeTableAssociation(plan.zone), { subnetId: subnet.id, routeTableId: routes.id }, child);
        return subnet.id;
      });
    }
    this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds });
  }
}
