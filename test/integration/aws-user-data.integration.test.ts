/**
 * The first-boot Node.js install (infra/aws/user-data.ts) run by bash, as cloud-init runs it, with
 * `uname`, `curl` and `sleep` replaced by stand-ins on PATH and a small stand-in release whose
 * tarball is built here: it installs when Node is missing or too old, changes nothing when run
 * again, and refuses a tarball with the wrong sha256 or a machine it has no build for.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeInstallScript, userData } from '../../infra/aws/user-data';

/** The tools the script needs besides the stand-ins; `node` is left out on purpose. */
const TOOLS = ['bash', 'sed', 'mktemp', 'sha256sum', 'tar', 'xz', 'rm', 'mkdir', 'cat', 'cp', 'date', 'dirname'];

let dir: string;
let stubs: string;
let tools: string;
let prefix: string;
let release: { version: string; sha256: { x64: string; arm64: string } };

function write(file: string, text: string, mode = 0o755): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

/** A tarball laid out like nodejs.org's, whose bin/node only says its version. */
function standInTarball(version: string, arch: string): string {
  const name = `node-v${version}-linux-${arch}`;
  const root = path.join(dir, 'build', name);
  write(path.join(root, 'bin', 'node'), `#!/bin/bash\necho v${version}\n`);
  write(path.join(root, 'lib', 'node_modules', 'npm', 'package.json'), '{}\n', 0o644);
  write(path.join(root, 'include', 'node', 'node.h'), '\n', 0o644);
  write(path.join(root, 'share', 'doc', 'node', 'README'), '\n', 0o644);
  write(path.join(root, 'README.md'), 'not installed\n', 0o644);
  const file = path.join(dir, 'dist', `v${version}`, `${name}.tar.xz`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tar = spawnSync('tar', ['-cJf', file, '-C', path.join(dir, 'build'), name]);
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-user-data-'));
  stubs = path.join(dir, 'stubs');
  tools = path.join(dir, 'tools');
  fs.mkdirSync(tools, { recursive: true });
  for (const tool of TOOLS) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${tool} is needed by this test and is not installed`);
    fs.symlinkSync(found, path.join(tools, tool));
  }
  const version = '99.1.0';
  const sum = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  release = { version, sha256: { x64: sum(standInTarball(version, 'x64')), arm64: sum(standInTarball(version, 'arm64')) } };
  // curl -fsSL ... -o <file> <url>: copies the file the URL names from the local "dist" tree, and counts calls.
  write(path.join(stubs, 'curl'), `#!/bin/bash
echo "$@" >> "${dir}/curl.calls"
out=""; url=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; --connect-timeout|--max-time) shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done
[ -f "${dir}/curl.fails" ] && exit 22
src="${dir}/dist/\${url#file:///dist/}"
[ -f "${dir}/curl.junk" ] && { echo junk > "$out"; exit 0; }
cp "$src" "$out"
`);
  write(path.join(stubs, 'sleep'), '#!/bin/bash\nexit 0\n');
  fs.mkdirSync(path.join(dir, 'old-node'));
  write(path.join(dir, 'old-node', 'node'), '#!/bin/bash\necho v18.19.1\n');
  fs.mkdirSync(path.join(dir, 'new-node'));
  write(path.join(dir, 'new-node', 'node'), '#!/bin/bash\necho v22.3.0\n');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  prefix = path.join(dir, `prefix-${Math.random().toString(36).slice(2)}`);
  for (const f of ['curl.calls', 'curl.fails', 'curl.junk']) fs.rmSync(path.join(dir, f), { force: true });
});

function runScript(opts: { machine?: string; extraPath?: string } = {}) {
  write(path.join(stubs, 'uname'), `#!/bin/bash\necho ${opts.machine ?? 'x86_64'}\n`);
  const script = nodeInstallScript({ prefix, distUrl: 'file:///dist', release });
  const PATH = [opts.extraPath, stubs, tools].filter(Boolean).join(':');
  const result = spawnSync(path.join(tools, 'bash'), ['-c', script], {
    encoding: 'utf8',
    env: { PATH },
    // stdin from /dev/null as under cloud-init: on a socket (Node's pipes) bash would read ~/.bashrc.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const calls = fs.existsSync(path.join(dir, 'curl.calls')) ? fs.readFileSync(path.join(dir, 'curl.calls'), 'utf8').trim().split('\n') : [];
  return { status: result.status, out: result.stdout + result.stderr, calls };
}

describe('the Node.js install of the first-boot script', () => {
  it('installs the release when node is missing, checked, into the prefix, and does nothing the second time', () => {
    const first = runScript();
    expect(first.out).toBe(`installed Node.js v99.1.0 into ${prefix}\n`);
    expect(first.status).toBe(0);
    expect(first.calls).toHaveLength(1);
    expect(first.calls[0]).toContain('file:///dist/v99.1.0/node-v99.1.0-linux-x64.tar.xz');
    expect(fs.readdirSync(prefix).sort()).toEqual(['bin', 'include', 'lib', 'share']);
    const again = runScript();
    expect(again.status).toBe(0);
    expect(again.out).toBe(`Node.js v99.1.0 is at ${prefix}/bin/node\n`);
    expect(again.calls).toHaveLength(1);
  });

  it('takes the arm64 build on an aarch64 machine', () => {
    const r = runScript({ machine: 'aarch64' });
    expect(r.status).toBe(0);
    expect(r.calls[0]).toContain('node-v99.1.0-linux-arm64.tar.xz');
  });

  it('leaves a Node 20 or later alone and replaces none older', () => {
    const newer = runScript({ extraPath: path.join(dir, 'new-node') });
    expect([newer.status, newer.calls]).toEqual([0, []]);
    expect(newer.out).toContain('Node.js v22.3.0 is at');
    const older = runScript({ extraPath: path.join(dir, 'old-node') });
    expect(older.status).toBe(0);
    expect(older.calls).toHaveLength(1);
    expect(fs.existsSync(path.join(prefix, 'bin', 'node'))).toBe(true);
  });

  it('refuses a download whose sha256 is not the release\'s, and installs nothing', () => {
    fs.writeFileSync(path.join(dir, 'curl.junk'), '');
    const r = runScript();
    expect(r.status).toBe(1);
    expect(r.out).toContain(`node-v99.1.0-linux-x64.tar.xz does not have the sha256 of Node.js 99.1.0 (${release.sha256.x64}); not installing it`);
    expect(fs.existsSync(prefix)).toBe(false);
  });

  it('gives up after five failed downloads, and says what it could not fetch', () => {
    fs.writeFileSync(path.join(dir, 'curl.fails'), '');
    const r = runScript();
    expect(r.status).toBe(1);
    expect(r.calls).toHaveLength(5);
    expect(r.out).toContain('could not download file:///dist/v99.1.0/node-v99.1.0-linux-x64.tar.xz');
  });

  it('says so on a machine type it has no build for', () => {
    const r = runScript({ machine: 'armv7l' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('no Node.js build for machine type armv7l; the daemons need x86_64 or aarch64');
    expect(r.calls).toEqual([]);
  });

  it('is valid bash, in the user data too', () => {
    for (const text of [userData({ cluster: 'prod', imageHasDaemons: false }), userData({ cluster: 'prod', imageHasDaemons: true })]) {
      const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([0, '']);
    }
  });
});
