/**
 * oclif's own parse failures, reworded so they say what was wrong, what was received and what is
 * allowed, in the same voice as every other error. oclif does not export its parser error classes,
 * so they are told apart by their shape (fields and message patterns of @oclif/core 4.13.3).
 */
import { editDistance } from '../infra/plan/nearest';

export interface ParseErrorContext {
  /** "mesoscloud exec" */
  command: string;
  /** Long names of the command's flags, without dashes. */
  flags: string[];
  /** Their other spellings (e.g. Mesos's kill_after for kill-after). */
  aliases?: string[];
  /** Names of the command's positional arguments, in order (e.g. ["task"]). */
  args?: string[];
}

export interface ReworkedError {
  code: 'BAD_FLAG' | 'UNKNOWN_FLAG' | 'MISSING_FLAG' | 'MISSING_ARGUMENT' | 'UNEXPECTED_ARGUMENT';
  message: string;
  suggestions: string[];
}

const SEE_HELP = /\s*See more help with --help\s*$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function reworkParseError(err: Error & { flags?: unknown; args?: unknown }, ctx: ParseErrorContext): ReworkedError | undefined {
  const text = err.message.replace(ANSI, '');
  const help = seeEveryFlag(ctx);

  // A flag's own parse function failed; oclif wraps the message as "Parsing --x \n\t<message>".
  const wrapped = /^Parsing --(\S+) \n\t([\s\S]*?)(?:\nSee more help with --help)?$/.exec(text);
  if (wrapped) {
    const [, flag, inner] = wrapped;
    // Our own flag errors already name the flag (or the variable the value came from).
    const named = (err as { code?: string }).code === 'BAD_FLAG' || inner.startsWith(`--${flag}`);
    return { code: 'BAD_FLAG', message: named ? inner : `--${flag}: ${inner}`, suggestions: [help] };
  }

  if (Array.isArray(err.flags) && /^Nonexistent flags?:/.test(text)) {
    const unknown = (err.flags as string[]).map(String);
    const list = unknown.join(', ');
    return {
      code: 'UNKNOWN_FLAG',
      message: `${ctx.command} has no flag ${list}; its flags are ${ctx.flags.map((f) => `--${f}`).join(', ')}`,
      suggestions: parseHints('UNKNOWN_FLAG', ctx, unknown),
    };
  }

  if (Array.isArray(err.args) && /^Unexpected arguments?:/.test(text)) {
    const args = (err.args as unknown[]).map((a) => `'${String(a)}'`).join(', ');
    const takes = ctx.args?.length ? `${ctx.args.map((a) => a.toUpperCase()).join(' ')} and flags` : 'flags only';
    return {
      code: 'UNEXPECTED_ARGUMENT',
      message: `${ctx.command} takes ${takes}, got the extra argument(s) ${args}`,
      suggestions: parseHints('UNEXPECTED_ARGUMENT', ctx),
    };
  }

  const missingArgs = /^Missing \d+ required args?:\n([\s\S]*?)(?:\nSee more help with --help)?\s*$/.exec(text);
  if (missingArgs) {
    const names = missingArgs[1].split('\n').map((line) => line.trim().split(/\s+/)[0]).filter(Boolean).map((n) => n.toUpperCase());
    return {
      code: 'MISSING_ARGUMENT',
      message: `${ctx.command} needs ${names.join(' and ')}, and ${names.length === 1 ? 'it was' : 'they were'} not given`,
      suggestions: [help],
    };
  }

  const missing = [...text.matchAll(/Missing required flag (\S+)/g)].map((m) => `--${m[1]}`);
  if (missing.length > 0) {
    return {
      code: 'MISSING_FLAG',
      message: `${ctx.command} needs ${missing.join(' and ')}, and ${missing.length === 1 ? 'it was' : 'they were'} not given`,
      suggestions: [help],
    };
  }

  const option = /^Expected --(\S+?)=([\s\S]*) to be one of: (.*?)(?:\n|$)/.exec(text);
  if (option) {
    const [, flag, got, allowed] = option;
    return { code: 'BAD_FLAG', message: `--${flag} must be one of ${allowed}, got '${got}'`, suggestions: [help] };
  }

  const expects = /^Flag --(\S+) expects (a value|one of these values: .*)$/.exec(text.replace(SEE_HELP, ''));
  if (expects) {
    return { code: 'BAD_FLAG', message: `--${expects[1]} needs a value after it (${expects[2].replace(/^a value$/, 'none was given')})`, suggestions: [help] };
  }

  const twice = /^Flag --(\S+) can only be specified once/.exec(text);
  if (twice) return { code: 'BAD_FLAG', message: `--${twice[1]} was given more than once; give it once`, suggestions: [help] };

  return undefined;
}

/**
 * The hints shown with a command-line mistake of kind `code`: the nearest known flag for each of
 * `unknown` (as typed), how to quote a value for extra arguments, and where to see every flag.
 */
export function parseHints(code: string, ctx: ParseErrorContext, unknown: string[] = []): string[] {
  const near = unknown.flatMap((f) => {
    const name = closestName(f.replace(/^-+/, '').split('=')[0], [...ctx.flags, ...(ctx.aliases ?? [])]);
    return name ? [`did you mean --${name}?`] : [];
  });
  const quote = code === 'UNEXPECTED_ARGUMENT' ? ['quote a value that holds spaces, e.g. --command "echo hello world"'] : [];
  return [...near, ...quote, seeEveryFlag(ctx)];
}

function seeEveryFlag(ctx: ParseErrorContext): string {
  return `see every flag with: ${ctx.command} --help`;
}

/**
 * The known name (flag or command) nearest to `name` (dashes and underscores alike), if close enough to be a
 * typo. On a tie the earlier one wins, so list primary names before aliases.
 */
export function closestName(name: string, known: string[], maxDistance?: number): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, '-');
  const target = norm(name);
  let best: { flag: string; distance: number } | undefined;
  for (const flag of known) {
    const distance = editDistance(target, norm(flag));
    if (!best || distance < best.distance) best = { flag, distance };
  }
  if (!best) return undefined;
  const limit = maxDistance ?? Math.max(1, Math.floor(target.length / 3));
  return best.distance <= limit ? best.flag : undefined;
}
