/**
 * `zookeeper --config <zoo.cfg>`: ZooKeeper's own server (QuorumPeerMain) in the foreground, with
 * Java and the jars found on the host as the local ensemble finds them. JVMFLAGS (as in ZooKeeper's
 * zkServer.sh) go to java first, e.g. a heap limit.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { findZooKeeper } from '../cluster/zookeeper/install';
import { textFlag } from '../cluster/flags/table';
import { UsageError } from './usage-error';

export const ZOOKEEPER_FLAGS = {
  config: textFlag({ description: 'the zoo.cfg to run (dataDir and myid must be in place)', required: true }),
};

/** Runs until the server exits, then exits the process with its code (0 when we were asked to stop). */
export function runZooKeeper(config: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!fs.existsSync(config)) throw new UsageError(`--config: no such file '${config}'`);
  const install = findZooKeeper(env);
  const jvmFlags = (env.JVMFLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(install.java, [...jvmFlags, '-cp', install.classpath, install.mainClass, config], { stdio: 'inherit', env });
  let stopping = false;
  const forward = () => {
    stopping = true;
    child.kill('SIGTERM');
  };
  // SIGUSR1 would otherwise open Node's inspector; for a ZooKeeper server it means stop, as SIGTERM.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGUSR1'] as const) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`mesoscloud-daemon zookeeper: cannot run ${install.java}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    // The JVM ends with 143 when SIGTERM stops it; that is the stop we asked for.
    if (stopping && (code === 143 || signal === 'SIGTERM' || code === 0)) process.exit(0);
    process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
  });
}
