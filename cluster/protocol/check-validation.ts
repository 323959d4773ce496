/**
 * What Mesos refuses in a task's `health_check` and `check` (src/common/validation.cpp,
 * validateHealthCheck and validateCheckInfo), in Mesos's words so operators can search for them,
 * and the settings an agent runs them with, Mesos's defaults filled in. Pure: the master and the
 * agent both apply it (task-validation.ts), the agent's checker reads the settings.
 *
 * The structure (a port that is a number, a `command` that is a CommandInfo) is the schemas'
 * business and gets a 400; what is checked here ends the task in TASK_ERROR, as in Mesos.
 */
import type { CheckInfo, CheckType, CommandInfo, HealthCheck } from './types';

/** Mesos's defaults (mesos.proto HealthCheck and CheckInfo). */
export const CHECK_DEFAULTS = {
  delaySeconds: 15,
  intervalSeconds: 10,
  timeoutSeconds: 20,
  gracePeriodSeconds: 10,
  consecutiveFailures: 3,
} as const;

const RUNNABLE_TYPES: ReadonlySet<CheckType> = new Set<CheckType>(['COMMAND', 'HTTP', 'TCP']);

/** Why a task's health check cannot run, or undefined. */
export function healthCheckProblem(hc: HealthCheck): string | undefined {
  if (hc.type === undefined) return "HealthCheck must specify 'type'";
  if (!RUNNABLE_TYPES.has(hc.type)) return `'${hc.type}' is not a valid health check type`;
  const kindProblem = probeProblem(hc.type, 'health check', {
    command: hc.command,
    http: hc.http,
    tcp: hc.tcp,
    ...(hc.http?.scheme !== undefined ? { scheme: hc.http.scheme } : {}),
  });
  if (kindProblem) return kindProblem;
  return durationProblem(hc, ['delay_seconds', 'grace_period_seconds', 'interval_seconds', 'timeout_seconds']);
}

/** Why a task's general check cannot run, or undefined. */
export function checkInfoProblem(check: CheckInfo): string | undefined {
  if (check.type === undefined) return "CheckInfo must specify 'type'";
  if (!RUNNABLE_TYPES.has(check.type)) return `'${check.type}' is not a valid check type`;
  const kindProblem = probeProblem(check.type, 'check', { command: check.command?.command, commandSet: check.command !== undefined, http: check.http, tcp: check.tcp });
  if (kindProblem) return kindProblem;
  return durationProblem(check, ['delay_seconds', 'interval_seconds', 'timeout_seconds']);
}

interface ProbeFields {
  command?: CommandInfo;
  /** CheckInfo wraps its CommandInfo: the wrapper may be set without it. */
  commandSet?: boolean;
  http?: { path?: string };
  tcp?: object;
  scheme?: string;
}

function probeProblem(type: CheckType, what: 'health check' | 'check', f: ProbeFields): string | undefined {
  const upper = what === 'check' ? 'Check' : 'Health check';
  switch (type) {
    case 'COMMAND': {
      if (!f.command && !f.commandSet) return `Expecting 'command' to be set for COMMAND ${what}`;
      const command = f.command ?? {};
      if (typeof command.value !== 'string') {
        return `Command ${what} must contain ${command.shell === false ? "'executable path'" : "'shell command'"}`;
      }
      if ((command.environment?.variables ?? []).some((v) => v.type === 'SECRET')) {
        // Secrets are resolved by nothing on this agent; Mesos's command validation accepts only resolvable ones.
        return `${upper}'s \`CommandInfo\` is invalid: environment variables of type SECRET are not supported`;
      }
      return undefined;
    }
    case 'HTTP': {
      if (!f.http) return `Expecting 'http' to be set for HTTP ${what}`;
      if (f.scheme !== undefined && f.scheme !== 'http' && f.scheme !== 'https') return `Unsupported HTTP health check scheme: '${f.scheme}'`;
      const path = f.http.path;
      if (path !== undefined && !path.startsWith('/')) return `The path '${path}' of HTTP ${what} must start with '/'`;
      return undefined;
    }
    case 'TCP':
      return f.tcp ? undefined : `Expecting 'tcp' to be set for TCP ${what}`;
    default:
      return undefined;
  }
}

function durationProblem<T extends object>(info: T, fields: (keyof T & string)[]): string | undefined {
  for (const field of fields) {
    const value = info[field] as unknown;
    if (typeof value === 'number' && (value < 0 || !Number.isFinite(value))) return `Expecting '${field}' to be non-negative`;
  }
  return undefined;
}

/** How an agent runs a probe; times in milliseconds; `timeoutMs` 0 is no timeout (as Mesos's 0). */
export interface ProbeSchedule {
  delayMs: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface HealthSettings extends ProbeSchedule {
  gracePeriodMs: number;
  consecutiveFailures: number;
}

const ms = (seconds: number | undefined, fallback: number): number => Math.round((seconds ?? fallback) * 1000);

/** A valid health check's schedule, Mesos's defaults filled in. */
export function healthSettings(hc: HealthCheck): HealthSettings {
  return {
    delayMs: ms(hc.delay_seconds, CHECK_DEFAULTS.delaySeconds),
    intervalMs: ms(hc.interval_seconds, CHECK_DEFAULTS.intervalSeconds),
    timeoutMs: ms(hc.timeout_seconds, CHECK_DEFAULTS.timeoutSeconds),
    gracePeriodMs: ms(hc.grace_period_seconds, CHECK_DEFAULTS.gracePeriodSeconds),
    consecutiveFailures: hc.consecutive_failures ?? CHECK_DEFAULTS.consecutiveFailures,
  };
}

/** A valid general check's schedule, Mesos's defaults filled in. */
export function checkSchedule(check: CheckInfo): ProbeSchedule {
  return {
    delayMs: ms(check.delay_seconds, CHECK_DEFAULTS.delaySeconds),
    intervalMs: ms(check.interval_seconds, CHECK_DEFAULTS.intervalSeconds),
    timeoutMs: ms(check.timeout_seconds, CHECK_DEFAULTS.timeoutSeconds),
  };
}
