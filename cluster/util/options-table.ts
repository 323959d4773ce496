/**
 * A daemon's flags as data: one table read by the bundle's own parser (daemon/argv.ts) and turned into
 * oclif flags by the CLI (cli/daemon-flags.ts), so both take the same names, defaults and checks.
 */
import { durationValue, integerValue, resourcesValue } from './option-values';

export interface FlagSpec<T = unknown> {
  /** 'text' takes the value as typed; 'option' one of `options`; 'parsed' goes through `parse`; 'switch' takes no value. */
  readonly type: 'text' | 'option' | 'parsed' | 'switch';
  readonly description: string;
  readonly default?: T;
  readonly required?: boolean;
  readonly options?: readonly string[];
  /** Switches only: `--no-<name>` turns it off. */
  readonly allowNo?: boolean;
  /** Turns the typed text into the value; throws FlagValueError naming the flag and quoting the text. */
  readonly parse: (input: string, name: string) => T;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** A flag's value after parsing: always there when it has a default or is required. */
export type FlagValue<S> = S extends FlagSpec<infer T> ? (S extends { default: T } | { required: true } ? T : T | undefined) : never;
export type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]: FlagValue<T[K]> };

interface Common<T> {
  description: string;
  default?: T;
  required?: boolean;
}

export function textFlag<const O extends Common<string>>(o: O): FlagSpec<string> & O {
  return { type: 'text', parse: (input) => input, ...o };
}

export function optionFlag<const V extends string, const O extends Common<V>>(options: readonly V[], o: O): FlagSpec<V> & O {
  // argv.ts and oclif both check membership before parse runs.
  return { type: 'option', options, parse: (input) => input as V, ...o };
}

export function integerFlag<const O extends Common<number> & { min: number; max: number }>(o: O): FlagSpec<number> & O {
  return { type: 'parsed', parse: (input, name) => integerValue(name, input, o.min, o.max), ...o };
}

/** Milliseconds. */
export function durationFlag<const O extends Common<number>>(o: O): FlagSpec<number> & O {
  return { type: 'parsed', parse: (input, name) => durationValue(name, input), ...o };
}

export function resourcesFlag<const O extends Common<string>>(o: O): FlagSpec<string> & O {
  return { type: 'parsed', parse: (input, name) => resourcesValue(name, input), ...o };
}

export function parsedFlag<T, const O extends Common<T>>(parse: (input: string, name: string) => T, o: O): FlagSpec<T> & O {
  return { type: 'parsed', parse, ...o };
}

export function switchFlag<const O extends Common<boolean> & { allowNo?: boolean }>(o: O): FlagSpec<boolean> & O {
  // Switches take no text: argv.ts and oclif read --x / --no-x themselves.
  return { type: 'switch', parse: (input) => input === 'true', ...o };
}
