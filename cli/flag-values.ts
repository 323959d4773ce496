/**
 * Validation of flag values, apart from oclif so it can be tested alone. Every message says what
 * was wrong, what was received and what is allowed.
 */
import { buildCommandInfo } from '../cluster/client/command-line';
import { parseMasterAddress } from '../cluster/client/address';
import { isZooKeeperUrl, parseZooKeeperUrl } from '../cluster/election/zookeeper-url';
import { idProblem } from '../cluster/protocol/ids';
import * as daemonValues from '../cluster/flags/values';
import { validateClusterName } from '../infra/cluster-catalog';
import { FlagError } from './errors';

/** How a flag is named in messages: "--cluster", or the environment variable it came from. */
export function flagSource(flag: string, fromEnv?: string): string {
  return fromEnv ? `${fromEnv} (the default of --${flag})` : `--${flag}`;
}

/** The checks the daemon bundle shares (cluster/flags/values.ts, free of oclif), failing with the CLI's FlagError. */
function asFlagError<A extends unknown[], R>(check: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return check(...args);
    } catch (err) {
      throw new FlagError((err as Error).message);
    }
  };
}

/** A whole number within [min, max]; oclif's own integer flag words its errors differently. */
export const integerValue = asFlagError(daemonValues.integerValue);
export const resourcesValue = asFlagError(daemonValues.resourcesValue);
/** Milliseconds. */
export const durationValue = asFlagError(daemonValues.durationValue);

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

export function clusterNameValue(flag: string, input: string, fromEnv?: string): string {
  const problem = validateClusterName(input);
  if (problem) throw new FlagError(`${flagSource(flag, fromEnv)}: ${problem}`);
  return input;
}

/** Checked now so a typo fails before anything is sent; the value stays as typed. */
export function masterValue(flag: string, input: string, fromEnv?: string): string {
  try {
    if (isZooKeeperUrl(input)) parseZooKeeperUrl(input);
    else parseMasterAddress(input);
  } catch (err) {
    throw new FlagError(`${flagSource(flag, fromEnv)}: ${(err as Error).message}`);
  }
  return input;
}

/** `exec --name` is also the task id, which becomes a path component on the agent: Mesos's id rules. */
export function taskNameValue(flag: string, input: string): string {
  const problem = idProblem(input);
  if (problem) {
    throw new FlagError(`--${flag} is also the task id: 1-255 characters, no '/', '\\' or control characters, not '.' or '..'; got '${input}' (${problem})`);
  }
  return input;
}

/** The command as the agent will get it: refused here when it is empty or, without a shell, cannot be split into words. */
export function commandValue(flag: string, input: string, shell: boolean): string {
  if (input.trim() === '') throw new FlagError(`--${flag} must not be empty, got '${input}'`);
  try {
    buildCommandInfo(input, shell);
  } catch (err) {
    throw new FlagError(`--${flag}: ${(err as Error).message}`, shell ? [] : ['without --no-shell the command goes to /bin/sh -c as it is']);
  }
  return input;
}

/**
 * FrameworkInfo capabilities the operator may add, as mesos-execute's --framework_capabilities:
 * it allows GPU_RESOURCES only, since the others change what the scheduler must understand.
 */
export const EXTRA_CAPABILITIES = ['GPU_RESOURCES'] as const;

export function capabilitiesValue(flag: string, input: string, alwaysOn: readonly string[]): string[] {
  const names = input.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new FlagError(`--${flag} must be a comma-separated list of capabilities, got '${input}'`);
  for (const name of names) {
    if (!(EXTRA_CAPABILITIES as readonly string[]).includes(name) && !alwaysOn.includes(name)) {
      throw new FlagError(`--${flag}: '${name}' is not a capability that can be added; allowed: ${EXTRA_CAPABILITIES.join(', ')} (always on: ${alwaysOn.join(', ')})`);
    }
  }
  return [...new Set(names)];
}

/**
 * A protobuf message as JSON (--task's TaskInfo, --task_group's TaskGroupInfo), checked by `parse`
 * as far as can be without an offer; `what` names the message in errors.
 */
export function jsonMessageValue<T>(flag: string, input: string, what: string, parse: (json: unknown) => { ok: true; value: T } | { ok: false; message: string }): T {
  let json: unknown;
  try {
    json = JSON.parse(input);
  } catch (err) {
    const shown = input.length > 200 ? `${input.slice(0, 200)}...` : input;
    throw new FlagError(`--${flag} must be a ${what} as JSON, or file:///path to a file holding one; got '${shown}' (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FlagError(`--${flag} must be a ${what} as a JSON object, got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : `a ${typeof json}`}`);
  }
  const parsed = parse(json);
  if (!parsed.ok) throw new FlagError(`--${flag} is not a valid ${what}: ${parsed.message}`);
  return parsed.value;
}

/** Mesos flags take a value or `file:///path` to read it from; the file's text is returned. */
export function readFileFlag(flag: string, input: string, read: (file: string) => string): string {
  if (!input.startsWith('file://')) return input;
  const file = input.slice('file://'.length);
  try {
    return read(file);
  } catch (err) {
    throw new FlagError(`--${flag}: cannot read '${file}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the value itself or file:///absolute/path`);
  }
}
