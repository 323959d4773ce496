/**
 * Generated credentials in the operator's catalog, as the local (`--secure`) and SSH launchers keep
 * them: a private directory (0700) of files only the user can read (0600).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { Credential } from '../../cluster/client/credential';

/** The principal the CLI authenticates as. */
export const OPERATOR_PRINCIPAL = 'operator';

/** A new credential: the principal with 24 random bytes as its secret. */
export function freshCredential(principal: string): Credential {
  return { principal, secret: randomBytes(24).toString('base64url') };
}

/** The directory, made 0700 (also when it existed). */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/** JSON in a file only the user can read. */
export function writePrivate(file: string, value: unknown): void {
  // Created 0600 (and made so, should it have existed): never readable by others, not even for a moment.
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}
