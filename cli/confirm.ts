/**
 * Asking before something that cannot be undone (marking an agent gone, tearing a framework down).
 * Without a terminal to ask on, the safe answer is no: a script must say --yes.
 */
import * as readline from 'node:readline';

export type ConfirmDecision = 'proceed' | 'ask' | 'refuse';

export function confirmDecision(opts: { yes: boolean; interactive: boolean }): ConfirmDecision {
  if (opts.yes) return 'proceed';
  return opts.interactive ? 'ask' : 'refuse';
}

/** True for "y" or "yes" (any case); anything else, or end of input, is no. */
export function isYes(answer: string): boolean {
  return /^\s*y(es)?\s*$/i.test(answer);
}

export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Asks on the terminal (the question goes to stderr, so stdout stays clean for --json). */
export async function ask(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      rl.question(`${question} [y/N] `, resolve);
    });
    return isYes(answer);
  } finally {
    rl.close();
  }
}

/**
 * Goes ahead, or throws: CONFIRMATION_REQUIRED (exit 2) when nobody can be asked, DECLINED (exit 1)
 * when the operator said no. Either way nothing was done.
 */
export async function confirmOrThrow(opts: { yes: boolean; question: string; command: string }): Promise<void> {
  const decision = confirmDecision({ yes: opts.yes, interactive: isInteractive() });
  if (decision === 'proceed') return;
  if (decision === 'refuse') {
    throw Object.assign(new Error(`${opts.command} cannot be undone and there is no terminal to confirm it on; nothing was done`), {
      code: 'CONFIRMATION_REQUIRED',
      suggestions: [`add --yes to go ahead: ${opts.command} --yes`],
    });
  }
  if (!(await ask(opts.question))) {
    throw Object.assign(new Error('not confirmed; nothing was done'), { code: 'DECLINED' });
  }
}
