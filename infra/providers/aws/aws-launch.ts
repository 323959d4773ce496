/**
 * `launch --provider aws`: check what EC2 can be asked before asking anything of Pulumi (region,
 * zones, instance types, the image, who may connect), record the cluster, bring the stack up (spot
 * nodes without capacity relaunched on-demand), find the instances by tag, pin their host keys from
 * their consoles, and end in the SSH bootstrap every cluster on hosts shares. Every step can be
 * re-run: a launch that broke off anywhere is completed by running it again.
 */
import type { AwsNodeRecord, AwsRecordInfo, ClusterCatalog, SshClusterRecord } from '../../cluster-catalog';
import { ProviderError } from '../../errors';
import { findDaemonBundle, type DaemonBundle } from '../../bootstrap/bundle';
import { forEachBounded } from '../../bootstrap/pool';
import type { HostProgress } from '../../bootstrap/progress';
import type { SshConnection } from '../../bootstrap/ssh';
import { planCluster, type ClusterPlan } from '../../plan/planner';
import { awsOf, instanceTypes, stackConfig } from '../../aws/stack-config';
import { nodeLayout } from '../../aws/node-layout';
import { clusterLayout } from '../../aws/cluster-layout';
import type { ClusterStackConfig, ClusterStackOutputs } from '../../aws/types';
import { bringUp, hostRecords, knownHostsFileOf, previousRoles, secureSsh, type SshLaunchResult } from '../ssh';
import { closeAll, connectAll, settingsOf } from '../ssh-connect';
import type { ProviderContext } from '../provider';
import type { AwsPlan } from './aws-plan';
import { hostSpecOf, ordered, pinHostKeys, sshHostOf } from './aws-hosts';
import { KnownHosts } from '../../bootstrap/known-hosts';
import { ensureOperatorKey } from './operator-key';
import { operatorCidr } from './operator-address';
import { stackEngine } from './stack-engines';
import { StackOperationError, type EngineEvent, type StackEngine } from './engine';
import { awsError, ec2Client } from './ec2-client';
import { checkPlacement } from './aws-checks';
import { describeImage, newestUbuntuLts } from './images';
import { waitForInstances, type ClusterInstance } from './instances';
import { consoleHostKeys } from './console-host-keys';
import { sweepCluster } from './sweep';
import { findImages } from './our-images';
import { orphansOf, removeOrphans } from './orphans';
import { spotCapacityFailures } from './pulumi-events';
import { stackProgress } from './stack-events';

type Ec2 = Awaited<ReturnType<typeof ec2Client>>;

const WAIT_WORDS = { missing: 'no instance yet', pending: 'instance starting', running: 'instance running, waiting for SSH', ssh: 'SSH answers' } as const;

export interface AwsLaunchResult {
  record: SshClusterRecord;
  /** The SSH launch's outcome; undefined when the hosts were not bootstrapped. */
  bootstrap?: SshLaunchResult;
  nodes: AwsNodeRecord[];
  /** Why the bootstrap did not run, when it did not. */
  skipped?: string;
  /** Notes for the summary: spot fallbacks, unpinned host keys. */
  notes: string[];
}

const VERSION_UNKNOWN = '0.0.0';

/** The package version tagged on everything. */
function packageVersion(bundle: DaemonBundle | undefined): string {
  return bundle?.version ?? VERSION_UNKNOWN;
}

/**
 * Image, zones and who may connect: asked of EC2 (and checkip) in parallel, before any change. A
 * cluster that exists keeps its image, zones and allowed addresses unless the spec names others:
 * a newer Ubuntu release must not replace running hosts behind the operator's back.
 */
