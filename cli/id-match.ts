/**
 * Finding the one task, agent or framework an operator means from what they typed: the whole id, a
 * unique prefix of it (as git takes commit ids), or, since agent and framework ids all start with the
 * same master id, a unique last part after a '-' ("S1" for "<master id>-S1"). An unknown or ambiguous
 * id is an error naming it and pointing at the command that lists the candidates.
 */

export type IdKind = 'task' | 'agent' | 'framework';

export interface IdCandidate<T> {
  id: string;
  item: T;
  /** Shown when the id is ambiguous, e.g. "hello (framework abc-0001, TASK_RUNNING)". */
  describe: string;
}

export interface ResolveContext {
  kind: IdKind;
  /** Where it was looked for: "cluster 'local'", or "master 10.0.0.5:5050" when --master was given. */
  where: string;
  /** The command that lists what can be named, e.g. "mesoscloud tasks --all". */
  listCommand: string;
  /** How to narrow an ambiguous choice beyond a longer id, e.g. "add --framework <id>". */
  narrow?: string;
}

/** Shown when an ambiguous id matches more than this many: the rest are counted, not listed. */
const MAX_LISTED = 10;

export class IdError extends Error {
  constructor(readonly code: 'UNKNOWN_ID' | 'AMBIGUOUS_ID', message: string, readonly suggestions: string[]) {
    super(message);
  }
}

/** Every candidate the input names, by the first rule that matches any: whole id, prefix, last part. */
export function matchIds<T>(input: string, candidates: readonly IdCandidate<T>[]): IdCandidate<T>[] {
  if (input === '') return [];
  const exact = candidates.filter((c) => c.id === input);
  if (exact.length > 0) return exact;
  const prefix = candidates.filter((c) => c.id.startsWith(input));
  if (prefix.length > 0) return prefix;
  return candidates.filter((c) => c.id.endsWith(`-${input}`));
}

/**
 * The one candidate the input names. `prefer` breaks a tie between several (e.g. the one task still
 * running among finished ones of the same id) when exactly one passes it.
 */
export function resolveId<T>(input: string, candidates: readonly IdCandidate<T>[], ctx: ResolveContext, prefer?: (item: T) => boolean): T {
  const matches = matchIds(input, candidates);
  if (matches.length === 1) return matches[0].item;
  if (matches.length > 1 && prefer) {
    const preferred = matches.filter((m) => prefer(m.item));
    if (preferred.length === 1) return preferred[0].item;
  }
  if (matches.length === 0) {
    throw new IdError('UNKNOWN_ID', `no ${ctx.kind} '${input}' on ${ctx.where}; see \`${ctx.listCommand}\``, []);
  }
  const listed = matches.slice(0, MAX_LISTED).map((m) => m.describe);
  const more = matches.length > MAX_LISTED ? [`and ${matches.length - MAX_LISTED} more`] : [];
  const sameId = matches.every((m) => m.id === matches[0].id);
  return fail(ctx, input, matches.length, [...listed, ...more], sameId);
}

function fail(ctx: ResolveContext, input: string, count: number, listed: string[], sameId: boolean): never {
  const how = sameId ? (ctx.narrow ?? `see \`${ctx.listCommand}\``) : `give more of the id${ctx.narrow ? `, or ${ctx.narrow}` : ''}`;
  throw new IdError('AMBIGUOUS_ID', `'${input}' matches ${count} ${ctx.kind}s on ${ctx.where}: ${listed.join('; ')}`, [how]);
}
