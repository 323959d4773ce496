/**
 * The `--acls` flag of the master and the agent, as Mesos takes it: the ACLs as a JSON string, or a
 * file that holds them (`file:///path/to/acls.json` or `/path/to/acls.json`). Read once at start-up;
 * a file that cannot be read or ACLs that do not validate stop the daemon with a message naming the
 * flag and the field.
 */
import * as fs from 'node:fs';
import { AclsError, parseAcls, type Acls } from './acls';
import { Authorizer } from './authorizer';

export function readAclsFlag(value: string): Acls {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) return parseAcls(trimmed, 'acls');
  const file = trimmed.startsWith('file://') ? trimmed.slice('file://'.length) : trimmed;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AclsError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseAcls(text, file);
}

/** The daemon's authorizer; without --acls one that allows everything (Mesos without an authorizer). */
export function authorizerFromFlag(value: string | undefined): Authorizer {
  return new Authorizer(value === undefined ? ALLOW_ALL : readAclsFlag(value));
}

const ALLOW_ALL: Acls = { permissive: true, rules: new Map() };
