/**
 * What makes an SSH cluster secure, kept in the operator's catalog under `<clusterDir>/secrets`
 * (0700; every file with a secret 0600):
 *
 *   credentials.json   every principal: the masters' --credentials and the agents' --http_credentials
 *                      (one file, so a token a master signs for its sandbox proxy verifies on agents)
 *   operator.json      the CLI's credential (the catalog records its path)
 *   agents.json        the credential every agent registers with
 *   zookeeper.json     the masters' ZooKeeper digest credential
 *   tls/               ca.pem, ca-key.pem (to issue more), host-<host>.pem and host-<host>-key.pem per host,
 *                      operator.pem and operator-key.pem (agents take only clients with a certificate)
 *
 * Made on the first launch and read by every later one; a host new to the cluster gets its
 * certificate then. One agents' credential rather than one per agent: the token key the daemons
 * share is derived from the whole credentials file, so a credential per agent would change that
 * file, and restart every master and agent, each time an agent host is added.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCredentialFile } from '../../cluster/client/credential';
import { freshCredential as fresh, OPERATOR_PRINCIPAL, privateDir, writePrivate } from './secret-files';
import type { ClientTlsFiles } from '../../cluster/client/tls';
import { clusterTlsMaterial, issueHostCertificate, writeTlsFiles, writeTlsPair, type PemPair, type TlsHost } from '../tls/cluster-ca';
import type { ClusterPlan, HostPlan, SecretKind } from '../plan/planner';
import { withSecretContents } from '../plan/services';

export const AGENTS_PRINCIPAL = 'agents';
export const ZK_USER = 'mesoscloud';

export interface SshClusterSecrets {
  dir: string;
  /** The CLI's: what the catalog records. */
  operatorFile: string;
  tls: Required<ClientTlsFiles>;
  /** Contents to push to the hosts. */
  credentialsText: string;
  agentCredentialText: string;
  zk: { user: string; password: string };
  ca: string;
  hostPair(host: string): PemPair;
  /** Every secret (for the tests that check no log or command line holds one). */
  secrets: string[];
}

/** A host's certificate: its name, its cluster address, and 127.0.0.1 for the SSH tunnel to it. */
export function tlsHostOf(h: Pick<HostPlan, 'host' | 'address'>): TlsHost {
  return { name: fileNameOf(h.host), addresses: [h.address, h.host, '127.0.0.1'] };
}

/**
 * Host names and IPv6 literals as file names, prefixed so that no host can be named after the CA's or
 * the operator's files (a host called `ca` must never be handed `ca-key.pem`).
 */
const fileNameOf = (host: string) => `host-${host.replace(/[^A-Za-z0-9._-]/g, '_')}`;

/** Reads the cluster's secrets, making what is missing: all of it on a first launch, certificates for new hosts later. */
export function ensureSshSecrets(clusterDir: string, cluster: string, hosts: readonly Pick<HostPlan, 'host' | 'address'>[]): SshClusterSecrets {
  const dir = path.join(clusterDir, 'secrets');
  const tlsDir = path.join(dir, 'tls');
  privateDir(dir);
  const file = (name: string) => path.join(dir, name);
  const tlsFile = (name: string) => path.join(tlsDir, name);
  if (!fs.existsSync(file('credentials.json'))) {
    const operator = fresh(OPERATOR_PRINCIPAL);
    const agents = fresh(AGENTS_PRINCIPAL);
    writePrivate(file('zookeeper.json'), fresh(ZK_USER));
    writePrivate(file('operator.json'), operator);
    writePrivate(file('agents.json'), agents);
    // Last: its presence says the others are complete.
    writePrivate(file('credentials.json'), { credentials: [operator, agents] });
  }
  if (!fs.existsSync(tlsFile('ca-key.pem'))) {
    fs.rmSync(tlsDir, { recursive: true, force: true });
    writeTlsFiles(tlsDir, clusterTlsMaterial(cluster, hosts.map(tlsHostOf)));
  }
  const ca: PemPair = { cert: fs.readFileSync(tlsFile('ca.pem'), 'utf8'), key: fs.readFileSync(tlsFile('ca-key.pem'), 'utf8') };
  for (const h of hosts) {
    const tlsHost = tlsHostOf(h);
    if (!fs.existsSync(tlsFile(`${tlsHost.name}-key.pem`))) writeTlsPair(tlsDir, tlsHost.name, issueHostCertificate(ca, tlsHost));
  }
  const zk = readCredentialFile(file('zookeeper.json'));
  const operator = readCredentialFile(file('operator.json'));
  const agents = readCredentialFile(file('agents.json'));
  return {
    dir,
    operatorFile: file('operator.json'),
    tls: { caFile: tlsFile('ca.pem'), certFile: tlsFile('operator.pem'), keyFile: tlsFile('operator-key.pem') },
    credentialsText: fs.readFileSync(file('credentials.json'), 'utf8'),
    agentCredentialText: fs.readFileSync(file('agents.json'), 'utf8'),
    zk: { user: zk.principal, password: zk.secret },
    ca: ca.cert,
    hostPair: (host) => {
      const name = fileNameOf(host);
      return { cert: fs.readFileSync(tlsFile(`${name}.pem`), 'utf8'), key: fs.readFileSync(tlsFile(`${name}-key.pem`), 'utf8') };
    },
    secrets: [operator.secret, agents.secret, zk.secret, ca.key, ...hosts.map((h) => fs.readFileSync(tlsFile(`${tlsHostOf(h).name}-key.pem`), 'utf8'))],
  };
}

/** zk://host:2181/mesos -> zk://user:password@host:2181/mesos */
export function zkUrlWithDigest(zk: string, digest: { user: string; password: string }): string {
  return zk.replace(/^zk:\/\//, `zk://${digest.user}:${digest.password}@`);
}

/** The plan with every service's secrets filled in from `secrets` (and config hashes that cover them). */
export function withSecrets(plan: ClusterPlan, secrets: SshClusterSecrets): ClusterPlan {
  const hosts = plan.hosts.map((h): HostPlan => {
    if (!h.services.some((s) => s.secrets.length > 0)) return h;
    const pair = secrets.hostPair(h.host);
    const contentOf = (kind: SecretKind): string => {
      switch (kind) {
        case 'ca': return secrets.ca;
        case 'cert': return pair.cert;
        case 'key': return pair.key;
        case 'credentials': return secrets.credentialsText;
        case 'credential': return secrets.agentCredentialText;
        case 'zk': return `${zkUrlWithDigest(plan.zk!, secrets.zk)}\n`;
      }
    };
    return { ...h, services: h.services.map((s) => (s.secrets.length > 0 ? withSecretContents(s, contentOf) : s)) };
  });
  return { ...plan, hosts };
}
