/**
 * The tags on every resource of a cluster, and the EC2 filters that find them again. Ours come
 * first in meaning: `mesoscloud:cluster` (what discovery, `clusters --provider aws` and destroy's
 * sweep filter on), `mesoscloud:version`, and on instances `mesoscloud:role`, `mesoscloud:index`
 * and `Name`. The operator's own tags are added to them but may not replace them, and everything
 * stays within AWS's limits, so a launch fails here rather than halfway through creating things.
 */
import { AwsLayoutError } from './layout-error';
import type { ClusterStackConfig, Role } from './types';

export const TAG = {
  cluster: 'mesoscloud:cluster',
  version: 'mesoscloud:version',
  role: 'mesoscloud:role',
  index: 'mesoscloud:index',
  name: 'Name',
} as const;

/** AWS's limits on a resource's tags (lengths in Unicode characters). */
export const TAG_LIMITS = { perResource: 50, keyLength: 128, valueLength: 256 } as const;
/** The most tags any of our resources carries besides the operator's. */
const OURS_AT_MOST = 5;

export type Tags = Record<string, string>;

/** An EC2 `Filters` entry, the shape @aws-sdk/client-ec2 takes. */
export interface Ec2Filter { Name: string; Values: string[] }

/** The operator's tags, checked: no key of ours, no `aws:` prefix, AWS's lengths and count. */
export function userTags(tags: Readonly<Record<string, string>>): Tags {
  const entries = Object.entries(tags);
  if (entries.length + OURS_AT_MOST > TAG_LIMITS.perResource) {
    throw new AwsLayoutError('tags', `${entries.length} tags given; at most ${TAG_LIMITS.perResource - OURS_AT_MOST} fit beside the ${OURS_AT_MOST} mesoscloud sets (AWS allows ${TAG_LIMITS.perResource} per resource)`);
  }
  for (const [key, value] of entries) {
    const field = `tags.${key}`;
    if (key === TAG.name || key.toLowerCase().startsWith('mesoscloud:')) {
      throw new AwsLayoutError(field, `'${key}' is set by mesoscloud and may not be given; choose another key`);
    }
    if (key.toLowerCase().startsWith('aws:')) throw new AwsLayoutError(field, `keys starting with 'aws:' are reserved by AWS; got '${key}'`);
    if (length(key) < 1 || length(key) > TAG_LIMITS.keyLength) throw new AwsLayoutError(field, `a tag key is 1 to ${TAG_LIMITS.keyLength} characters, got ${length(key)}`);
    if (typeof value !== 'string') throw new AwsLayoutError(field, `a tag value is text, got ${typeof value}`);
    if (length(value) > TAG_LIMITS.valueLength) throw new AwsLayoutError(field, `a tag value is at most ${TAG_LIMITS.valueLength} characters, got ${length(value)}`);
  }
  return { ...tags };
}

/** The tags of every resource of the cluster. */
export function clusterTags(config: Pick<ClusterStackConfig, 'cluster' | 'version' | 'tags'>): Tags {
  return { ...userTags(config.tags), [TAG.cluster]: config.cluster, [TAG.version]: config.version };
}

/** A shared part's tags: the cluster's plus its `Name` (what the EC2 console shows). */
export function namedTags(config: Pick<ClusterStackConfig, 'cluster' | 'version' | 'tags'>, name: string): Tags {
  return { ...clusterTags(config), [TAG.name]: name };
}

/** An instance's tags (also its volumes'). */
export function nodeTags(config: Pick<ClusterStackConfig, 'cluster' | 'version' | 'tags'>, node: { role: Role; index: number; resourceName: string }): Tags {
  return { ...namedTags(config, node.resourceName), [TAG.role]: node.role, [TAG.index]: String(node.index) };
}

/** Resources of one cluster. */
export function clusterTagFilter(cluster: string): Ec2Filter {
  return { Name: `tag:${TAG.cluster}`, Values: [cluster] };
}

/** Resources of any mesoscloud cluster (`clusters --provider aws`). */
export function anyClusterTagFilter(): Ec2Filter {
  return { Name: 'tag-key', Values: [TAG.cluster] };
}

function length(text: string): number {
  return [...text].length;
}
