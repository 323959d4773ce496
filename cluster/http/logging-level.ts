/**
 * The logging level an operator raises for a while: Mesos's `/logging/toggle?level=&duration=` and
 * the operator calls GET_LOGGING_LEVEL / SET_LOGGING_LEVEL, on any daemon that has a logger and a clock.
 *
 * Mesos's levels are glog verbosity numbers (FLAGS_v): 0 writes what a daemon writes by default,
 * and each higher number adds more detailed VLOG messages. Our logger has named levels, not a
 * verbosity, so the numbers map onto it as follows:
 *
 *   0      the level the daemon started with (info, or what its logger or MESOSCLOUD_LOG_LEVEL set),
 *          but at least info: a daemon started at debug is brought back to info by 0
 *   1 and up  debug: every message we have (we do not grade detail beyond debug, so 1, 2 and 3 are alike)
 *
 * GET_LOGGING_LEVEL (and `/logging/toggle` with no query) answer 1 while debug is on, else 0.
 * As in Mesos, a level other than the one the daemon started with goes back to it after `duration`;
 * a later change replaces the pending revert, and setting the starting level again ends it at once.
 * The level is the whole process's: the daemon's logger and every child share one threshold.
 */
import { DurationParseError, parseDuration } from '../protocol/duration';
import type { Clock, TimerHandle } from '../util/clock';
import type { Level, LogThreshold } from '../util/log';
import type { HandlerResult, Request } from './server';

/** glog verbosity -> our level. */
export function levelOfVerbosity(verbosity: number, configured: Level): Level {
  if (verbosity >= 1) return 'debug';
  return configured === 'debug' ? 'info' : configured;
}

/** Our level -> glog verbosity. */
export function verbosityOfLevel(level: Level): number {
  return level === 'debug' ? 1 : 0;
}

export class LoggingLevel {
  private revert?: TimerHandle;

  constructor(private readonly threshold: LogThreshold, private readonly clock: Clock) {}

  /** The verbosity now in force. */
  get verbosity(): number { return verbosityOfLevel(this.threshold.level) }

  /** The verbosity the daemon started with (Mesos's `original`). */
  get original(): number { return verbosityOfLevel(this.threshold.configured) }

  /** Sets `verbosity` for `durationMs`, then goes back to the starting level. */
  set(verbosity: number, durationMs: number): void {
    this.revert?.cancel();
    this.revert = undefined;
    this.threshold.level = verbosity === this.original ? this.threshold.configured : levelOfVerbosity(verbosity, this.threshold.configured);
    if (verbosity === this.original) return;
    this.revert = this.clock.setTimeout(() => {
      this.revert = undefined;
      this.threshold.level = this.threshold.configured;
    }, durationMs);
  }

  /** The daemon is closing: a raised level goes back now (its logger may outlive it, as in-process tests do). */
  close(): void {
    if (!this.revert) return;
    this.revert.cancel();
    this.revert = undefined;
    this.threshold.level = this.threshold.configured;
  }
}

const badRequest = (text: string): HandlerResult => ({ status: 400, text });

/**
 * `/logging/toggle`, with Mesos's answers: no query -> 200 with the verbosity; `level` and
 * `duration` -> 200 after setting it; anything else -> 400 with Mesos's wording.
 */
export function loggingToggleHandler(level: LoggingLevel): (req: Request) => HandlerResult {
  return (req) => {
    const verbosity = req.query.get('level');
    const duration = req.query.get('duration');
    if (verbosity === null && duration === null) return { text: `${level.verbosity}\n` };
    if (duration === null) return badRequest("Expecting 'duration=value' in query.\n");
    if (verbosity === null) return badRequest("Expecting 'level=value' in query.\n");
    if (!/^-?\d{1,9}$/.test(verbosity.trim())) {
      return badRequest(`query parameter 'level' must be an integer verbosity (0 = the starting level, 1 or more = debug), got '${verbosity}'.\n`);
    }
    const v = Number(verbosity);
    if (v < 0) return badRequest(`Invalid level '${v}'.\n`);
    if (v < level.original) return badRequest(`'${v}' < original level.\n`);
    let ms: number;
    try {
      ms = parseDuration(duration);
    } catch (err) {
      if (err instanceof DurationParseError) return badRequest(`query parameter 'duration': ${err.message}.\n`);
      throw err;
    }
    level.set(v, ms);
    return { status: 200 };
  };
}
