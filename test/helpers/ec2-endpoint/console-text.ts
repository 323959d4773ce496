/**
 * A console log as an Ubuntu instance prints it on first boot: kernel lines, cloud-init's messages
 * and its block of SSH host keys, with freshly generated keys (so that nothing is hard-coded and each
 * instance's keys differ), for instances that run on no machine of the pool.
 */
import { generateKeyPairSync } from 'node:crypto';

/** An SSH wire string: a 4-byte length, then the bytes. */
export function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** A new host key as an OpenSSH public key line: 'ssh-ed25519 AAAA...' or 'ecdsa-sha2-nistp256 AAAA...'. */
export function newHostKeyLine(type: 'ed25519' | 'ecdsa'): string {
  if (type === 'ed25519') {
    const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(jwk.x!, 'base64url'))]);
    return `ssh-ed25519 ${blob.toString('base64')}`;
  }
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const blob = Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(point)]);
  return `ecdsa-sha2-nistp256 ${blob.toString('base64')}`;
}

/** cloud-init's block, exactly as it frames the keys. */
export function hostKeyBlock(keyLines: string[]): string {
  return ['-----BEGIN SSH HOST KEY KEYS-----', ...keyLines.map((k) => `${k} root@ip-10-0-0-1`), '-----END SSH HOST KEY KEYS-----'].join('\n');
}

export function bootConsole(keyLines: string[]): string {
  return [
    '[    0.000000] Linux version 6.8.0-1021-aws (buildd@lcy02-amd64-015) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0) #23-Ubuntu SMP',
    '[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.8.0-1021-aws root=PARTUUID=1a2b3c4d ro console=tty1 console=ttyS0 nvme_core.io_timeout=4294967295 panic=-1',
    '[    1.912345] EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode.',
    'cloud-init[512]: Cloud-init v. 24.4-0ubuntu1~24.04.2 running \'init\' at Wed, 15 Jan 2025 10:00:01 +0000. Up 8.12 seconds.',
    '[    9.104211] cloud-init[512]: Generating public/private ed25519 key pair.',
    '<14>Jan 15 10:00:09 ec2: ',
    '<14>Jan 15 10:00:09 ec2: #############################################################',
    '<14>Jan 15 10:00:09 ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
    '<14>Jan 15 10:00:09 ec2: 256 SHA256:3Qz3cE1yN0a9m4oVt0m6wQy5Xz4o2M6e9yQv0l1kq8A root@ip-10-0-0-1 (ED25519)',
    '<14>Jan 15 10:00:09 ec2: -----END SSH HOST KEY FINGERPRINTS-----',
    '<14>Jan 15 10:00:09 ec2: #############################################################',
    ...hostKeyBlock(keyLines).split('\n'),
    'cloud-init[601]: Cloud-init v. 24.4-0ubuntu1~24.04.2 finished at Wed, 15 Jan 2025 10:00:12 +0000. Datasource DataSourceEc2Local.  Up 19.01 seconds',
    '',
  ].join('\r\n');
}
