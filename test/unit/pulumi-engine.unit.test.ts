/**
 * The parts of the Pulumi driver that need no Pulumi CLI: engine events in Pulumi's JSON shapes,
 * the failures of an `up` and which of them are spot capacity, lock files and checkpoints as
 * Pulumi writes them, the CLI's error messages, the stack's outputs and the backend settings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineEvent as PulumiEvent } from '@pulumi/pulumi/automation';
import { ProviderError } from '../../infra/errors';
import { StackOperationError } from '../../infra/providers/aws/engine';
import { awsPluginVersion, ensurePassphraseFile, parseBackend, pulumiEnv, secretsProviderFor } from '../../infra/providers/aws/pulumi-backend';
import { cliProblem, commandReason, MIN_PULUMI_VERSION, olderThanMinimum, pulumiMissing } from '../../infra/providers/aws/pulumi-cli';
import { cleanMessage, EventTranslator, failureMessage, spotCapacityFailures, urnName, urnType } from '../../infra/providers/aws/pulumi-events';
import { clusterOutputs } from '../../infra/providers/aws/pulumi-outputs';
import {
  clearedLine, describeLock, lockDirs, locksFromLockedError, lockState, parseLock, pendingOperations, withoutPendingOperations,
} from '../../infra/providers/aws/pulumi-recovery';

const PARENTS = 'mesoscloud:aws:Cluster$mesoscloud:aws:Nodes';
const urn = (type: string, name: string) => `urn:pulumi:prod::mesoscloud::${PARENTS}$${type}::${name}`;
const INSTANCE = 'aws:ec2/instance:Instance';
const STACK_URN = 'urn:pulumi:prod::mesoscloud::pulumi:pulumi:Stack::mesoscloud-prod';
const PROVIDER = 'urn:pulumi:prod::mesoscloud::pulumi:providers:aws::prod-aws::4f6b8a3c-1e0d-4c8e-9a51-0c7f3b2d9e10';

let seq = 0;
function event(body: Omit<PulumiEvent, 'sequence' | 'timestamp'>): PulumiEvent {
  seq += 1;
  return { sequence: seq, timestamp: 1796640000 + seq, ...body } as PulumiEvent;
}

function step(op: string, type: string, name: string) {
  const u = urn(type, name);
  return { op, urn: u, type, provider: PROVIDER, new: { type, urn: u, id: '', parent: '', inputs: {}, outputs: {}, provider: PROVIDER } } as never;
}

const pre = (op: string, type: string, name: string) => event({ resourcePreEvent: { metadata: step(op, type, name) } });
const outputs = (op: string, type: string, name: string) => event({ resOutputsEvent: { metadata: step(op, type, name) } });
const opFailed = (op: string, type: string, name: string) => event({ resOpFailedEvent: { metadata: step(op, type, name), status: 0, steps: 0 } });
const diag = (severity: 'info' | 'info#err' | 'warning' | 'error', message: string, u?: string) =>
  event({ diagnosticEvent: { ...(u ? { urn: u } : {}), prefix: `${severity}: `, message, color: 'never', severity } });

/** What pulumi-aws 7 reports when EC2 has no capacity (its sdk-v2 prefix included). */
const NO_CAPACITY = '  sdk-v2/provider2.go:572: sdk.helper_schema: creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 500, RequestID: 6c2b1a0e-7f1d-4b1e-9a0f-2a4c1d3e5b6f, api error InsufficientInstanceCapacity: There is no Spot capacity available that matches your request.: provider=aws@7.48.0\n';

