/**
 * The bundle's command-line parser for a flag table: `--name value`, `--name=value`, switches as
 * `--name`, `--no-name` or `--name=true|false` (Mesos's spelling). Errors read as the CLI's do for
 * the same mistake, and name the command, the flag and what is allowed.
 */
import { helpDefault, type FlagSpec, type FlagTable, type FlagValues } from '../cluster/flags/table';

import { UsageError } from './usage-error';

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/** `command` names the command in messages, e.g. "mesoscloud-daemon agent". */
export function parseFlags<T extends FlagTable>(command: string, table: T, argv: readonly string[]): FlagValues<T> {
  const given = new Map<string, unknown>();
  const extra: string[] = [];
  const flagList = () => Object.keys(table).map((f) => `--${f}`).join(', ') || 'none';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      extra.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      extra.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const typed = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const own = (n: string): FlagSpec | undefined => (arg.startsWith('--') && Object.prototype.hasOwnProperty.call(table, n) ? table[n] : undefined);
    let name = typed;
    let spec = own(typed);
    let negated = false;
    const positive = typed.startsWith('no-') ? own(typed.slice(3)) : undefined;
    if (!spec && positive?.type === 'switch' && positive.allowNo) {
      name = typed.slice(3);
      spec = positive;
      negated = true;
    }
    const typedFlag = arg.split('=')[0];
    if (!spec) throw new UsageError(`${command} has no flag ${typedFlag}; its flags are ${flagList()}`, 'UNKNOWN_FLAG', typedFlag);
    if (given.has(name)) throw new UsageError(`--${name} was given more than once; give it once`, 'BAD_FLAG');

    if (spec.type === 'switch') {
      given.set(name, switchValue(name, spec, negated, inline));
      continue;
    }
    let input = inline;
    if (input === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value after it (none was given)`, 'BAD_FLAG');
      input = next;
      i++;
    }
    if (spec.options && !spec.options.includes(input)) {
      throw new UsageError(`--${name} must be one of ${spec.options.join(', ')}, got '${input}'`, 'BAD_FLAG');
    }
    try {
      given.set(name, spec.parse(input, name));
    } catch (err) {
      throw new UsageError((err as Error).message, 'BAD_FLAG');
    }
  }
  if (extra.length > 0) {
    throw new UsageError(`${command} takes flags only, got the extra argument(s) ${extra.map((a) => `'${a}'`).join(', ')}`, 'UNEXPECTED_ARGUMENT');
  }
  const missing = Object.entries(table).filter(([name, spec]) => spec.required && !given.has(name)).map(([name]) => `--${name}`);
  if (missing.length > 0) {
    throw new UsageError(`${command} needs ${missing.join(' and ')}, and ${missing.length === 1 ? 'it was' : 'they were'} not given`, 'MISSING_FLAG');
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) values[name] = given.has(name) ? given.get(name) : spec.default;
  return values as FlagValues<T>;
}

function switchValue(name: string, spec: FlagSpec, negated: boolean, inline: string | undefined): boolean {
  if (inline === undefined) return !negated;
  const word = inline.trim().toLowerCase();
  if (!negated && TRUE.has(word)) return true;
  if (!negated && FALSE.has(word)) return false;
  throw new UsageError(`--${name} is a switch: give --${name}${spec.allowNo ? ` or --no-${name}` : ''} (or =true / =false), got '${inline}'`, 'BAD_FLAG');
}

/** `--help` of a bundle subcommand: one line per flag. */
export function usageText(command: string, summary: string, table: FlagTable): string {
  const lines = [`usage: ${command} [flags]`, '', summary, '', 'flags:'];
  for (const [name, spec] of Object.entries(table)) {
    const value = spec.type === 'switch' ? '' : spec.options ? ` <${spec.options.join('|')}>` : ' <value>';
    const shown = helpDefault(spec);
    const notes = [spec.required ? 'required' : '', shown !== undefined ? `default: ${shown}` : ''].filter(Boolean);
    lines.push(`  --${name}${value}  ${spec.description}${notes.length ? ` [${notes.join('; ')}]` : ''}`);
  }
  return lines.join('\n') + '\n';
}
