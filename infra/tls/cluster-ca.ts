/**
 * The cluster CA: one self-signed authority per cluster and a certificate per host, issued for the
 * host's addresses and names (subjectAltName), so daemons and the CLI verify each other against the
 * CA alone. Keys are made by node:crypto (native, RSA 2048); node-forge builds and signs the X.509
 * structures. Nothing here logs: private keys only ever leave as the PEM strings returned, and
 * writeTlsFiles stores them 0600.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import forge from 'node-forge';

export interface PemPair {
  cert: string;
  key: string;
}

/** A host to issue a certificate for: a name (the certificate's CN) and every address it is reached by. */
export interface TlsHost {
  name: string;
  /** IP addresses and DNS names; each lands in subjectAltName as an IP or a DNS entry. */
  addresses: string[];
}

/** What a cluster needs: the CA, a certificate per host (by name) and one for the operator's CLI. */
export interface ClusterTlsMaterial {
  ca: PemPair;
  hosts: Record<string, PemPair>;
  operator: PemPair;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_DAYS = 3650;
const LEAF_DAYS = 825;

/** DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256; the digest follows. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

function newKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.PublicKey; pem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privateKey: signer(pem), publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()), pem };
}

/**
 * A signing key for forge's cert.sign that signs natively: forge hands over the SHA-256 digest of the
 * certificate body, node:crypto makes the RSA PKCS#1 v1.5 signature (pure-JS RSA takes about a second).
 */
function signer(keyPem: string): forge.pki.rsa.PrivateKey {
  const sign = (md: forge.md.MessageDigest): string => {
    const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(md.digest().getBytes(), 'binary')]);
    return crypto.privateEncrypt({ key: keyPem, padding: crypto.constants.RSA_PKCS1_PADDING }, digestInfo).toString('binary');
  };
  return { sign } as unknown as forge.pki.rsa.PrivateKey;
}

function serial(): string {
  // Positive (top bit clear), 16 random bytes: RFC 5280 allows up to 20 octets.
  const bytes = crypto.randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

function baseCertificate(publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  // Backdated a little: clocks across hosts disagree by seconds.
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  return cert;
}

/** A new CA named after the cluster, allowed to sign host certificates only (pathLen 0). */
export function createClusterCa(cluster: string, opts: { days?: number } = {}): PemPair {
  const keys = newKeys();
  const cert = baseCertificate(keys.publicKey, opts.days ?? CA_DAYS);
  const subject = [{ name: 'commonName', value: `mesoscloud cluster CA (${cluster})` }, { name: 'organizationName', value: 'mesoscloud' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.pem };
}

/** "10.0.0.1", "::1" -> IP entries; anything else -> a DNS entry. Duplicates dropped. */
export function subjectAltNames(addresses: readonly string[]): { type: number; value?: string; ip?: string }[] {
  const seen = new Set<string>();
  const names: { type: number; value?: string; ip?: string }[] = [];
  for (const address of addresses) {
    const value = address.trim().replace(/^\[(.*)\]$/, '$1');
    if (value === '' || seen.has(value)) continue;
    seen.add(value);
    names.push(net.isIP(value) ? { type: 7, ip: value } : { type: 2, value });
  }
  return names;
}

/** A new key and a certificate for it, issued by `ca` to `name` with `extensions` (besides the key identifiers). */
function issue(ca: PemPair, name: string, extensions: object[], days = LEAF_DAYS): PemPair {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const keys = newKeys();
  const cert = baseCertificate(keys.publicKey, days);
  cert.setSubject([{ name: 'commonName', value: name }, { name: 'organizationName', value: 'mesoscloud' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    ...extensions,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(signer(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.pem };
}

/**
 * A certificate for one host, signed by `ca`, for both ends of TLS: daemons serve with it and present
 * it as their client certificate (the agent channel is mutual TLS).
 */
export function issueHostCertificate(ca: PemPair, host: TlsHost, opts: { days?: number } = {}): PemPair {
  if (host.addresses.length === 0) throw new Error(`host '${host.name}' has no address to put in its certificate`);
  return issue(ca, host.name, [
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: subjectAltNames(host.addresses) },
  ], opts.days);
}

/** The operator's client certificate: no address, client authentication only. */
export function issueClientCertificate(ca: PemPair, name: string, opts: { days?: number } = {}): PemPair {
  return issue(ca, name, [
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ], opts.days);
}

/** Everything a cluster on `hosts` needs: a new CA, one certificate per host, one for the operator. */
export function clusterTlsMaterial(cluster: string, hosts: readonly TlsHost[]): ClusterTlsMaterial {
  const ca = createClusterCa(cluster);
  const issued: Record<string, PemPair> = {};
  for (const host of hosts) issued[host.name] = issueHostCertificate(ca, host);
  return { ca, hosts: issued, operator: issueClientCertificate(ca, `operator of ${cluster}`) };
}

/** Where writeTlsFiles put a host's (or the operator's) files. */
export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * Writes the material under `dir` (0700): ca.pem (and ca-key.pem, kept to issue more hosts later),
 * <name>.pem and <name>-key.pem per host, operator.pem and operator-key.pem. Keys are 0600.
 */
export function writeTlsFiles(dir: string, material: ClusterTlsMaterial): { ca: string; caKey: string; hosts: Record<string, TlsFiles>; operator: TlsFiles } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const caFile = writePem(path.join(dir, 'ca.pem'), material.ca.cert, 0o644);
  const caKey = writePem(path.join(dir, 'ca-key.pem'), material.ca.key, 0o600);
  const pair = (name: string, pem: PemPair): TlsFiles => ({ caFile, ...writeTlsPair(dir, name, pem) });
  const hosts: Record<string, TlsFiles> = {};
  for (const [name, pem] of Object.entries(material.hosts)) {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name === 'ca' || name === 'operator') throw new Error(`cannot name TLS files after host '${name}'`);
    hosts[name] = pair(name, pem);
  }
  return { ca: caFile, caKey, hosts, operator: pair('operator', material.operator) };
}

/** One certificate (0644) and its key (0600) under `dir`, as `<name>.pem` and `<name>-key.pem`. */
export function writeTlsPair(dir: string, name: string, pem: PemPair): { certFile: string; keyFile: string } {
  return { certFile: writePem(path.join(dir, `${name}.pem`), pem.cert, 0o644), keyFile: writePem(path.join(dir, `${name}-key.pem`), pem.key, 0o600) };
}

function writePem(file: string, text: string, mode: number): string {
  // Created with its final mode, never readable by others even for a moment.
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, text, { mode, flag: 'wx' });
  fs.chmodSync(file, mode);
  return file;
}