describe('engine events', () => {
  it('a resource URN gives its name (last segment) and its own type (last of the parent chain)', () => {
    const u = urn(INSTANCE, 'prod-agent-3');
    expect(urnName(u)).toBe('prod-agent-3');
    expect(urnType(u)).toBe(INSTANCE);
    expect(urnType(STACK_URN)).toBe('pulumi:pulumi:Stack');
  });

  it('pre, outputs and failed step events become started, done and failed resource events', () => {
    const tr = new EventTranslator();
    expect(tr.translate(pre('create', INSTANCE, 'prod-agent-0'))).toEqual([{ kind: 'resource', type: INSTANCE, name: 'prod-agent-0', op: 'create', status: 'started' }]);
    expect(tr.translate(outputs('create', INSTANCE, 'prod-agent-0'))).toEqual([{ kind: 'resource', type: INSTANCE, name: 'prod-agent-0', op: 'create', status: 'done' }]);
    tr.translate(diag('error', NO_CAPACITY, urn(INSTANCE, 'prod-agent-3')));
    const [failed] = tr.translate(opFailed('create', INSTANCE, 'prod-agent-3'));
    expect(failed).toMatchObject({ kind: 'resource', name: 'prod-agent-3', op: 'create', status: 'failed' });
    expect((failed as { message: string }).message).toMatch(/^creating EC2 Instance: .*InsufficientInstanceCapacity/);
  });

  it("Pulumi's step kinds fold into ours", () => {
    const tr = new EventTranslator();
    const op = (o: string) => (tr.translate(pre(o, INSTANCE, 'prod-agent-1'))[0] as { op: string }).op;
    expect(['create-replacement', 'delete-replaced', 'discard', 'read-replacement', 'import', 'refresh', 'same'].map(op))
      .toEqual(['replace', 'delete', 'delete', 'read', 'read', 'refresh', 'same']);
  });

  it('steps only planned (preview) are not reported as work', () => {
    const tr = new EventTranslator();
    expect(tr.translate(event({ resourcePreEvent: { metadata: step('create', INSTANCE, 'prod-agent-1'), planning: true } }))).toEqual([]);
  });

  it('diagnostics keep their severity and resource, lose colours and the provider prefix, and ephemeral ones are dropped', () => {
    const tr = new EventTranslator();
    expect(tr.translate(diag('warning', '\u001b[33mdeprecated: use aws.vpc.SecurityGroupIngressRule\u001b[0m\n', urn('aws:ec2/securityGroup:SecurityGroup', 'prod-sg'))))
      .toEqual([{ kind: 'diagnostic', severity: 'warning', message: 'deprecated: use aws.vpc.SecurityGroupIngressRule', resourceName: 'prod-sg' }]);
    expect(tr.translate(diag('info#err', '<{%fg 1%}>npm notice<{%reset%}>\n'))).toEqual([{ kind: 'diagnostic', severity: 'info', message: 'npm notice' }]);
    expect(tr.translate(event({ diagnosticEvent: { message: 'x', color: 'never', severity: 'info', ephemeral: true } }))).toEqual([]);
    expect(cleanMessage(NO_CAPACITY)).toMatch(/^creating EC2 Instance/);
  });

  it('a summary says what changed; a possibly corrupt one also warns', () => {
    const tr = new EventTranslator();
    const summary = { maybeCorrupt: true, durationSeconds: 93, resourceChanges: { create: 12, same: 3 }, policyPacks: {} };
    const out = tr.translate(event({ summaryEvent: summary }));
    expect(out[0]).toEqual({ kind: 'diagnostic', severity: 'info', message: '12 create, 3 same in 93 s' });
    expect(out[1]).toMatchObject({ severity: 'warning' });
  });

  it('failures name each resource once, with the cause from its error diagnostic; the stack error is the run\'s', () => {
    const tr = new EventTranslator();
    for (const e of [
      pre('create', INSTANCE, 'prod-agent-3'),
      pre('create', INSTANCE, 'prod-agent-4'),
      outputs('create', INSTANCE, 'prod-agent-4'),
      diag('error', NO_CAPACITY, urn(INSTANCE, 'prod-agent-3')),
      opFailed('create', INSTANCE, 'prod-agent-3'),
      diag('error', 'aws:ec2/keyPair:KeyPair resource \'prod-key\' has a problem: invalid public key\n', urn('aws:ec2/keyPair:KeyPair', 'prod-key')),
      diag('error', 'update failed\n', STACK_URN),
    ]) tr.translate(e);
    expect(tr.failures().map((f) => [f.type, f.name])).toEqual([[INSTANCE, 'prod-agent-3'], ['aws:ec2/keyPair:KeyPair', 'prod-key']]);
    expect(tr.errors()).toEqual(['update failed']);
    expect(failureMessage('pulumi up for cluster prod', tr, 'exit 255')).toMatch(/^pulumi up for cluster prod failed for 2 resource\(s\): prod-agent-3: creating EC2 Instance/);
  });

  it('without resource failures the message is the run\'s error, else the CLI\'s own words', () => {
    const tr = new EventTranslator();
    expect(failureMessage('pulumi up', tr, 'error: no credentials')).toBe('pulumi up failed: error: no credentials');
    tr.translate(diag('error', 'an unhandled error occurred: program failed\n', STACK_URN));
    expect(failureMessage('pulumi up', tr, 'x')).toBe('pulumi up failed: an unhandled error occurred: program failed');
  });
});

