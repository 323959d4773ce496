/**
 * A wrong command line, in a file of its own: every subcommand throws it, and the supervisor, which
 * loads nothing else of the daemons, must not load the flag parser to do so.
 */

/** What was wrong with a command line; the CLI shows the same codes for the same mistakes. */
export type UsageCode = 'USAGE' | 'BAD_FLAG' | 'UNKNOWN_FLAG' | 'MISSING_FLAG' | 'UNEXPECTED_ARGUMENT';

/** The command line was wrong; nothing was started. */
export class UsageError extends Error {
  /** `unknown`: the flag that was not known, as typed (UNKNOWN_FLAG only). */
  constructor(message: string, readonly code: UsageCode = 'USAGE', readonly unknown?: string) {
    super(message);
  }
}
