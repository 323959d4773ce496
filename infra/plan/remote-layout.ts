/**
 * Where a cluster lives on each of its hosts. Every path the launcher, the bootstrap, the daemon
 * bundle's `service`/`supervise` and `destroy` use comes from here, so they cannot drift apart.
 * Everything of cluster C sits under a directory named C in four roots, which is what lets several
 * clusters share a host and `destroy` remove one of them without touching the others.
 */
import * as path from 'node:path';
import { cgroupsRoot } from './cluster-names';
import { supervisorPidFile, type Role } from '../../cluster/protocol/service-definition';

export { supervisorPidFile };

const OPT = '/opt/mesoscloud';
const ETC = '/etc/mesoscloud';
const VAR_LIB = '/var/lib/mesoscloud';
const VAR_LOG = '/var/log/mesoscloud';
const SYSTEMD = '/etc/systemd/system';

/** The system user masters and ZooKeeper run as (the bootstrap creates it); agents stay root to switch task users. */
export const DAEMON_USER = 'mesoscloud';

const BUNDLE_FILE = /^mesoscloud-daemon-([0-9a-f]{12})\.js$/;

export interface RemoteLayout {
  cluster: string;
  /** /opt/mesoscloud/C: the daemon bundles. */
  bundleDir: string;
  /** /opt/mesoscloud/C/mesoscloud-daemon-<sha12>.js */
  bundlePath(sha12: string): string;
  /** /etc/mesoscloud/C: service definitions and config. */
  configDir: string;
  /** /etc/mesoscloud/C/<role>.json */
  definitionPath(role: Role): string;
  /** /etc/mesoscloud/C/zookeeper */
  zkConfigDir: string;
  /** /etc/mesoscloud/C/zookeeper/zoo.cfg */
  zooCfgPath: string;
  /** /etc/mesoscloud/C/secrets/<role>: its TLS key and credentials, 0700, owned by the daemon's user. */
  secretsDir(role: Role): string;
  /** /var/lib/mesoscloud/C */
  dataDir: string;
  /** /var/lib/mesoscloud/C/<role>: master work_dir, agent sandboxes, ZooKeeper's dataDir. */
  workDir(role: Role): string;
  /** /var/lib/mesoscloud/C/zookeeper/myid */
  myidPath: string;
  /** /var/lib/mesoscloud/C/run */
  runDir: string;
  /** /var/lib/mesoscloud/C/run/<role>.pid: the daemon's own pid. */
  pidFile(role: Role): string;
  /** /var/lib/mesoscloud/C/run/<role>.supervisor.pid: the supervisor's pid, where there is no systemd. */
  supervisorPidFile(role: Role): string;
  /** /var/lib/mesoscloud/C/state.json: the host's step records. */
  statePath: string;
  /** /var/log/mesoscloud/C */
  logDir: string;
  /** /var/log/mesoscloud/C/<role>.log */
  logPath(role: Role): string;
  /** mesoscloud-C-<role> */
  unit(role: Role): string;
  /** /etc/systemd/system/mesoscloud-C-<role>.service */
  unitPath(role: Role): string;
  /** Name of the cgroup under which the agent puts its tasks' cgroups. */
  cgroupsRoot: string;
  /** The cluster's own directories: removing them removes every file the cluster put on the host. */
  clusterDirs: string[];
  /** The shared roots above them, to remove only when no other cluster is left in them. */
  parentDirs: string[];
}

export function remoteLayout(cluster: string): RemoteLayout {
  const join = path.posix.join;
  const bundleDir = join(OPT, cluster);
  const configDir = join(ETC, cluster);
  const dataDir = join(VAR_LIB, cluster);
  const logDir = join(VAR_LOG, cluster);
  const runDir = join(dataDir, 'run');
  const unit = (role: Role) => `mesoscloud-${cluster}-${role}`;
  return {
    cluster,
    bundleDir,
    bundlePath: (sha12) => join(bundleDir, bundleFileName(sha12)),
    configDir,
    definitionPath: (role) => join(configDir, `${role}.json`),
    zkConfigDir: join(configDir, 'zookeeper'),
    zooCfgPath: join(configDir, 'zookeeper', 'zoo.cfg'),
    secretsDir: (role) => join(configDir, 'secrets', role),
    dataDir,
    workDir: (role) => join(dataDir, role),
    myidPath: join(dataDir, 'zookeeper', 'myid'),
    runDir,
    pidFile: (role) => join(runDir, `${role}.pid`),
    supervisorPidFile: (role) => supervisorPidFile(join(runDir, `${role}.pid`)),
    statePath: join(dataDir, 'state.json'),
    logDir,
    logPath: (role) => join(logDir, `${role}.log`),
    unit,
    unitPath: (role) => join(SYSTEMD, `${unit(role)}.service`),
    cgroupsRoot: cgroupsRoot(cluster),
    clusterDirs: [bundleDir, configDir, dataDir, logDir],
    parentDirs: [OPT, ETC, VAR_LIB, VAR_LOG],
  };
}

/** The first 12 hex digits of a bundle's sha256 name its file. */
export function sha12(sha256: string): string {
  if (!/^[0-9a-f]{12,64}$/.test(sha256)) throw new Error(`a bundle's sha256 must be lowercase hex, got '${sha256}'`);
  return sha256.slice(0, 12);
}

export function bundleFileName(sha12Hex: string): string {
  const name = `mesoscloud-daemon-${sha12Hex}.js`;
  if (!BUNDLE_FILE.test(name)) throw new Error(`a bundle file is named by 12 lowercase hex digits, got '${sha12Hex}'`);
  return name;
}

/** The sha12 of a file name in bundleDir, or undefined for other files (to find old bundles after an upgrade). */
export function bundleSha12Of(fileName: string): string | undefined {
  return BUNDLE_FILE.exec(fileName)?.[1];
}
