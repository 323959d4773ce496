/**
 * The one mapping from failures to what the operator sees: a stable code, the message, hints and
 * an exit code. Library errors carry a `code` (and sometimes `suggestions`); anything else is a bug
 * and says so.
 */
import { Errors } from '@oclif/core';

export const EXIT = { failure: 1, usage: 2, interrupted: 130 } as const;

/** A flag value was refused: says what was wrong, what was received and what is allowed. */
export class FlagError extends Errors.CLIError {
  constructor(message: string) {
    super(message, { code: 'BAD_FLAG', exit: EXIT.usage });
  }
}

interface CodedError extends Error {
  code?: string;
  suggestions?: string[];
  status?: number;
  url?: string;
}

const USAGE_CODES = new Set(['BAD_FLAG', 'BAD_MASTER_ADDRESS', 'BAD_RESOURCES', 'NO_CLUSTER', 'PROVIDER_UNAVAILABLE', 'PORT_IN_USE']);

export function toCliError(err: unknown, context: { cluster?: string } = {}): Errors.CLIError {
  if (err instanceof Errors.CLIError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as CodedError;
  const cluster = context.cluster ?? 'local';
  switch (e.code) {
    case 'MASTER_REJECTED':
      // The master's own words, verbatim: they name the field that was wrong.
      return cli(e.message, 'MASTER_REJECTED', [], EXIT.failure);
    case 'UNREACHABLE':
      return cli(e.message, 'MASTER_UNREACHABLE', [
        `if the cluster stopped, start it again with: mesoscloud launch --cluster ${cluster}`,
        'or point at another master with --master host:port',
      ], EXIT.failure);
    case undefined:
      if (e.constructor?.name === 'ResourceParseError') return cli(e.message, 'BAD_RESOURCES', ['resources look like "cpus:1;mem:128;ports:[31000-31010]"'], EXIT.usage);
      return cli(`unexpected error: ${e.message}`, 'UNEXPECTED', ['run again with DEBUG=* for details, and report it if it persists'], EXIT.failure);
    default:
      return cli(e.message, e.code, e.suggestions ?? [], USAGE_CODES.has(e.code) ? EXIT.usage : EXIT.failure);
  }
}

function cli(message: string, code: string, suggestions: string[], exit: number): Errors.CLIError {
  return new Errors.CLIError(message, { code, suggestions: suggestions.length ? suggestions : undefined, exit });
}
