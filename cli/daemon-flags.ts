/**
 * oclif flags made from a daemon's flag table (cluster/util/options-table.ts), so `mesoscloud master|agent`
 * and the daemon bundle take the same flags, with the same defaults, checks and messages.
 */
import { Flags, type Interfaces } from '@oclif/core';
import type { FlagSpec, FlagTable, FlagValue } from '../cluster/util/options-table';
import { FlagError } from './errors';

export type OclifFlags<T extends FlagTable> = { [K in keyof T]: Interfaces.Flag<FlagValue<T[K]>> };

export function oclifFlags<T extends FlagTable>(table: T): OclifFlags<T> {
  return Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, oclifFlag(spec)])) as OclifFlags<T>;
}

/** Each flag's value type is restored by OclifFlags; here they are all alike. */
function oclifFlag(spec: FlagSpec): Interfaces.Flag<unknown> {
  return oclifFlagOfType(spec) as Interfaces.Flag<unknown>;
}

function oclifFlagOfType(spec: FlagSpec): object {
  const common = { description: spec.description, required: spec.required, default: spec.default as never };
  switch (spec.type) {
    case 'switch':
      return Flags.boolean({ description: spec.description, allowNo: spec.allowNo, default: spec.default as boolean | undefined });
    case 'text':
      return Flags.string(common);
    case 'option':
      // oclif checks the value against options itself; cli/parse-errors.ts words its refusal.
      return Flags.string({ ...common, options: [...spec.options!] });
    case 'parsed':
      return Flags.custom<unknown>({
        ...common,
        parse: async (input, _ctx, flag) => {
          try {
            return spec.parse(input, flag.name);
          } catch (err) {
            throw new FlagError((err as Error).message);
          }
        },
      })();
  }
}
