/**
 * Local daemons under the supervisor (`supervise <definition>`, daemon/supervisor.ts): starting one,
 * and finding the supervisor and the daemon it runs by pid, checked against the command line (the
 * definition's path is in both), so a reused pid is never taken for ours.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServiceDefinition } from '../../cluster/protocol/service-definition';
import type { DaemonRecord } from '../cluster-catalog';
import { ProviderError } from '../errors';
import { isOurProcess } from '../machine/processes';

/**
 * Writes the daemon's service definition and starts `node <bundle> supervise <definition>`, detached,
 * appending to the daemon's log; sets the record's pid (the supervisor's), definition and pid file.
 */
export function startSupervised(bundle: string, daemon: DaemonRecord, files: { definition: string; pidFile: string }, args: string[], cwd: string, cluster: string): void {
  const definition: ServiceDefinition = {
    role: args[0] as ServiceDefinition['role'], cluster, bundle, args, pidFile: files.pidFile, log: daemon.logPath, env: {},
  };
  fs.mkdirSync(path.dirname(files.definition), { recursive: true });
  fs.writeFileSync(files.definition, JSON.stringify(definition, null, 2) + '\n');
  daemon.definition = files.definition;
  daemon.pidFile = files.pidFile;
  const fd = fs.openSync(daemon.logPath, 'a');
  try {
    // The operator's secret (cli/credentials.ts) is the CLI's, not the daemons'.
    const { MESOSCLOUD_SECRET: _secret, ...env } = process.env;
    const child = spawn(process.execPath, [bundle, 'supervise', files.definition], { detached: true, stdio: ['ignore', fd, fd], cwd, env });
    if (child.pid === undefined) throw new ProviderError('SPAWN_FAILED', `could not start ${args[0]}: ${process.execPath} ${bundle} supervise ${files.definition}`);
    child.unref();
    daemon.pid = child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

/** The recorded process (the supervisor, or an unsupervised daemon of an older launch) is alive and ours. */
export function isRunning(daemon: DaemonRecord): boolean {
  return isOurProcess(daemon.pid, daemon.definition ?? daemon.workDir);
}

/** The supervised daemon's own pid while it runs (it changes on every restart); the recorded pid for an unsupervised one. */
export function daemonPid(daemon: DaemonRecord): number | undefined {
  if (!daemon.definition || !daemon.pidFile) return isRunning(daemon) ? daemon.pid : undefined;
  let pid: number;
  try {
    pid = Number(fs.readFileSync(daemon.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && isOurProcess(pid, daemon.definition) ? pid : undefined;
}

/**
 * Whether the daemon has exited at least once since it was started: the process is gone, or its
 * supervisor logged a crash (it would start it again, but at launch a crash is a failure to report).
 */
export function exitedOnce(daemon: DaemonRecord): boolean {
  if (!isRunning(daemon)) return true;
  if (!daemon.definition) return false;
  try {
    return fs.readFileSync(daemon.logPath, 'utf8').includes('"msg":"daemon crashed; restarting"');
  } catch {
    return false;
  }
}
