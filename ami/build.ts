/**
 * `mesoscloud ami build`: one temporary instance of a base image (the newest Ubuntu LTS by default)
 * gets Node 20, Java, ZooKeeper and the daemon bundle over SSH, is cleaned for imaging and imaged;
 * then the instance, its key pair and its security group are removed, always: on success, on
 * failure and on Ctrl-C, and what could not be removed is named with the command that removes it.
 *
 * The image satisfies the SSH bootstrap's own checks (host-facts.ts: Node on PATH, java, ZooKeeper's
 * jars) and carries the bundle with a script that hands it to a cluster by name (infra/plan/
 * image-layout.ts), so a cluster launched from it installs and uploads nothing.
 *
 * All I/O comes in through AmiBuildDeps (the EC2 client, SSH, the bundle, the clock, progress), so the
 * tests run it against an EC2 endpoint on loopback and a real SSH host.
 */
import { CreateImageCommand, DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { randomBytes } from 'node:crypto';
import { TAG } from '../infra/aws/tags';
import { nodeInstallScript, NODE_RELEASE } from '../infra/aws/user-data';
import type { DaemonBundle } from '../infra/bootstrap/bundle';
import { factsScript, nodeProblem, parseFacts, type HostFacts } from '../infra/bootstrap/host-facts';
import { KnownHosts, SshConnection, type SshAuth, type SshConnectOptions } from '../infra/bootstrap/ssh';
import { ProviderError } from '../infra/errors';
import { ADOPT_SCRIPT, IMAGE_MANIFEST, imageBundlePath, type ImageManifest } from '../infra/plan/image-layout';
import type { PlacementOptions } from '../infra/providers/aws/aws-checks';
import { ec2Send } from '../infra/providers/aws/ec2-client';
import { pinConsoleHostKeys } from './builder-host-key';
import {
  BUILDER_TAG, builderTags, builderVpc, createSecurityGroup, importKeyPair, removeBuilderResources, runBuilder, snapshotsOf, waitRunning,
  type BuilderResources, type CleanupReport,
} from './builder-resources';
import { resolveBaseImage, type BaseImage } from './base-image';
import { BASE_IMAGE_TAG, BUNDLE_TAG, IMAGE_TAG, NODE_TAG } from '../infra/providers/aws/our-images';
import { adoptScript, imagingCleanupScript, packagesInstallScript } from './install-script';
import { interrupted, pollUntil, throwIfAborted } from './poll';
import { waitForSsh } from './ssh-port';

export type Arch = 'x86_64' | 'arm64';

export interface AmiBuildOptions {
  region: string;
  arch: Arch;
  instanceType: string;
  /** An AMI id; default: the newest Ubuntu LTS for `arch`. */
  baseAmi?: string;
  /** Where the builder runs; default: the region's default VPC. */
  subnetId?: string;
  /** The base image's login user (`ubuntu` on Ubuntu images); it needs passwordless sudo unless root. */
  sshUser: string;
  sshPort: number;
  /** Who may reach the builder's SSH: the operator's address. */
  allowCidr: string;
  /** How SSH logs in (ami/operator.ts operatorKey). */
  auth: SshAuth;
  /** The OpenSSH public key imported as the builder's key pair: the public half of `auth`. */
  publicKey: string;
}

export interface BuildTiming {
  instanceMs: number;
  sshMs: number;
  consoleMs: number;
  imageMs: number;
  cleanupMs: number;
  pollMs: number;
}

export const DEFAULT_TIMING: BuildTiming = {
  instanceMs: 5 * 60_000,
  sshMs: 5 * 60_000,
  // EC2 publishes the console output a few minutes after boot; without it the key is trusted on first use.
  consoleMs: 4 * 60_000,
  imageMs: 45 * 60_000,
  cleanupMs: 5 * 60_000,
  pollMs: 5_000,
};

export interface AmiBuildDeps {
  ec2: EC2Client;
  bundle: DaemonBundle;
  /** This package's version. */
  version: string;
  /** A known_hosts file of the build's own (the builder's address may be anyone's tomorrow). */
  knownHostsFile: string;
  progress: (line: string) => void;
  warn: (line: string) => void;
  connect?: (opts: SshConnectOptions) => Promise<SshConnection>;
  now?: () => Date;
  signal?: AbortSignal;
  timing?: Partial<BuildTiming>;
  /** How the region is checked (a client of a region known to exist, when talking to AWS itself). */
  placement?: PlacementOptions;
}

export interface AmiBuildResult {
  imageId: string;
  name: string;
  region: string;
  arch: Arch;
  version: string;
  baseImage: string;
  bundleSha256: string;
  nodeVersion: string;
  snapshots: string[];
  /** What the builder had to install ([] when the base image had everything). */
  installed: string[];
  /** How the builder's host key was pinned. */
  hostKey: 'console' | 'first-use';
  /** The temporary resources removed afterwards. */
  cleaned: string[];
}

/** `mesoscloud-0.1.0-x86_64-20261207T104303Z`: AMI names allow no colons. */
export function imageName(version: string, arch: Arch, at: Date): string {
  return `mesoscloud-${version}-${arch}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
}

export async function buildImage(opts: AmiBuildOptions, deps: AmiBuildDeps): Promise<AmiBuildResult> {
  const timing = { ...DEFAULT_TIMING, ...deps.timing };
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const buildId = `${startedAt.toISOString().replace(/[-:.]/g, '').toLowerCase()}-${randomBytes(3).toString('hex')}`;
  const builderName = `mesoscloud-ami-builder-${buildId}`;
  const res: BuilderResources = {};
  /** A progress line at each step, which is also where Ctrl-C stops the build. */
  const step = (line: string) => {
    throwIfAborted(deps.signal);
    deps.progress(line);
  };
  let outcome: AmiBuildResult | undefined;
  let failure: unknown;
  try {
    outcome = await build();
  } catch (err) {
    // After Ctrl-C, whatever broke (a closed SSH connection, a cut sleep) broke because of it.
    failure = deps.signal?.aborted ? interrupted() : err;
  }
  deps.progress(`removing the builder's temporary resources (tag ${BUILDER_TAG}=${buildId})`);
  const report = await removeBuilderResources(deps.ec2, res, { timeoutMs: timing.cleanupMs, pollMs: timing.pollMs, region: opts.region });
  for (const line of report.cleaned) deps.progress(`  ${line}`);
  if (failure !== undefined) throw withCleanupReport(failure, report);
  if (report.failed.length > 0) {
    throw new ProviderError('AMI_CLEANUP_FAILED', `image ${outcome!.imageId} was built, but ${leftoverText(report)}`, report.failed.map((f) => f.byHand));
  }
  return { ...outcome!, cleaned: report.cleaned };

  async function build(): Promise<AmiBuildResult> {
    const { ec2, bundle, signal } = deps;

    step(opts.baseAmi ? `checking base image ${opts.baseAmi}` : `finding the newest Ubuntu LTS image for ${opts.arch}`);
    const base: BaseImage = await resolveBaseImage(ec2, { baseAmi: opts.baseAmi, arch: opts.arch, instanceType: opts.instanceType, region: opts.region }, deps.placement);
    deps.progress(`base image ${base.imageId} (${base.name})`);

    step('creating a temporary key pair and security group');
    const tags = builderTags(buildId, deps.version, builderName);
    await importKeyPair(ec2, res, builderName, opts.publicKey, tags);
    const vpcId = await builderVpc(ec2, opts.subnetId, opts.region);
    const securityGroupId = await createSecurityGroup(ec2, res, { name: builderName, vpcId, allowCidr: opts.allowCidr, sshPort: opts.sshPort, tags });

    step(`starting the builder (${opts.instanceType})`);
    const instanceId = await runBuilder(ec2, res, { imageId: base.imageId, instanceType: opts.instanceType, keyName: builderName, securityGroupId, subnetId: opts.subnetId, tags });
    const address = await waitRunning(ec2, instanceId, { timeoutMs: timing.instanceMs, pollMs: timing.pollMs, signal });
    step(`builder ${instanceId} runs at ${address}; waiting for SSH`);
    await waitForSsh(address, opts.sshPort, { timeoutMs: timing.sshMs, pollMs: timing.pollMs, signal });

    const knownHosts = new KnownHosts(deps.knownHostsFile);
    const hostKey = await pinConsoleHostKeys(ec2, instanceId, knownHosts, { host: address, port: opts.sshPort, timeoutMs: timing.consoleMs, pollMs: timing.pollMs, signal });
    if (hostKey === 'first-use') deps.warn(`the console output of ${instanceId} shows no SSH host keys; trusting the key ${address} offers now (first use)`);

    step(`connecting as ${opts.sshUser}@${address}`);
    const connect = deps.connect ?? SshConnection.connect;
    const conn = await connect({ host: address, port: opts.sshPort, user: opts.sshUser, auth: opts.auth, knownHosts });
    // Ctrl-C cuts a long install short: the command fails and cleanup runs.
    const onAbort = () => conn.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    let installed: string[];
    let facts: HostFacts;
    try {
      ({ installed, facts } = await install(conn, base));
      step('cleaning the builder for imaging');
      await conn.run(conn.asRoot(imagingCleanupScript(opts.sshUser, opts.publicKey)));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      conn.close();
    }

    const name = imageName(deps.version, opts.arch, startedAt);
    step(`creating image ${name}`);
    // Tagged as it is made (image and snapshots alike, by EC2 itself), so even an image this build does not see finish is ours by its tags.
    const imageTags = [
      { Key: TAG.name, Value: name },
      { Key: IMAGE_TAG, Value: deps.version },
      { Key: BUNDLE_TAG, Value: bundle.sha256 },
      { Key: NODE_TAG, Value: facts.nodeVersion ?? '' },
      { Key: BASE_IMAGE_TAG, Value: base.imageId },
      { Key: TAG.version, Value: deps.version },
    ];
    const created = await ec2Send(ec2, new CreateImageCommand({
      InstanceId: instanceId,
      Name: name,
      Description: `mesoscloud ${deps.version}: Node ${facts.nodeVersion}, Java, ZooKeeper and daemon bundle ${bundle.sha12}, on ${base.imageId}`,
      TagSpecifications: [{ ResourceType: 'image', Tags: imageTags }, { ResourceType: 'snapshot', Tags: imageTags }],
    }), `creating image ${name} from ${instanceId}`);
    const imageId = created.ImageId;
    if (!imageId) throw new ProviderError('AWS_ERROR', 'CreateImage answered without an ImageId');
    res.unfinishedImageId = imageId;
    const image = await waitAvailable(ec2, imageId, { timeoutMs: timing.imageMs, pollMs: timing.pollMs, signal }, deps.progress);
    const snapshots = snapshotsOf(image.BlockDeviceMappings);
    res.unfinishedImageId = undefined;
    deps.progress(`image ${imageId} is available`);
    return {
      imageId, name, region: opts.region, arch: opts.arch, version: deps.version, baseImage: base.imageId, bundleSha256: bundle.sha256,
      nodeVersion: facts.nodeVersion ?? '', snapshots, installed, hostKey, cleaned: [],
    };
  }

  /** Node, then Java and ZooKeeper, then the bundle; checked again at the end with the bootstrap's own test. */
  async function install(conn: SshConnection, base: BaseImage): Promise<{ installed: string[]; facts: HostFacts }> {
    const { bundle } = deps;
    const inspect = async () => parseFacts(await conn.run(conn.asRoot(factsScript('/dev/null', []))));
    const installed: string[] = [];
    let facts = await inspect();
    if (nodeProblem(facts)) {
      step(`installing Node.js ${NODE_RELEASE.version} (nodejs.org tarball, sha256 checked)`);
      await runStep(conn, 'installing Node 20', nodeInstallScript(), 10 * 60_000);
      installed.push('node');
      facts = await inspect();
    }
    const packages = packagesInstallScript(facts);
    if (packages && 'problem' in packages) throw new ProviderError('AMI_BASE_UNSUITABLE', packages.problem, ['build on an Ubuntu LTS image (leave out --base-ami)']);
    if (packages) {
      step(`installing ${packages.packages.join(', ')}`);
      await runStep(conn, `installing ${packages.packages.join(', ')}`, packages.script, 15 * 60_000);
      installed.push(...packages.packages);
      facts = await inspect();
    }
    const problems = [nodeProblem(facts), facts.java ? undefined : 'java is not on PATH', facts.zookeeper ? undefined : "ZooKeeper's jars are not where the bootstrap looks"].filter(Boolean);
    if (problems.length > 0) throw new ProviderError('AMI_INSTALL_FAILED', `the builder still fails the launcher's checks after installing: ${problems.join('; ')}`);

    step(`placing the daemon bundle ${bundle.sha12} (${(bundle.size / 1024).toFixed(0)} KiB)`);
    const manifest: ImageManifest = {
      version: bundle.version,
      bundle: { sha256: bundle.sha256, path: imageBundlePath(bundle.sha12) },
      node: { path: facts.nodePath ?? '', version: facts.nodeVersion ?? '' },
      java: facts.java,
      zookeeper: facts.zookeeper,
      baseImage: base.imageId,
      builtAt: now().toISOString(),
    };
    await conn.upload(bundle.content, manifest.bundle.path, { mode: 0o644, asRoot: true, compress: true });
    await conn.upload(adoptScript(manifest), ADOPT_SCRIPT, { mode: 0o755, asRoot: true });
    await conn.upload(JSON.stringify(manifest, null, 2) + '\n', IMAGE_MANIFEST, { mode: 0o644, asRoot: true });
    const sum = (await conn.run(conn.asRoot(`sha256sum ${manifest.bundle.path}`))).split(/\s+/)[0];
    if (sum !== bundle.sha256) throw new ProviderError('AMI_INSTALL_FAILED', `the bundle on the builder has sha256 ${sum}, not ${bundle.sha256}`);
    return { installed, facts };
  }
}

/** A script (bash: the Node install uses pipefail) fed through stdin, as root. */
async function runStep(conn: SshConnection, what: string, script: string, timeoutMs: number): Promise<void> {
  const result = await conn.exec(conn.asRoot('bash -s'), { timeoutMs, stdin: script });
  if (result.code !== 0) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    throw new ProviderError('AMI_INSTALL_FAILED', `${what} on the builder failed (exit ${result.code}):\n${tail}`, [
      'the base image needs outbound internet access (apt and nodejs.org); check the subnet\'s route and NAT',
    ]);
  }
}

