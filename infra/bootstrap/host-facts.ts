/**
 * One round trip that tells the bootstrap everything it decides on: who we are, which Node, whether
 * systemd runs the host, whether Java and ZooKeeper are there, the package manager, which of the
 * cluster's services run, and the host's own step records.
 */
import { shellQuote as q } from './ssh-quote';
import { isRunningCommand, type ServiceManager, type ServiceRef } from './service-commands';
import { parseHostState, type HostState } from './host-state';

export const MIN_NODE_MAJOR = 20;

export interface HostFacts {
  uid: number;
  kernel: string;
  nodePath?: string;
  nodeVersion?: string;
  systemd: boolean;
  java: boolean;
  zookeeper: boolean;
  packageManager?: 'apt-get' | 'dnf' | 'yum' | 'zypper' | 'apk';
  /** Roles whose service runs now. */
  running: Set<string>;
  state: HostState;
}

const STATE_MARK = '--- state ---';

export function factsScript(statePath: string, services: ServiceRef[]): string {
  const lines = [
    'echo "uid=$(id -u)"',
    'echo "kernel=$(uname -sr)"',
    'n=$(command -v node || ls /usr/local/bin/node /usr/bin/node 2>/dev/null | head -n 1)',
    'if [ -n "$n" ]; then echo "node=$n"; echo "node_version=$("$n" -v 2>/dev/null)"; fi',
    '[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && echo "systemd=1"',
    'command -v java >/dev/null 2>&1 && echo "java=1"',
    '{ [ -f /usr/share/java/zookeeper.jar ] || [ -f /usr/share/zookeeper/zookeeper.jar ] || ls /usr/share/zookeeper/lib/*.jar >/dev/null 2>&1 || [ -n "$ZOOKEEPER_HOME" ]; } && echo "zookeeper=1"',
    'for pm in apt-get dnf yum zypper apk; do if command -v $pm >/dev/null 2>&1; then echo "pm=$pm"; break; fi; done',
  ];
  // Whether each service runs, under whichever manager the host has.
  for (const s of services) {
    for (const manager of ['systemd', 'supervisor'] as ServiceManager[]) {
      lines.push(`if ${isRunningCommand(s, manager)}; then echo "running=${s.role}"; fi`);
    }
  }
  lines.push(`echo ${q(STATE_MARK)}`, `cat ${q(statePath)} 2>/dev/null`, 'true');
  return lines.join('\n');
}

export function parseFacts(stdout: string): HostFacts {
  const at = stdout.indexOf(STATE_MARK);
  const head = at >= 0 ? stdout.slice(0, at) : stdout;
  const stateText = at >= 0 ? stdout.slice(at + STATE_MARK.length).trim() : '';
  const facts: HostFacts = { uid: -1, kernel: '', systemd: false, java: false, zookeeper: false, running: new Set(), state: parseHostState(stateText) };
  for (const line of head.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'uid') facts.uid = Number(value);
    else if (key === 'kernel') facts.kernel = value;
    else if (key === 'node') facts.nodePath = value;
    else if (key === 'node_version') facts.nodeVersion = value;
    else if (key === 'systemd') facts.systemd = true;
    else if (key === 'java') facts.java = true;
    else if (key === 'zookeeper') facts.zookeeper = true;
    else if (key === 'pm') facts.packageManager = value as HostFacts['packageManager'];
    else if (key === 'running') facts.running.add(value);
  }
  return facts;
}

/** Why this host's Node cannot run the daemons, or undefined when it can. */
export function nodeProblem(facts: HostFacts): string | undefined {
  if (!facts.nodePath) return `Node.js is not installed (no node on PATH, /usr/local/bin or /usr/bin); install Node ${MIN_NODE_MAJOR} or later (your distribution's nodejs package if it is recent enough, or the official binaries)`;
  const major = Number(/^v(\d+)\./.exec(facts.nodeVersion ?? '')?.[1]);
  if (!Number.isFinite(major)) return `${facts.nodePath} did not say its version (got '${facts.nodeVersion ?? ''}'); the daemons need Node ${MIN_NODE_MAJOR} or later`;
  if (major < MIN_NODE_MAJOR) return `Node ${facts.nodeVersion} at ${facts.nodePath} is too old; the daemons need Node ${MIN_NODE_MAJOR} or later`;
  return undefined;
}

/** The command that installs what a ZooKeeper host lacks, and the packages it installs. */
export function zookeeperInstall(facts: HostFacts): { command: string; packages: string[] } | { problem: string } | undefined {
  if (facts.java && facts.zookeeper) return undefined;
  const wanted = { java: !facts.java, zookeeper: !facts.zookeeper };
  switch (facts.packageManager) {
    case 'apt-get': {
      // Debian's zookeeper package depends on a JRE, so one package brings both.
      const packages = wanted.zookeeper ? ['zookeeper'] : ['default-jre-headless'];
      return { packages, command: `export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages.join(' ')}` };
    }
    case 'dnf':
    case 'yum': {
      const packages = [...(wanted.java ? ['java-17-openjdk-headless'] : []), ...(wanted.zookeeper ? ['zookeeper'] : [])];
      return { packages, command: `${facts.packageManager} install -y -q ${packages.join(' ')}` };
    }
    case 'zypper': {
      const packages = [...(wanted.java ? ['java-17-openjdk-headless'] : []), ...(wanted.zookeeper ? ['zookeeper'] : [])];
      return { packages, command: `zypper --non-interactive install ${packages.join(' ')}` };
    }
    case 'apk': {
      const packages = [...(wanted.java ? ['openjdk17-jre-headless'] : []), ...(wanted.zookeeper ? ['zookeeper'] : [])];
      return { packages, command: `apk add --no-cache ${packages.join(' ')}` };
    }
    default:
      return { problem: `${[wanted.java ? 'Java' : '', wanted.zookeeper ? 'ZooKeeper' : ''].filter(Boolean).join(' and ')} missing and no known package manager (apt-get, dnf, yum, zypper, apk) to install them; install them by hand` };
  }
}

/** The command that removes packages we installed, for destroy. */
export function packageRemoveCommand(manager: HostFacts['packageManager'], packages: string[]): string | undefined {
  if (packages.length === 0 || !manager) return undefined;
  const list = packages.map(q).join(' ');
  switch (manager) {
    case 'apt-get': return `DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ${list} && apt-get autoremove -y -qq`;
    case 'dnf': case 'yum': return `${manager} remove -y -q ${list}`;
    case 'zypper': return `zypper --non-interactive remove ${list}`;
    case 'apk': return `apk del ${list}`;
  }
}