describe('spot capacity failures', () => {
  const failure = (name: string, message: string) => ({ type: INSTANCE, name, message });

  it.each(['InsufficientInstanceCapacity', 'SpotMaxPriceTooLow', 'MaxSpotInstanceCountExceeded', 'capacity-not-available', 'InsufficientCapacity'])('%s names the node', (code) => {
    expect(spotCapacityFailures([failure('prod-agent-3', `api error ${code}: no`)])).toEqual(['agent-3']);
  });

  it('cluster names with dashes, every role, one entry per node; other errors and non-nodes are not capacity', () => {
    expect(spotCapacityFailures([
      failure('team-a-prod-agent-12', cleanMessage(NO_CAPACITY)),
      failure('team-a-prod-agent-12', 'InsufficientInstanceCapacity again'),
      failure('team-a-prod-zookeeper-0', 'InsufficientInstanceCapacity'),
      failure('team-a-prod-master-1', 'UnauthorizedOperation: not allowed'),
      { type: 'aws:ec2/subnet:Subnet', name: 'team-a-prod-subnet-0', message: 'InsufficientCapacity' },
    ])).toEqual(['agent-12', 'zookeeper-0']);
  });
});

describe('locks and pending operations', () => {
  const LOCK = '{"pid":41872,"username":"ubuntu","hostname":"ops-laptop","timestamp":"2026-12-07T10:41:07.123456789Z"}';

  it("a stack's lock directories follow Pulumi's DIY layout (project-scoped, then the old one)", () => {
    expect(lockDirs('/data/pulumi', 'mesoscloud', 'prod')).toEqual([
      '/data/pulumi/.pulumi/locks/organization/mesoscloud/prod',
      '/data/pulumi/.pulumi/locks/prod',
    ]);
  });

  it('a lock is stale only on this host with its process gone; another host is never judged', () => {
    const lock = parseLock(LOCK, '/x.json')!;
    expect(lock).toMatchObject({ pid: 41872, hostname: 'ops-laptop', username: 'ubuntu' });
    expect(lockState(lock, 'ops-laptop', () => false)).toBe('stale');
    expect(lockState(lock, 'ops-laptop', () => true)).toBe('live');
    expect(lockState(lock, 'ci-runner-7', () => false)).toBe('elsewhere');
    expect(describeLock(lock)).toBe('ubuntu@ops-laptop (pid 41872, since 2026-12-07T10:41:07.123456789Z)');
  });

  it('what is not a lock file is left alone', () => {
    expect(parseLock('not json', 'a')).toBeUndefined();
    expect(parseLock('{"pid":"12","hostname":"h"}', 'a')).toBeUndefined();
    expect(parseLock('[]', 'a')).toBeUndefined();
  });

  it('locks are read from the "currently locked" error of a bucket backend', () => {
    const stderr = 'error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n'
      + '  s3://mesoscloud-state/.pulumi/locks/organization/mesoscloud/prod/5b7d1c2e-8f1a-4c3b-a9e0-1d2f3a4b5c6d.json: created by ubuntu@ops-laptop (pid 41872) at 2026-12-07T10:41:07Z\n'
      + '  s3://mesoscloud-state/.pulumi/locks/organization/mesoscloud/prod/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.json: created by runner@ci-7 (pid 7) at 2026-12-07T10:42:00Z\n';
    expect(locksFromLockedError(stderr)).toEqual([
      { where: 's3://mesoscloud-state/.pulumi/locks/organization/mesoscloud/prod/5b7d1c2e-8f1a-4c3b-a9e0-1d2f3a4b5c6d.json', username: 'ubuntu', hostname: 'ops-laptop', pid: 41872, timestamp: '2026-12-07T10:41:07Z' },
      { where: 's3://mesoscloud-state/.pulumi/locks/organization/mesoscloud/prod/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.json', username: 'runner', hostname: 'ci-7', pid: 7, timestamp: '2026-12-07T10:42:00Z' },
    ]);
    expect(locksFromLockedError('[409] Conflict: Another update is currently in progress.')).toEqual([]);
  });

  /** `pulumi stack export` of a launch killed while two instances were being created and one deleted. */
  const exported = {
    version: 3,
    deployment: {
      manifest: { time: '2026-12-07T10:41:30.5Z', magic: '0e6f1c7d9b8a', version: 'v3.150.0' },
      secrets_providers: { type: 'passphrase', state: { salt: 'v1:AbCdEf==:v1:Gh:Ij==' } },
      resources: [
        { urn: STACK_URN, custom: false, type: 'pulumi:pulumi:Stack', created: '2026-12-07T10:40:00Z', modified: '2026-12-07T10:40:00Z' },
        { urn: urn(INSTANCE, 'prod-agent-9'), custom: true, id: 'i-0abc9', type: INSTANCE, parent: STACK_URN, provider: PROVIDER },
      ],
      pending_operations: [
        { resource: { urn: urn(INSTANCE, 'prod-agent-3'), custom: true, type: INSTANCE, inputs: { instanceType: 'm5.large' }, provider: PROVIDER }, type: 'creating' },
        { resource: { urn: urn(INSTANCE, 'prod-agent-4'), custom: true, type: INSTANCE, provider: PROVIDER }, type: 'creating' },
        { resource: { urn: urn(INSTANCE, 'prod-agent-9'), custom: true, id: 'i-0abc9', type: INSTANCE, provider: PROVIDER }, type: 'deleting' },
      ],
    },
  };

  it('pending operations are listed with their resource and dropped, leaving the rest of the checkpoint as it was', () => {
    expect(pendingOperations(exported).map((p) => [p.op, p.name, p.type])).toEqual([
      ['creating', 'prod-agent-3', INSTANCE], ['creating', 'prod-agent-4', INSTANCE], ['deleting', 'prod-agent-9', INSTANCE],
    ]);
    const cleared = withoutPendingOperations(exported);
    expect(cleared.deployment).not.toHaveProperty('pending_operations');
    expect(cleared.deployment.resources).toEqual(exported.deployment.resources);
    expect(cleared.deployment.secrets_providers).toEqual(exported.deployment.secrets_providers);
    expect(exported.deployment.pending_operations).toHaveLength(3);
    expect(pendingOperations(cleared)).toEqual([]);
    expect(pendingOperations({ version: 3, deployment: {} })).toEqual([]);
  });

  it('each cleared operation says what it means', () => {
    const [create, , del] = pendingOperations(exported);
    expect(clearedLine(create)).toBe(`cleared a pending create of prod-agent-3 (${INSTANCE}): if it was made, the stack does not know it; destroy's sweep by tag finds it`);
    expect(clearedLine(del)).toMatch(/^cleared a pending delete of prod-agent-9 .*refresh/);
  });
});

