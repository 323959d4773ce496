/**
 * The Pulumi program: one MesosCluster from the stack config, and its outputs in the shape of
 * ClusterStackOutputs (the provider reads them back after `up`). The Automation API driver runs it
 * inline as `() => clusterProgram(readStackConfig())`; `pulumi up` at the top runs index.ts.
 */
import { MesosCluster } from './cluster';
import type { ClusterStackConfig } from '../aws/types';

export async function clusterProgram(config: ClusterStackConfig): Promise<Record<string, unknown>> {
  const cluster = new MesosCluster(config.cluster, config);
  return {
    vpcId: cluster.vpcId,
    subnetIds: cluster.subnetIds,
    securityGroupId: cluster.securityGroupId,
    keyName: cluster.keyName,
    nodes: cluster.nodes,
  };
}
