/**
 * The Pulumi driver on a machine without the Pulumi CLI, for real: the Automation API spawns
 * `pulumi` from PATH and we report what it found. Then, with a recording `pulumi` on PATH (a shell
 * script that logs its argv and environment and answers as the CLI does for a missing stack), what
 * the driver hands the CLI: backend, passphrase file, no prompts, no inherited passphrase. That
 * script proves nothing about Pulumi itself; it shows what we pass to it. Last, a file backend's
 * lock files with real processes behind them: only the stale one goes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderError } from '../../infra/errors';
import { StackOperationError, type EngineEvent, type StackRef } from '../../infra/providers/aws/engine';
import { awsPluginVersion } from '../../infra/providers/aws/pulumi-backend';
import { PulumiEngine } from '../../infra/providers/aws/pulumi-engine';
import { spotCapacityFailures } from '../../infra/providers/aws/pulumi-events';
import { sweepFileLocks } from '../../infra/providers/aws/pulumi-locks';
import type { ClusterStackConfig } from '../../infra/aws/types';

let dir: string;
const saved = { FAKE_PULUMI_DIR: process.env.FAKE_PULUMI_DIR, PATH: process.env.PATH, PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE, FAKE_PULUMI_LOG: process.env.FAKE_PULUMI_LOG };

beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulumi-engine-')); });
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function ref(): StackRef {
  return {
    cluster: 'prod',
    project: 'mesoscloud',
    backendUrl: `file://${path.join(dir, 'data', 'pulumi')}`,
    passphraseFile: path.join(dir, 'data', 'clusters', 'prod', 'pulumi-passphrase'),
    workDir: path.join(dir, 'data', 'clusters', 'prod', 'pulumi-work'),
  };
}

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    return e as ProviderError;
  }
  throw new Error('expected a rejection');
}

/** A directory on PATH holding only a `pulumi` with this shell body (and mode). */
function fakePulumi(body: string, mode = 0o755): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'pulumi'), `#!/bin/sh\n${body}\n`, { mode });
  return bin;
}

describe('no Pulumi CLI on PATH', () => {
  it('check() fails with PULUMI_MISSING, how to install the CLI and the AWS plugin of our @pulumi/aws', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    process.env.PATH = empty;
    const e = await rejection(new PulumiEngine().check());
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.code).toBe('PULUMI_MISSING');
    expect(e.message).toBe('the Pulumi CLI is not installed (no `pulumi` on PATH)');
    expect(e.suggestions.join('\n')).toContain('curl -fsSL https://get.pulumi.com | sh');
    expect(e.suggestions.join('\n')).toContain(`pulumi plugin install resource aws ${awsPluginVersion()}`);
  });

  it('every operation says the same before touching anything', async () => {
    process.env.PATH = path.join(dir, 'nowhere');
    const engine = new PulumiEngine();
    expect((await rejection(engine.outputs(ref()))).code).toBe('PULUMI_MISSING');
    expect((await rejection(engine.destroy(ref(), () => {}))).code).toBe('PULUMI_MISSING');
    expect((await rejection(engine.recover(ref(), () => {}))).code).toBe('PULUMI_MISSING');
    expect((await rejection(engine.up(ref(), {} as ClusterStackConfig, () => {}))).code).toBe('PULUMI_MISSING');
    expect(fs.existsSync(ref().passphraseFile)).toBe(false);
  });

  it('a `pulumi` that cannot be executed is named as such', async () => {
    process.env.PATH = fakePulumi('echo v3.150.0', 0o644);
    const e = await rejection(new PulumiEngine().check());
    expect(e.code).toBe('PULUMI_MISSING');
    expect(e.message).toContain('cannot be run');
  });
});

