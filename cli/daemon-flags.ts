/**
 * oclif flags made from a daemon's command-line table (derived from its options table), for
 * `mesoscloud master|agent --help` and the manifest. oclif does not parse them: DaemonCommand hands
 * the command line to the daemon's own parser (daemon/argv.ts), the one the daemon bundle runs.
 */
import { Flags, type Interfaces } from '@oclif/core';
import { helpDefault, type FlagSpec, type FlagTable } from '../cluster/flags/table';

export function oclifFlags(table: FlagTable): Interfaces.FlagInput {
  return Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, oclifFlag(spec)]));
}

function oclifFlag(spec: FlagSpec): Interfaces.Flag<unknown> {
  const { description, required } = spec;
  if (spec.type === 'switch') return Flags.boolean({ description, allowNo: spec.allowNo, default: spec.default as boolean | undefined }) as Interfaces.Flag<unknown>;
  // The default as typed (e.g. 15secs), for help.
  return Flags.string({ description, required, options: spec.options && [...spec.options], default: helpDefault(spec) }) as Interfaces.Flag<unknown>;
}
