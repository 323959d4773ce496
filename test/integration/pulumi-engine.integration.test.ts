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
import type { StackRef } from '../../infra/providers/aws/engine';
import { awsPluginVersion } from '../../infra/providers/aws/pulumi-backend';
import { PulumiEngine } from '../../infra/providers/aws/pulumi-engine';
import { sweepFileLocks } from '../../infra/providers/aws/pulumi-locks';
import type { ClusterStackConfig } from '../../infra/aws/types';

let dir: string;
const saved = { PATH: process.env.PATH, PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE, FAKE_PULUMI_LOG: process.env.FAKE_PULUMI_LOG };

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
  it('older than we need: PULUMI_TOO_OLD naming the version found and the one needed', async () => {
    process.env.PATH = fakePulumi('[ "$1" = version ] && echo v3.100.0');
    const e = await rejection(new PulumiEngine().check());
    expect(e.code).toBe('PULUMI_TOO_OLD');
    expect(e.message).toBe('the Pulumi CLI on PATH is version 3.100.0; mesoscloud needs 3.114.0 or later');
  });

  it('older than the Automation API accepts at all: the same', async () => {
    process.env.PATH = fakePulumi('echo v3.1.0');
    expect((await rejection(new PulumiEngine().check())).code).toBe('PULUMI_TOO_OLD');
  });

  it('a major version the Automation API does not speak: PULUMI_VERSION', async () => {
    process.env.PATH = fakePulumi('echo v4.2.0');
    const e = await rejection(new PulumiEngine().check());
    expect(e.code).toBe('PULUMI_VERSION');
    expect(e.message).toContain('4.2.0');
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

describe('lock files of a file backend', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  });

  /** A live process named `pulumi` (a copy of sleep), as the CLI holding a lock would be. */
  function livePulumi(): number {
    const bin = path.join(dir, 'live');
    fs.mkdirSync(bin);
    fs.copyFileSync('/bin/sleep', path.join(bin, 'pulumi'));
    fs.chmodSync(path.join(bin, 'pulumi'), 0o755);
    const child = spawn(path.join(bin, 'pulumi'), ['300'], { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  }

  /** The pid of a process that has exited. */
  function deadPid(): number {
    return Number(spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
  }

  it('removes the lock of a process that is gone, keeps a live one and one from another host', () => {
    const backend = path.join(dir, 'pulumi');
    const locks = path.join(backend, '.pulumi', 'locks', 'organization', 'mesoscloud', 'prod');
    fs.mkdirSync(locks, { recursive: true });
    const lock = (pid: number, hostname: string) => JSON.stringify({ pid, username: 'ops', hostname, timestamp: '2026-12-07T10:41:07Z' });
    const host = os.hostname();
    fs.writeFileSync(path.join(locks, 'dead.json'), lock(deadPid(), host));
    fs.writeFileSync(path.join(locks, 'live.json'), lock(livePulumi(), host));
    fs.writeFileSync(path.join(locks, 'reused.json'), lock(process.pid, host)); // alive, but not Pulumi: the pid was reused
    fs.writeFileSync(path.join(locks, 'elsewhere.json'), lock(1, 'some-other-host'));

    const sweep = sweepFileLocks(backend, 'mesoscloud', 'prod');
    expect(sweep.removed.map((l) => path.basename(l.where)).sort()).toEqual(['dead.json', 'reused.json']);
    expect(sweep.held.map((l) => path.basename(l.where)).sort()).toEqual(['elsewhere.json', 'live.json']);
    expect(fs.readdirSync(locks).sort()).toEqual(['elsewhere.json', 'live.json']);
  });
});
