/**
 * An SSH cluster's secrets in the operator's catalog: made once, 0600 in 0700 dirs, reused by later
 * launches, a certificate issued for a host new to the cluster, and filled into the plan's services.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planCluster } from '../../infra/plan/planner';
import { specFromSources } from '../../infra/plan/spec';
import { ensureSshSecrets, withSecrets, zkUrlWithDigest } from '../../infra/providers/ssh-secrets';
import { textOrFileValue } from '../../cluster/flags/values';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssh-secrets-')) });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

test('the first launch makes every secret, 0600 in 0700 dirs; a later one reuses them and only issues certificates for new hosts', () => {
  const first = ensureSshSecrets(dir, 'prod', [{ host: 'h1', address: '10.0.0.1' }]);
  expect(modeOf(first.dir)).toBe(0o700);
  expect(modeOf(path.join(first.dir, 'tls'))).toBe(0o700);
  for (const f of ['credentials.json', 'operator.json', 'agents.json', 'zookeeper.json', 'tls/ca-key.pem', 'tls/host-h1-key.pem', 'tls/operator-key.pem']) {
    expect({ f, mode: modeOf(path.join(first.dir, f)) }).toEqual({ f, mode: 0o600 });
  }
  const cert = new X509Certificate(first.hostPair('h1').cert);
  expect(cert.subjectAltName).toContain('IP Address:10.0.0.1');
  expect(cert.checkIssued(new X509Certificate(first.ca))).toBe(true);
  expect(new Set(first.secrets).size).toBe(first.secrets.length);

  const caKey = fs.readFileSync(path.join(first.dir, 'tls', 'ca-key.pem'), 'utf8');
  const again = ensureSshSecrets(dir, 'prod', [{ host: 'h1', address: '10.0.0.1' }, { host: 'h2.example.com', address: '10.0.0.2' }]);
  expect(again.credentialsText).toBe(first.credentialsText);
  expect(again.hostPair('h1')).toEqual(first.hostPair('h1'));
  expect(fs.readFileSync(path.join(first.dir, 'tls', 'ca-key.pem'), 'utf8')).toBe(caKey);
  const added = new X509Certificate(again.hostPair('h2.example.com').cert);
  expect(added.subjectAltName).toContain('DNS:h2.example.com');
  expect(added.checkIssued(new X509Certificate(first.ca))).toBe(true);
});

test('the plan gets each role\'s secrets; the masters\' ZooKeeper URL carries the digest credential', () => {
  const spec = specFromSources({ name: 'prod', hosts: ['10.0.0.1', '10.0.0.2'], zk: 1, colocate: true }, {});
  const plan = planCluster(spec, { bundle: { version: '0.1.0', sha256: 'a'.repeat(64) }, secure: true });
  const secrets = ensureSshSecrets(dir, 'prod', plan.hosts);
  const filled = withSecrets(plan, secrets);
  const master = filled.hosts[0].services.find((s) => s.role === 'master')!;
  const content = (kind: string) => master.secrets.find((s) => s.kind === kind)!.content;
  expect(content('zk')).toBe(`zk://mesoscloud:${secrets.zk.password}@10.0.0.1:2181/mesos\n`);
  expect(content('key')).toBe(secrets.hostPair('10.0.0.1').key);
  const agent = filled.hosts[1].services.find((s) => s.role === 'agent')!;
  expect(JSON.parse(agent.secrets.find((s) => s.kind === 'credential')!.content!).principal).toBe('agents');
  expect(agent.configHash).not.toBe(plan.hosts[1].services.find((s) => s.role === 'agent')!.configHash);
  expect(zkUrlWithDigest('zk://a:2181,b:2181/mesos', { user: 'u', password: 'p' })).toBe('zk://u:p@a:2181,b:2181/mesos');
});

test('--zk=file:///path reads the URL from the file; a missing file or a relative path is named', () => {
  const file = path.join(dir, 'zk-url');
  fs.writeFileSync(file, 'zk://u:secret@10.0.0.1:2181/mesos\n', { mode: 0o600 });
  expect(textOrFileValue('zk', `file://${file}`)).toBe('zk://u:secret@10.0.0.1:2181/mesos');
  expect(textOrFileValue('zk', 'zk://10.0.0.1:2181/mesos')).toBe('zk://10.0.0.1:2181/mesos');
  expect(() => textOrFileValue('zk', `file://${file}-missing`)).toThrow(`--zk: cannot read ${file}-missing: ENOENT`);
  expect(() => textOrFileValue('zk', 'file://relative/path')).toThrow('--zk: a file:// value needs an absolute path');
});
