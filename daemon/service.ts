/**
 * `service <file.json>`: runs the daemon a service definition describes in this very process, with
 * its pid in the definition's pidFile for as long as it runs. systemd's ExecStart and the
 * supervisor both start daemons this way.
 */
import * as fs from 'node:fs';
import { readServiceDefinition, removePidFile, writePidFile, type ServiceDefinition } from './service-definition';
import { UsageError } from './usage-error';

export function startService(file: string, run: (args: string[]) => Promise<void>): Promise<void> {
  const def: ServiceDefinition = readServiceDefinition(file);
  Object.assign(process.env, def.env);
  writePidFile(def.pidFile);
  process.on('exit', () => removePidFile(def.pidFile));
  if (def.role !== 'agent') {
    // Only an agent gives SIGUSR1 a meaning (kill tasks, leave); for the others it means stop,
    // rather than Node's default of opening the inspector.
    process.on('SIGUSR1', () => process.kill(process.pid, 'SIGTERM'));
  }
  // Started as root (systemd, the supervisor), the daemon becomes its user before it reads a flag or
  // a file: its TLS key and credentials are readable by that user only.
  if (def.user !== undefined && process.getuid?.() === 0) becomeUser(def.user);
  return run(def.args);
}

/** Drops root for good: its primary group (as the only group), then the user itself; HOME follows. */
export function becomeUser(user: string, passwd = '/etc/passwd'): void {
  const entry = fs.readFileSync(passwd, 'utf8').split('\n').map((line) => line.split(':')).find((f) => f[0] === user);
  if (!entry || entry.length < 7) throw new UsageError(`the service's user '${user}' does not exist on this host (not in ${passwd})`);
  const gid = Number(entry[3]);
  process.setgroups!([gid]);
  process.setgid!(gid);
  process.setuid!(Number(entry[2]));
  process.env.HOME = entry[5];
  process.env.USER = user;
  process.env.LOGNAME = user;
}
