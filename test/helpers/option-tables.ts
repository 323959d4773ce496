/** What every daemon's options table must hold to, checked the same way for each daemon. */
import { optionsFromFlags, type FlagTable, type OptionTable } from '../../cluster/flags/table';
import { parseFlags } from '../../daemon/argv';

type Entry = { description: string; flag?: string; commandLine?: unknown; default?: unknown; required?: boolean };

export function expectWellFormedTable<O>(table: OptionTable<O>, flags: FlagTable, oclifFlags: Record<string, unknown>): void {
  const entries = Object.entries(table) as [string, Entry][];
  for (const [key, spec] of entries) {
    expect({ key, description: spec.description.trim().length > 0 }).toEqual({ key, description: true });
    // A required option has no default; a command-line one has its Mesos name.
    expect({ key, requiredWithDefault: spec.required === true && spec.default !== undefined }).toEqual({ key, requiredWithDefault: false });
    if (spec.commandLine) expect({ key, flag: typeof spec.flag }).toEqual({ key, flag: 'string' });
  }
  // The bundle's parser, `mesoscloud <daemon> --help` and the table name the same flags, in the table's order.
  const fromTable = entries.filter(([, s]) => s.commandLine).map(([, s]) => s.flag);
  expect(Object.keys(flags)).toEqual(fromTable);
  expect(Object.keys(oclifFlags)).toEqual(fromTable);
}

/** Every default, typed on the command line as --help shows it, becomes that default again. */
export function expectHelpDefaultsRoundTrip<O>(table: OptionTable<O>, flags: FlagTable): void {
  for (const [key, spec] of Object.entries(table) as [string, Entry][]) {
    const flag = spec.flag && flags[spec.flag];
    if (!flag || flag.defaultText === undefined) continue;
    const required = Object.entries(flags).filter(([, f]) => f.required).flatMap(([name]) => [`--${name}`, name === 'master' ? 'm:5050' : '/w']);
    // A switch takes its value inline (--name=false).
    const typed = flag.type === 'switch' ? [`--${spec.flag}=${flag.defaultText}`] : [`--${spec.flag}`, flag.defaultText];
    const parsed = parseFlags('t', flags, [...required, ...typed]);
    expect({ key, value: (optionsFromFlags(table, parsed) as Record<string, unknown>)[key] }).toEqual({ key, value: spec.default });
  }
}
