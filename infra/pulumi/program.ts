/** Placeholder with the agreed signature; the real program replaces this file. */
import type { ClusterStackConfig } from '../aws/types';

export async function clusterProgram(config: ClusterStackConfig): Promise<Record<string, unknown>> {
  throw new Error(`the Pulumi program for cluster ${config.cluster} is not built into this checkout`);
}
