/**
 * Host keys as OpenSSH writes them: known_hosts lines ("host keytype base64", "[host]:port" when the
 * port is not 22, comma-separated names, hashed "|1|salt|hash" names) and fingerprints as `ssh-keygen -l`
 * prints them ("SHA256:" + base64 without padding). Pure, so the format is unit-tested apart from files.
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostLine {
  /** The first field as written: names, patterns or a hashed name. */
  names: string;
  keyType: string;
  /** Base64 of the key blob. */
  key: string;
}

/** How a host appears in known_hosts: bare for port 22, "[host]:port" otherwise; names in lower case, as OpenSSH writes them. */
export function hostPattern(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

export function sshFingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type named at the start of an SSH public key blob (a length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) throw new Error('host key blob is too short');
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) throw new Error('host key blob does not start with a key type');
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function formatKnownHostLine(host: string, port: number, keyType: string, keyBlob: Buffer): string {
  return `${hostPattern(host, port)} ${keyType} ${keyBlob.toString('base64')}`;
}

/**
 * Lines that name a key; comments, blanks and marker lines (@cert-authority, @revoked) are skipped:
 * we neither trust certificate authorities nor write markers.
 */
export function parseKnownHosts(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [names, keyType, key] = line.split(/\s+/);
    if (names && keyType && key) lines.push({ names, keyType, key });
  }
  return lines;
}

/** Whether a known_hosts line is about this host pattern (plain names or OpenSSH's hashed form). */
export function lineMatches(line: KnownHostLine, pattern: string): boolean {
  if (line.names.startsWith('|1|')) {
    const [, , salt, hash] = line.names.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest('base64') === hash;
  }
  return line.names.toLowerCase().split(',').includes(pattern);
}

/** Host key algorithms a client may accept for keys of these types (RSA keys sign with three). */
export function hostKeyAlgorithmsFor(keyTypes: string[]): string[] | undefined {
  const algorithms = new Set<string>();
  for (const type of keyTypes) {
    if (type === 'ssh-rsa') ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].forEach((a) => algorithms.add(a));
    else if (type === 'ssh-ed25519' || type.startsWith('ecdsa-sha2-')) algorithms.add(type);
    // A type we cannot negotiate by name: let the server offer anything; verification still refuses a change.
    else return undefined;
  }
  return algorithms.size ? [...algorithms] : undefined;
}
