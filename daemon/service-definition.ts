/**
 * The service definition file the launcher writes on each host (/etc/mesoscloud/C/<role>.json) and
 * `service` / `supervise` read, and the pid files named after it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './usage-error';
import { ROLES, supervisorPidFile, type Role, type ServiceDefinition } from '../cluster/protocol/service-definition';

export { supervisorPidFile, type ServiceDefinition };

/** Reads and checks the file; every problem names the file and the field. */
export function readServiceDefinition(file: string): ServiceDefinition {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the service definition '${file}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`service definition '${file}' is not JSON: ${(err as Error).message}`);
  }
  return checkServiceDefinition(raw, file);
}

export function checkServiceDefinition(raw: unknown, file: string): ServiceDefinition {
  const bad = (field: string, what: string, got: unknown) =>
    new UsageError(`service definition '${file}': "${field}" must be ${what}, got ${JSON.stringify(got) ?? 'nothing'}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('(top level)', 'an object', raw);
  const o = raw as Record<string, unknown>;
  const text = (field: string, absolute = false): string => {
    const v = o[field];
    if (typeof v !== 'string' || v === '' || (absolute && !path.isAbsolute(v))) throw bad(field, absolute ? 'an absolute path' : 'a non-empty string', v);
    return v;
  };
  if (!(ROLES as readonly unknown[]).includes(o.role)) throw bad('role', `one of ${ROLES.join(', ')}`, o.role);
  const args = o.args;
  if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === 'string')) throw bad('args', 'a non-empty list of strings', args);
  if (args[0] !== o.role) throw bad('args', `a list starting with the role's subcommand "${String(o.role)}"`, args);
  const env = o.env ?? {};
  if (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string')) {
    throw bad('env', 'an object of strings', env);
  }
  if (o.user !== undefined && (typeof o.user !== 'string' || !/^[a-z_][a-z0-9_-]{0,31}$/.test(o.user))) throw bad('user', 'a system user name', o.user);
  return {
    role: o.role as Role,
    cluster: text('cluster'),
    bundle: text('bundle', true),
    args: args as string[],
    pidFile: text('pidFile', true),
    log: text('log', true),
    env: env as Record<string, string>,
    ...(o.user !== undefined ? { user: o.user as string } : {}),
  };
}

/** Written whole or not at all, so a reader never sees half a pid. */
export function writePidFile(file: string, pid = process.pid): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${pid}.tmp`;
  fs.writeFileSync(tmp, `${pid}\n`);
  fs.renameSync(tmp, file);
}

/** Removes the file if it still holds `pid` (a successor may have written its own). */
export function removePidFile(file: string, pid = process.pid): void {
  try {
    if (fs.readFileSync(file, 'utf8').trim() === String(pid)) fs.unlinkSync(file);
  } catch {
    // Already gone.
  }
}
