/**
 * Reading SSH host keys out of an EC2 console log: only well-formed keys of known types, only inside
 * a complete cloud-init block, the last one if the instance booted more than once, whatever noise
 * the console puts around and between the lines.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { hostKeysFromConsole, wellFormedKey } from '../../infra/providers/aws/console-host-keys';
import { bootConsole, hostKeyBlock, newHostKeyLine } from '../helpers/ec2-endpoint';
import { sshString } from '../helpers/ec2-endpoint/console-text';

/** An RSA host key line as OpenSSH writes it (mpints with a leading zero when the top bit is set). */
function rsaKeyLine(): string {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  const mpint = (b64url: string) => {
    const raw = Buffer.from(b64url, 'base64url');
    return sshString(raw[0] & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
  };
  return `ssh-rsa ${Buffer.concat([sshString('ssh-rsa'), mpint(jwk.e!), mpint(jwk.n!)]).toString('base64')}`;
}

const ED = newHostKeyLine('ed25519');
const EC = newHostKeyLine('ecdsa');
const RSA = rsaKeyLine();
const KEYS = [EC, ED, RSA];

describe('hostKeysFromConsole', () => {
  it('reads the keys of a console log as an Ubuntu instance prints it (CRLF, syslog prefixes, comments)', () => {
    expect(hostKeysFromConsole(bootConsole([EC, ED]))).toEqual([EC, ED]);
  });

  it('finds nothing without a complete block', () => {
    expect(hostKeysFromConsole('')).toEqual([]);
    expect(hostKeysFromConsole(`${ED}\n${EC}\n`)).toEqual([]);
    // Output cut before the end marker.
    expect(hostKeysFromConsole(hostKeyBlock([ED, EC]).split('\n').slice(0, 3).join('\n'))).toEqual([]);
  });

  it('takes the last complete block: the latest boot, not a block cut short after it', () => {
    const secondBoot = newHostKeyLine('ed25519');
    const text = [hostKeyBlock([ED]), 'reboot: Restarting system', hostKeyBlock([secondBoot]), '-----BEGIN SSH HOST KEY KEYS-----', EC].join('\r\n');
    expect(hostKeysFromConsole(text)).toEqual([secondBoot]);
  });

  it('skips lines that only look like keys', () => {
    const [, edBlob] = ED.split(' ');
    const [, ecBlob] = EC.split(' ');
    const p384 = Buffer.from(ecBlob, 'base64');
    p384.write('nistp384', 4 + 19 + 4); // the curve named inside no longer matches the key type
    const junk = [
      `ssh-rsa ${edBlob}`, // an ed25519 blob under another type
      `ssh-ed25519 ${edBlob.slice(0, 40)}`, // cut short
      'ssh-ed25519 not-base64!!',
      `ecdsa-sha2-nistp256 ${p384.toString('base64')}`,
      `ssh-dss ${edBlob}`, // not a type we accept
    ];
    expect(hostKeysFromConsole(hostKeyBlock([...junk, RSA]))).toEqual([RSA]);
    expect(wellFormedKey('ssh-ed25519', edBlob)).toBe(true);
    expect(wellFormedKey('ssh-rsa', RSA.split(' ')[1])).toBe(true);
  });

  it('lists a key printed twice once', () => {
    expect(hostKeysFromConsole(hostKeyBlock([ED, ED, EC]))).toEqual([ED, EC]);
  });

  it('keeps every key whatever junk is interleaved and however lines end', () => {
    const marker = /SSH HOST KEY KEYS/;
    const junkLine = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('[   12.345678] audit: type=1400 audit(1705312809.123:2): apparmor="STATUS"', 'cloud-init[512]: ci-info: +++++++', '<14>Jan 15 10:00:09 ec2: ', '\u001b[0m\u001b[32m  OK  \u001b[0m] Started ssh.service'),
    ).map((s) => s.replace(/[\r\n]/g, ' ')).filter((s) => !marker.test(s));
    const junkLines = fc.array(junkLine, { maxLength: 4 });
    const prefix = fc.constantFrom('', 'ec2: ', '<14>Jan 15 10:00:09 ec2: ', '[  9.1] ');
    const comment = fc.constantFrom('', ' root@ip-10-0-0-1', ' root@localhost ');
    fc.assert(fc.property(
      junkLines, junkLines, fc.tuple(junkLines, junkLines, junkLines), fc.tuple(prefix, prefix, prefix), fc.tuple(comment, comment, comment), fc.constantFrom('\n', '\r\n'),
      (before, after, between, prefixes, comments, eol) => {
        const lines = [...before, `${prefixes[0]}-----BEGIN SSH HOST KEY KEYS-----`];
        KEYS.forEach((key, i) => lines.push(...between[i], `${prefixes[i]}${key}${comments[i]}`));
        lines.push('-----END SSH HOST KEY KEYS-----', ...after);
        expect(hostKeysFromConsole(lines.join(eol))).toEqual(KEYS);
      },
    ), { numRuns: 200 });
  });
});