describe('Pulumi CLI problems', () => {
  it('the missing-CLI error says how to install the CLI and the exact AWS plugin', () => {
    const e = pulumiMissing('7.48.0');
    expect(e.code).toBe('PULUMI_MISSING');
    expect(e.message).toBe('the Pulumi CLI is not installed (no `pulumi` on PATH)');
    expect(e.suggestions.join('\n')).toContain('curl -fsSL https://get.pulumi.com | sh');
    expect(e.suggestions.join('\n')).toContain('brew install pulumi/tap/pulumi');
    expect(e.suggestions.join('\n')).toContain('pulumi plugin install resource aws 7.48.0');
  });

  it('the plugin version is the one @pulumi/aws in node_modules declares', () => {
    const pkg = JSON.parse(fs.readFileSync(require.resolve('@pulumi/aws/package.json'), 'utf8'));
    expect(awsPluginVersion()).toBe(pkg.pulumi?.version ?? pkg.version);
    expect(awsPluginVersion()).toMatch(/^7\.48\./);
  });

  it("the Automation API's own errors become ours: spawn ENOENT, version refusals", () => {
    // The errors exactly as @pulumi/pulumi/automation builds them.
    const { createCommandError } = require('@pulumi/pulumi/automation/errors');
    const { CommandResult, parseAndValidatePulumiVersion } = require('@pulumi/pulumi/automation/cmd');
    const { minimumVersion } = require('@pulumi/pulumi/automation/minimumVersion');
    const spawnError = Object.assign(new Error('Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT'), { code: 'ENOENT', errno: -2 });
    expect(cliProblem(createCommandError(new CommandResult('', spawnError.message, -2, spawnError)), '7.48.0')?.code).toBe('PULUMI_MISSING');
    const refusal = (v: string) => { try { parseAndValidatePulumiVersion(minimumVersion, v, false); } catch (e) { return e; } throw new Error(`${v} accepted`); };
    const old = cliProblem(refusal('3.1.0'), '7.48.0')!;
    expect(old.code).toBe('PULUMI_TOO_OLD');
    expect(old.message).toBe(`the Pulumi CLI on PATH is version 3.1.0; mesoscloud needs ${MIN_PULUMI_VERSION} or later`);
    const major = cliProblem(refusal('4.0.0'), '7.48.0')!;
    expect(major.code).toBe('PULUMI_VERSION');
    expect(major.message).toContain('version 4.0.0');
    expect(cliProblem(refusal('garbage'), '7.48.0')?.code).toBe('PULUMI_VERSION');
    expect(cliProblem(new Error('error: no stack named prod found'), '7.48.0')).toBeUndefined();
  });

  it('our own minimum is checked on what `pulumi version` prints', () => {
    expect(olderThanMinimum('v3.113.9')).toBe(true);
    expect(olderThanMinimum('v3.114.0')).toBe(false);
    expect(olderThanMinimum('3.150.0-alpha.x1234')).toBe(false);
    expect(olderThanMinimum('2.99.0')).toBe(true);
  });

  it("a failed command's reason is the end of its stderr", () => {
    const err = Object.assign(new Error('code: 255 ...'), { commandResult: { stderr: 'warning: a\n\nerror: b\nerror: c\n' } });
    expect(commandReason(err)).toBe('warning: a; error: b; error: c');
    expect(commandReason(new Error('plain'))).toBe('plain');
    // A non-zero exit as the Automation API wraps it: the command line first, then stderr.
    const { createCommandError } = require('@pulumi/pulumi/automation/errors');
    const { CommandResult } = require('@pulumi/pulumi/automation/cmd');
    const exit = Object.assign(new Error('Command failed with exit code 255: pulumi up --yes --stack prod\nerror: update failed'), { stderr: 'error: update failed\n', exitCode: 255 });
    expect(commandReason(createCommandError(new CommandResult('', exit.message, -2, exit)))).toBe('error: update failed');
    expect(commandReason(createCommandError(new CommandResult('', exit.message, -2, undefined)))).toBe('error: update failed');
  });
});

