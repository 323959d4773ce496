import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KnownHosts } from '../../infra/bootstrap/known-hosts';
import { SshError } from '../../infra/bootstrap/ssh-error';
import {
  formatKnownHostLine,
  hostKeyAlgorithmsFor,
  hostPattern,
  keyTypeOfBlob,
  lineMatches,
  parseKnownHosts,
  sshFingerprint,
} from '../../infra/bootstrap/ssh-host-keys';

// Public keys made by ssh-keygen, with the fingerprints `ssh-keygen -lf` printed for them.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIAkTMwjtOgrbO8mA4evsuCJz4LDUvlDiqbeDV6iGZP9c';
const ED25519_FP = 'SHA256:STJZXQUMeyrrsLsaqkkFhDP02gfcYaTVxROy0hDvGxs';
const RSA =
  'AAAAB3NzaC1yc2EAAAADAQABAAAAgQDWJb6rhOiim3aDDfY+Q115xGGHClmck7T4LLF0eVCLUG89L7rXUkJ8UU/B9P5KPDGTFIMkR+9rmLtJtjOet+AXnESf4ZzW3+3+lfHfANiql+wS95bbu3p9CPLze6U2Bl5hvUJV6MFcOs7LzcImJ4H2G/Qa4/7ZgT9y17BB3IFe1w==';
const RSA_FP = 'SHA256:WTw3VVHxKQfFldF9pO7pVZY930Xn1qULbt6+VPTHFjU';
// `ssh-keygen -H` of "[10.0.0.5]:2222 ssh-ed25519 <ED25519>".
const HASHED = `|1|zSBoVZrN+O8IfaFluOUI3Oshytc=|9PkrMyh32vMALTWluRC3wqM5YnE= ssh-ed25519 ${ED25519}`;

