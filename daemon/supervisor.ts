/**
 * `supervise <file.json>`: keeps one daemon running where the host has no systemd, with systemd's
 * Restart=on-failure meaning. It runs `<node> <bundle> service <file.json>` with output appended to
 * the definition's log, and
 *   - restarts it when it crashed (non-zero exit or a signal), after 1 s doubling to 30 s, back to
 *     1 s once it had stayed up 60 s; the file is read again before each start;
 *   - ends with it when it exits 0;
 *   - on SIGTERM/SIGINT sends it SIGTERM (SIGKILL after 30 s) and exits 0 without restarting;
 *   - on SIGUSR1 passes SIGUSR1 on (an agent kills its tasks and leaves) and exits once it has.
 * Its own pid is in <run>/<role>.supervisor.pid while it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLogger, type Logger } from '../cluster/util/log';
import { readServiceDefinition, removePidFile, supervisorPidFile, writePidFile, type ServiceDefinition } from './service-definition';

export const FIRST_DELAY_MS = 1000;
export const MAX_DELAY_MS = 30_000;
/** Up this long, a crash counts as a first one again. */
export const STABLE_MS = 60_000;
export const STOP_GRACE_MS = 30_000;

/** How long to wait before the next start, after a crash of a run that lasted `uptimeMs`. */
export function nextRestartDelay(previousDelayMs: number | undefined, uptimeMs: number): number {
  if (previousDelayMs === undefined || uptimeMs >= STABLE_MS) return FIRST_DELAY_MS;
  return Math.min(previousDelayMs * 2, MAX_DELAY_MS);
}

type Mode = 'running' | 'stopping' | 'draining';

export class Supervisor {
  private def: ServiceDefinition;
  private child?: ChildProcess;
  private startedAt = 0;
  private delay?: number;
  private restartTimer?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  private mode: Mode = 'running';
  private readonly pidFile: string;
  private log: Logger;

  /** Reads the definition now, so a bad file fails before anything runs. */
  constructor(private readonly file: string, private readonly exit: (code: number) => void = (code) => process.exit(code)) {
    this.def = readServiceDefinition(file);
    this.pidFile = supervisorPidFile(this.def.pidFile);
    this.log = this.logger();
  }

  run(): void {
    writePidFile(this.pidFile);
    process.on('exit', () => removePidFile(this.pidFile));
    process.on('SIGTERM', () => this.stop('SIGTERM'));
    process.on('SIGINT', () => this.stop('SIGINT'));
    process.on('SIGUSR1', () => this.drain());
    // Started with nohup and no terminal: a hang-up is no reason to stop.
    process.on('SIGHUP', () => undefined);
    this.log.info('supervising', { definition: this.file, role: this.def.role, pid: process.pid });
    // The constructor has just read the definition.
    this.start(false);
  }

  private logger(): Logger {
    const file = this.def.log;
    return createLogger('supervisor', {
      write: (line) => {
        try {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.appendFileSync(file, line + '\n');
        } catch {
          // Nowhere to write: keep supervising all the same.
        }
      },
    });
  }

  /** `reread`: read the definition again first, as every restart does (it may have changed). */
  private start(reread = true): void {
    this.restartTimer = undefined;
    if (reread) {
      try {
        this.def = readServiceDefinition(this.file);
        this.log = this.logger();
      } catch (err) {
        this.log.error('cannot read the service definition; trying again later', { error: (err as Error).message });
        this.crashed(0);
        return;
      }
    }
    let out: number;
    try {
      fs.mkdirSync(path.dirname(this.def.log), { recursive: true });
      out = fs.openSync(this.def.log, 'a');
    } catch (err) {
      this.log.error('cannot open the log; trying again later', { log: this.def.log, error: (err as Error).message });
      this.crashed(0);
      return;
    }
    try {
      this.startedAt = Date.now();
      const child = spawn(process.execPath, [this.def.bundle, 'service', this.file], { stdio: ['ignore', out, out], env: process.env });
      this.child = child;
      child.once('error', (err) => {
        this.log.error('cannot start the daemon', { error: err.message });
        if (this.child === child && child.pid === undefined) this.exited(child, 1, null);
      });
      child.once('exit', (code, signal) => this.exited(child, code, signal));
      this.log.info('started', { pid: child.pid, role: this.def.role });
    } finally {
      fs.closeSync(out);
    }
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    clearTimeout(this.killTimer);
    const how = signal ? { signal } : { code };
    if (this.mode === 'stopping') {
      this.log.info('daemon stopped; supervisor ends', how);
      this.exit(0);
    } else if (this.mode === 'draining') {
      this.log.info('daemon left after SIGUSR1; supervisor ends', how);
      this.exit(code === 0 ? 0 : 1);
    } else if (code === 0) {
      this.log.info('daemon exited cleanly; supervisor ends', how);
      this.exit(0);
    } else {
      this.crashed(Date.now() - this.startedAt, how);
    }
  }

  private crashed(uptimeMs: number, how: Record<string, unknown> = {}): void {
    this.delay = nextRestartDelay(this.delay, uptimeMs);
    this.log.warn('daemon crashed; restarting', { ...how, uptime_ms: uptimeMs, restart_in_ms: this.delay });
    this.restartTimer = setTimeout(() => this.start(), this.delay);
  }

  private stop(signal: NodeJS.Signals): void {
    if (this.mode === 'stopping') return;
    this.mode = 'stopping';
    this.log.info('stopping', { signal });
    clearTimeout(this.restartTimer);
    if (!this.child) return this.exit(0);
    this.child.kill('SIGTERM');
    const child = this.child;
    this.killTimer = setTimeout(() => {
      this.log.warn('daemon did not stop within the grace period; killing it', { grace_ms: STOP_GRACE_MS });
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
  }

  private drain(): void {
    if (this.mode !== 'running') return;
    this.mode = 'draining';
    this.log.info('passing SIGUSR1 on; supervisor ends when the daemon does');
    clearTimeout(this.restartTimer);
    if (!this.child) return this.exit(0);
    this.child.kill('SIGUSR1');
  }
}
