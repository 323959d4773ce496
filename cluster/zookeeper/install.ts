/**
 * Finding ZooKeeper and Java on this machine: Debian's `zookeeper` package puts the server jar
 * (whose manifest lists its dependencies) in /usr/share/java; an upstream tarball keeps every jar
 * in $ZOOKEEPER_HOME/lib. Anything missing is reported with the command that installs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export class ZooKeeperNotInstalledError extends Error {
  readonly code = 'ZOOKEEPER_NOT_INSTALLED';
}

export interface ZooKeeperInstall {
  java: string;
  classpath: string;
  mainClass: string;
}

export const ZOOKEEPER_MAIN = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';
const INSTALL_HINT = 'install it with `apt-get install zookeeper` (Debian/Ubuntu; it brings OpenJDK too)';

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function jarsIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.jar')).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** `root` is where the system's fixed paths (/usr/...) are looked up: '/' but in tests. */
export function findJava(env: NodeJS.ProcessEnv = process.env, root = '/'): string {
  const candidates = [
    env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : undefined,
    ...(env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'java')),
    path.join(root, 'usr/bin/java'),
  ];
  const java = candidates.find((c): c is string => c !== undefined && isFile(c));
  if (!java) {
    throw new ZooKeeperNotInstalledError(`Java is not installed (no java in JAVA_HOME, PATH or /usr/bin); ${INSTALL_HINT}, or \`apt-get install default-jre-headless\``);
  }
  return java;
}

/**
 * The classpath for the server. An slf4j binding is added when present so the server's log goes
 * to its stderr (which the starter writes to a file); without one it would log nothing.
 */
export function findZooKeeperClasspath(env: NodeJS.ProcessEnv = process.env, root = '/'): string {
  const home = env.ZOOKEEPER_HOME;
  if (home) {
    const jars = [...jarsIn(home), ...jarsIn(path.join(home, 'lib'))].filter((j) => !/-(sources|javadoc|tests)\.jar$/.test(j));
    if (jars.some((j) => /zookeeper-\d[\d.]*\.jar$/.test(path.basename(j)))) return jars.join(path.delimiter);
  }
  const debianJar = ['usr/share/java/zookeeper.jar', 'usr/share/zookeeper/zookeeper.jar'].map((p) => path.join(root, p)).find(isFile);
  if (debianJar) {
    const binding = [path.join(root, 'usr/share/java/slf4j-simple.jar')].filter(isFile);
    return [debianJar, ...binding].join(path.delimiter);
  }
  const libJars = jarsIn(path.join(root, 'usr/share/zookeeper/lib'));
  if (libJars.length > 0) return libJars.join(path.delimiter);
  throw new ZooKeeperNotInstalledError(
    `ZooKeeper is not installed (no zookeeper.jar in /usr/share/java, /usr/share/zookeeper or $ZOOKEEPER_HOME); ${INSTALL_HINT}`,
  );
}

export function findZooKeeper(env: NodeJS.ProcessEnv = process.env, root = '/'): ZooKeeperInstall {
  const classpath = findZooKeeperClasspath(env, root);
  return { java: findJava(env, root), classpath, mainClass: ZOOKEEPER_MAIN };
}
