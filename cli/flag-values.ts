/**
 * Validation of flag values, apart from oclif so it can be tested alone. Every message says what
 * was wrong, what was received and what is allowed.
 */
import { parseDuration } from '../cluster/protocol/duration';
import { Resources } from '../cluster/protocol/resources';
import { validateClusterName } from '../infra/registry';
import { FlagError } from './errors';

export function resourcesValue(flag: string, input: string): string {
  try {
    const parsed = Resources.parse(input);
    if (parsed.isEmpty()) throw new Error('no resource with a positive quantity');
  } catch (err) {
    throw new FlagError(`--${flag} must be resources like "cpus:1;mem:128" (name:value pairs separated by ';'), got '${input}': ${(err as Error).message}`);
  }
  return input;
}

/** Milliseconds. */
export function durationValue(flag: string, input: string): number {
  try {
    return parseDuration(input);
  } catch (err) {
    throw new FlagError(`--${flag}: ${(err as Error).message}`);
  }
}

/** A JSON object whose values are strings (numbers and booleans are turned into strings). */
export function envValue(flag: string, input: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (err) {
    throw new FlagError(`--${flag} must be a JSON object like '{"NAME":"value"}', got '${input}' (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FlagError(`--${flag} must be a JSON object like '{"NAME":"value"}', got ${Array.isArray(parsed) ? 'an array' : typeof parsed === 'object' ? 'null' : `a ${typeof parsed}`}: '${input}'`);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new FlagError(`--${flag}: '${name}' is not a valid environment variable name (allowed: letters, digits and '_', not starting with a digit)`);
    }
    if (typeof value === 'string') env[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') env[name] = String(value);
    else throw new FlagError(`--${flag}: the value of '${name}' must be a string, number or boolean, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return env;
}

export const ISOLATIONS = ['auto', 'cgroups/v1', 'cgroups/v2', 'none'] as const;
export type Isolation = typeof ISOLATIONS[number];

export function isolationToCgroups(isolation: Isolation): 'auto' | 'v1' | 'v2' | 'none' {
  switch (isolation) {
    case 'cgroups/v1': return 'v1';
    case 'cgroups/v2': return 'v2';
    default: return isolation;
  }
}

export function clusterNameValue(flag: string, input: string): string {
  const problem = validateClusterName(input);
  if (problem) throw new FlagError(`--${flag}: ${problem}`);
  return input;
}
