/** Placeholder with the agreed signatures; the real stack config module replaces this file. */
import type { ClusterStackConfig } from '../aws/types';

export function stackConfigValues(config: ClusterStackConfig): Record<string, { value: string; secret?: boolean }> {
  return { 'mesoscloud:cluster': { value: config.cluster } };
}

export function readStackConfig(): ClusterStackConfig {
  throw new Error('the stack config reader is not built into this checkout');
}
