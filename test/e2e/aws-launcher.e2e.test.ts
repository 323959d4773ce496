/**
 * `launch --provider aws` end to end, with everything real but Pulumi's engine: the built CLI runs
 * the project's Pulumi program through a stand-in engine (test/fixtures/stand-in-stack-engine.js:
 * the program under Pulumi's mocks, each resource made through the EC2 API), against an EC2 Query
 * API endpoint on loopback (test/helpers/ec2-endpoint.ts) whose instances are network-namespace
 * hosts running sshd (test/helpers/ssh-hosts.ts), their host keys printed in their console output
 * as cloud-init prints them. So discovery by tag, host-key pinning, the SSH bootstrap, `exec`,
 * `clusters --provider aws`, `scale`, a launch killed midway and resumed, and `destroy` with its
 * sweep all run for real.
 */
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSshHosts, type SshTestFleet } from '../helpers/ssh-hosts';
import { startEc2Endpoint, type Ec2Endpoint } from '../helpers/ec2-endpoint';
import { addFleetMachines, bareAwsEnv, loopbackAwsEnv } from '../helpers/aws-cli-env';
import { ensureBuilt, hasStackTrace, runCli, unwrap, type CliResult } from '../helpers/run-cli';

const CLUSTER = 'awse2e';
jest.setTimeout(300_000);

let fleet: SshTestFleet;
let endpoint: Ec2Endpoint;
let dataHome: string;
/** Instances the killed launch made that its stack never recorded. */
let orphans: string[] = [];

function env(): Record<string, string> {
  return loopbackAwsEnv(endpoint);
}

