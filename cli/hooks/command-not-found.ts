/**
 * `mesoscloud exce ...`: say which commands exist and suggest the nearest, in the same shape as
 * every other usage error (message, suggestions, exit 2), instead of oclif's bare "not found".
 */
import { Errors, type Hook } from '@oclif/core';
import { EXIT } from '../errors';
import { closestName } from '../parse-errors';

const hook: Hook<'command_not_found'> = async function (opts) {
  // Ids are "agent:drain" inside oclif; the operator types "agent drain".
  const spaced = (id: string) => id.split(':').join(opts.config.topicSeparator ?? ' ');
  const commands = opts.config.commands.filter((c) => !c.hidden).map((c) => spaced(c.id)).sort();
  // oclif joins the words that follow into the id ("agent:drian:S1"): keep the known topic and one word more.
  const parts = opts.id.split(':');
  let depth = 0;
  while (depth < parts.length - 1 && opts.config.commands.some((c) => c.id.startsWith(`${parts.slice(0, depth + 1).join(':')}:`))) depth++;
  const typed = spaced(parts.slice(0, depth + 1).join(':'));
  // Command names are short: two edits (a swapped pair of letters) still reads as a typo.
  const near = closestName(typed, commands, 2);
  const suggestions = [
    ...(near ? [`did you mean \`${opts.config.bin} ${near}\`?`] : []),
    `run \`${opts.config.bin} --help\` for what each command does`,
  ];
  throw new Errors.CLIError(`'${typed}' is not a ${opts.config.bin} command; the commands are: ${commands.join(', ')}`, {
    code: 'UNKNOWN_COMMAND',
    exit: EXIT.usage,
    suggestions,
  });
};

export default hook;