async function waitAvailable(ec2: EC2Client, imageId: string, opts: { timeoutMs: number; pollMs: number; signal?: AbortSignal }, progress: (line: string) => void): Promise<Image> {
  const started = Date.now();
  return pollUntil(`image ${imageId} to become available`, opts, async () => {
    const out = await ec2Send(ec2, new DescribeImagesCommand({ ImageIds: [imageId] }), `looking at image ${imageId}`);
    const image = out.Images?.[0];
    const state = image?.State ?? 'pending';
    if (state === 'available') return image;
    if (state === 'failed' || state === 'invalid' || state === 'error' || state === 'deregistered') {
      throw new ProviderError('AMI_FAILED', `image ${imageId} is ${state}${image?.StateReason?.Message ? `: ${image.StateReason.Message}` : ''}`);
    }
    progress(`image ${imageId}: ${state} (${Math.round((Date.now() - started) / 1000)} s)`);
    return undefined;
  });
}

function leftoverText(report: CleanupReport): string {
  return `these temporary resources could not be removed: ${report.failed.map((f) => `${f.what.replace(/ (terminated|deleted|deregistered)$/, '')} (${f.error})`).join('; ')}`;
}

/** The build's own error, with what cleanup could not remove added to its message and suggestions. */
function withCleanupReport(err: unknown, report: CleanupReport): unknown {
  if (report.failed.length === 0) return err;
  const e = err as { code?: unknown; message?: string; suggestions?: string[] };
  const code = typeof e.code === 'string' ? e.code : 'AMI_BUILD_FAILED';
  return new ProviderError(code, `${e.message ?? String(err)}\nAlso, ${leftoverText(report)}`, [...(e.suggestions ?? []), ...report.failed.map((f) => f.byHand)]);
}
