/**
 * What the builder needs of the operator: the SSH key it logs in with (its public half is imported as
 * the builder's key pair) and the address SSH is opened to.
 */
import * as fs from 'node:fs';
import { OpenSSHAgent, utils, type ParsedKey } from 'ssh2';
import type { SshAuth } from '../infra/bootstrap/ssh-auth';
import { ProviderError } from '../infra/errors';
import { authFrom } from '../infra/providers/ssh-connect';

export interface OperatorKey {
  auth: SshAuth;
  /** An OpenSSH public key line ("ssh-ed25519 AAAA..."), imported as the builder's key pair. */
  publicKey: string;
}

/**
 * The key the launcher would use (--key, else ssh-agent, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa)
 * and its public half: `<key>.pub` beside it, else derived from the private key, or the agent's first
 * identity.
 */
export async function operatorKey(keyPath: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<OperatorKey> {
  const auth = authFrom({ key: keyPath }, env);
  if (!auth.privateKeyPath) {
    const identities = await agentIdentities(auth.agentSocket!);
    if (identities.length === 0) {
      throw new ProviderError('BAD_FLAG', `ssh-agent (${auth.agentSocket}) holds no keys and no --key was given`, ['give a private key with --key ~/.ssh/id_ed25519', 'or add one to the agent: ssh-add']);
    }
    return { auth, publicKey: publicLine(identities[0]) };
  }
  const file = auth.privateKeyPath;
  let pub: string | undefined;
  try {
    pub = fs.readFileSync(`${file}.pub`, 'utf8').trim();
  } catch {
    // Derived from the private key below.
  }
  if (pub && /^(ssh-|ecdsa-)\S+ [A-Za-z0-9+/=]+/.test(pub)) return { auth, publicKey: pub };
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (err) {
    throw new ProviderError('BAD_FLAG', `--key: cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ['give a readable private key file with --key']);
  }
  const parsed = utils.parseKey(content) as ParsedKey | ParsedKey[] | Error;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error || !key) {
    throw new ProviderError('BAD_FLAG', `--key: '${file}' is not a usable private key (${key instanceof Error ? key.message : 'empty'}), and there is no ${file}.pub beside it`, [
      'give an unencrypted OpenSSH or PEM private key (ed25519, ECDSA or RSA), or put its public key beside it as <key>.pub',
    ]);
  }
  return { auth, publicKey: publicLine(key) };
}

const publicLine = (key: ParsedKey) => `${key.type} ${key.getPublicSSH().toString('base64')}`;

function agentIdentities(socket: string): Promise<ParsedKey[]> {
  return new Promise((resolve, reject) => {
    new OpenSSHAgent(socket).getIdentities((err, keys) => (err ? reject(new ProviderError('BAD_FLAG', `cannot ask ssh-agent (${socket}) for its keys: ${err.message}`, ['give a private key with --key'])) : resolve((keys ?? []).filter((k): k is ParsedKey => 'getPublicSSH' in k))));
  });
}

/** A CIDR block of one address (/32) or a range: checked so EC2 is never asked with a typo. */
export function cidrValue(flag: string, input: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(input.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || (m[5] !== undefined && Number(m[5]) > 32)) {
    throw new ProviderError('BAD_FLAG', `--${flag}: expected an IPv4 address or CIDR block like 203.0.113.7 or 203.0.113.0/24, got '${input}'`);
  }
  return m[5] === undefined ? `${input.trim()}/32` : input.trim();
}

/** This machine's public address as AWS sees it (checkip.amazonaws.com), as a /32. */
export async function operatorCidr(fetchText: (url: string) => Promise<string> = defaultFetch): Promise<string> {
  const url = 'https://checkip.amazonaws.com';
  let text: string;
  try {
    text = await fetchText(url);
  } catch (err) {
    throw new ProviderError('NO_OPERATOR_ADDRESS', `cannot tell this machine's public address (asked ${url}: ${(err as Error).message})`, [
      'give the address SSH may come from: --allow-cidr 203.0.113.7/32',
    ]);
  }
  return cidrValue('allow-cidr', text.trim());
}

async function defaultFetch(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}
