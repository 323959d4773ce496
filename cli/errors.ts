/**
 * The one mapping from failures to what the operator sees: a stable code, the message, hints and
 * an exit code. Library errors carry a `code` (and sometimes `suggestions`); oclif's own parse
 * failures are reworded; anything else is a bug and says so.
 */
import { Errors } from '@oclif/core';
import { reworkParseError, type ParseErrorContext } from './parse-errors';

/**
 * Exit codes, the same for every command:
 *   0    done (for `exec`: the task reached TASK_FINISHED)
 *   1    it failed: the task ended in another state, the master refused or could not be reached,
 *        a daemon did not start
 *   2    the command line was wrong: a bad or missing flag, an unknown cluster, an unknown or ambiguous
 *        task/agent/framework id, a confirmation that could not be asked; nothing was done
 *   130  interrupted (Ctrl-C)
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** The same table, for `--help`. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 done; 1 failed (for exec: the task did not finish, or the master refused or could not be ' +
  'reached); 2 wrong command line (bad or missing flag, unknown cluster, unknown or ambiguous id), nothing was done; ' +
  '130 interrupted.';

/** A flag value was refused: says what was wrong, what was received and what is allowed. */
export class FlagError extends Errors.CLIError {
  constructor(message: string, suggestions?: string[]) {
    super(message, { code: 'BAD_FLAG', exit: EXIT.usage, suggestions });
  }
}

interface CodedError extends Error {
  code?: string;
  suggestions?: string[];
  status?: number;
  url?: string;
}

export interface ErrorContext {
  cluster?: string;
  /** Where the master address came from, for hints when it does not answer. */
  master?: { source: 'flag' | 'catalog'; logPath?: string };
  /** The command's flags, for rewording oclif's parse errors. */
  parse?: ParseErrorContext;
}

const USAGE_CODES = new Set([
  'BAD_FLAG', 'UNKNOWN_FLAG', 'MISSING_FLAG', 'MISSING_ARGUMENT', 'UNEXPECTED_ARGUMENT', 'BAD_MASTER_ADDRESS', 'BAD_RESOURCES',
  'BAD_COMMAND', 'NO_CLUSTER', 'PROVIDER_UNAVAILABLE', 'PORT_IN_USE', 'UNKNOWN_ID', 'AMBIGUOUS_ID',
  'CONFIRMATION_REQUIRED', 'BAD_CLUSTER_SPEC', 'BAD_CLUSTER_FILE', 'UNKNOWN_HOST', 'WRONG_PROVIDER', 'NO_HOSTS', 'NO_SUCH_FILE', 'NOT_A_FILE',
]);

export function toCliError(err: unknown, context: ErrorContext = {}): Errors.CLIError {
  const e = (err instanceof Error ? err : new Error(String(err))) as CodedError;
  if (context.parse && (!(err instanceof Errors.CLIError) || e.code === 'BAD_FLAG' || e.code === undefined)) {
    const reworked = reworkParseError(e, context.parse);
    if (reworked) return cli(reworked.message, reworked.code, mergeSuggestions(e.suggestions, reworked.suggestions), EXIT.usage);
  }
  if (err instanceof Errors.CLIError) return err;
  const cluster = context.cluster ?? 'local';
  switch (e.code) {
    case 'MASTER_REJECTED':
      // The master's own words, verbatim: they name the field that was wrong.
      return cli(e.message, 'MASTER_REJECTED', [], EXIT.failure);
    case 'INTERRUPTED':
      return cli(e.message, 'INTERRUPTED', e.suggestions ?? [], EXIT.interrupted);
    case 'UNREACHABLE':
      return cli(e.message, 'MASTER_UNREACHABLE', unreachableHints(cluster, context.master), EXIT.failure);
    case undefined:
      if (e.constructor?.name === 'ResourceParseError') return cli(e.message, 'BAD_RESOURCES', ['resources look like "cpus:1;mem:128;ports:[31000-31010]"'], EXIT.usage);
      return cli(`unexpected error: ${e.message}`, 'UNEXPECTED', ['run again with DEBUG=* for details, and report it if it persists'], EXIT.failure);
    default:
      return cli(e.message, e.code, e.suggestions ?? [], USAGE_CODES.has(e.code) ? EXIT.usage : EXIT.failure);
  }
}

function unreachableHints(cluster: string, master: ErrorContext['master']): string[] {
  if (master?.source === 'flag') {
    return [
      'check the address given with --master (or MESOSCLOUD_MASTER) and that a master runs there',
      'or leave --master out to use the cluster named by --cluster, as recorded on this machine',
    ];
  }
  return [
    `cluster '${cluster}' is recorded on this machine but its master does not answer; start it again with: mesoscloud launch --cluster ${cluster}`,
    ...(master?.logPath ? [`see why it stopped in ${master.logPath}`] : []),
    `or forget it with: mesoscloud destroy --cluster ${cluster}`,
  ];
}

function mergeSuggestions(own: string[] | undefined, more: string[]): string[] {
  return [...new Set([...(own ?? []), ...more])];
}

function cli(message: string, code: string, suggestions: string[], exit: number): Errors.CLIError {
  return new Errors.CLIError(message, { code, suggestions: suggestions.length ? suggestions : undefined, exit });
}

/** What `--json` prints on failure: one object, the same fields as the text output. */
export function errorJson(err: Errors.CLIError): { error: { code: string; message: string; suggestions?: string[]; exit_code: number } } {
  return {
    error: {
      code: err.code ?? 'UNEXPECTED',
      message: err.message,
      ...(err.suggestions?.length ? { suggestions: err.suggestions } : {}),
      exit_code: err.oclif?.exit ?? EXIT.failure,
    },
  };
}
