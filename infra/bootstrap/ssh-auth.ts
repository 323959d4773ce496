/**
 * How we log in: a private key file (ed25519, RSA, ECDSA) or, without one, the keys held by ssh-agent.
 * Passphrase-protected keys are not prompted for: the operator loads them into ssh-agent, which keeps
 * the secret out of this process.
 */
import * as fs from 'node:fs';
import { utils, type ParsedKey } from 'ssh2';
import { SshError } from './ssh-error';

export interface SshAuth {
  privateKeyPath?: string;
  agentSocket?: string;
}

export interface ResolvedAuth {
  privateKey?: Buffer;
  agent?: string;
  /** For error messages: which key or agent was tried. */
  description: string;
}

function keyError(host: string, message: string, suggestions: string[]): SshError {
  return new SshError('SSH_AUTH', host, message, suggestions);
}

function readPrivateKey(file: string, host: string): Buffer {
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw keyError(host, `cannot read the private key ${file}: ${reason}`, ['give the private key file with --key']);
  }
  const parsed = utils.parseKey(content) as ParsedKey | ParsedKey[] | Error;
  if (parsed instanceof Error) {
    if (/passphrase|encrypted/i.test(parsed.message)) {
      throw keyError(host, `the private key ${file} is protected by a passphrase, which is not asked for here`, [
        `load it into ssh-agent once: eval "$(ssh-agent)" && ssh-add ${file}`,
        'then run again without --key: the keys in ssh-agent (SSH_AUTH_SOCK) are used',
      ]);
    }
    throw keyError(host, `cannot use the private key ${file}: ${parsed.message}`, [
      'give an OpenSSH or PEM private key (ed25519, RSA or ECDSA) with --key',
    ]);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key.getPrivatePEM() === null) {
    throw keyError(host, `${file} holds a public key, not a private key`, [`give the private key (${file.replace(/\.pub$/, '')}) with --key`]);
  }
  return content;
}

/** The key file when given, else the agent (explicit socket, then SSH_AUTH_SOCK). */
export function resolveAuth(auth: SshAuth, host: string, env: NodeJS.ProcessEnv = process.env): ResolvedAuth {
  if (auth.privateKeyPath) {
    return { privateKey: readPrivateKey(auth.privateKeyPath, host), description: `the key ${auth.privateKeyPath}` };
  }
  const agent = auth.agentSocket ?? env.SSH_AUTH_SOCK;
  if (agent) return { agent, description: `the keys in ssh-agent (${agent})` };
  throw keyError(host, 'no SSH key given and no ssh-agent to ask (SSH_AUTH_SOCK is not set)', [
    'give a private key with --key ~/.ssh/id_ed25519',
    'or start ssh-agent and load a key: eval "$(ssh-agent)" && ssh-add',
  ]);
}