describe('a Pulumi CLI of the wrong version', () => {
  it.each([
    ['older than we need', 'v3.100.0', 'PULUMI_TOO_OLD', 'the Pulumi CLI on PATH is version 3.100.0; mesoscloud needs 3.114.0 or later'],
    ['older than the Automation API accepts at all', 'v3.1.0', 'PULUMI_TOO_OLD', 'the Pulumi CLI on PATH is version 3.1.0; mesoscloud needs 3.114.0 or later'],
    ['a major version the Automation API does not speak', 'v4.2.0', 'PULUMI_VERSION', 'the Pulumi CLI on PATH is version 4.2.0, a major version this mesoscloud does not speak; it needs a 3.x CLI, 3.114.0 or later'],
  ])('%s (%s): %s', async (_what, version, code, message) => {
    process.env.PATH = fakePulumi(`[ "$1" = version ] && echo ${version}`);
    const e = await rejection(new PulumiEngine().check());
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  it('a recent CLI passes', async () => {
    process.env.PATH = fakePulumi('echo v3.150.0');
    await expect(new PulumiEngine().check()).resolves.toBeUndefined();
  });
});

describe('what the driver hands the CLI', () => {
  /** Logs argv and the PULUMI_ environment of every call; answers `stack select` as the CLI does for a missing stack. */
  const RECORDING = [
    'echo "ARGS $*" >> "$FAKE_PULUMI_LOG"',
    '/usr/bin/env | /bin/grep "^PULUMI_" | /usr/bin/sort | /bin/sed "s/^/ENV /" >> "$FAKE_PULUMI_LOG"',
    'case "$1" in',
    '  version) echo v3.150.0 ;;',
    '  stack) echo "error: no stack named \'prod\' found" >&2; exit 255 ;;',
    'esac',
  ].join('\n');

  it('a file backend, the passphrase by file (made 0600), nothing interactive, an inherited passphrase removed; a missing stack is no error', async () => {
    const log = path.join(dir, 'calls.log');
    process.env.PATH = `${fakePulumi(RECORDING)}:/usr/bin:/bin`;
    process.env.FAKE_PULUMI_LOG = log;
    process.env.PULUMI_CONFIG_PASSPHRASE = 'operators-own-passphrase';
    const engine = new PulumiEngine();
    const r = ref();
    await expect(engine.outputs(r)).resolves.toBeUndefined();
    await expect(engine.destroy(r, () => {})).resolves.toBeUndefined();
    await expect(engine.recover(r, () => {})).resolves.toEqual([]);

    const passphrase = fs.readFileSync(r.passphraseFile, 'utf8').trim();
    expect(Buffer.from(passphrase, 'base64')).toHaveLength(32);
    expect(fs.statSync(r.passphraseFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'data', 'pulumi')).isDirectory()).toBe(true);
    const project = fs.readFileSync(path.join(r.workDir, 'Pulumi.yaml'), 'utf8');
    expect(project).toContain('name: mesoscloud');
    expect(project).toContain(`url: ${r.backendUrl}`);

    // One block per call: its argv line, then its PULUMI_ variables.
    const calls = fs.readFileSync(log, 'utf8').split(/^(?=ARGS )/m);
    expect(calls.filter((c) => c.startsWith('ARGS version'))).toHaveLength(1); // found once, then reused
    const selects = calls.filter((c) => c.startsWith('ARGS stack select'));
    expect(selects).toHaveLength(3);
    for (const c of selects) {
      expect(c).toContain('ARGS stack select --stack prod --non-interactive\n');
      expect(c).toContain(`ENV PULUMI_CONFIG_PASSPHRASE_FILE=${r.passphraseFile}\n`);
      expect(c).toContain('ENV PULUMI_SKIP_UPDATE_CHECK=true\n');
      expect(c).toContain('ENV PULUMI_SKIP_CONFIRMATIONS=true\n');
      // The operator's own passphrase would override the file and fail to decrypt the stack.
      expect(c).not.toMatch(/^ENV PULUMI_CONFIG_PASSPHRASE=/m);
      expect(c).not.toMatch(/^ENV PULUMI_HOME=/m);
    }
    expect(calls.join('')).not.toContain(passphrase);
  });

  it('a backend URL of no known kind is refused before the CLI is asked anything', async () => {
    const log = path.join(dir, 'calls.log');
    process.env.PATH = `${fakePulumi(RECORDING)}:/usr/bin:/bin`;
    process.env.FAKE_PULUMI_LOG = log;
    const e = await rejection(new PulumiEngine().outputs({ ...ref(), backendUrl: 'ftp://state.example.com/' }));
    expect(e.code).toBe('BAD_BACKEND');
    expect(fs.existsSync(log)).toBe(false);
  });
});

describe('whole operations against a recording CLI', () => {
  const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'recording-pulumi.js');
  const INSTANCE = 'aws:ec2/instance:Instance';
  const urn = (name: string) => `urn:pulumi:prod::mesoscloud::mesoscloud:aws:Cluster$mesoscloud:aws:Nodes$${INSTANCE}::${name}`;
  const meta = (op: string, name: string) => ({ op, urn: urn(name), type: INSTANCE, provider: '' });
  const CONFIG: ClusterStackConfig = {
    cluster: 'prod', region: 'us-east-1', version: '0.1.0', imageId: 'ami-0123456789abcdef0', imageHasDaemons: false,
    availabilityZones: ['us-east-1a', 'us-east-1b'], vpcCidr: '10.42.0.0/16', allowCidrs: ['203.0.113.7/32'],
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG7 ops@laptop',
    roles: {
      master: { count: 1, instanceType: 't3.medium', spot: false, volumeSizeGb: 20, volumeType: 'gp3' },
      zookeeper: { count: 1, instanceType: 't3.small', spot: false, volumeSizeGb: 20, volumeType: 'gp3' },
      agent: { count: 2, instanceType: 'm5.large', spot: true, volumeSizeGb: 50, volumeType: 'gp3' },
    },
    onDemandNodes: [], tags: { team: 'ops' },
    ports: { ssh: 22, master: 5050, agent: 5051, zkClient: 2181, zkPeer: 2888, zkElection: 3888 },
  };
  const NODE = { name: 'agent-0', role: 'agent', index: 0, instanceId: 'i-0a', privateIp: '10.42.1.10', publicIp: '3.90.0.1', availabilityZone: 'us-east-1a', spot: true };
  const OUTPUTS = { vpcId: 'vpc-1', subnetIds: ['subnet-1'], securityGroupId: 'sg-1', keyName: 'prod-key', nodes: [NODE] };
  const AWS_PLUGIN = [{ name: 'aws', kind: 'resource', version: awsPluginVersion(), path: '/p', size: 1, installTime: '2026-12-01T00:00:00Z', lastUsedTime: '2026-12-01T00:00:00Z', serverURL: '' }];

  let state: string;
  const put = (name: string, value: unknown) => fs.writeFileSync(path.join(state, name), typeof value === 'string' ? value : JSON.stringify(value));
  const events = (op: string, list: object[]) => put(`${op}-events.jsonl`, list.map((e, i) => `${JSON.stringify({ sequence: i, timestamp: 1796640000 + i, ...e })}\n`).join(''));
  const calls = (): Array<{ args: string[]; env: Record<string, string>; imported?: { deployment: Record<string, unknown> }; importedMode?: number }> =>
    fs.readFileSync(path.join(state, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const callOf = (...prefix: string[]) => calls().filter((c) => prefix.every((p, i) => c.args[i] === p));

  beforeEach(() => {
    state = path.join(dir, 'fake');
    fs.mkdirSync(state);
    process.env.PATH = `${fakePulumi(`exec "${process.execPath}" "${FIXTURE}" "$@"`)}:/usr/bin:/bin`;
    process.env.FAKE_PULUMI_DIR = state;
  });
  afterEach(() => { delete process.env.FAKE_PULUMI_DIR; });

  it('up makes the stack (passphrase secrets), sets its config with aws:region, runs up to the end past failures, and returns the outputs', async () => {
    put('plugins.json', AWS_PLUGIN);
    put('outputs.json', OUTPUTS);
    events('up', [{ resourcePreEvent: { metadata: meta('create', 'prod-agent-0') } }, { resOutputsEvent: { metadata: meta('create', 'prod-agent-0') } }]);
    const seen: EngineEvent[] = [];
    const outputs = await new PulumiEngine().up(ref(), CONFIG, (e) => seen.push(e));

    expect(outputs).toEqual(OUTPUTS);
    expect(seen).toEqual([
      { kind: 'resource', type: INSTANCE, name: 'prod-agent-0', op: 'create', status: 'started' },
      { kind: 'resource', type: INSTANCE, name: 'prod-agent-0', op: 'create', status: 'done' },
    ]);
    expect(callOf('stack', 'init')[0].args).toEqual(expect.arrayContaining(['prod', '--secrets-provider', 'passphrase']));
    const { stackConfigValues } = await import('../../infra/pulumi/config');
    const setAll = callOf('config', 'set-all')[0].args;
    expect(setAll).toEqual(expect.arrayContaining(['--plaintext', 'aws:region=us-east-1']));
    for (const [key, v] of Object.entries(stackConfigValues(CONFIG))) expect(setAll).toContain(`${key}=${v.value}`);
    const up = callOf('up')[0].args;
    expect(up).toEqual(expect.arrayContaining(['--yes', '--skip-preview', '--continue-on-error', '--color', 'never', '--stack', 'prod', '--non-interactive']));
    expect(callOf('plugin', 'install')).toEqual([]);
  });

  it('an up where EC2 had no spot capacity fails naming the node, and the provider can tell it is capacity', async () => {
    put('plugins.json', AWS_PLUGIN);
    events('up', [
      { resourcePreEvent: { metadata: meta('create', 'prod-agent-1') } },
      { diagnosticEvent: { urn: urn('prod-agent-1'), prefix: 'error: ', color: 'never', severity: 'error', message: '  sdk-v2/provider2.go:572: sdk.helper_schema: creating EC2 Instance: operation error EC2: RunInstances, api error InsufficientInstanceCapacity: There is no Spot capacity available that matches your request.: provider=aws@7.48.0\n' } },
      { resOpFailedEvent: { metadata: meta('create', 'prod-agent-1'), status: 0, steps: 0 } },
      { diagnosticEvent: { urn: 'urn:pulumi:prod::mesoscloud::pulumi:pulumi:Stack::mesoscloud-prod', prefix: 'error: ', color: 'never', severity: 'error', message: 'update failed\n' } },
    ]);
    put('up-fail', 'error: update failed\n');
    const e = await rejection(new PulumiEngine().up(ref(), CONFIG, () => {})) as unknown as StackOperationError;
    expect(e).toBeInstanceOf(StackOperationError);
    expect(e.message).toMatch(/^pulumi up for cluster prod failed for 1 resource\(s\): prod-agent-1: creating EC2 Instance: .*InsufficientInstanceCapacity/);
    expect(e.failures.map((f) => f.name)).toEqual(['prod-agent-1']);
    expect(spotCapacityFailures(e.failures)).toEqual(['agent-1']);
  });

  it('a CLI step that fails is one line with the CLI\'s last words, not the whole command dump', async () => {
    put('plugins.json', AWS_PLUGIN);
    put('config-set-all-fail', 'warning: A new version of Pulumi is available.\nerror: failed to decrypt encrypted configuration value: incorrect passphrase\n');
    const e = await rejection(new PulumiEngine().up(ref(), CONFIG, () => {})) as unknown as StackOperationError;
    expect(e).toBeInstanceOf(StackOperationError);
    expect(e.message).toBe('setting the config of stack prod failed: warning: A new version of Pulumi is available.; error: failed to decrypt encrypted configuration value: incorrect passphrase');
    put('stack-exists', '');
    put('refresh-fail', 'error: refreshing urn:...: no valid credential sources for the AWS provider\n');
    expect((await rejection(new PulumiEngine().recover(ref(), () => {}))).message).toBe('recovering stack prod failed: error: refreshing urn:...: no valid credential sources for the AWS provider');
  });

  it('an up whose signal is aborted is cancelled (SIGINT to the CLI) and says so', async () => {
    put('plugins.json', AWS_PLUGIN);
    events('up', [{ resourcePreEvent: { metadata: meta('create', 'prod-agent-0') } }]);
    put('up-hang', '');
    const abort = new AbortController();
    const e = await rejection(new PulumiEngine().up(ref(), CONFIG, (ev) => { if (ev.kind === 'resource') abort.abort(); }, abort.signal));
    expect(e).toBeInstanceOf(StackOperationError);
    expect(e.message).toBe('pulumi up for cluster prod was cancelled');
  });

  it('a missing AWS plugin is installed at the version of our @pulumi/aws', async () => {
    put('outputs.json', OUTPUTS);
    const seen: EngineEvent[] = [];
    await new PulumiEngine().up(ref(), CONFIG, (e) => seen.push(e));
    expect(callOf('plugin', 'install')[0].args).toEqual(expect.arrayContaining(['resource', 'aws', `v${awsPluginVersion()}`]));
    expect(seen).toContainEqual({ kind: 'diagnostic', severity: 'info', message: `installing the Pulumi AWS provider plugin ${awsPluginVersion()}` });
  });

  /** The DIY backend's refusal, as the CLI prints it, for one lock. */
  const lockedBy = (hostname: string, pid: number) => 'error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n'
    + `  s3://mesoscloud-state/.pulumi/locks/organization/mesoscloud/prod/5b7d1c2e.json: created by ops@${hostname} (pid ${pid}) at 2026-12-07T10:41:07Z\n`;

  it('a bucket backend locked by a process of this host that is gone: the lock is cancelled and up runs again', async () => {
    put('plugins.json', AWS_PLUGIN);
    put('outputs.json', OUTPUTS);
    const dead = Number(spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
    put('up-fail-once', lockedBy(os.hostname(), dead));
    await expect(new PulumiEngine().up({ ...ref(), backendUrl: 's3://mesoscloud-state' }, CONFIG, () => {})).resolves.toEqual(OUTPUTS);
    expect(callOf('cancel')).toHaveLength(1);
    expect(callOf('up')).toHaveLength(2);
  });

  it('a lock held from another host is left alone: STACK_LOCKED says who holds it', async () => {
    put('plugins.json', AWS_PLUGIN);
    put('up-fail', lockedBy('ci-runner-7', 4242));
    const e = await rejection(new PulumiEngine().up({ ...ref(), backendUrl: 's3://mesoscloud-state' }, CONFIG, () => {}));
    expect(e.code).toBe('STACK_LOCKED');
    expect(e.message).toBe('the stack of cluster prod is in use by another Pulumi run: ops@ci-runner-7 (pid 4242, since 2026-12-07T10:41:07Z)');
    expect(callOf('cancel')).toEqual([]);
    expect(callOf('up')).toHaveLength(1);
  });

  it('recover after a killed launch: the stale lock goes, pending creates are cleared (secrets untouched, file 0600), then a refresh', async () => {
    put('stack-exists', '');
    const exported = {
      version: 3,
      deployment: {
        manifest: { time: '2026-12-07T10:41:30Z', magic: 'm', version: 'v3.200.0' },
        secrets_providers: { type: 'passphrase', state: { salt: 'v1:AbC=:v1:De:Fg==' } },
        resources: [{ urn: urn('prod-agent-0'), custom: true, id: 'i-0a', type: INSTANCE, outputs: { userData: { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', ciphertext: 'v1:xyz' } } }],
        pending_operations: [{ resource: { urn: urn('prod-agent-1'), custom: true, type: INSTANCE }, type: 'creating' }],
      },
    };
    put('export.json', exported);
    const r = ref();
    const locks = path.join(dir, 'data', 'pulumi', '.pulumi', 'locks', 'organization', 'mesoscloud', 'prod');
    fs.mkdirSync(locks, { recursive: true });
    const dead = Number(spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
    fs.writeFileSync(path.join(locks, '5b7d1c2e.json'), JSON.stringify({ pid: dead, username: 'ops', hostname: os.hostname(), timestamp: '2026-12-07T10:41:07Z' }));

    const lines = await new PulumiEngine().recover(r, () => {});

    expect(lines).toEqual([
      expect.stringMatching(/^removed the stale lock of ops@.* \(pid \d+, since 2026-12-07T10:41:07Z\): .*5b7d1c2e\.json$/),
      `cleared a pending create of prod-agent-1 (${INSTANCE}): if it was made, the stack does not know it; destroy's sweep by tag finds it`,
      'refreshed stack prod from the cloud',
    ]);
    expect(fs.readdirSync(locks)).toEqual([]);
    expect(callOf('stack', 'export')[0].args).not.toContain('--show-secrets');
    const [imported] = callOf('stack', 'import');
    expect(imported.importedMode).toBe(0o600);
    expect(imported.imported!.deployment).not.toHaveProperty('pending_operations');
    expect(imported.imported!.deployment.resources).toEqual(exported.deployment.resources);
    expect(callOf('refresh')).toHaveLength(1);
    expect(fs.readdirSync(r.workDir).filter((f) => f.startsWith('state-'))).toEqual([]);
  });

  it('recover of a healthy stack only refreshes; destroy runs to the end past failures, then removes the stack', async () => {
    put('stack-exists', '');
    expect(await new PulumiEngine().recover(ref(), () => {})).toEqual(['refreshed stack prod from the cloud']);
    expect(callOf('stack', 'import')).toEqual([]);
    await new PulumiEngine().destroy(ref(), () => {});
    expect(callOf('destroy')[0].args).toEqual(expect.arrayContaining(['--continue-on-error', '--stack', 'prod']));
    expect(callOf('stack', 'rm')[0].args).toEqual(expect.arrayContaining(['--yes', 'prod']));
    expect(fs.existsSync(path.join(state, 'stack-exists'))).toBe(false);
  });

  it('a failed destroy keeps the stack and names what could not be deleted', async () => {
    put('stack-exists', '');
    events('destroy', [
      { diagnosticEvent: { urn: urn('prod-agent-0'), prefix: 'error: ', color: 'never', severity: 'error', message: 'deleting EC2 Instance (i-0a): UnauthorizedOperation\n' } },
      { resOpFailedEvent: { metadata: meta('delete', 'prod-agent-0'), status: 0, steps: 0 } },
    ]);
    put('destroy-fail', 'error: destroy failed\n');
    const e = await rejection(new PulumiEngine().destroy(ref(), () => {})) as unknown as StackOperationError;
    expect(e.failures).toEqual([{ type: INSTANCE, name: 'prod-agent-0', message: 'deleting EC2 Instance (i-0a): UnauthorizedOperation' }]);
    expect(callOf('stack', 'rm')).toEqual([]);
  });
});

describe('lock files of a file backend', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  });

  /** A live process named `pulumi` (a copy of sleep), as the CLI holding a lock would be. */
  async function livePulumi(): Promise<number> {
    const bin = path.join(dir, 'live');
    fs.mkdirSync(bin);
    fs.copyFileSync('/bin/sleep', path.join(bin, 'pulumi'));
    fs.chmodSync(path.join(bin, 'pulumi'), 0o755);
    const child = spawn(path.join(bin, 'pulumi'), ['300'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject)); // exec done: its name is `pulumi` now
    return child.pid!;
  }

  /** The pid of a process that has exited. */
  function deadPid(): number {
    return Number(spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
  }

  it('removes the lock of a process that is gone, keeps a live one and one from another host', async () => {
    const backend = path.join(dir, 'pulumi');
    const locks = path.join(backend, '.pulumi', 'locks', 'organization', 'mesoscloud', 'prod');
    fs.mkdirSync(locks, { recursive: true });
    const lock = (pid: number, hostname: string) => JSON.stringify({ pid, username: 'ops', hostname, timestamp: '2026-12-07T10:41:07Z' });
    const host = os.hostname();
    fs.writeFileSync(path.join(locks, 'dead.json'), lock(deadPid(), host));
    fs.writeFileSync(path.join(locks, 'live.json'), lock(await livePulumi(), host));
    fs.writeFileSync(path.join(locks, 'reused.json'), lock(process.pid, host)); // alive, but not Pulumi: the pid was reused
    fs.writeFileSync(path.join(locks, 'elsewhere.json'), lock(1, 'some-other-host'));

    const sweep = sweepFileLocks(backend, 'mesoscloud', 'prod');
    expect(sweep.removed.map((l) => path.basename(l.where)).sort()).toEqual(['dead.json', 'reused.json']);
    expect(sweep.held.map((l) => path.basename(l.where)).sort()).toEqual(['elsewhere.json', 'live.json']);
    expect(fs.readdirSync(locks).sort()).toEqual(['elsewhere.json', 'live.json']);
  });
});
