/**
 * What the image builder takes from the operator (ami/operator.ts) and how it names images: the
 * public key imported as the builder's key pair, from `<key>.pub` or derived from the private key
 * as ssh-keygen derives it; the SSH source address; the image name EC2 accepts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { imageName } from '../../ami/build';
import { cidrValue, operatorKey } from '../../ami/operator';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-ami-key-'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, type: 'ed25519' | 'rsa' | 'ecdsa'): string {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'operator@test', '-f', file]);
  return file;
}

describe('operatorKey', () => {
  test.each(['ed25519', 'rsa', 'ecdsa'] as const)('derives the %s public key from the private key when there is no .pub', async (type) => {
    const file = keygen(`derive-${type}`, type);
    const expected = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    fs.rmSync(`${file}.pub`);
    const key = await operatorKey(file, {});
    expect(key.publicKey).toBe(expected);
    expect(key.auth).toEqual({ privateKeyPath: file });
  });

  test('takes <key>.pub as it is when it is there', async () => {
    const file = keygen('with-pub', 'ed25519');
    expect((await operatorKey(file, {})).publicKey).toBe(fs.readFileSync(`${file}.pub`, 'utf8').trim());
  });

  test('a file that is no key is refused, naming it', async () => {
    const file = path.join(dir, 'not-a-key');
    fs.writeFileSync(file, 'hello\n');
    await expect(operatorKey(file, {})).rejects.toMatchObject({ code: 'BAD_FLAG', message: expect.stringContaining(`--key: '${file}' is not a usable private key`) });
  });

  test('a key file that does not exist is named', async () => {
    await expect(operatorKey(path.join(dir, 'missing'), {})).rejects.toMatchObject({ code: 'SSH_AUTH', message: expect.stringContaining('missing does not exist') });
  });
});

describe('cidrValue', () => {
  test('an address becomes a /32; a block stays as given', () => {
    expect(cidrValue('allow-cidr', '203.0.113.7')).toBe('203.0.113.7/32');
    expect(cidrValue('allow-cidr', '203.0.113.0/24\n')).toBe('203.0.113.0/24');
  });

  test.each(['everywhere', '203.0.113.256', '10.0.0.0/33', '::1', ''])('refuses %p, naming the flag and the value', (bad) => {
    expect(() => cidrValue('allow-cidr', bad)).toThrow(`--allow-cidr: expected an IPv4 address or CIDR block like 203.0.113.7 or 203.0.113.0/24, got '${bad}'`);
  });
});

describe('imageName', () => {
  test('version, architecture and UTC time, in the characters EC2 allows in image names', () => {
    const name = imageName('0.1.0', 'arm64', new Date('2026-12-07T10:43:03.123Z'));
    expect(name).toBe('mesoscloud-0.1.0-arm64-20261207T104303Z');
    expect(name).toMatch(/^[a-zA-Z0-9()[\] ./\-'@_]{3,128}$/);
  });
});
