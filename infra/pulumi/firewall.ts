/**
 * The cluster's security group and its rules, one v7 rule resource per rule of the layout
 * (aws.vpc.SecurityGroupIngressRule / SecurityGroupEgressRule). The group itself has no inline
 * rules: mixing inline rules with rule resources makes them fight over the group on every update.
 */
import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import type { ClusterLayout } from '../aws/cluster-layout';
import type { SecurityRule } from '../aws/security-rules';

export interface ClusterFirewallArgs {
  layout: ClusterLayout;
  vpcId: pulumi.Input<string>;
  provider: aws.Provider;
}

export class ClusterFirewall extends pulumi.ComponentResource {
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: ClusterFirewallArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('mesoscloud:aws:Firewall', name, {}, opts);
    const { layout, provider } = args;
    const child = { parent: this, provider };
    const groupName = layout.names.securityGroup;
    const group = new aws.ec2.SecurityGroup(groupName, {
      name: groupName,
      description: `mesoscloud cluster ${layout.cluster}`,
      vpcId: args.vpcId,
      tags: layout.named(groupName),
      // A fixed name: a replacement must delete the old group before it makes the new one.
    }, { ...child, deleteBeforeReplace: true });
    for (const rule of layout.rules) {
      const ruleName = layout.names.securityRule(rule.name);
      const ruleArgs = {
        securityGroupId: group.id,
        ipProtocol: rule.ipProtocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort,
        description: rule.description,
        ...peerArgs(rule, group.id),
        tags: layout.named(ruleName),
      };
      if (rule.direction === 'ingress') new aws.vpc.SecurityGroupIngressRule(ruleName, ruleArgs, child);
      else new aws.vpc.SecurityGroupEgressRule(ruleName, ruleArgs, child);
    }
    this.securityGroupId = group.id;
    this.registerOutputs({ securityGroupId: this.securityGroupId });
  }
}

function peerArgs(rule: SecurityRule, groupId: pulumi.Output<string>) {
  const peer = rule.peer;
  if ('self' in peer) return { referencedSecurityGroupId: groupId };
  return 'cidrIpv4' in peer ? { cidrIpv4: peer.cidrIpv4 } : { cidrIpv6: peer.cidrIpv6 };
}
