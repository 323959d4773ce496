/**
 * SshConnection against real OpenSSH servers: three test hosts in network namespaces (test/helpers/ssh-hosts.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { KnownHosts, SshConnection, SshError, type SshConnectOptions } from '../../infra/bootstrap/ssh';
import { sshFingerprint } from '../../infra/bootstrap/ssh-host-keys';
import { createSshHosts, type SshTestFleet } from '../helpers/ssh-hosts';
import { eventually } from '../helpers/http';

jest.setTimeout(60_000);

let fleet: SshTestFleet;
let dir: string;
const open: SshConnection[] = [];

beforeAll(async () => {
  fleet = await createSshHosts(3);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssh-connection-test-'));
});

afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

afterAll(() => {
  fleet?.remove();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

let knownCounter = 0;
function freshKnownHosts(): KnownHosts {
  return new KnownHosts(path.join(dir, `known_hosts-${knownCounter++}`));
}

/** known_hosts with the fleet's keys pinned in advance, as a provider that reports host keys would. */
function pinnedKnownHosts(): KnownHosts {
  const file = path.join(dir, `known_hosts-${knownCounter++}`);
  fs.writeFileSync(file, fleet.hostKeys.join('\n') + '\n');
  return new KnownHosts(file);
}

async function connect(i: number, extra: Partial<SshConnectOptions> = {}): Promise<SshConnection> {
  const h = fleet.hosts[i];
  const conn = await SshConnection.connect({
    host: h.ip,
    port: h.port,
    user: 'root',
    auth: { privateKeyPath: fleet.keyPath },
    knownHosts: extra.knownHosts ?? pinnedKnownHosts(),
    ...extra,
  });
  open.push(conn);
  return conn;
}

async function rejection(p: Promise<unknown>): Promise<SshError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SshError);
    return err as SshError;
  }
  throw new Error('expected the promise to reject');
}

function keygen(file: string, args: string[] = ['-t', 'ed25519', '-N', '']): string {
  execFileSync('ssh-keygen', ['-q', ...args, '-C', path.basename(file), '-f', file]);
  return fs.readFileSync(`${file}.pub`, 'utf8');
}

describe('host keys', () => {
  it('records an unknown host on first use, then knows it', async () => {
    const knownHosts = freshKnownHosts();
    await connect(0, { knownHosts });
    expect(fs.readFileSync(knownHosts.file, 'utf8')).toBe(`${fleet.hostKeys[0]}\n`);
    await connect(0, { knownHosts });
    expect(fs.readFileSync(knownHosts.file, 'utf8')).toBe(`${fleet.hostKeys[0]}\n`);
  });

  it('records every host when connecting to all at once', async () => {
    const knownHosts = freshKnownHosts();
    await Promise.all(fleet.hosts.map((_, i) => connect(i, { knownHosts })));
    const lines = fs.readFileSync(knownHosts.file, 'utf8').trim().split('\n');
    expect(lines.sort()).toEqual([...fleet.hostKeys].sort());
  });

  it('refuses a host whose key changed, naming both fingerprints, and runs nothing there', async () => {
    const knownHosts = pinnedKnownHosts();
    const oldLine = fleet.hostKeys[2];
    const accepted = () => fleet.sshdLog(2).split('Accepted publickey').length;
    const acceptedBefore = accepted();
    const newLine = await fleet.rekey(2);
    const fp = (line: string) => sshFingerprint(Buffer.from(line.split(' ')[2], 'base64'));

    const err = await rejection(connect(2, { knownHosts }));
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.host).toBe(fleet.hosts[2].ip);
    expect(err.message).toContain(fp(oldLine));
    expect(err.message).toContain(fp(newLine));
    expect(err.message).toContain(knownHosts.file);
    // Refused before logging in: the host never saw an authenticated session.
    expect(accepted()).toBe(acceptedBefore);
    expect(fs.readFileSync(knownHosts.file, 'utf8')).toContain(oldLine);

    // The documented fix: remove the old line, connect again, the new key is recorded.
    execFileSync('ssh-keygen', ['-R', fleet.hosts[2].ip, '-f', knownHosts.file], { stdio: 'ignore' });
    const conn = await connect(2, { knownHosts });
    expect((await conn.run('hostname')).trim()).toBe('h3');
    expect(fs.readFileSync(knownHosts.file, 'utf8')).toContain(newLine);
  });
});

