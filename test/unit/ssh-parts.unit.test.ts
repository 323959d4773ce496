import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { exitCodeOf } from '../../infra/bootstrap/shell';
import { connectError, SshError, type ConnectContext } from '../../infra/bootstrap/ssh-error';
import { CappedOutput, writeStdin } from '../../infra/bootstrap/ssh-exec';
import { shellQuote } from '../../infra/bootstrap/ssh-quote';

const ctx: ConnectContext = { host: '10.0.0.7', port: 2222, user: 'ubuntu', authDescription: 'the key /k/id_ed25519', readyTimeoutMs: 15000 };

function errno(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code, level: 'client-socket' });
}

describe('connection errors', () => {
  it.each(['ECONNREFUSED', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND'])('%s is SSH_UNREACHABLE naming host:port', (code) => {
    const e = connectError(errno(code), ctx);
    expect(e.code).toBe('SSH_UNREACHABLE');
    expect(e.host).toBe('10.0.0.7');
    expect(e.message).toMatch(/^cannot reach 10\.0\.0\.7:2222: /);
    expect(e.suggestions.join('\n')).toContain('port 2222');
  });

  it('a handshake that never comes is SSH_UNREACHABLE with the time waited', () => {
    const e = connectError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), ctx);
    expect(e.code).toBe('SSH_UNREACHABLE');
    expect(e.message).toContain('no SSH handshake within 15 s');
  });

  it('a refused login is SSH_AUTH naming the user and the key', () => {
    const e = connectError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), ctx);
    expect(e.code).toBe('SSH_AUTH');
    expect(e.message).toBe('ubuntu@10.0.0.7:2222 refused to log in with the key /k/id_ed25519');
    expect(e.suggestions.join('\n')).toContain('~ubuntu/.ssh/authorized_keys');
  });

  it('a jump host that cannot reach the target names both', () => {
    const e = connectError(new Error('(SSH) Channel open failure: Connection refused'), { ...ctx, via: 'bastion:22' });
    expect(e.code).toBe('SSH_UNREACHABLE');
    expect(e.message).toBe('cannot reach 10.0.0.7:2222 through bastion:22: connection refused (nothing listens on that port)');
  });

  it('passes SshErrors through', () => {
    const original = new SshError('HOST_KEY_CHANGED', 'h', 'changed');
    expect(connectError(original, ctx)).toBe(original);
  });
});

describe('shellQuote', () => {
  const nasty = ['plain', '', "it's", 'a b', '$HOME', '`id`', '"q"', 'back\\slash', 'new\nline', "''", '*', '-n'];
  it.each(nasty)('round-trips %j through sh', (arg) => {
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(arg)}`], { encoding: 'utf8' })).toBe(arg);
  });

  it('leaves safe words alone', () => {
    expect(shellQuote('/opt/mesoscloud/c1/file-1.js')).toBe('/opt/mesoscloud/c1/file-1.js');
    expect(shellQuote('a b')).toBe("'a b'");
  });
});

describe('CappedOutput', () => {
  it('keeps the head of stdout and says how much was dropped', () => {
    const out = new CappedOutput(5, 'head');
    out.push(Buffer.from('abc'));
    out.push(Buffer.from('defg'));
    out.push(Buffer.from('hi'));
    expect(out.toString()).toBe('abcde\n[4 bytes of output not kept]\n');
  });

  it('keeps the tail of stderr', () => {
    const out = new CappedOutput(5, 'tail');
    for (const s of ['abc', 'defg', 'hi']) out.push(Buffer.from(s));
    expect(out.toString()).toBe('[4 bytes of output not kept]\nefghi');
  });

  it('returns everything under the cap', () => {
    const out = new CappedOutput(100, 'tail');
    out.push(Buffer.from('hello'));
    expect(out.toString()).toBe('hello');
  });
});

describe('writeStdin', () => {
  it('writes everything with back-pressure and ends the stream', async () => {
    const stream = new PassThrough({ highWaterMark: 1024 });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const data = Buffer.alloc(300 * 1024, 7);
    const ended = new Promise((resolve) => stream.on('end', resolve));
    await writeStdin(stream, data);
    await ended;
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('ends the stream when there is nothing to write', async () => {
    const stream = new PassThrough();
    const ended = new Promise((resolve) => stream.on('finish', resolve));
    await writeStdin(stream, undefined);
    await ended;
  });
});

describe('exitCodeOf', () => {
  it('is the code, 128 + signal, or 255 for a lost connection', () => {
    expect(exitCodeOf(3, undefined)).toBe(3);
    expect(exitCodeOf(null, 'KILL')).toBe(137);
    expect(exitCodeOf(null, 'TERM')).toBe(143);
    expect(exitCodeOf(null, 'SIGTERM')).toBe(143);
    expect(exitCodeOf(undefined, undefined)).toBe(255);
  });
});
