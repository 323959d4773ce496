/**
 * `launch --provider aws`: the spec from the recorded cluster (when resuming), the cluster file and
 * the flags, in that order of precedence from low to high; and the summary an operator needs after
 * the launch: the instances, how to reach the masters, what to run next.
 */
import type { ClusterSpec, SpecFlags } from '../infra/plan/spec';
import type { ClusterCatalog } from '../infra/cluster-catalog';
import type { LaunchOutcome } from '../infra/providers';
import { sshLaunchSummary, type SshLaunchJson } from './launch-ssh';

type AwsLaunched = Extract<LaunchOutcome, { provider: 'aws' }>;

export interface AwsLaunchInputs {
  catalog: ClusterCatalog;
  cluster?: string;
  file?: string;
  flags: SpecFlags;
}

/** A recorded AWS cluster's spec is the base, so `launch --cluster x` alone resumes it. */
export async function awsSpec(inputs: AwsLaunchInputs): Promise<ClusterSpec> {
  const { loadSpecFile, specFromSources } = await import('../infra/plan');
  const fromFile = inputs.file ? (loadSpecFile(inputs.file) as Record<string, unknown> | null) ?? {} : {};
  const name = inputs.cluster ?? (typeof fromFile.name === 'string' ? fromFile.name : undefined);
  const recorded = name ? inputs.catalog.read(name) : undefined;
  const base = recorded?.provider === 'aws' && recorded.aws ? recorded.aws.spec : {};
  return specFromSources({ ...base, ...fromFile }, { ...inputs.flags, provider: 'aws', ...(name ? { cluster: name } : {}) }, inputs.file);
}

export interface AwsLaunchJson extends Omit<SshLaunchJson, 'provider' | 'unchanged' | 'reached' | 'web_ui' | 'hosts'> {
  provider: 'aws';
  region: string;
  bootstrapped: boolean;
  skipped?: string;
  unchanged?: boolean;
  web_ui?: string;
  instances: { name: string; instance_id: string; public_ip?: string; private_ip?: string; zone?: string; spot: boolean }[];
  hosts?: SshLaunchJson['hosts'];
  notes: string[];
  key_file: string;
}

export function awsLaunchSummary(outcome: AwsLaunched, clusterArg: string): { lines: string[]; json: AwsLaunchJson } {
  const aws = outcome.record.aws!;
  const instances = outcome.nodes.map((n) => ({
    name: n.name, instance_id: n.instanceId, ...(n.publicIp ? { public_ip: n.publicIp } : {}), ...(n.privateIp ? { private_ip: n.privateIp } : {}),
    ...(n.availabilityZone ? { zone: n.availabilityZone } : {}), spot: n.spot,
  }));
  const lines: string[] = [];
  let base: Partial<SshLaunchJson> = {};
  if (outcome.bootstrap) {
    const spec = outcome.record.spec as unknown as ClusterSpec;
    const ssh = sshLaunchSummary(spec, outcome.bootstrap, clusterArg, 'host');
    lines.push(...ssh.lines);
    base = ssh.json;
  } else {
    lines.push(`Cluster '${outcome.record.name}' is provisioned: ${instances.length} instance(s) in ${aws.region}; ${outcome.skipped}.`);
  }
  lines.push('  instances:');
  for (const i of instances) lines.push(`    ${i.name.padEnd(14)} ${i.instance_id.padEnd(20)} ${(i.public_ip ?? '-').padEnd(16)} ${(i.private_ip ?? '-').padEnd(16)} ${i.zone ?? ''}${i.spot ? '  spot' : ''}`.trimEnd());
  for (const n of outcome.notes) lines.push(`  note: ${n}`);
  lines.push(`  ssh key: ${aws.privateKeyFile}   (mesoscloud ssh${clusterArg} <host> opens a shell)`);
  if (outcome.bootstrap) lines.push(`Try: mesoscloud exec${clusterArg} --name hello --command "echo hello world"`);
  lines.push(`Tear it down (nothing left billed): mesoscloud destroy${clusterArg}`);
  const { provider: _p, unchanged, reached: _r, web_ui: webUi, hosts, ...rest } = base as SshLaunchJson;
  return {
    lines,
    json: {
      ...rest,
      cluster: outcome.record.name,
      master_url: outcome.record.masterUrl,
      provider: 'aws',
      region: aws.region,
      bootstrapped: Boolean(outcome.bootstrap),
      ...(outcome.skipped ? { skipped: outcome.skipped } : {}),
      ...(unchanged !== undefined ? { unchanged } : {}),
      ...(webUi ? { web_ui: webUi } : {}),
      ...(hosts ? { hosts } : {}),
      instances,
      notes: outcome.notes,
      key_file: aws.privateKeyFile,
    },
  };
}