describe('stack outputs', () => {
  const out = <T>(value: T) => ({ value, secret: false });
  const valid = {
    vpcId: out('vpc-0a1b2c3d'),
    subnetIds: out(['subnet-1', 'subnet-2']),
    securityGroupId: out('sg-0f1e'),
    keyName: out('prod-key-5e1a'),
    nodes: out([
      { name: 'master-0', role: 'master', index: 0, instanceId: 'i-01', publicIp: '3.80.1.2', privateIp: '10.42.0.10', availabilityZone: 'us-east-1a', spot: false },
      { name: 'agent-0', role: 'agent', index: 0, instanceId: 'i-02', publicIp: null, privateIp: '10.42.1.11', availabilityZone: 'us-east-1b', spot: true },
    ]),
  };

  it('are read into the cluster shape; a null address is absent', () => {
    const o = clusterOutputs(valid)!;
    expect(o.nodes.map((n) => n.name)).toEqual(['master-0', 'agent-0']);
    expect(o.nodes[1]).not.toHaveProperty('publicIp');
    expect(o.subnetIds).toEqual(['subnet-1', 'subnet-2']);
  });

  it('a stack without outputs has none; a wrong one names the field', () => {
    expect(clusterOutputs({})).toBeUndefined();
    const broken = { ...valid, nodes: out([{ ...valid.nodes.value[0], privateIp: undefined }]) };
    expect(() => clusterOutputs(broken)).toThrow(StackOperationError);
    expect(() => clusterOutputs(broken)).toThrow(/nodes\[0\]\.privateIp/);
    expect(() => clusterOutputs({ ...valid, nodes: out([{ ...valid.nodes.value[0], role: 'worker' }]) })).toThrow(/nodes\[0\]\.role/);
  });
});

