/**
 * Where operator commands find their credential, first match wins:
 *   1. --principal with --secret (also MESOSCLOUD_SECRET) or --secret-file, on commands that take them;
 *   2. MESOSCLOUD_PRINCIPAL with MESOSCLOUD_SECRET in the environment (a principal without a secret is
 *      no credential: exec --principal alone only names the framework's principal, as before);
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
  if (from.secretFile !== undefined && !principal) throw new CredentialFlagError(`--secret-file needs its principal: give --principal (or ${PRINCIPAL_ENV})`);
  const secret = from.secretFile !== undefined ? readSecret(from.secretFile) : from.secret ?? env[SECRET_ENV];
  if (principal && secret) return { principal, secret };
  // A principal alone only names the framework (exec --principal on a cluster without authentication).
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
