/**
 * `exec`'s health check flags: one of --health-check-cmd, --health-check-http PORT[/path] or
 * --health-check-tcp PORT says what to probe, the others tune it; together they become the task's
 * Mesos HealthCheck. Pure apart from oclif's flag definitions, so it is tested alone.
 */
import { Flags } from '@oclif/core';
import type { HealthCheck } from '../cluster/protocol/types';
import { FlagError } from './errors';
import { durationValue, integerValue } from './flag-values';

/** A port, and for HTTP a path: "8080", "8080/health". */
export function probeTarget(flag: string, input: string, withPath: boolean): { port: number; path?: string } {
  const m = /^(\d+)(\/.*)?$/.exec(input.trim());
  if (!m || (m[2] !== undefined && !withPath)) {
    throw new FlagError(`--${flag} must be ${withPath ? 'PORT or PORT/path (e.g. 8080/health)' : 'a PORT'}, got '${input}'`);
  }
  const port = integerValue(flag, m[1], 1, 65535);
  return { port, ...(m[2] !== undefined ? { path: m[2] } : {}) };
}

const seconds = (flag: string) => async (input: string) => durationValue(flag, input) / 1000;

export const healthCheckFlags = {
  'health-check-cmd': Flags.string({ description: 'health check: this shell command, run in the task\'s sandbox with its environment, succeeds with exit status 0' }),
  'health-check-http': Flags.custom<{ port: number; path?: string }>({
    description: 'health check: GET http://127.0.0.1:PORT/path answers 2xx or 3xx (PORT or PORT/path)',
    parse: async (input) => probeTarget('health-check-http', input, true),
  })(),
  'health-check-tcp': Flags.custom<{ port: number }>({
    description: 'health check: a TCP connection to 127.0.0.1:PORT succeeds',
    parse: async (input) => probeTarget('health-check-tcp', input, false),
  })(),
  'health-check-delay': Flags.custom<number>({ description: 'wait this long after the start before the first health check (default 15secs)', parse: seconds('health-check-delay') })(),
  'health-check-interval': Flags.custom<number>({ description: 'time between health checks (default 10secs)', parse: seconds('health-check-interval') })(),
  'health-check-grace': Flags.custom<number>({ description: 'failures before the first success are ignored this long after the start (default 10secs)', parse: seconds('health-check-grace') })(),
  'health-check-failures': Flags.custom<number>({
    description: 'consecutive failures after which the task is killed (default 3)',
    parse: async (input) => integerValue('health-check-failures', input, 1, 1_000_000),
  })(),
};

export interface HealthCheckFlagValues {
  'health-check-cmd'?: string;
  'health-check-http'?: { port: number; path?: string };
  'health-check-tcp'?: { port: number };
  'health-check-delay'?: number;
  'health-check-interval'?: number;
  'health-check-grace'?: number;
  'health-check-failures'?: number;
}

const TUNING = ['health-check-delay', 'health-check-interval', 'health-check-grace', 'health-check-failures'] as const;

/** The HealthCheck the flags describe; undefined when none is given. */
export function healthCheckOf(flags: HealthCheckFlagValues): HealthCheck | undefined {
  const kinds = (['health-check-cmd', 'health-check-http', 'health-check-tcp'] as const).filter((k) => flags[k] !== undefined);
  if (kinds.length > 1) throw new FlagError(`a task has one health check: give one of --health-check-cmd, --health-check-http and --health-check-tcp, got ${kinds.map((k) => `--${k}`).join(' and ')}`);
  const tuning = TUNING.filter((k) => flags[k] !== undefined);
  if (kinds.length === 0) {
    if (tuning.length > 0) throw new FlagError(`--${tuning[0]} tunes a health check: add --health-check-cmd, --health-check-http or --health-check-tcp`);
    return undefined;
  }
  const cmd = flags['health-check-cmd'];
  const http = flags['health-check-http'];
  const tcp = flags['health-check-tcp'];
  const probe: HealthCheck = cmd !== undefined ? { type: 'COMMAND', command: { shell: true, value: cmd } }
    : http ? { type: 'HTTP', http: { port: http.port, ...(http.path ? { path: http.path } : {}) } }
    : { type: 'TCP', tcp: { port: tcp!.port } };
  const set = <K extends keyof HealthCheck>(key: K, value: HealthCheck[K] | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    ...probe,
    ...set('delay_seconds', flags['health-check-delay']),
    ...set('interval_seconds', flags['health-check-interval']),
    ...set('grace_period_seconds', flags['health-check-grace']),
    ...set('consecutive_failures', flags['health-check-failures']),
  };
}
