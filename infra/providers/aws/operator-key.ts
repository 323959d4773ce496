/**
 * The key pair a cluster's instances take: the operator's own (--key, or the first of
 * ~/.ssh/id_ed25519, id_rsa), whose public half is imported into EC2; or, for an operator
 * with none, an ed25519 key made for the cluster and kept with it (mode 0600). Nothing prompts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProviderError } from '../../errors';
import { expandHome } from '../ssh-connect';

export interface OperatorKey {
  privateKeyFile: string;
  /** OpenSSH public key line. */
  publicKey: string;
  /** Where it came from, for the plan and the summary. */
  source: 'given' | 'found' | 'made for the cluster';
}

/** EC2 imports ed25519 and RSA keys only: an ECDSA key is never picked. */
const DEFAULT_KEYS = ['id_ed25519', 'id_rsa'];

/** The key to use, without making one: undefined when the cluster needs its own. */
export function existingKey(given: string | undefined, clusterKeyFile: string, home = os.homedir()): Omit<OperatorKey, 'publicKey'> | undefined {
  if (given) {
    const file = expandHome(given, home);
    if (!fs.existsSync(file)) throw new ProviderError('NO_SSH_KEY', `the SSH key file ${file} does not exist`, ['give a private key with --key <file>, or leave --key out to use (or make) a key for the cluster']);
    return { privateKeyFile: file, source: 'given' };
  }
  if (fs.existsSync(clusterKeyFile)) return { privateKeyFile: clusterKeyFile, source: 'made for the cluster' };
  const found = DEFAULT_KEYS.map((f) => path.join(home, '.ssh', f)).find((f) => fs.existsSync(f));
  return found ? { privateKeyFile: found, source: 'found' } : undefined;
}

/** The public key of a private key file: its .pub beside it, else derived from the private key. */
export async function publicKeyOf(privateKeyFile: string): Promise<string> {
  const pub = `${privateKeyFile}.pub`;
  if (fs.existsSync(pub)) return fs.readFileSync(pub, 'utf8').trim();
  const { utils } = await import('ssh2');
  const parsed = utils.parseKey(fs.readFileSync(privateKeyFile));
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    throw new ProviderError('BAD_SSH_KEY', `cannot read the SSH key ${privateKeyFile}: ${key instanceof Error ? key.message : 'no key in it'}`, [
      'an encrypted key needs its .pub file beside it (ssh-keygen -y -f KEY > KEY.pub)',
    ]);
  }
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

/** The cluster's key: the operator's, or one made now in `clusterKeyFile`. */
export async function ensureOperatorKey(given: string | undefined, clusterKeyFile: string): Promise<OperatorKey> {
  const existing = existingKey(given, clusterKeyFile);
  if (existing) return { ...existing, publicKey: await publicKeyOf(existing.privateKeyFile) };
  const { utils } = await import('ssh2');
  const pair = utils.generateKeyPairSync('ed25519', { comment: `mesoscloud ${path.basename(path.dirname(path.dirname(clusterKeyFile)))}` });
  fs.mkdirSync(path.dirname(clusterKeyFile), { recursive: true, mode: 0o700 });
  fs.writeFileSync(clusterKeyFile, pair.private, { mode: 0o600 });
  fs.writeFileSync(`${clusterKeyFile}.pub`, `${pair.public.trim()}\n`, { mode: 0o644 });
  return { privateKeyFile: clusterKeyFile, publicKey: pair.public.trim(), source: 'made for the cluster' };
}
