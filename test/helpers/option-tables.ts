/** What every daemon's options table must hold to, checked the same way for each daemon. */
import { optionsFromFlags, type FlagTable, type OptionTable } from '../../cluster/flags/table';
import { parseFlags } from '../../daemon/argv';
import type { HttpLimits } from '../../cluster/http/limits';

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
    // --name=value: the one spelling that switches take a value in, too.
    const parsed = parseFlags('t', flags, [...required, `--${spec.flag}=${flag.defaultText}`]);
    expect({ key, value: (optionsFromFlags(table, parsed) as Record<string, unknown>)[key] }).toEqual({ key, value: spec.default });
  }
}

/** The HTTP limits' refusals, the same in the master's and the agent's tables. */
export const HTTP_LIMIT_REFUSALS: [keyof HttpLimits, unknown, string][] = [
  ['maxBodyBytes', 0, '--max_request_body_size must be an integer of at least 1, got 0'],
  ['headersTimeoutMs', 0, '--http_headers_timeout must be a positive duration, got 0'],
  ['requestTimeoutMs', -1, '--http_request_timeout must be a positive duration, got -1'],
  ['idleTimeoutMs', NaN, '--http_idle_timeout must be a positive duration, got NaN'],
  ['maxConnectionsPerClient', 1.5, '--max_connections_per_client must be an integer of at least 0, got 1.5'],
  ['maxStreamBacklogBytes', -1, '--max_stream_backlog_size must be an integer of at least 0, got -1'],
];
