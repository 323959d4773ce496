/**
 * Settings as data, in two shapes:
 *  - a FlagTable (flag name -> FlagSpec) is a command line: read by the daemon bundle's parser
 *    (daemon/argv.ts) and shown by the CLI's --help (cli/daemon-flags.ts);
 *  - an OptionTable (options key -> OptionSpec) is every setting of a daemon, the one place that says
 *    its Mesos flag name, default, check, whether the command line takes it and how /flags prints it.
 *    The daemon's defaults, resolver, command-line FlagTable and /flags rendering are derived from it.
 */
import { bytesValue, durationValue, integerValue, resourcesValue, textOrFileValue } from './values';

export interface FlagSpec<T = unknown> {
  /** 'text' takes the value as typed; 'option' one of `options`; 'parsed' goes through `parse`; 'switch' takes no value. */
  readonly type: 'text' | 'option' | 'parsed' | 'switch';
  readonly description: string;
  readonly default?: T;
  /** The default as typed on the command line, for help (e.g. "15secs"); else String(default). */
  readonly defaultText?: string;
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

/** The default a flag's help shows, if any. */
export function helpDefault(spec: FlagSpec): string | undefined {
  return spec.defaultText ?? (spec.default === undefined ? undefined : String(spec.default));
}

/** How a command line takes a value: the part of a FlagSpec that is not about help. */
export type FlagInput<T> = Pick<FlagSpec<T>, 'type' | 'parse' | 'options' | 'allowNo'>;

export const text: FlagInput<string> = { type: 'text', parse: (input) => input };

/** Text, or file:///path for the content of that file (values with a secret in them). */
export const textOrFile: FlagInput<string> = { type: 'parsed', parse: (input, name) => textOrFileValue(name, input) };

/** One of `options` (the parser and oclif check membership before parse runs), turned into a value by `map`. */
export function oneOf<const V extends string, T = V>(options: readonly V[], map: (input: V) => T = (input) => input as unknown as T): FlagInput<T> {
  return { type: 'option', options, parse: (input) => map(input as V) };
}

export function integer(min: number, max: number): FlagInput<number> {
  return { type: 'parsed', parse: (input, name) => integerValue(name, input, min, max) };
}

/** A duration as a number of `unitMs` milliseconds: 1 for milliseconds, 1000 for seconds. */
export function duration(unitMs = 1): FlagInput<number> {
  return { type: 'parsed', parse: (input, name) => durationValue(name, input) / unitMs };
}

/** A size in bytes, written as Mesos writes one ("2GB"). */
export const bytes: FlagInput<number> = { type: 'parsed', parse: (input, name) => bytesValue(name, input) };

/** A switch: `--name`, `--name=true|false`, `--no-name`. */
export const onOff: FlagInput<boolean> = { type: 'switch', parse: (input) => input === 'true', allowNo: true };

export const resources: FlagInput<string> = { type: 'parsed', parse: (input, name) => resourcesValue(name, input) };


interface Common<T> {
  description: string;
  default?: T;
  required?: boolean;
}

export function textFlag<const O extends Common<string>>(o: O): FlagSpec<string> & O {
  return { ...text, ...o };
}

/** Milliseconds. */
export function durationFlag<const O extends Common<number>>(o: O): FlagSpec<number> & O {
  return { ...duration(), ...o };
}

export function parsedFlag<T, const O extends Common<T>>(parse: (input: string, name: string) => T, o: O): FlagSpec<T> & O {
  return { type: 'parsed', parse, ...o };
}

export function switchFlag<const O extends Common<boolean> & { allowNo?: boolean }>(o: O): FlagSpec<boolean> & O {
  // Switches take no text: argv.ts and oclif read --x / --no-x themselves.
  return { type: 'switch', parse: (input) => input === 'true', ...o };
}

// ---- option tables ----

export interface OptionSpec<T, O> {
  readonly description: string;
  /** Mesos's name: on the command line, in /flags and in error messages. Absent: set by code only. */
  readonly flag?: string;
  /** How the command line takes it (the value in the options' units); absent: not a command-line flag. */
  readonly commandLine?: FlagInput<T>;
  /** Throws an Error naming the flag when the value is not allowed; runs on given values and defaults. */
  readonly check?: (value: T, flag: string) => void;
  /**
   * In /flags (and GET_FLAGS): true when set; a function when it also depends on other options.
   * Absent: not shown. The order is the daemon's (renderFlags).
   */
  readonly show?: true | ((opts: O) => boolean);
  /** How the value prints in /flags and as the default in --help; String() when absent. */
  readonly text?: (value: T) => string;
}

/** Options the type requires have a default or are required; the others may have a default. */
type DefaultOf<O, K extends keyof O> = undefined extends O[K]
  ? { readonly default?: Exclude<O[K], undefined>; readonly required?: false }
  : { readonly default: O[K]; readonly required?: false } | { readonly default?: undefined; readonly required: true };

/** One entry per field of the options type O, no more, no fewer. */
export type OptionTable<O> = { readonly [K in keyof O]-?: OptionSpec<Exclude<O[K], undefined>, O> & DefaultOf<O, K> };

type AnySpec = OptionSpec<unknown, Record<string, unknown>> & { readonly default?: unknown; readonly required?: boolean };

function specs<O>(table: OptionTable<O>): [string, AnySpec][] {
  return Object.entries(table) as [string, AnySpec][];
}

function named(key: string, spec: AnySpec): string {
  return `--${spec.flag ?? key}`;
}

/** The defaults, frozen. */
export function optionDefaults<O>(table: OptionTable<O>): Readonly<Partial<O>> {
  const defaults = specs(table).filter(([, s]) => s.default !== undefined).map(([key, s]) => [key, s.default]);
  return Object.freeze(Object.fromEntries(defaults)) as Partial<O>;
}

/**
 * Defaults filled in for what was not given (undefined counts as not given), every check run, and
 * the result frozen: options never change after start. Throws an Error naming the flag.
 */
export function resolveOptions<O>(table: OptionTable<O>, given: Partial<O>): Readonly<O> {
  const from = given as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const [key, spec] of specs(table)) {
    const value = from[key] !== undefined ? from[key] : spec.default;
    if (spec.required && (value === undefined || value === '')) throw new Error(`${named(key, spec)} is required`);
    if (value === undefined) continue;
    spec.check?.(value, named(key, spec));
    resolved[key] = value;
  }
  return Object.freeze(resolved) as O;
}