describe('connection failures', () => {
  it('names an unreachable host (no route)', async () => {
    fleet.stopHost(1);
    try {
      const err = await rejection(connect(1, { readyTimeoutMs: 10_000 }));
      expect(err.code).toBe('SSH_UNREACHABLE');
      expect(err.message).toContain(`${fleet.hosts[1].ip}:22`);
      expect(err.suggestions.length).toBeGreaterThan(0);
    } finally {
      fleet.startHost(1);
    }
    const conn = await connect(1);
    expect((await conn.run('hostname')).trim()).toBe('h2');
  });

  it('notices a host that dies under an open connection (keepalive) and names it', async () => {
    const conn = await connect(1);
    const running = conn.exec('sleep 120');
    fleet.stopHost(1);
    try {
      const err = await rejection(running);
      expect(err.code).toBe('SSH_UNREACHABLE');
      expect(err.message).toContain(`lost the SSH connection to ${fleet.hosts[1].ip}:22`);
      expect((await rejection(conn.run('true'))).code).toBe('SSH_UNREACHABLE');
    } finally {
      fleet.startHost(1);
    }
  });

  it('names a port where nothing listens', async () => {
    const err = await rejection(connect(0, { port: 2222 }));
    expect(err.code).toBe('SSH_UNREACHABLE');
    expect(err.message).toContain(`${fleet.hosts[0].ip}:2222`);
    expect(err.message).toContain('connection refused');
  });

  it('reports a key the host does not accept as SSH_AUTH naming user and key', async () => {
    const stranger = path.join(dir, 'stranger');
    keygen(stranger);
    const err = await rejection(connect(0, { auth: { privateKeyPath: stranger } }));
    expect(err.code).toBe('SSH_AUTH');
    expect(err.message).toContain('root@');
    expect(err.message).toContain(stranger);
  });

  it('says to use ssh-agent for a passphrase-protected key', async () => {
    const locked = path.join(dir, 'locked');
    keygen(locked, ['-t', 'ed25519', '-N', 'secret phrase']);
    const err = await rejection(connect(0, { auth: { privateKeyPath: locked } }));
    expect(err.code).toBe('SSH_AUTH');
    expect(err.message).toContain('passphrase');
    expect(err.suggestions.join('\n')).toContain(`ssh-add ${locked}`);
  });
});

