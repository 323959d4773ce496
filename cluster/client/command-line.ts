/**
 * Turning `exec` arguments into a CommandInfo. With a shell, the text goes to `sh -c` as is;
 * without one, it is split into words the way a POSIX shell would quote them, without expansion.
 */
import type { CommandInfo, Environment } from '../protocol/types';

export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) current += text[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote === '"' ? 'double' : 'single'} quote in command '${text}'`);
  if (inWord) words.push(current);
  return words;
}

export function buildCommandInfo(command: string, shell: boolean, env?: Record<string, string>): CommandInfo {
  const info: CommandInfo = { shell };
  if (shell) {
    info.value = command;
  } else {
    const argv = splitWords(command);
    if (argv.length === 0) throw new Error('command is empty');
    info.value = argv[0];
    info.arguments = argv;
  }
  if (env && Object.keys(env).length > 0) info.environment = toEnvironment(env);
  return info;
}

function toEnvironment(env: Record<string, string>): Environment {
  return { variables: Object.entries(env).map(([name, value]) => ({ name, type: 'VALUE', value })) };
}