describe('backends', () => {
  it('file, bucket and service URLs; anything else is refused naming it', () => {
    expect(parseBackend('file:///var/lib/mesoscloud/pulumi')).toEqual({ kind: 'file', url: 'file:///var/lib/mesoscloud/pulumi', dir: '/var/lib/mesoscloud/pulumi' });
    expect(parseBackend('file://~/state', '/home/ops')).toMatchObject({ kind: 'file', dir: '/home/ops/state' });
    expect(parseBackend('s3://mesoscloud-state?region=eu-west-1').kind).toBe('diy');
    expect(parseBackend('https://api.pulumi.com').kind).toBe('cloud');
    expect(() => parseBackend('file://state')).toThrow(/relative directory/);
    const e = (() => { try { parseBackend('ftp://x'); } catch (err) { return err as ProviderError; } })()!;
    expect(e.code).toBe('BAD_BACKEND');
    expect(e.message).toContain('"ftp://x"');
    expect(e.message).toContain('s3://<bucket>');
  });

  it('nothing prompts; file and bucket stacks read the passphrase from its file, and an inherited passphrase is removed', () => {
    const env = pulumiEnv(parseBackend('file:///d'), '/d/passphrase');
    expect(env).toMatchObject({ PULUMI_SKIP_UPDATE_CHECK: 'true', PULUMI_SKIP_CONFIRMATIONS: 'true', PULUMI_CONFIG_PASSPHRASE_FILE: '/d/passphrase' });
    expect(Object.keys(env)).toContain('PULUMI_CONFIG_PASSPHRASE');
    expect(env.PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
    expect(Object.values(env).join(' ')).not.toMatch(/[A-Za-z0-9+/]{43}=/);
    expect(pulumiEnv(parseBackend('https://api.pulumi.com'), '/d/p')).not.toHaveProperty('PULUMI_CONFIG_PASSPHRASE_FILE');
    expect(secretsProviderFor(parseBackend('s3://b'))).toBe('passphrase');
    expect(secretsProviderFor(parseBackend('https://api.pulumi.com'))).toBeUndefined();
  });

  it('a missing passphrase file is made with 32 random bytes, mode 0600; an existing one is kept', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passphrase-'));
    try {
      const file = path.join(dir, 'clusters', 'prod', 'pulumi-passphrase');
      ensurePassphraseFile(file);
      const first = fs.readFileSync(file, 'utf8');
      expect(Buffer.from(first.trim(), 'base64')).toHaveLength(32);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      ensurePassphraseFile(file);
      expect(fs.readFileSync(file, 'utf8')).toBe(first);
      const other = path.join(dir, 'other');
      ensurePassphraseFile(other);
      expect(fs.readFileSync(other, 'utf8')).not.toBe(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
