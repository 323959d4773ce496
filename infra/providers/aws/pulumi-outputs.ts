/**
 * A stack's outputs (`stack.outputs()`: name -> {value, secret}) read as ClusterStackOutputs, the
 * shape the program exports. Checked rather than cast: outputs written by another version of the
 * program fail here with the field named, not later as an undefined address.
 */
import { z } from 'zod';
import { ROLES } from '../../plan/roles';
import type { ClusterStackOutputs } from '../../aws/types';
import { StackOperationError } from './engine';

const node = z.object({
  name: z.string().regex(/^(master|zookeeper|agent)-\d+$/),
  role: z.enum(ROLES),
  index: z.number().int().nonnegative(),
  instanceId: z.string().min(1),
  publicIp: z.string().min(1).optional(),
  privateIp: z.string().min(1),
  availabilityZone: z.string().min(1),
  spot: z.boolean(),
});

const outputs = z.object({
  vpcId: z.string().min(1),
  subnetIds: z.array(z.string().min(1)),
  securityGroupId: z.string().min(1),
  keyName: z.string().min(1),
  nodes: z.array(node),
});

/** Pulumi reports an absent optional as null; our types say "not there". */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, dropNulls(v)]));
  }
  return value;
}

/**
 * The outputs of a stack, or undefined when it has none yet (made, never brought up, or its
 * first `up` failed before the end). Throws StackOperationError naming the first wrong field.
 */
export function clusterOutputs(map: Record<string, { value: unknown; secret?: boolean }>): ClusterStackOutputs | undefined {
  if (Object.keys(map).length === 0) return undefined;
  const plain = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, dropNulls(v.value)]));
  const parsed = outputs.safeParse(plain);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new StackOperationError(`the stack's outputs are not a cluster's: ${field || 'outputs'}: ${issue.message}`);
  }
  return parsed.data;
}