describe('authentication', () => {
  it('logs in with an RSA key', async () => {
    const rsa = path.join(dir, 'rsa');
    fleet.authorize(keygen(rsa, ['-t', 'rsa', '-b', '2048', '-N', '']));
    const conn = await connect(0, { auth: { privateKeyPath: rsa } });
    expect((await conn.run('id -un')).trim()).toBe('root');
  });

  it('logs in with the keys of ssh-agent', async () => {
    const sock = path.join(dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await eventually(() => fs.existsSync(sock), 'the ssh-agent socket', 5_000);
      execFileSync('ssh-add', [fleet.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const conn = await connect(1, { auth: { agentSocket: sock } });
      expect((await conn.run('hostname')).trim()).toBe('h2');
    } finally {
      agent.kill('SIGTERM');
    }
  });
});

describe('commands', () => {
  it('returns exit codes, stdout and stderr, and feeds stdin', async () => {
    const conn = await connect(0);
    expect(await conn.exec('echo out; echo err >&2; exit 3')).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect((await conn.exec('cat', { stdin: 'hello\nworld' })).stdout).toBe('hello\nworld');
    // No stdin given: the command sees end of file instead of waiting forever.
    expect((await conn.exec('cat')).code).toBe(0);
    expect(await conn.exec('kill -TERM $$')).toMatchObject({ code: null, signal: 'SIGTERM' });
    const seen: string[] = [];
    await conn.exec('echo a; echo b', { onStdout: (c) => seen.push(c.toString()) });
    expect(seen.join('')).toBe('a\nb\n');
  });

  it('streams large stdin', async () => {
    const conn = await connect(0);
    const data = Buffer.alloc(6 * 1024 * 1024, 'x');
    expect((await conn.run('wc -c', { stdin: data })).trim()).toBe(String(data.length));
  });

  it('run() throws SSH_COMMAND_FAILED with the host, command, code and stderr', async () => {
    const conn = await connect(0);
    const err = await rejection(conn.run('echo broken >&2; exit 7'));
    expect(err.code).toBe('SSH_COMMAND_FAILED');
    expect(err.message).toContain(fleet.hosts[0].ip);
    expect(err.message).toContain('exit 7');
    expect(err.message).toContain('broken');
    expect(err.details).toMatchObject({ exitCode: 7, command: 'echo broken >&2; exit 7' });
  });

  it('stops a command at its timeout and the connection stays usable', async () => {
    const conn = await connect(0);
    const err = await rejection(conn.exec('sleep 30', { timeoutMs: 300 }));
    expect(err.code).toBe('SSH_TIMEOUT');
    expect(err.message).toContain('sleep 30');
    expect((await conn.run('echo still here')).trim()).toBe('still here');
  });

  it('runs more commands at once than sshd allows sessions, by queueing them', async () => {
    const conn = await connect(0);
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => conn.run(`sleep 0.05; echo ${i}`)));
    expect(results.map((r) => r.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });
});

describe('upload', () => {
  it('writes the file atomically with its mode, creating the parent directories', async () => {
    const conn = await connect(0);
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 'abc');
    await conn.upload(content, '/opt/mesoscloud/upload-test/deep/bundle.js', { mode: 0o640 });
    const [mode, sum] = (await conn.run('stat -c %a /opt/mesoscloud/upload-test/deep/bundle.js; sha256sum < /opt/mesoscloud/upload-test/deep/bundle.js')).split('\n');
    expect(mode).toBe('640');
    expect(sum.split(' ')[0]).toBe(createHash('sha256').update(content).digest('hex'));
    // No temporary file left beside it; parents get the usual modes.
    expect((await conn.run('ls -A /opt/mesoscloud/upload-test/deep')).trim()).toBe('bundle.js');
    expect((await conn.run('stat -c %a /opt/mesoscloud/upload-test')).trim()).toBe('755');

    await conn.upload('second\n', '/opt/mesoscloud/upload-test/deep/bundle.js');
    expect(await conn.run('cat /opt/mesoscloud/upload-test/deep/bundle.js')).toBe('second\n');
    expect((await conn.run('stat -c %a /opt/mesoscloud/upload-test/deep/bundle.js')).trim()).toBe('644');
    await conn.run('rm -r /opt/mesoscloud');
  });

  it('sends a compressed upload that the host restores byte for byte', async () => {
    const conn = await connect(0);
    const content = Buffer.concat([randomBytes(200 * 1024), Buffer.alloc(400 * 1024, 'bundle ')]);
    await conn.upload(content, '/opt/mesoscloud/gz-test/bundle.js', { compress: true });
    const sum = (await conn.run('sha256sum < /opt/mesoscloud/gz-test/bundle.js')).split(' ')[0];
    expect(sum).toBe(createHash('sha256').update(content).digest('hex'));
    expect((await conn.run('ls -A /opt/mesoscloud/gz-test')).trim()).toBe('bundle.js');
    await conn.run('rm -r /opt/mesoscloud');
  });

  it('fails naming the host when the target cannot be written, leaving nothing behind', async () => {
    const conn = await connect(0);
    await conn.run('mkdir -p /opt/upload-fail && touch /opt/upload-fail/file');
    const err = await rejection(conn.upload('x', '/opt/upload-fail/file/inside'));
    expect(err.code).toBe('SSH_COMMAND_FAILED');
    expect(err.message).toContain(fleet.hosts[0].ip);
    expect((await conn.run('ls -A /opt/upload-fail')).trim()).toBe('file');
    await conn.run('rm -r /opt/upload-fail');
  });
});

describe('asRoot', () => {
  it('leaves commands alone for root', async () => {
    const conn = await connect(0);
    expect(conn.isRoot).toBe(true);
    expect(conn.asRoot('id -u')).toBe('id -u');
  });

  it('wraps commands in sudo -n for another user, quoting them intact', async () => {
    const h2 = fleet.hosts[1];
    // A user and a stand-in for sudo on h2 only (its own /etc, /home and /usr/local): sudo is not installed
    // here, and the stand-in checks the flags, then runs the command as is.
    const setup = await h2.exec(['sh', '-c',
      "useradd -m -s /bin/sh deploy && usermod -p '*' deploy && " +
      "printf '#!/bin/sh\\n[ \"$1\" = -n ] || exit 99\\nshift\\nexec \"$@\"\\n' > /usr/local/bin/sudo && chmod 755 /usr/local/bin/sudo"]);
    expect(setup).toMatchObject({ code: 0 });
    const conn = await connect(1, { user: 'deploy' });
    expect(conn.isRoot).toBe(false);
    expect(conn.asRoot('id -u')).toBe("sudo -n sh -c 'id -u'");
    const tricky = `printf '%s|' "it's" '$HOME' "$(echo sub)"`;
    expect(await conn.run(conn.asRoot(tricky))).toBe(await conn.run(tricky));
    expect(await conn.run(conn.asRoot(tricky))).toBe("it's|$HOME|sub|");
    // Without sudo on the host the failure says what to do.
    const conn3User = await fleet.hosts[2].exec(['sh', '-c', "useradd -m -s /bin/sh deploy && usermod -p '*' deploy"]);
    expect(conn3User.code).toBe(0);
    const conn3 = await connect(2, { user: 'deploy' });
    const err = await rejection(conn3.run(conn3.asRoot('true')));
    expect(err.code).toBe('SSH_COMMAND_FAILED');
    expect(err.suggestions.join('\n')).toContain('install sudo');
    // The user and the stand-in exist on h2 alone.
    expect((await fleet.hosts[0].exec(['sh', '-c', 'id deploy || test -e /usr/local/bin/sudo'])).code).not.toBe(0);
    expect(fs.existsSync('/usr/local/bin/sudo')).toBe(false);
  });
});

describe('jump host', () => {
  it('reaches h2 through h1, pinning both host keys', async () => {
    const knownHosts = freshKnownHosts();
    const [h1, h2] = fleet.hosts;
    const conn = await connect(1, { knownHosts, bastion: { host: h1.ip, port: h1.port, user: 'root' } });
    // sshd on h2 saw the connection come from h1, not from this side of the bridge.
    const [client, , server] = (await conn.run('echo $SSH_CONNECTION')).split(' ');
    expect(client).toBe(h1.ip);
    expect(server).toBe(h2.ip);
    expect((await conn.run('hostname')).trim()).toBe('h2');
    expect(fs.readFileSync(knownHosts.file, 'utf8').trim().split('\n').sort()).toEqual([fleet.hostKeys[0], fleet.hostKeys[1]].sort());
  });

  it('refuses a jump host whose key does not match', async () => {
    const h1 = fleet.hosts[0];
    const file = path.join(dir, `known_hosts-${knownCounter++}`);
    fs.writeFileSync(file, `${h1.ip} ${fleet.hostKeys[1].split(' ').slice(1).join(' ')}\n`);
    const err = await rejection(connect(1, { knownHosts: new KnownHosts(file), bastion: { host: h1.ip, port: h1.port, user: 'root' } }));
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.host).toBe(h1.ip);
    expect(err.message).toMatch(new RegExp(`^jump host for ${fleet.hosts[1].ip}: the host key of ${h1.ip}:22 has changed`));
  });

  it('names the target when the jump host cannot reach it', async () => {
    const h1 = fleet.hosts[0];
    const err = await rejection(connect(1, { port: 2222, bastion: { host: h1.ip, port: h1.port, user: 'root' } }));
    expect(err.code).toBe('SSH_UNREACHABLE');
    expect(err.message).toContain(`${fleet.hosts[1].ip}:2222 through ${h1.ip}:22`);
  });
});

