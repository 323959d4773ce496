/**
 * The health check and the general check of one task, run on one timer: each has its next due
 * time, the timer is set for the earliest of them, and a probe's next run is scheduled once it has
 * returned (so a slow probe never overlaps itself). Results go to the runner through callbacks,
 * which decide what to report (verdicts.ts); `stop` ends everything, and a probe still in flight
 * when it is called reports nothing.
 */
import { checkSchedule, healthSettings, type ProbeSchedule } from '../../protocol/check-validation';
import type { CheckInfo, CheckStatusInfo, CheckType, CommandInfo, HealthCheck } from '../../protocol/types';
import type { Logger } from '../../util/log';
import { commandArgv, withCommandEnvironment } from '../task-command';
import type { UserIdentity } from '../task-user';
import { probeCommand, probeHttp, probeTcp } from './probes';
import { CheckTally, HealthTally, type HealthVerdict } from './verdicts';

/** A check asking for 0 s between runs is run back to back, but not faster than this. */
export const MIN_INTERVAL_MS = 100;

/** Where a COMMAND probe runs: the task's sandbox, environment and user. */
export interface ProbeContext {
  cwd: string;
  /** The task's environment; a check command's own variables go on top. */
  env: Record<string, string>;
  user?: UserIdentity;
}

export interface TaskCheckerDeps {
  logger: Logger;
  onHealth(verdict: HealthVerdict & { why?: string }): void;
  onCheck(status: CheckStatusInfo): void;
}

/** What one probe found, in the terms both kinds of check read. */
interface ProbeOutcome {
  ok: boolean;
  status: CheckStatusInfo;
  why?: string;
}

interface Probe {
  schedule: ProbeSchedule;
  due: number;
  running: boolean;
  run(): Promise<void>;
}

interface ProbeSpec {
  type: CheckType;
  command?: CommandInfo;
  http?: { port: number; path?: string; scheme?: string };
  tcp?: { port: number };
}

export class TaskChecker {
  private readonly probes: Probe[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Ends the probes in flight when checking stops (a COMMAND probe's processes are killed). */
  private readonly abort = new AbortController();

  constructor(
    private readonly checks: { health_check?: HealthCheck; check?: CheckInfo },
    private readonly context: ProbeContext,
    private readonly deps: TaskCheckerDeps,
  ) {}

  /** Whether the task has anything to check. */
  static wanted(checks: { health_check?: HealthCheck; check?: CheckInfo }): boolean {
    return checks.health_check !== undefined || checks.check !== undefined;
  }

  /** Starts checking; `startedAt` is when the task started (ms), from which delays and grace count. */
  start(startedAt = Date.now()): void {
    const { health_check: hc, check } = this.checks;
    if (hc?.type) {
      const settings = healthSettings(hc);
      const tally = new HealthTally(settings, startedAt);
      const spec: ProbeSpec = { type: hc.type, command: hc.command, http: hc.http, tcp: hc.tcp };
      this.add(settings, startedAt, async () => {
        const outcome = await this.probe(spec, settings.timeoutMs);
        if (this.stopped) return;
        const verdict = tally.record(outcome.ok, Date.now());
        if (verdict.healthy !== undefined) this.deps.onHealth({ ...verdict, ...(outcome.why ? { why: outcome.why } : {}) });
      });
    }
    if (check?.type) {
      const schedule = checkSchedule(check);
      const tally = new CheckTally();
      const spec: ProbeSpec = { type: check.type, command: check.command?.command, http: check.http, tcp: check.tcp };
      this.add(schedule, startedAt, async () => {
        const outcome = await this.probe(spec, schedule.timeoutMs);
        if (this.stopped) return;
        const news = tally.next(outcome.status);
        if (news) this.deps.onCheck(news);
      });
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private add(schedule: ProbeSchedule, startedAt: number, run: () => Promise<void>): void {
    this.probes.push({ schedule, due: startedAt + schedule.delayMs, running: false, run });
  }

  /** Sets the one timer for the earliest probe not running. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const waiting = this.probes.filter((p) => !p.running);
    if (waiting.length === 0) return;
    const next = Math.min(...waiting.map((p) => p.due));
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - Date.now()));
    // Checks never keep an agent that is shutting down alive.
    this.timer.unref();
  }

  private fire(): void {
    const now = Date.now();
    for (const probe of this.probes) {
      if (probe.running || probe.due > now) continue;
      probe.running = true;
      void probe.run()
        .catch((err) => this.deps.logger.warn('check failed to run', { error: (err as Error).message }))
        .finally(() => {
          probe.running = false;
          probe.due = Date.now() + Math.max(MIN_INTERVAL_MS, probe.schedule.intervalMs);
          this.arm();
        });
    }
    this.arm();
  }

  private async probe(spec: ProbeSpec, timeoutMs: number): Promise<ProbeOutcome> {
    switch (spec.type) {
      case 'COMMAND': {
        const command = spec.command ?? {};
        const env = withCommandEnvironment({ ...this.context.env }, command);
        const r = await probeCommand({ argv: commandArgv(command), env, cwd: this.context.cwd, ...(this.context.user ? { user: this.context.user } : {}), timeoutMs, signal: this.abort.signal });
        const status: CheckStatusInfo = { type: 'COMMAND', command: r.exitCode !== undefined ? { exit_code: r.exitCode } : {} };
        return { ok: r.exitCode === 0, status, why: r.error ?? (r.exitCode !== 0 ? `command exited with status ${r.exitCode}` : undefined) };
      }
      case 'HTTP': {
        const h = spec.http!;
        const r = await probeHttp({ port: h.port, ...(h.path !== undefined ? { path: h.path } : {}), ...(h.scheme !== undefined ? { scheme: h.scheme } : {}), timeoutMs, signal: this.abort.signal });
        const code = r.statusCode;
        const ok = code !== undefined && code >= 200 && code < 400;
        const status: CheckStatusInfo = { type: 'HTTP', http: code !== undefined ? { status_code: code } : {} };
        return { ok, status, why: r.error ?? (ok ? undefined : `unexpected HTTP response code ${code}`) };
      }
      case 'TCP': {
        const r = await probeTcp({ port: spec.tcp!.port, timeoutMs, signal: this.abort.signal });
        // As the COMMAND and HTTP results: a check that got no answer has no result (an empty `tcp`).
        const status: CheckStatusInfo = { type: 'TCP', tcp: r.gaveUp ? {} : { succeeded: r.connected } };
        return { ok: r.connected, status, ...(r.error ? { why: r.error } : {}) };
      }
      default:
        return { ok: false, status: { type: spec.type }, why: `unsupported check type ${spec.type}` };
    }
  }
}
