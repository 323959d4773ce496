/**
 * Where operator commands find their credential, first match wins:
 *   1. --principal with --secret (also MESOSCLOUD_SECRET) or --secret-file, on commands that take them;
 *   2. MESOSCLOUD_PRINCIPAL with MESOSCLOUD_SECRET in the environment;
 *   3. the credential file the cluster catalog records for the cluster (`launch --secure` writes it),
 *      only when the master also comes from the catalog: a credential never goes to a --master it was not made for.
 * A secret on the command line is visible to every user of the machine (ps); prefer the others.
 */
import * as fs from 'node:fs';
import type { Credential } from '../cluster/client/credential';

export const PRINCIPAL_ENV = 'MESOSCLOUD_PRINCIPAL';
export const SECRET_ENV = 'MESOSCLOUD_SECRET';

export interface CredentialSources {
  principal?: string;
  secret?: string;
  secretFile?: string;
  env?: NodeJS.ProcessEnv;
  /** The catalog's credential file for the cluster, when the master comes from the catalog. */
  catalogFile?: string;
}

export class CredentialFlagError extends Error {
  readonly code = 'BAD_FLAG';
}

export async function resolveCredential(from: CredentialSources): Promise<Credential | undefined> {
  const env = from.env ?? process.env;
  const principal = from.principal ?? env[PRINCIPAL_ENV];
  if (principal !== undefined && principal !== '') {
    const secret = from.secretFile !== undefined ? readSecret(from.secretFile) : from.secret ?? env[SECRET_ENV];
    if (secret === undefined || secret === '') {
      throw new CredentialFlagError(`principal '${principal}' needs a secret: set ${SECRET_ENV}, or give --secret-file <file>`);
    }
    return { principal, secret };
  }
  if (from.secret !== undefined || from.secretFile !== undefined) throw new CredentialFlagError(`a secret needs its principal: give --principal (or ${PRINCIPAL_ENV})`);
  if (from.catalogFile === undefined) return undefined;
  const { readCredentialFile } = await import('../cluster/client/credential');
  return readCredentialFile(from.catalogFile);
}

function readSecret(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new CredentialFlagError(`--secret-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
