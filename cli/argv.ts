/**
 * Mesos spells switches `--checkpoint=true` and `--shell=false`; oclif only knows `--checkpoint`
 * and `--no-shell`. Rewriting the arguments first lets scripts written for Mesos tools run as they are.
 */
import { FlagError } from './errors';

export interface SwitchSpec {
  /** The flag's own name, whatever spelling (alias) was typed. */
  name: string;
  allowNo: boolean;
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/** `switches` maps every spelling (names and aliases) of the boolean flags to their spec. */
export function normalizeSwitches(argv: string[], switches: ReadonlyMap<string, SwitchSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^--([^=]+)=(.*)$/.exec(arg);
    const spec = m ? switches.get(m[1]) : undefined;
    if (!m || !spec) {
      out.push(arg);
      continue;
    }
    const value = m[2].trim().toLowerCase();
    if (TRUE.has(value)) out.push(`--${spec.name}`);
    else if (FALSE.has(value)) {
      // A switch without --no- form is off unless given: leaving it out is the same as =false.
      if (spec.allowNo) out.push(`--no-${spec.name}`);
    } else {
      throw new FlagError(`--${m[1]} is a switch: give --${m[1]}${spec.allowNo ? ` or --no-${m[1]}` : ''} (or =true / =false), got '${m[2]}'`);
    }
  }
  return out;
}
