/**
 * The contract between the launcher and the daemon bundle on a host: the roles a host runs, the
 * service definition file the launcher writes for each (/etc/mesoscloud/C/<role>.json) and the
 * bundle's `service` / `supervise` read, and the supervisor's pid file named after the daemon's.
 * Both sides import it from here: the launcher (infra/plan) never reaches into the daemon, and the
 * daemon never into the launcher.
 */

export const ROLES = ['zookeeper', 'master', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** The JSON in /etc/mesoscloud/C/<role>.json. */
export interface ServiceDefinition {
  role: Role;
  cluster: string;
  /** The bundle's path: part of the definition, so an upgrade changes its hash. */
  bundle: string;
  /** The bundle's subcommand and its flags, e.g. ["agent", "--master", "zk://.../mesos", ...]. */
  args: string[];
  /** The daemon's own pid, written by `service`. */
  pidFile: string;
  /** Daemon output, appended. */
  log: string;
  env: Record<string, string>;
  /** The system user the daemon drops to once started as root (masters, ZooKeeper); unset: it keeps its user. */
  user?: string;
}

/** <run>/<role>.pid -> <run>/<role>.supervisor.pid: the supervisor finds its own file from the definition's. */
export function supervisorPidFile(pidFile: string): string {
  return pidFile.replace(/\.pid$/, '') + '.supervisor.pid';
}
