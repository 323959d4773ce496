/**
 * Opening SSH connections to a cluster's hosts: the key (or the operator's ssh-agent), the jump
 * host and the cluster's pinned host keys, with bounded parallelism. One connection per host is
 * then reused for every step on it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SshConnection, SshError, type SshAuth, type SshEndpoint } from '../bootstrap/ssh';
import { KnownHosts } from '../bootstrap/known-hosts';
import { DEFAULT_CONCURRENCY, forEachBounded } from '../bootstrap/pool';
import type { HostProgress } from '../bootstrap/progress';
import type { ClusterSpec } from '../plan/spec';
import type { SshClusterRecord } from '../cluster-catalog';

export interface SshSettings {
  /** Private key file; without one the operator's ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
  key?: string;
  bastion?: SshEndpoint;
}

export interface HostEndpoint { host: string; sshPort: number; user: string }


export function settingsOf(spec: ClusterSpec): SshSettings {
  return { key: spec.ssh.key, bastion: spec.ssh.bastion };
}

export function settingsOfRecord(record: SshClusterRecord): SshSettings {
  return settingsOf(record.spec as unknown as ClusterSpec);
}

export function expandHome(p: string, home = os.homedir()): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** How to authenticate, decided once for the whole cluster; a missing key file is named. */
export function authFrom(settings: SshSettings, env: NodeJS.ProcessEnv = process.env): SshAuth {
  if (settings.key) {
    const file = expandHome(settings.key);
    if (!fs.existsSync(file)) {
      throw new SshError('SSH_AUTH', '', `the SSH key file ${file} does not exist`, ['give the private key with --key <file> (e.g. ~/.ssh/id_ed25519)']);
    }
    return { privateKeyPath: file };
  }
  if (env.SSH_AUTH_SOCK) return { agentSocket: env.SSH_AUTH_SOCK };
  const fallback = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(os.homedir(), '.ssh', f)).find((f) => fs.existsSync(f));
  if (fallback) return { privateKeyPath: fallback };
  throw new SshError('SSH_AUTH', '', 'no SSH key given, no ssh-agent running (SSH_AUTH_SOCK unset) and no ~/.ssh/id_ed25519, id_ecdsa or id_rsa', [
    'give the private key with --key <file>',
    'or start an agent and add the key: eval $(ssh-agent) && ssh-add <file>',
  ]);
}

export function connectOne(h: HostEndpoint, settings: SshSettings, knownHosts: KnownHosts, auth = authFrom(settings)): Promise<SshConnection> {
  return SshConnection.connect({ host: h.host, port: h.sshPort, user: h.user, auth, knownHosts, bastion: settings.bastion });
}

export interface Connected<H extends HostEndpoint> {
  conns: Map<string, SshConnection>;
  failed: { host: H; error: Error }[];
}

export async function connectAll<H extends HostEndpoint>(
  hosts: readonly H[],
  settings: SshSettings,
  knownHostsFile: string,
  progress: HostProgress,
  concurrency = DEFAULT_CONCURRENCY,
): Promise<Connected<H>> {
  const auth = authFrom(settings);
  const knownHosts = new KnownHosts(knownHostsFile);
  const conns = new Map<string, SshConnection>();
  const outcomes = await forEachBounded(hosts, concurrency, async (h) => {
    progress.step(h.host, `connecting (${h.user}@${h.host}:${h.sshPort}${settings.bastion ? ` via ${settings.bastion.host}` : ''})`);
    const conn = await connectOne(h, settings, knownHosts, auth);
    conns.set(h.host, conn);
    return conn;
  });
  const failed = outcomes.flatMap((o) => (o.ok ? [] : [{ host: o.item, error: o.error }]));
  for (const f of failed) progress.fail(f.host.host, f.error.message);
  return { conns, failed };
}

export function closeAll(conns: Map<string, SshConnection>): void {
  for (const c of conns.values()) c.close();
}
