import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  clusterTlsMaterial, createClusterCa, issueClientCertificate, issueHostCertificate, subjectAltNames, writeTlsFiles,
} from '../../infra/tls/cluster-ca';

describe('the cluster CA', () => {
  const ca = createClusterCa('test');
  const caCert = new crypto.X509Certificate(ca.cert);
  const host = issueHostCertificate(ca, { name: 'master-1', addresses: ['127.0.0.1', 'localhost', '10.0.0.5', '::1'] });
  const hostCert = new crypto.X509Certificate(host.cert);

  it('is a self-signed CA', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.checkIssued(caCert)).toBe(true);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.subject).toContain('mesoscloud cluster CA (test)');
  });

  it('issues host certificates that chain to it, for the host addresses', () => {
    expect(hostCert.ca).toBe(false);
    expect(hostCert.checkIssued(caCert)).toBe(true);
    expect(hostCert.verify(caCert.publicKey)).toBe(true);
    expect(hostCert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:10.0.0.5, IP Address:0:0:0:0:0:0:0:1');
    expect(hostCert.checkIP('10.0.0.5')).toBe('10.0.0.5');
    expect(hostCert.checkHost('localhost')).toBe('localhost');
    expect(hostCert.checkIP('10.0.0.6')).toBeUndefined();
    expect(hostCert.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
  });

  it('pairs each certificate with its key', () => {
    expect(hostCert.checkPrivateKey(crypto.createPrivateKey(host.key))).toBe(true);
    expect(caCert.checkPrivateKey(crypto.createPrivateKey(ca.key))).toBe(true);
    expect(hostCert.checkPrivateKey(crypto.createPrivateKey(ca.key))).toBe(false);
  });

  it('does not chain certificates of another CA', () => {
    const other = createClusterCa('other');
    const foreign = new crypto.X509Certificate(issueHostCertificate(other, { name: 'h', addresses: ['127.0.0.1'] }).cert);
    expect(foreign.checkIssued(caCert)).toBe(false);
    expect(foreign.verify(caCert.publicKey)).toBe(false);
  });

  it('issues a client-only certificate for the operator', () => {
    const client = new crypto.X509Certificate(issueClientCertificate(ca, 'operator').cert);
    expect(client.verify(caCert.publicKey)).toBe(true);
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('refuses a host without an address', () => {
    expect(() => issueHostCertificate(ca, { name: 'x', addresses: [] })).toThrow(/no address/);
  });

  it('tells IPs from names and drops duplicates', () => {
    expect(subjectAltNames(['10.0.0.1', 'a.example', '10.0.0.1', '[::1]', ' '])).toEqual([
      { type: 7, ip: '10.0.0.1' }, { type: 2, value: 'a.example' }, { type: 7, ip: '::1' },
    ]);
  });

  it('writes the material with keys readable by the owner only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-ca-'));
    try {
      const material = clusterTlsMaterial('c', [{ name: 'master', addresses: ['127.0.0.1'] }]);
      const files = writeTlsFiles(path.join(dir, 'tls'), material);
      const mode = (file: string) => fs.statSync(file).mode & 0o777;
      expect(mode(path.join(dir, 'tls'))).toBe(0o700);
      expect(mode(files.caKey)).toBe(0o600);
      expect(mode(files.hosts.master.keyFile)).toBe(0o600);
      expect(mode(files.operator.keyFile)).toBe(0o600);
      expect(mode(files.ca)).toBe(0o644);
      expect(fs.readFileSync(files.hosts.master.certFile, 'utf8')).toBe(material.hosts.master.cert);
      expect(() => writeTlsFiles(path.join(dir, 'tls'), { ...material, hosts: { '../x': material.hosts.master } })).toThrow(/cannot name/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