async function cli(args: string[], opts: { timeoutMs?: number; onStderr?: Parameters<typeof runCli>[1]['onStderr'] } = {}): Promise<CliResult> {
  const r = await runCli(args, { dataHome, env: env(), timeoutMs: opts.timeoutMs ?? 240_000, onStderr: opts.onStderr });
  if (hasStackTrace(r.stdout + r.stderr)) throw new Error(`a stack trace escaped \`${args.join(' ')}\`:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const LAUNCH = () => ['launch', '--provider', 'aws', '--cluster', CLUSTER, '--agents', '1', '--bootstrap', '--allow-cidr', `${fleet.bridgeIp}/32`,
  '--key', fleet.keyPath, '--user', 'root', '--agent-resources', 'cpus:1;mem:256', '--json'];

const live = (type: 'vpcs' | 'securityGroups' | 'keyPairs' | 'subnets' | 'internetGateways' | 'routeTables') => [...endpoint.state[type].keys()];
const instances = () => [...endpoint.state.instances.values()];
const running = () => instances().filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down').map((i) => i.id);

beforeAll(async () => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-aws-e2e-'));
  // Five machines: master and agent, the one or two orphans a killed launch leaves, and the agent scale adds.
  fleet = await createSshHosts(5);
  endpoint = await startEc2Endpoint();
  addFleetMachines(endpoint, fleet);
});

afterAll(async () => {
  // Whatever a failed test left running on the hosts goes with them.
  fleet?.remove();
  await endpoint?.close();
  if (dataHome) fs.rmSync(dataHome, { recursive: true, force: true });
});

/** The environment of an operator with no AWS credentials, no Pulumi and no network. */
function bare(): Record<string, string> {
  return bareAwsEnv(fs.mkdtempSync(path.join(dataHome, 'bare-home-')));
}

describe('launch --provider aws, before anything is made', () => {
  test('--dry-run needs no credentials, no Pulumi and no network: the plan and its cost from the shipped table', async () => {
    const r = await runCli(['launch', '--provider', 'aws', '--region', 'eu-west-1', '--agents', '5', '--masters', '3', '--zk', '3', '--dry-run'], { dataHome, env: bare() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Plan for cluster 'local' on EC2 in eu-west-1: 11 instances");
    expect(r.stdout).toContain('newest Ubuntu LTS (x86_64), resolved at launch');
    expect(r.stdout).toMatch(/price table/i);
    expect(r.stdout).toMatch(/total\s+\d+\.\d+\s+\d+\.\d+/);
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
  });

  test('a cluster file with provider: aws is planned on EC2; hosts given for it are refused, not ignored', async () => {
    const file = path.join(dataHome, 'prod.yaml');
    fs.writeFileSync(file, 'name: filed\nprovider: aws\nagents: 2\naws:\n  region: eu-west-1\n  machines:\n    agent: { instance_type: c6i.large, spot: true }\n');
    const r = await runCli(['launch', '-f', file, '--dry-run', '--json'], { dataHome, env: bare() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).plan).toMatchObject({ cluster: 'filed', provider: 'aws', region: 'eu-west-1', roles: { agent: { count: 2, instance_type: 'c6i.large', spot: true } } });
    const hosts = await runCli(['launch', '--provider', 'aws', '--region', 'eu-west-1', '--hosts', '10.0.0.1', '--dry-run'], { dataHome, env: bare() });
    expect(hosts.code).not.toBe(0);
    expect(unwrap(hosts.stderr)).toContain('the aws provider makes its own hosts');
  });

  test('--ami latest with no image built here is refused before anything is made or recorded', async () => {
    const r = await runCli(['launch', '--provider', 'aws', '--cluster', 'nolatest', '--ami', 'latest', '--allow-cidr', '203.0.113.7/32', '--key', fleet.keyPath], { dataHome, env: env() });
    expect(r.code).not.toBe(0);
    expect(unwrap(r.stderr)).toMatch(/no image of mesoscloud \S+ \(x86_64\) was built in us-east-1/);
    expect(unwrap(r.stderr)).toContain('mesoscloud ami build --region us-east-1');
    expect(endpoint.actions()).not.toContain('RunInstances');
    expect(fs.existsSync(path.join(dataHome, 'mesoscloud', 'clusters', 'nolatest'))).toBe(false);
  });

  test('without the Pulumi CLI, launch fails at once and says how to install it', async () => {
    const r = await runCli(['launch', '--provider', 'aws', '--region', 'eu-west-1', '--allow-cidr', '203.0.113.7/32'], { dataHome, env: bare() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Pulumi CLI is not installed');
    expect(r.stderr).toContain('get.pulumi.com');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe('launch --provider aws, end to end on loopback EC2 and SSH hosts', () => {
  test('a launch killed while its instances are being made is completed by running it again', async () => {
    // RunInstances answers late: the launch is killed after EC2 made the instance but before the stack recorded it.
    endpoint.delayNext('RunInstances', 4_000);
    const run = cli(LAUNCH());
    while (endpoint.state.instances.size === 0) await sleep(20);
    // The launch holds the stack's lock, which names it.
    process.kill(Number(fs.readFileSync(path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER, 'pulumi', 'stand-in.lock'), 'utf8')), 'SIGKILL');
    const killed = await run;
    expect(killed.code).not.toBe(0);
    const madeByKilled = instances().map((i) => i.id);

    // Without --json, to read its progress lines.
    const resumed = await cli(LAUNCH().filter((a) => a !== '--json'));
    if (resumed.code !== 0) throw new Error(`launch failed:\n${resumed.stdout}\n${resumed.stderr}`);
    // The stand-in, like Pulumi, found the lock of the dead run and its pending operations (an instance or
    // two, and maybe a subnet, as the kill fell), and cleared them.
    expect(resumed.stderr).toMatch(/removed the lock left by process \d+/);
    const cleared = Number(/cleared (\d+) pending operation/.exec(resumed.stderr)?.[1]);
    expect(cleared).toBeGreaterThanOrEqual(1);
    expect(resumed.stdout).toContain(`Cluster '${CLUSTER}' is up.`);
    const record = JSON.parse(fs.readFileSync(path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER, 'cluster.json'), 'utf8'));
    expect(record).toMatchObject({ provider: 'aws', phase: 'up', aws: { region: 'us-east-1', bootstrapped: true, stack: 'up' } });
    expect(record.aws.nodes.map((n: { name: string }) => n.name)).toEqual(['master-0', 'agent-0']);
    const ids: string[] = record.aws.nodes.map((n: { instanceId: string }) => n.instanceId);
    orphans = madeByKilled.filter((id) => !ids.includes(id));
    expect(orphans.length).toBeLessThanOrEqual(cleared);
    // What EC2 made for the dead run that its stack never recorded was removed before the stack came up.
    if (orphans.length > 0) expect(resumed.stderr).toContain('a launch that broke off made but the stack never recorded');
    expect(running().filter((id) => orphans.includes(id))).toEqual([]);
  });

  test('the host keys were pinned from the consoles before anything connected', () => {
    const known = fs.readFileSync(path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER, 'known_hosts'), 'utf8');
    const record = JSON.parse(fs.readFileSync(path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER, 'cluster.json'), 'utf8'));
    for (const node of record.aws.nodes) {
      const i = fleet.hosts.findIndex((h) => h.ip === node.publicIp);
      expect(known).toContain(fleet.hostKeys[i].split(' ').slice(1, 3).join(' '));
    }
    expect(record.masterUrl).toMatch(/^https:\/\//);
  });

  test('exec runs a task on the EC2 cluster', async () => {
    const r = await cli(['exec', '--cluster', CLUSTER, '--name', 'hello', '--command', 'echo hello world', '--resources', 'cpus:0.1;mem:32']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain('TASK_FINISHED');
  });

  test('clusters --provider aws finds the cluster by its tags, with no local state', async () => {
    const r = await runCli(['clusters', '--provider', 'aws', '--region', 'us-east-1', '--json'], { dataHome: fs.mkdtempSync(path.join(dataHome, 'other-machine-')), env: env() });
    expect(r.code).toBe(0);
    const found = JSON.parse(r.stdout);
    const ours = found.clusters.find((c: { name: string }) => c.name === CLUSTER);
    expect(ours.recorded_here).toBe(false);
    expect(ours.instances.map((i: { instance_id: string }) => i.instance_id).sort()).toEqual(running().sort());
    expect(ours.instances.map((i: { name: string }) => i.name).sort()).toEqual(['agent-0', 'master-0']);
  });

  test('scale grows the stack and bootstraps the new agent, also after EC2 had no capacity once', async () => {
    endpoint.failNext('RunInstances', { code: 'InsufficientInstanceCapacity' });
    const short = await cli(['scale', '--cluster', CLUSTER, '--agents', '2']);
    if (short.code === 0) throw new Error(`scale did not fail:\n${short.stdout}\n${short.stderr}\n${endpoint.actions().slice(-30).join(' ')}`);
    expect(short.stderr).toContain('InsufficientInstanceCapacity');
    const r = await cli(['scale', '--cluster', CLUSTER, '--agents', '2', '--json']);
    if (r.code !== 0) throw new Error(`scale failed:\n${r.stdout}\n${r.stderr}`);
    expect(JSON.parse(r.stdout)).toMatchObject({ agents: 2 });
    const status = await cli(['agents', '--cluster', CLUSTER, '--json']);
    expect(JSON.parse(status.stdout).agents.length).toBe(2);
  });

  test('scale down drains the last agent, then the stack removes its instance', async () => {
    const before = running();
    const r = await cli(['scale', '--cluster', CLUSTER, '--agents', '1', '--json']);
    if (r.code !== 0) throw new Error(`scale failed:\n${r.stdout}\n${r.stderr}`);
    expect(JSON.parse(r.stdout)).toMatchObject({ agents: 1, added: [] });
    expect(JSON.parse(r.stdout).removed).toHaveLength(1);
    expect(running().length).toBe(before.length - 1);
    const agents = JSON.parse((await cli(['agents', '--cluster', CLUSTER, '--json'])).stdout).agents as { state: string }[];
    expect(agents.filter((a) => a.state === 'active')).toHaveLength(1);
  });

  test('destroy drains, destroys the stack and sweeps: nothing tagged is left, the stack and its instances', async () => {
    const r = await cli(['destroy', '--cluster', CLUSTER, '--json']);
    if (r.code !== 0) throw new Error(`destroy failed:\n${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ provider: 'aws', found: true, left: [] });
    expect(out.terminated).toEqual([]);
    expect(running()).toEqual([]);
    for (const kind of ['vpcs', 'subnets', 'securityGroups', 'internetGateways', 'routeTables', 'keyPairs'] as const) expect(live(kind)).toEqual([]);
    expect(fs.existsSync(path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER))).toBe(false);
  });

  test('--no-bootstrap provisions and discovers only (as on LocalStack); scale and destroy work on such a cluster', async () => {
    const base = ['--cluster', 'bare', '--allow-cidr', `${fleet.bridgeIp}/32`, '--key', fleet.keyPath, '--json'];
    const launched = await cli(['launch', '--provider', 'aws', '--agents', '1', '--no-bootstrap', ...base]);
    if (launched.code !== 0) throw new Error(`launch failed:\n${launched.stdout}\n${launched.stderr}`);
    expect(JSON.parse(launched.stdout)).toMatchObject({ provider: 'aws', bootstrapped: false, skipped: 'not bootstrapped (--no-bootstrap)' });
    const scaled = await cli(['scale', '--cluster', 'bare', '--agents', '2', '--json']);
    if (scaled.code !== 0) throw new Error(`scale failed:\n${scaled.stdout}\n${scaled.stderr}`);
    expect(JSON.parse(scaled.stdout)).toMatchObject({ agents: 2 });
    const destroyed = await cli(['destroy', '--cluster', 'bare', '--json']);
    if (destroyed.code !== 0) throw new Error(`destroy failed:\n${destroyed.stdout}\n${destroyed.stderr}`);
    expect(JSON.parse(destroyed.stdout)).toMatchObject({ found: true, left: [] });
    expect(running()).toEqual([]);
  });
});
