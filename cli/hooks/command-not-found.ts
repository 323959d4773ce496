/**
 * `mesoscloud exce ...`: say which commands exist and suggest the nearest, in the same shape as
 * every other usage error (message, suggestions, exit 2), instead of oclif's bare "not found".
 */
import { Errors, type Hook } from '@oclif/core';
import { EXIT } from '../errors';
import { closestName } from '../parse-errors';

const hook: Hook<'command_not_found'> = async function (opts) {
  const commands = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id).sort();
  // Command names are short: two edits (a swapped pair of letters) still reads as a typo.
  const near = closestName(opts.id, commands, 2);
  const suggestions = [
    ...(near ? [`did you mean \`${opts.config.bin} ${near}\`?`] : []),
    `run \`${opts.config.bin} --help\` for what each command does`,
  ];
  throw new Errors.CLIError(`'${opts.id}' is not a ${opts.config.bin} command; the commands are: ${commands.join(', ')}`, {
    code: 'UNKNOWN_COMMAND',
    exit: EXIT.usage,
    suggestions,
  });
};

export default hook;