describe('forwardOut', () => {
  it('connects from the host to a server only it can reach', async () => {
    const conn = await connect(2);
    const server = "require('net').createServer((s) => s.pipe(s)).listen(7000, '127.0.0.1')";
    const pid = (await conn.run(`setsid nohup node -e ${JSON.stringify(server)} >/dev/null 2>&1 & echo $!`)).trim();
    // The server may still be starting: a refused connection is retried.
    const echo = async (): Promise<string> => {
      const stream = await conn.forwardOut('127.0.0.1', 7000).catch(() => undefined);
      if (!stream) return '';
      const reply = await new Promise<string>((resolve) => {
        stream.once('data', (c: Buffer) => resolve(c.toString()));
        stream.once('close', () => resolve(''));
        stream.once('error', () => resolve(''));
        stream.write('ping');
      });
      stream.destroy();
      return reply;
    };
    try {
      expect(await eventually(echo, 'the echo server on the host answering', 10_000)).toBe('ping');
    } finally {
      await conn.run(`kill ${pid}`);
    }
  });

  it('names host and port when nothing listens there', async () => {
    const conn = await connect(2);
    const err = await rejection(conn.forwardOut('127.0.0.1', 7001));
    expect(err.code).toBe('SSH_UNREACHABLE');
    expect(err.host).toBe(fleet.hosts[2].ip);
    expect(err.message).toContain('127.0.0.1:7001');
  });
});

