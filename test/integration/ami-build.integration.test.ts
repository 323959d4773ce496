/**
 * `mesoscloud ami build` against the loopback EC2 endpoint, whose one machine is a real SSH test host
 * (a network namespace running OpenSSH, its host key in the console output as cloud-init prints it).
 * The host already has this machine's Node, Java and ZooKeeper, so the install steps find them and
 * download nothing; the bundle, its manifest and the adopt script really land on the host, and the
 * adopt script really puts the bundle where a cluster's bootstrap looks. A build that fails at
 * CreateImage, and one interrupted midway, still remove the builder, its key pair and its group.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { buildImage, type AmiBuildOptions, type AmiBuildDeps } from '../../ami/build';
import { BUILDER_TAG } from '../../ami/builder-resources';
import { findImages } from '../../infra/providers/aws/our-images';
import { findDaemonBundle, type DaemonBundle } from '../../infra/bootstrap/bundle';
import { factsScript, nodeProblem, parseFacts } from '../../infra/bootstrap/host-facts';
import { STEP } from '../../infra/bootstrap/host-state';
import { ADOPT_SCRIPT, IMAGE_MANIFEST, imageBundlePath, type ImageManifest } from '../../infra/plan/image-layout';
import { remoteLayout } from '../../infra/plan/remote-layout';
import { clientConfig } from '../../infra/providers/aws/aws-connection';
import { bootConsole, startEc2Endpoint, type Ec2Endpoint } from '../helpers/ec2-endpoint';
import { createSshHosts, type SshTestFleet, type SshTestHost } from '../helpers/ssh-hosts';
import { ensureBuilt, hasStackTrace, runCli, unwrap } from '../helpers/run-cli';

jest.setTimeout(120_000);

const REGION = 'us-east-1';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test-secret' };

let fleet: SshTestFleet;
let host: SshTestHost;
let endpoint: Ec2Endpoint;
let ec2: EC2Client;
let bundle: DaemonBundle;
let work: string;
let subnetId: string;
let hostKeyLine: string;
let front: EndpointFront;

/** Ingress rules the builder opened, by group: the endpoint keeps none (see EndpointFront). */
interface EndpointFront { url: string; ingress: Map<string, string[]>; close(): Promise<void> }

/**
 * The endpoint does not implement AuthorizeSecurityGroupIngress (the Pulumi program, its main user,
 * never calls it), so this front answers that one action as EC2 does, for groups the endpoint holds,
 * and passes every other request through unchanged.
 */
async function endpointFront(target: Ec2Endpoint): Promise<EndpointFront> {
  const ingress = new Map<string, string[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('Action') === 'AuthorizeSecurityGroupIngress') {
        const group = form.get('GroupId') ?? '';
        const xml = (root: string, inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">${inner}</${root}>`;
        if (!target.state.securityGroups.has(group)) {
          res.writeHead(400, { 'content-type': 'text/xml' });
          return res.end(xml('Response', `<Errors><Error><Code>InvalidGroup.NotFound</Code><Message>The security group '${group}' does not exist</Message></Error></Errors><RequestID>front</RequestID>`));
        }
        const p = (k: string) => form.get(`IpPermissions.1.${k}`);
        ingress.set(group, [...(ingress.get(group) ?? []), `${p('IpProtocol')} ${p('FromPort')}-${p('ToPort')} from ${p('IpRanges.1.CidrIp')}`]);
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(xml('AuthorizeSecurityGroupIngressResponse', '<requestId>front</requestId><return>true</return>'));
      }
      const url = new URL(req.url ?? '/', target.url);
      const out = http.request(url, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    ingress,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

beforeAll(async () => {
  ensureBuilt();
  bundle = findDaemonBundle();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-ami-test-'));
  fleet = await createSshHosts(1);
  host = fleet.hosts[0];
  // known_hosts line "ip type key" -> the public key line cloud-init prints.
  hostKeyLine = fleet.hostKeys[0].split(' ').slice(1).join(' ');
  endpoint = await startEc2Endpoint({ timing: { runningAfterMs: 100, terminatedAfterMs: 100, imageAvailableAfterMs: 300 } });
  endpoint.addMachines([{ publicIp: host.ip, privateIp: host.ip, consoleOutput: bootConsole([hostKeyLine]) }]);
  front = await endpointFront(endpoint);
  ec2 = new EC2Client({ ...clientConfig({ region: REGION, endpointUrl: front.url }), credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' } });
  // The region's default VPC, as every account has one (the endpoint starts without).
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '172.31.0.0/16' }));
  endpoint.state.vpcs.get(vpc.Vpc!.VpcId!)!.isDefault = true;
  const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '172.31.0.0/20', AvailabilityZone: `${REGION}a` }));
  subnetId = subnet.Subnet!.SubnetId!;
}, 120_000);

