/**
 * `service <file.json>`: runs the daemon a service definition describes in this very process, with
 * its pid in the definition's pidFile for as long as it runs. systemd's ExecStart and the
 * supervisor both start daemons this way.
 */
import { readServiceDefinition, removePidFile, writePidFile, type ServiceDefinition } from './service-definition';

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
  return run(def.args);
}