const ed = Buffer.from(ED25519, 'base64');
const rsa = Buffer.from(RSA, 'base64');
/** Another ed25519 blob: same type, different key. */
const otherEd = Buffer.concat([ed.subarray(0, ed.length - 1), Buffer.from([ed[ed.length - 1] ^ 1])]);

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'known-hosts-'));
  file = path.join(dir, 'sub', 'known_hosts');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('known_hosts format', () => {
  it('prints fingerprints as ssh-keygen -l does', () => {
    expect(sshFingerprint(ed)).toBe(ED25519_FP);
    expect(sshFingerprint(rsa)).toBe(RSA_FP);
  });

  it('reads the key type from the key blob', () => {
    expect(keyTypeOfBlob(ed)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(rsa)).toBe('ssh-rsa');
    expect(() => keyTypeOfBlob(Buffer.from([0, 0]))).toThrow(/too short/);
  });

  it('writes port 22 bare and other ports as [host]:port', () => {
    expect(hostPattern('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(hostPattern('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
    expect(formatKnownHostLine('h.example', 22, 'ssh-ed25519', ed)).toBe(`h.example ssh-ed25519 ${ED25519}`);
  });

  it('parses lines with comments, several names and markers', () => {
    const lines = parseKnownHosts(`# comment\n\na,b ssh-rsa ${RSA} comment\n@revoked * ssh-ed25519 ${ED25519}\n${HASHED}\n`);
    expect(lines.map((l) => l.names)).toEqual(['a,b', HASHED.split(' ')[0]]);
    expect(lineMatches(lines[0], 'a')).toBe(true);
    expect(lineMatches(lines[0], 'b')).toBe(true);
    expect(lineMatches(lines[0], 'c')).toBe(false);
  });

  it('matches hashed names as OpenSSH writes them', () => {
    const [line] = parseKnownHosts(HASHED);
    expect(lineMatches(line, '[10.0.0.5]:2222')).toBe(true);
    expect(lineMatches(line, '10.0.0.5')).toBe(false);
  });

  it('narrows host key algorithms to the recorded types', () => {
    expect(hostKeyAlgorithmsFor(['ssh-ed25519'])).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithmsFor(['ssh-rsa'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithmsFor(['sk-ssh-ed25519@openssh.com'])).toBeUndefined();
  });
});

describe('KnownHosts', () => {
  it('records a host on first use in OpenSSH format, then knows it', () => {
    const known = new KnownHosts(file);
    expect(known.verify('10.0.0.5', 22, 'ssh-ed25519', ed)).toBe('new');
    expect(fs.readFileSync(file, 'utf8')).toBe(`10.0.0.5 ssh-ed25519 ${ED25519}\n`);
    expect(known.verify('10.0.0.5', 22, 'ssh-ed25519', ed)).toBe('known');
    expect(new KnownHosts(file).lookup('10.0.0.5', 22)).toEqual([{ names: '10.0.0.5', keyType: 'ssh-ed25519', key: ED25519 }]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['known_hosts']);
  });

  it('keeps ports apart: [host]:port is another host', () => {
    const known = new KnownHosts(file);
    known.verify('10.0.0.5', 2222, 'ssh-ed25519', ed);
    expect(fs.readFileSync(file, 'utf8')).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${ED25519}\n`);
    expect(known.verify('10.0.0.5', 22, 'ssh-ed25519', otherEd)).toBe('new');
    expect(known.verify('10.0.0.5', 2222, 'ssh-ed25519', ed)).toBe('known');
  });

  it('matches host names whatever their case, as OpenSSH does', () => {
    const known = new KnownHosts(file);
    expect(known.verify('Node1.Example.COM', 22, 'ssh-ed25519', ed)).toBe('new');
    expect(fs.readFileSync(file, 'utf8')).toBe(`node1.example.com ssh-ed25519 ${ED25519}\n`);
    expect(known.verify('node1.example.com', 22, 'ssh-ed25519', ed)).toBe('known');
    expect(() => known.verify('NODE1.example.com', 22, 'ssh-ed25519', otherEd)).toThrow(/node1\.example\.com|NODE1/);
  });

  it('refuses a changed key, naming host, file, both fingerprints and the fix', () => {
    const known = new KnownHosts(file);
    known.verify('10.0.0.5', 2222, 'ssh-ed25519', ed);
    let error: unknown;
    try {
      known.verify('10.0.0.5', 2222, 'ssh-ed25519', otherEd);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SshError);
    const e = error as SshError;
    expect(e.code).toBe('HOST_KEY_CHANGED');
    expect(e.host).toBe('10.0.0.5');
    expect(e.message).toContain('10.0.0.5:2222');
    expect(e.message).toContain(file);
    expect(e.message).toContain(ED25519_FP);
    expect(e.message).toContain(sshFingerprint(otherEd));
    expect(e.message).toContain(`remove the line for [10.0.0.5]:2222 from ${file}`);
    expect(e.suggestions.join('\n')).toContain(`ssh-keygen -R '[10.0.0.5]:2222' -f ${file}`);
    // The refused key is not recorded.
    expect(fs.readFileSync(file, 'utf8')).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${ED25519}\n`);
  });

  it('refuses a key of another type than the recorded one', () => {
    const known = new KnownHosts(file);
    known.verify('h', 22, 'ssh-rsa', rsa);
    expect(() => known.verify('h', 22, 'ssh-ed25519', ed)).toThrow(expect.objectContaining({ code: 'HOST_KEY_CHANGED' }));
    expect(known.hostKeyAlgorithms('h', 22)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(known.hostKeyAlgorithms('unknown', 22)).toBeUndefined();
  });

  it('knows hosts from lines written by OpenSSH (hashed, several names) and keeps them when recording', () => {
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, `# mine\n${HASHED}\nalpha,beta ssh-rsa ${RSA}`);
    const known = new KnownHosts(file);
    expect(known.verify('10.0.0.5', 2222, 'ssh-ed25519', ed)).toBe('known');
    expect(known.verify('beta', 22, 'ssh-rsa', rsa)).toBe('known');
    expect(known.verify('gamma', 22, 'ssh-ed25519', ed)).toBe('new');
    expect(fs.readFileSync(file, 'utf8')).toBe(`# mine\n${HASHED}\nalpha,beta ssh-rsa ${RSA}\ngamma ssh-ed25519 ${ED25519}\n`);
  });

  it('sees a line removed by the operator (the documented fix for a changed key)', () => {
    const known = new KnownHosts(file);
    known.verify('h', 22, 'ssh-ed25519', ed);
    fs.writeFileSync(file, '');
    expect(known.verify('h', 22, 'ssh-ed25519', otherEd)).toBe('new');
  });

  it('records every host when many connections record at once, through several instances', async () => {
    const a = new KnownHosts(file);
    const b = new KnownHosts(path.join(dir, 'sub', '..', 'sub', 'known_hosts'));
    const hosts = Array.from({ length: 50 }, (_, i) => `10.1.0.${i}`);
    const results = await Promise.all(
      hosts.map(async (host, i) => {
        await new Promise((resolve) => setImmediate(resolve));
        return (i % 2 ? a : b).verify(host, 22, 'ssh-ed25519', ed);
      }),
    );
    expect(results.every((r) => r === 'new')).toBe(true);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.sort()).toEqual(hosts.map((h) => `${h} ssh-ed25519 ${ED25519}`).sort());
    // Both instances share what was recorded: a different key is refused through either.
    expect(() => a.verify('10.1.0.0', 22, 'ssh-ed25519', otherEd)).toThrow(/has changed/);
    expect(b.verify('10.1.0.1', 22, 'ssh-ed25519', ed)).toBe('known');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['known_hosts']);
  });
});