/** The command line of a daemon: its flags in table order, values in the options' units. */
export function commandLineFlags<O>(table: OptionTable<O>): FlagTable {
  const flags: Record<string, FlagSpec> = {};
  for (const [key, spec] of specs(table)) {
    if (!spec.commandLine) continue;
    const { description, required, default: value } = spec;
    const defaultText = value === undefined ? undefined : (spec.text ?? String)(value);
    flags[spec.flag ?? key] = { ...spec.commandLine, description, required, default: value, defaultText };
  }
  return Object.freeze(flags);
}

/** Parsed command-line values (keyed by flag) as options (keyed as the table); what was not given is left out. */
export function optionsFromFlags<O>(table: OptionTable<O>, values: Readonly<Record<string, unknown>>): Partial<O> {
  const options: Record<string, unknown> = {};
  for (const [key, spec] of specs(table)) {
    const value = spec.commandLine ? values[spec.flag ?? key] : undefined;
    if (value !== undefined) options[key] = value;
  }
  return options as Partial<O>;
}

/** The flags as Mesos reports them: name -> text, in `order` (which lists every shown option once). */
export function renderFlags<O>(table: OptionTable<O>, opts: O, order: readonly (keyof O)[]): Record<string, string> {
  const from = opts as Record<string, unknown>;
  const flags: Record<string, string> = {};
  for (const key of order as readonly string[]) {
    const spec = (table as Record<string, AnySpec>)[key];
    const value = from[key];
    if (value === undefined || !spec.show || (spec.show !== true && !spec.show(from))) continue;
    flags[spec.flag ?? key] = (spec.text ?? String)(value);
  }
  return flags;
}

// ---- checks shared by the daemons' tables ----

/** A number of seconds or milliseconds above zero. */
export function positiveDuration(value: number, flag: string): void {
  if (typeof value !== 'number' || !(value > 0)) throw new Error(`${flag} must be a positive duration, got ${String(value)}`);
}

/** A whole number of at least `min`, at most `max`. */
export function integerAtLeast(min: number, max = Infinity): (value: number, flag: string) => void {
  return (value, flag) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`${flag} must be an integer of at least ${min}, got ${String(value)}`);
    if (value > max) throw new Error(`${flag} must be at most ${max}, got ${value}`);
  };
}

/** A number of at least zero, or above zero unless `allowZero`. */
export function nonNegative(allowZero: boolean): (value: number, flag: string) => void {
  return (value, flag) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
      throw new Error(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
    }
  };
}

/** One of `allowed`, listed in the message as `listed`. */
export function oneOfValues<V>(allowed: readonly V[], listed: string): (value: V, flag: string) => void {
  return (value, flag) => {
    if (!allowed.includes(value)) throw new Error(`${flag} must be ${listed}, got '${String(value)}'`);
  };
}

/** Runs `parse` for its check only; its error message follows "--flag: ". */
export function parses(parse: (value: string) => unknown): (value: string, flag: string) => void {
  return (value, flag) => {
    try {
      parse(value);
    } catch (err) {
      throw new Error(`${flag}: ${(err as Error).message}`);
    }
  };
}