async function resolveSettings(ec2: Ec2, plan: AwsPlan, previous: AwsRecordInfo | undefined, version: string, progress: HostProgress) {
  const aws = awsOf(plan.spec);
  const imageId = aws.ami === 'latest' ? await latestOwnImage(ec2, plan, version) : aws.ami ?? previous?.imageId;
  progress.note(`Checking region ${plan.conn.region}, zones and instance types${imageId ? '' : ', finding the newest Ubuntu LTS image'}`);
  const [placement, image, allowCidrs] = await Promise.all([
    checkPlacement(ec2, { region: plan.conn.region, zones: aws.zones ?? previous?.zones, instanceTypes: instanceTypes(plan.roles) }),
    imageId ? describeImage(ec2, imageId).then((img) => {
      if (!img) throw new ProviderError('NO_IMAGE', `image ${imageId} does not exist in ${plan.conn.region} (or is not shared with this account)`, ['leave --ami out for the newest Ubuntu LTS, or build one: mesoscloud ami build --region ' + plan.conn.region]);
      if (img.state && img.state !== 'available') throw new ProviderError('IMAGE_NOT_READY', `image ${imageId} is ${img.state}, not available`);
      return { imageId: img.imageId, name: img.name, ours: aws.ami_has_daemons ?? Boolean(img.tags?.['mesoscloud:image']) };
    }) : newestUbuntuLts(ec2, aws.arch).then((img) => ({ imageId: img.imageId, name: img.name, ours: false })),
    aws.allow_cidr ? Promise.resolve(aws.allow_cidr) : previous?.allowCidrs.length ? Promise.resolve(previous.allowCidrs) : operatorCidr().then((c) => [c]),
  ]);
  progress.note(`Image ${image.imageId} (${image.name ?? 'unnamed'}); zones ${placement.zones.join(', ')}; SSH and the API open to ${allowCidrs.join(', ')}`);
  return { zones: placement.zones, image, allowCidrs };
}

/** `--ami latest`: the newest image `mesoscloud ami build` made of this package's version, for the cluster's architecture. */
async function latestOwnImage(ec2: Ec2, plan: AwsPlan, version: string): Promise<string> {
  const [newest] = await findImages(ec2, { version, arch: awsOf(plan.spec).arch });
  if (newest) return newest.imageId;
  throw new ProviderError('NO_IMAGE', `no image of mesoscloud ${version} (${awsOf(plan.spec).arch}) was built in ${plan.conn.region}`, [
    `build one: mesoscloud ami build --region ${plan.conn.region}`,
    'or leave --ami out for the newest Ubuntu LTS',
  ]);
}

