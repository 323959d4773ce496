/**
 * The stack's configuration: one key per ClusterStackConfig field, in the `mesoscloud` namespace
 * (`mesoscloud:cluster`, `mesoscloud:roles`, ...; lists and objects as JSON), plus `aws:region`.
 * The Automation API driver sets them all with `stackConfigValues`; `pulumi config set` sets the
 * same keys by hand. `readStackConfig` reads them back, fills in the defaults and refuses a value of
 * the wrong shape with the key at fault; the layout then checks what the values mean.
 */
import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { describeValue, wording } from '../plan/spec-schema';
import { AwsLayoutError } from '../aws/layout-error';
import { DEFAULT_VPC_CIDR } from '../aws/network-layout';
import { VOLUME_TYPES, type ClusterStackConfig } from '../aws/types';

export const CONFIG_NAMESPACE = 'mesoscloud';

export const DEFAULT_PORTS: ClusterStackConfig['ports'] = { ssh: 22, master: 5050, agent: 5051, zkClient: 2181, zkPeer: 2888, zkElection: 3888 };

type Key = keyof ClusterStackConfig;
type Kind = 'text' | 'boolean' | 'json';

const machines = z.strictObject({
  count: z.int(),
  instanceType: z.string(),
  spot: z.boolean(),
  volumeSizeGb: z.int(),
  volumeType: z.enum(VOLUME_TYPES),
});
const strings = z.array(z.string());

/** Every key: how it is written, and its shape. Optional keys have a default or may be unset. */
const KEYS: { [K in Key]-?: { kind: Kind; schema: z.ZodType; default?: ClusterStackConfig[K] } } = {
  cluster: { kind: 'text', schema: z.string() },
  region: { kind: 'text', schema: z.string() },
  version: { kind: 'text', schema: z.string() },
  imageId: { kind: 'text', schema: z.string() },
  imageHasDaemons: { kind: 'boolean', schema: z.boolean(), default: false },
  availabilityZones: { kind: 'json', schema: strings },
  vpcId: { kind: 'text', schema: z.string().optional() },
  subnetIds: { kind: 'json', schema: strings.optional() },
  vpcCidr: { kind: 'text', schema: z.string(), default: DEFAULT_VPC_CIDR },
  allowCidrs: { kind: 'json', schema: strings },
  allowWorld: { kind: 'boolean', schema: z.boolean().optional(), default: false },
  publicKey: { kind: 'text', schema: z.string() },
  roles: { kind: 'json', schema: z.strictObject({ zookeeper: machines, master: machines, agent: machines }) },
  onDemandNodes: { kind: 'json', schema: strings, default: [] },
  iamInstanceProfile: { kind: 'text', schema: z.string().optional() },
  tags: { kind: 'json', schema: z.record(z.string(), z.string()), default: {} },
  ports: {
    kind: 'json',
    schema: z.strictObject({ ssh: z.int(), master: z.int(), agent: z.int(), zkClient: z.int(), zkPeer: z.int(), zkElection: z.int() }),
    default: DEFAULT_PORTS,
  },
  endpointUrl: { kind: 'text', schema: z.string().optional() },
};

export const CONFIG_KEYS = Object.keys(KEYS) as Key[];

export interface ConfigValue { value: string; secret?: boolean }

/** What the driver passes to `setAllConfig`: every field that is set, and `aws:region`. */
export function stackConfigValues(config: ClusterStackConfig): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = { 'aws:region': { value: config.region } };
  for (const key of CONFIG_KEYS) {
    const value = config[key];
    if (value === undefined) continue;
    out[`${CONFIG_NAMESPACE}:${key}`] = { value: KEYS[key].kind === 'json' ? JSON.stringify(value) : String(value) };
  }
  return out;
}

/** Reads what anything that can `get(key)` holds; by default the stack's `mesoscloud` config. */
export function readStackConfig(source: { get(key: string): string | undefined } = new pulumi.Config(CONFIG_NAMESPACE)): ClusterStackConfig {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const spec = KEYS[key];
    const field = `${CONFIG_NAMESPACE}:${key}`;
    const raw = source.get(key);
    if (raw === undefined || raw === '') {
      if (spec.default !== undefined) out[key] = spec.default;
      else if (!spec.schema.safeParse(undefined).success) {
        throw new AwsLayoutError(field, 'is not set', [`pulumi config set ${field} <value>${spec.kind === 'json' ? ' (JSON)' : ''}`]);
      }
      continue;
    }
    const value = decode(field, spec.kind, raw);
    const parsed = spec.schema.safeParse(value, { error: wording });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      throw new AwsLayoutError(`${field}${at}`, issue.message);
    }
    out[key] = parsed.data;
  }
  return out as unknown as ClusterStackConfig;
}

function decode(field: string, kind: Kind, raw: string): unknown {
  if (kind === 'text') return raw;
  if (kind === 'boolean') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new AwsLayoutError(field, `must be true or false, got ${describeValue(raw)}`);
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new AwsLayoutError(field, `is not JSON: ${describeValue(raw)}`, [`set it as JSON: pulumi config set ${field} '<json>'`]);
  }
}