describe('shell', () => {
  function collect(stream: PassThrough): () => string {
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    return () => text;
  }

  it('runs a login shell on piped input and returns its exit code', async () => {
    const conn = await connect(0);
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const out = collect(stdout);
    stdin.end('echo "on $(hostname)"; exit 4\n');
    expect(await conn.shell({ stdin, stdout, stderr: new PassThrough(), pty: true })).toBe(4);
    expect(out()).toContain('on h1');
  });

  it('runs one command with a pty when stdin is a terminal, in raw mode until it ends', async () => {
    const conn = await connect(0);
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: jest.fn() });
    const stdout = Object.assign(new PassThrough(), { columns: 100, rows: 30 });
    const out = collect(stdout);
    const code = await conn.shell({ stdin, stdout, stderr: new PassThrough(), command: 'tty; stty size; exit 5', pty: true });
    expect(code).toBe(5);
    expect(out()).toMatch(/\/dev\/pts\/\d+/);
    expect(out()).toContain('30 100');
    expect(stdin.setRawMode.mock.calls).toEqual([[true], [false]]);
  });
});

describe('test hosts', () => {
  it('have their own /opt, /tmp and hostname, and reach each other', async () => {
    const [h1, h2] = fleet.hosts;
    const name = `isolation-${process.pid}`;
    const c1 = await connect(0);
    const c2 = await connect(1);
    await c1.run(`echo one > /opt/${name} && echo t > /tmp/${name}`);
    expect((await c2.exec(`test -e /opt/${name} || test -e /tmp/${name}`)).code).not.toBe(0);
    expect(fs.existsSync(`/opt/${name}`)).toBe(false);
    expect(fleet.leftovers(0)).toContain(`/opt/${name}`);
    await c1.run(`rm /opt/${name}`);
    expect(fleet.leftovers(0)).not.toContain(`/opt/${name}`);
    expect((await c1.run('hostname')).trim()).toBe('h1');
    expect((await c2.run('hostname')).trim()).toBe('h2');
    expect(os.hostname()).not.toMatch(/^h[12]$/);
    const probe = `require('net').connect(${h2.port}, '${h2.ip}').on('connect', () => { console.log('reached'); process.exit(0); })`;
    expect((await c1.run(`node -e ${JSON.stringify(probe)}`)).trim()).toBe('reached');
    expect((await h1.exec(['hostname'])).stdout.trim()).toBe('h1');
  });

  it('remove() leaves no namespace, bridge, process or directory, and may be called twice', async () => {
    const extra = await createSshHosts(1);
    const h = extra.hosts[0];
    const conn = await SshConnection.connect({ host: h.ip, port: h.port, user: 'root', auth: { privateKeyPath: extra.keyPath }, knownHosts: freshKnownHosts() });
    const sleeper = Number((await conn.run('setsid nohup sleep 300 >/dev/null 2>&1 & echo $!')).trim());
    conn.close();
    expect(h.pids()).toEqual(expect.arrayContaining([h.sshdPid, sleeper]));
    extra.remove();
    extra.remove();
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(h.netns);
    expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toMatch(new RegExp(`${extra.bridge}|${h.link}`));
    for (const pid of [h.sshdPid, sleeper]) expect(fs.existsSync(`/proc/${pid}/ns/net`)).toBe(false);
    expect(fs.existsSync(extra.dir)).toBe(false);
  });
});