/** The record as it is before the stack exists: enough for destroy to find the stack. */
function initialRecord(catalog: ClusterCatalog, plan: AwsPlan, previous: SshClusterRecord | undefined, keyFile: string, allowCidrs: string[], bundle: DaemonBundle): SshClusterRecord {
  const now = new Date().toISOString();
  return {
    name: plan.spec.name,
    provider: 'aws',
    masterUrl: previous?.masterUrl ?? '',
    spec: previous?.spec ?? (plan.spec as unknown as Record<string, unknown>),
    hosts: previous?.hosts ?? [],
    knownHostsFile: knownHostsFileOf(catalog, plan.spec.name),
    phase: previous?.phase === 'up' ? 'up' : 'launching',
    bundle: { version: bundle.version, sha256: bundle.sha256 },
    ...(previous?.tls ? { tls: previous.tls } : {}),
    ...(previous?.operatorCredential ? { operatorCredential: previous.operatorCredential } : {}),
    aws: {
      region: plan.conn.region,
      ...(plan.conn.endpointUrl ? { endpointUrl: plan.conn.endpointUrl } : {}),
      ...(plan.conn.profile ? { profile: plan.conn.profile } : {}),
      backendUrl: plan.stack.backendUrl,
      stack: previous?.aws?.stack === 'up' ? 'up' : 'creating',
      ...(previous?.aws?.imageId ? { imageId: previous.aws.imageId } : {}),
      ...(previous?.aws?.zones ? { zones: previous.aws.zones } : {}),
      // What came from the environment is recorded too: a later resume or scale must not depend on the shell it runs in.
      spec: { ...plan.spec, aws: { ...awsOf(plan.spec), region: plan.conn.region, ...(plan.conn.endpointUrl ? { endpoint_url: plan.conn.endpointUrl } : {}), ...(plan.conn.profile ? { profile: plan.conn.profile } : {}) } } as unknown as Record<string, unknown>,
      onDemandNodes: previous?.aws?.onDemandNodes ?? [],
      allowCidrs,
      privateKeyFile: keyFile,
      nodes: previous?.aws?.nodes ?? [],
      bootstrapped: previous?.aws?.bootstrapped ?? false,
    },
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
}

/**
 * `up`, and again with on-demand instances for the nodes spot had no capacity for (once: a second
 * failure is not about spot).
 */
export async function upWithFallback(engine: StackEngine, plan: AwsPlan, config: ClusterStackConfig, onEvent: (e: EngineEvent) => void, progress: HostProgress, signal?: AbortSignal): Promise<{ outputs: ClusterStackOutputs; config: ClusterStackConfig }> {
  try {
    return { outputs: await engine.up(plan.stack, config, onEvent, signal), config };
  } catch (err) {
    if (!(err instanceof StackOperationError)) throw err;
    const spotNodes = new Set(nodeLayout(config).filter((n) => n.spot).map((n) => n.name));
    const fallback = spotCapacityFailures(err.failures).filter((n) => spotNodes.has(n));
    if (fallback.length === 0) throw err;
    progress.note(`Spot has no capacity for ${fallback.join(', ')}: launching ${fallback.length === 1 ? 'it' : 'them'} on-demand instead`);
    const next = { ...config, onDemandNodes: [...config.onDemandNodes, ...fallback].sort() };
    return { outputs: await engine.up(plan.stack, next, onEvent, signal), config: next };
  }
}

/** Anything already tagged for the cluster in the region, with no record of it here, is another machine's (or a lost) cluster. */
async function refuseTakenName(ec2: Ec2, plan: AwsPlan): Promise<void> {
  const name = plan.spec.name;
  const tagged = orphansOf(await sweepCluster(ec2, name).catch((err) => { throw awsError(err, `looking for resources tagged mesoscloud:cluster=${name}`) }), new Set());
  if (tagged.length === 0) return;
  throw new ProviderError('CLUSTER_EXISTS', `${tagged.length} resource(s) in ${plan.conn.region} are already tagged mesoscloud:cluster=${name} (${tagged.slice(0, 3).map((o) => `${o.type} ${o.id}`).join(', ')}${tagged.length > 3 ? ', ...' : ''}), but this machine has no record of such a cluster`, [
    'pick another name: --cluster <name>',
    `see them: mesoscloud clusters --provider aws --region ${plan.conn.region}; destroy them from the machine that launched them`,
  ]);
}

/**
 * Before `up` on a recorded cluster: a launch that broke off has its stack recovered, and what EC2
 * made that the stack never recorded is removed, so that `up` does not trip over it (orphans.ts).
 */
async function clearLeftovers(engine: StackEngine, ec2: Ec2, plan: AwsPlan, events: (e: EngineEvent) => void, progress: HostProgress): Promise<void> {
  const name = plan.spec.name;
  const tagged = () => sweepCluster(ec2, name).catch((err) => { throw awsError(err, `looking for resources tagged mesoscloud:cluster=${name}`) });
  const held = async () => new Set((await engine.resources(plan.stack)).map((r) => r.id));
  if (orphansOf(await tagged(), await held()).length === 0) return;
  for (const line of await engine.recover(plan.stack, events)) progress.note(line);
  // Recovery may have changed what the stack holds.
  const left = orphansOf(await tagged(), await held());
  if (left.length === 0) return;
  progress.note(`Removing ${left.length} resource(s) a launch that broke off made but the stack never recorded: ${left.map((o) => `${o.type} ${o.id}${o.name ? ` (${o.name})` : ''}`).join(', ')}`);
  await removeOrphans(ec2, name, left).catch((err) => { throw awsError(err, `removing what a broken-off launch of ${name} left`) });
}

/** Instances as the record keeps them. */
export function nodeRecords(instances: ClusterInstance[]): AwsNodeRecord[] {
  return ordered(instances.map((i) => ({
    name: i.name,
    role: i.role,
    index: i.index,
    instanceId: i.instanceId,
    ...(i.publicIp ? { publicIp: i.publicIp } : {}),
    ...(i.privateIp ? { privateIp: i.privateIp } : {}),
    ...(i.availabilityZone ? { availabilityZone: i.availabilityZone } : {}),
    spot: i.spot,
  })));
}

export async function launchAws(catalog: ClusterCatalog, plan: AwsPlan, ctx: ProviderContext): Promise<AwsLaunchResult> {
  const { progress } = ctx;
  const bundle = ctx.bundle ?? findDaemonBundle();
  const previous = catalog.read(plan.spec.name);
  if (previous && previous.provider !== 'aws') {
    throw new ProviderError('WRONG_PROVIDER', `cluster '${plan.spec.name}' already runs with provider ${previous.provider}`, [`pick another name with --cluster <name>, or destroy it first: mesoscloud destroy --cluster ${plan.spec.name}`]);
  }
  const engine = await stackEngine();
  await engine.check();
  const ec2 = await ec2Client(plan.conn);
  // Before anything is recorded: a name another cluster in the region carries is refused.
  if (!previous) await refuseTakenName(ec2, plan);
  const resolved = await resolveSettings(ec2, plan, (previous as SshClusterRecord | undefined)?.aws, packageVersion(bundle), progress).catch((err) => { throw awsError(err, 'checking the region, zones, instance types and image') });
  const key = await ensureOperatorKey(plan.keyFile, plan.clusterKeyFile);
  if (key.source === 'made for the cluster' && !plan.keyFile) progress.note(`SSH key for the cluster: ${key.privateKeyFile}`);
  const record = initialRecord(catalog, plan, previous as SshClusterRecord | undefined, key.privateKeyFile, resolved.allowCidrs, bundle);
  // Written before the stack is touched: a launch that breaks off can be resumed or destroyed by name.
  catalog.write(record);

  const notes: string[] = [];
  const config = stackConfig(plan.spec, {
    imageId: resolved.image.imageId,
    imageHasDaemons: resolved.image.ours,
    availabilityZones: resolved.zones,
    allowCidrs: resolved.allowCidrs,
    publicKey: key.publicKey,
    region: plan.conn.region,
    version: packageVersion(bundle),
    ...(plan.conn.endpointUrl ? { endpointUrl: plan.conn.endpointUrl } : {}),
    onDemandNodes: record.aws!.onDemandNodes,
  });
  // Every setting the program would refuse, refused before Pulumi starts.
  clusterLayout(config);
  const events = stackProgress(progress);
  if (previous) await clearLeftovers(engine, ec2, plan, events, progress);
  progress.note(`Bringing up stack '${plan.stack.cluster}' (${plan.stack.backendUrl})`);
  const up = await upWithFallback(engine, plan, config, events, progress, ctx.signal);
  if (up.config.onDemandNodes.length > record.aws!.onDemandNodes.length) notes.push(`on-demand instead of spot (no spot capacity): ${up.config.onDemandNodes.join(', ')}`);
  record.aws = { ...record.aws!, stack: 'up', imageId: resolved.image.imageId, zones: resolved.zones, onDemandNodes: up.config.onDemandNodes };
  catalog.write(record);

  progress.note('Waiting for the instances to run and answer on SSH');
  const names = up.outputs.nodes.map((n) => n.name);
  const instances = await waitForInstances(ec2, plan.spec.name, names, {
    timeoutMs: ctx.timeoutMs ?? 600_000,
    ssh: plan.bootstrap,
    instanceIds: Object.fromEntries(up.outputs.nodes.map((n) => [n.name, n.instanceId])),
    onProgress: (p) => progress.step(p.name, WAIT_WORDS[p.stage] + (p.address ? ` (${p.instanceId}, ${p.address})` : p.instanceId ? ` (${p.instanceId})` : '')),
    signal: ctx.signal,
  }).catch((err) => { throw awsError(err, 'waiting for the instances') });
  record.aws.nodes = nodeRecords(instances);
  record.updatedAt = new Date().toISOString();
  catalog.write(record);

  if (!plan.bootstrap) {
    const skipped = plan.conn.endpointUrl && awsOf(plan.spec).bootstrap === undefined
      ? `the instances of ${plan.conn.endpointUrl} are records without machines (LocalStack): not bootstrapped (--bootstrap does it anyway)`
      : 'not bootstrapped (--no-bootstrap)';
    progress.note(`Provisioned ${instances.length} instance(s); ${skipped}`);
    record.phase = 'up';
    catalog.write(record);
    return { record, nodes: record.aws.nodes, skipped, notes };
  }

  const bootstrap = await bootstrapHosts(catalog, record, plan, ec2, bundle, ctx, notes);
  return { record, bootstrap, nodes: record.aws.nodes, notes };
}

/** Host keys from the consoles, then the SSH bootstrap of every instance. */
export async function bootstrapHosts(catalog: ClusterCatalog, record: SshClusterRecord, plan: AwsPlan, ec2: Ec2, bundle: DaemonBundle, ctx: ProviderContext, notes: string[]): Promise<SshLaunchResult> {
  const { progress } = ctx;
  const nodes = record.aws!.nodes;
  // A host pinned by an earlier run keeps its key: its console may no longer show it (printed once, at first boot).
  const known = new KnownHosts(record.knownHostsFile);
  const fresh = nodes.filter((n) => known.lookup(sshHostOf(n), 22).length === 0);
  if (fresh.length > 0) progress.note(`Reading host keys from the consoles of ${fresh.length} instance(s)`);
  const keys = await forEachBounded(fresh, 8, async (n) => ({ host: sshHostOf(n), keys: (await consoleHostKeys(ec2, n.instanceId, { timeoutMs: 120_000, pollMs: 3_000 })).keys }));
  // Not being allowed to read a console is not "no key there": that would quietly trust whatever answers.
  const refused = keys.find((o) => !o.ok);
  if (refused && !refused.ok) throw awsError(refused.error, `reading the console output of ${refused.item.name} (${refused.item.instanceId}) for its host keys`);
  const { unpinned } = pinHostKeys(record.knownHostsFile, keys.flatMap((o) => (o.ok ? [o.value] : [])));
  if (unpinned.length > 0) {
    const line = `no host key on the console of ${unpinned.join(', ')}: trusting the key offered at first connection (recorded in ${record.knownHostsFile})`;
    progress.note(`Warning: ${line}`);
    notes.push(line);
  }

  const spec = hostSpecOf(plan.spec, nodes, record.aws!.privateKeyFile);
  const planned: ClusterPlan = planCluster(spec, { bundle: { version: bundle.version, sha256: bundle.sha256 }, previous: previousRoles(record.hosts.length > 0 ? record : undefined), secure: true });
  for (const w of planned.warnings) progress.note(`Note: ${w}`);
  record.spec = spec as unknown as Record<string, unknown>;
  record.hosts = hostRecords(planned);
  const { plan: secured, access } = secureSsh(catalog, record, planned);
  record.masterUrl = masterUrls(record);
  catalog.write(record);

  const { conns, failed } = await connectAll(secured.hosts.filter((h) => h.roles.length > 0), settingsOf(spec), record.knownHostsFile, progress, ctx.concurrency);
  try {
    await waitForCloudInit(conns, progress);
    const outcome = await bringUp(secured, conns, bundle, { progress, concurrency: ctx.concurrency, timeoutMs: ctx.timeoutMs, reachAt: 'host' }, access, failed.map((f) => ({ host: f.host.host, error: f.error })));
    record.phase = 'up';
    record.aws!.bootstrapped = true;
    record.updatedAt = new Date().toISOString();
    catalog.write(record);
    return { record, plan: secured, ...outcome };
  } finally {
    closeAll(conns);
  }
}

/** Every master, at the address the operator reaches it at: clients ask each which one leads. */
export function masterUrls(record: SshClusterRecord): string {
  const port = (record.spec as { master?: { port?: number } }).master?.port ?? 5050;
  return record.hosts.filter((h) => h.roles.includes('master')).map((h) => `https://${h.host}:${port}`).join(',');
}

/**
 * The user data installs Node at first boot; the bootstrap starts once cloud-init is done (hosts
 * without cloud-init, or an image that had it all, pass at once).
 */
async function waitForCloudInit(conns: Map<string, SshConnection>, progress: HostProgress): Promise<void> {
  await forEachBounded([...conns], 16, async ([host, conn]) => {
    progress.step(host, 'waiting for first boot (cloud-init)');
    await conn.run('if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || true; fi');
  });
}