afterAll(async () => {
  ec2?.destroy();
  await front?.close();
  await endpoint?.close();
  fleet?.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function options(overrides: Partial<AmiBuildOptions> = {}): AmiBuildOptions {
  return {
    region: REGION, arch: 'x86_64', instanceType: 't3.small', sshUser: 'root', sshPort: 22, allowCidr: '10.214.0.0/16',
    auth: { privateKeyPath: fleet.keyPath }, publicKey: fs.readFileSync(`${fleet.keyPath}.pub`, 'utf8').trim(), ...overrides,
  };
}

function deps(lines: string[], overrides: Partial<AmiBuildDeps> = {}): AmiBuildDeps {
  return {
    ec2, bundle, version: bundle.version, knownHostsFile: path.join(fs.mkdtempSync(path.join(work, 'kh-')), 'known_hosts'),
    progress: (l) => lines.push(l), warn: (l) => lines.push(`warning: ${l}`),
    timing: { pollMs: 100, cleanupMs: 20_000, consoleMs: 5_000 }, ...overrides,
  };
}

/** What EC2 still holds of the builders: live instances, key pairs and groups tagged by a build. */
function builderLeftovers(): string[] {
  const s = endpoint.state;
  return [
    ...[...s.instances.values()].filter((i) => i.state !== 'terminated' && BUILDER_TAG in i.tags).map((i) => `${i.id} ${i.state}`),
    ...[...s.keyPairs.values()].filter((k) => BUILDER_TAG in k.tags).map((k) => k.keyName),
    ...[...s.securityGroups.values()].filter((g) => BUILDER_TAG in g.tags).map((g) => g.id),
  ];
}

async function onHost(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return host.exec(['sh', '-c', script]);
}

function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('mesoscloud ami build', () => {
  test('builds on the newest Ubuntu LTS: installs over SSH, images, tags, and removes the builder', async () => {
    const lines: string[] = [];
    const knownHostsFile = path.join(work, 'first-known_hosts');
    const result = await buildImage(options(), deps(lines, { knownHostsFile }));

    // The base image is Canonical's newest 24.04 server image, not the impostor's or a daily build.
    const base = endpoint.state.images.get(result.baseImage)!;
    expect(base.name).toMatch(/^ubuntu\/images\/hvm-ssd-gp3\/ubuntu-noble-24\.04-amd64-server-\d{8}$/);
    expect(base.ownerId).not.toBe(endpoint.state.accountId);

    // The host key came from the console and is the one the host has.
    expect(result.hostKey).toBe('console');
    expect(fs.readFileSync(knownHostsFile, 'utf8')).toContain(hostKeyLine.split(' ')[1]);
    expect(lines.join('\n')).not.toMatch(/warning/);

    // Node, Java and ZooKeeper were there: nothing installed, nothing downloaded.
    expect(result.installed).toEqual([]);
    expect(result.nodeVersion).toBe(process.version);

    // The bundle, manifest and adopt script are on the host (in its own /opt and /usr/local).
    const bundleOnHost = path.join(host.upperDir('/opt'), imageBundlePath(bundle.sha12).slice('/opt/'.length));
    expect(sha256Of(bundleOnHost)).toBe(bundle.sha256);
    const manifest = JSON.parse(fs.readFileSync(path.join(host.upperDir('/opt'), IMAGE_MANIFEST.slice('/opt/'.length)), 'utf8')) as ImageManifest;
    expect(manifest).toMatchObject({ version: bundle.version, bundle: { sha256: bundle.sha256 }, java: true, zookeeper: true, baseImage: result.baseImage });
    expect(fs.statSync(path.join(host.upperDir('/usr/local'), ADOPT_SCRIPT.slice('/usr/local/'.length))).mode & 0o111).not.toBe(0);

    // The image: created from the builder, available, named and tagged; its snapshot reported.
    const image = endpoint.state.images.get(result.imageId)!;
    expect(image.state).toBe('available');
    expect(image.name).toBe(result.name);
    expect(result.name).toMatch(new RegExp(`^mesoscloud-${bundle.version.replace(/\./g, '\\.')}-x86_64-\\d{8}T\\d{6}Z$`));
    expect(image.tags).toMatchObject({
      'mesoscloud:image': bundle.version, 'mesoscloud:bundle-sha256': bundle.sha256, 'mesoscloud:node': process.version,
      'mesoscloud:base-image': result.baseImage, 'mesoscloud:version': bundle.version, Name: result.name,
    });
    expect(result.snapshots).toHaveLength(1);
    const instanceId = image.sourceInstanceId!;
    expect(endpoint.calls.find((c) => c.action === 'CreateImage')?.params.InstanceId).toBe(instanceId);

    // The builder: tagged, SSH open to the given block only, and gone with its key pair and group.
    const group = endpoint.calls.find((c) => c.action === 'RunInstances')!.params['SecurityGroupId.1'];
    expect(front.ingress.get(group)).toEqual(['tcp 22-22 from 10.214.0.0/16']);
    expect(endpoint.calls.find((c) => c.action === 'ImportKeyPair')!.params.KeyName).toMatch(/^mesoscloud-ami-builder-/);
    expect(endpoint.state.instances.get(instanceId)?.state ?? 'terminated').toBe('terminated');
    expect(builderLeftovers()).toEqual([]);
    expect(result.cleaned).toEqual([
      `instance ${instanceId} terminated`,
      expect.stringMatching(/^security group sg-[0-9a-f]+ deleted$/),
      expect.stringMatching(/^key pair mesoscloud-ami-builder-\S+ deleted$/),
    ]);

    // ami list / launch --ami latest find it.
    const found = await findImages(ec2, { version: bundle.version });
    expect(found.map((i) => i.imageId)).toContain(result.imageId);
    expect(found[0]).toMatchObject({ imageId: result.imageId, bundleSha256: bundle.sha256, arch: 'x86_64', state: 'available' });
  });

  test("the adopt script puts the image's bundle where a cluster's bootstrap looks, and records it as the bootstrap does", async () => {
    // (The build above left the image's files on the host: this is an instance of the image.)
    const cluster = 'fromimage';
    const layout = remoteLayout(cluster);
    const adopt = await onHost(`${ADOPT_SCRIPT} ${cluster}`);
    expect(adopt.stderr).toBe('');
    expect(adopt.code).toBe(0);

    // The bootstrap's own inspection of the host: Node fine, Java and ZooKeeper there, the bundle recorded.
    const facts = parseFacts((await onHost(factsScript(layout.statePath, []))).stdout);
    expect(nodeProblem(facts)).toBeUndefined();
    expect(facts).toMatchObject({ java: true, zookeeper: true });
    expect(facts.state.steps[STEP.bundle]).toMatchObject({ hash: bundle.sha256, detail: { path: layout.bundlePath(bundle.sha12), version: bundle.version } });
    const placed = path.join(host.upperDir('/opt'), layout.bundlePath(bundle.sha12).slice('/opt/'.length));
    expect(sha256Of(placed)).toBe(bundle.sha256);

    // A host that already has records for the cluster keeps them.
    await onHost(`printf '{"version":1,"steps":{}}\\n' > ${layout.statePath}`);
    expect((await onHost(`${ADOPT_SCRIPT} ${cluster}`)).code).toBe(0);
    expect(parseFacts((await onHost(factsScript(layout.statePath, []))).stdout).state.steps).toEqual({});

    // A name that is not a cluster name is refused, saying what a name is.
    const bad = await onHost(`${ADOPT_SCRIPT} '../etc'`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("got '../etc'");
    await onHost(`rm -rf ${layout.clusterDirs.join(' ')}`);
  });

  test('a build that fails at CreateImage still terminates the builder and deletes its key pair and group', async () => {
    const before = endpoint.state.images.size;
    // Not a code the SDK retries: the operator's policy lacks ec2:CreateImage.
    endpoint.failNext('CreateImage', { code: 'UnauthorizedOperation' });
    const lines: string[] = [];
    const failure = await buildImage(options({ subnetId }), deps(lines)).then(() => undefined, (err: unknown) => err as Error & { code?: string });
    expect(failure?.code).toBe('AWS_PERMISSION_DENIED');
    expect(failure?.message).toMatch(/creating image mesoscloud-\S+ from i-[0-9a-f]+: the AWS identity lacks the IAM permission ec2:CreateImage/);
    expect(endpoint.state.images.size).toBe(before);
    expect(builderLeftovers()).toEqual([]);
    const run = endpoint.calls.filter((c) => c.action === 'RunInstances').at(-1)!;
    expect(run.params.SubnetId).toBe(subnetId);
    expect(lines.join('\n')).toMatch(/instance i-[0-9a-f]+ terminated/);
  });

  test('Ctrl-C midway (the signal aborts) removes everything the build made', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const callsBefore = endpoint.calls.length;
    const failure = await buildImage(options(), deps(lines, {
      signal: controller.signal,
      // Abort as soon as the builder is being worked on over SSH.
      progress: (l) => {
        lines.push(l);
        if (l.startsWith('connecting as')) controller.abort();
      },
    })).then(() => undefined, (err: unknown) => err as Error & { code?: string });
    expect(failure?.code).toBe('INTERRUPTED');
    expect(builderLeftovers()).toEqual([]);
    expect(endpoint.calls.slice(callsBefore).map((c) => c.action)).toContain('TerminateInstances');
    expect(endpoint.calls.slice(callsBefore).map((c) => c.action)).not.toContain('CreateImage');
  });

  test('without host keys in the console, the key is trusted on first use, with a warning', async () => {
    const lines: string[] = [];
    const knownHostsFile = path.join(work, 'tofu-known_hosts');
    const result = await buildImage(options(), deps(lines, {
      knownHostsFile,
      timing: { pollMs: 100, cleanupMs: 20_000, consoleMs: 300 },
      progress: (l) => {
        lines.push(l);
        // The builder's console shows the boot but no key block.
        const id = /^builder (i-[0-9a-f]+) runs/.exec(l)?.[1];
        if (id) endpoint.setConsoleOutput(id, bootConsole([]).replace(/-----BEGIN SSH HOST KEY KEYS-----[\s\S]*-----END SSH HOST KEY KEYS-----/, ''));
      },
    }));
    expect(result.hostKey).toBe('first-use');
    expect(lines).toContainEqual(expect.stringMatching(/^warning: the console output of i-[0-9a-f]+ shows no SSH host keys; trusting the key 10\.214\.\d+\.\d+ offers now \(first use\)$/));
    expect(fs.readFileSync(knownHostsFile, 'utf8')).toContain(hostKeyLine.split(' ')[1]);
    expect(builderLeftovers()).toEqual([]);
  });

  test('a wrong base image or instance type is refused, naming the flag, before anything is created', async () => {
    const callsBefore = endpoint.calls.length;
    const refused = (o: Partial<AmiBuildOptions>) => buildImage(options(o), deps([])).then(() => undefined, (err: Error & { code?: string }) => `${err.code}: ${err.message}`);
    expect(await refused({ instanceType: 't4g.small' })).toBe('BAD_FLAG: --instance-type: t4g.small runs arm64, not x86_64');
    expect(await refused({ instanceType: 't3.galactic' })).toMatch(new RegExp(`^AWS_INSTANCE_TYPE_UNAVAILABLE: instance type "t3.galactic" is not offered in ${REGION}`));
    expect(await refused({ baseAmi: 'ami-0123456789abcdef0' })).toBe(`BAD_FLAG: --base-ami: there is no image ami-0123456789abcdef0 in ${REGION} that this account can use`);
    expect(await refused({ baseAmi: 'ubuntu' })).toBe("BAD_FLAG: --base-ami: expected an image id like ami-0123456789abcdef0, got 'ubuntu'");
    const arm = [...endpoint.state.images.values()].find((i) => i.architecture === 'arm64' && i.region === REGION)!;
    expect(await refused({ baseAmi: arm.id })).toBe(`BAD_FLAG: --base-ami: ${arm.id} is an arm64 image, but --arch is x86_64`);
    const actions = new Set(endpoint.calls.slice(callsBefore).map((c) => c.action));
    expect([...actions].filter((a) => !a.startsWith('Describe')).sort()).toEqual([]);
  });

  test('the CLI builds an image, prints its id and how to launch it; bad flags name the flag', async () => {
    const env = { ...CREDENTIALS, SSH_AUTH_SOCK: '' };
    const dataHome = path.join(work, 'data');
    const args = ['ami', 'build', '--region', REGION, '--endpoint-url', front.url, '--key', fleet.keyPath, '--ssh-user', 'root', '--allow-cidr', '10.214.0.0/16'];
    const r = await runCli([...args, '--json'], { dataHome, env, timeoutMs: 90_000 });
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { image_id: string; cleaned: string[]; host_key: string };
    expect(endpoint.state.images.get(json.image_id)?.state).toBe('available');
    expect(json.host_key).toBe('console');
    expect(json.cleaned).toHaveLength(3);
    expect(r.stderr).toContain(`mesoscloud launch --provider aws --region ${REGION} --ami ${json.image_id}`);
    expect(builderLeftovers()).toEqual([]);

    const list = await runCli(['ami', 'list', '--region', REGION, '--endpoint-url', front.url], { dataHome, env });
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^IMAGE\s+VERSION\s+ARCH\s+STATE/);
    expect(list.stdout.split('\n')[1]).toMatch(new RegExp(`^${json.image_id}\\s+${bundle.version.replace(/\./g, '\\.')}\\s+x86_64\\s+available\\s`));

    const badRegion = await runCli(['ami', 'build', '--region', 'moon-1', '--endpoint-url', endpoint.url], { dataHome, env });
    expect(badRegion.code).toBe(2);
    expect(unwrap(badRegion.stderr)).toContain("--region: expected an AWS region like us-east-1 or eu-west-1, got 'moon-1'");
    const badCidr = await runCli([...args.slice(0, -1), 'everywhere'], { dataHome, env });
    expect(badCidr.code).toBe(2);
    expect(unwrap(badCidr.stderr)).toContain("--allow-cidr: expected an IPv4 address or CIDR block");
    expect(hasStackTrace(badCidr.stderr)).toBe(false);
  });
});
