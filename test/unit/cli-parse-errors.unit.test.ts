import { Errors } from '@oclif/core';
import { closestName, reworkParseError } from '../../cli/parse-errors';

const ctx = { command: 'mesoscloud exec', flags: ['name', 'command', 'kill-after', 'json'], aliases: ['kill_after'] };

/** Errors shaped as oclif 4.13.3 throws them. */
function oclifError(message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Errors.CLIError(message), extra);
}

describe('reworkParseError', () => {
  it('unwraps a flag parse failure and keeps a message that names the flag', () => {
    const own = Object.assign(new Errors.CLIError('x', { code: 'BAD_FLAG' }), {
      message: "Parsing --agents \n\t--agents must be a whole number from 1 to 64, got '0'\nSee more help with --help",
    });
    expect(reworkParseError(own, ctx)).toEqual({
      code: 'BAD_FLAG',
      message: "--agents must be a whole number from 1 to 64, got '0'",
      suggestions: ['see every flag with: mesoscloud exec --help'],
    });
  });

  it('names the flag when the inner message does not', () => {
    const err = new Error('Parsing --port \n\tExpected an integer but received: x\nSee more help with --help');
    expect(reworkParseError(err, ctx)?.message).toBe('--port: Expected an integer but received: x');
  });

  it('lists the flags and suggests the nearest one for an unknown flag', () => {
    const r = reworkParseError(oclifError('Nonexistent flag: --kil-after\nSee more help with --help', { flags: ['--kil-after'] }), ctx);
    expect(r?.code).toBe('UNKNOWN_FLAG');
    expect(r?.message).toBe('mesoscloud exec has no flag --kil-after; its flags are --name, --command, --kill-after, --json');
    expect(r?.suggestions[0]).toBe('did you mean --kill-after?');
  });

  it('names every missing required flag with its dashes', () => {
    const msg = 'The following errors occurred:\n  \u001b[2mMissing required flag command\n  Missing required flag name\u001b[22m\nSee more help with --help';
    expect(reworkParseError(oclifError(msg), ctx)).toMatchObject({ code: 'MISSING_FLAG', message: 'mesoscloud exec needs --command and --name, and they were not given' });
  });

  it('explains extra arguments, quoting them', () => {
    const r = reworkParseError(oclifError('Unexpected argument: hello\nSee more help with --help', { args: ['hello'] }), ctx);
    expect(r).toMatchObject({ code: 'UNEXPECTED_ARGUMENT', message: "mesoscloud exec takes flags only, got the extra argument(s) 'hello'" });
  });

  it('names the arguments a command takes when given too many, and the ones missing', () => {
    const logs = { command: 'mesoscloud logs', flags: ['follow'], args: ['task'] };
    expect(reworkParseError(oclifError('Unexpected argument: b\nSee more help with --help', { args: ['b'] }), logs))
      .toMatchObject({ code: 'UNEXPECTED_ARGUMENT', message: "mesoscloud logs takes TASK and flags, got the extra argument(s) 'b'" });
    expect(reworkParseError(oclifError('Missing 1 required arg:\ntask  task id, or a unique prefix of one\nSee more help with --help'), logs))
      .toMatchObject({ code: 'MISSING_ARGUMENT', message: 'mesoscloud logs needs TASK, and it was not given' });
  });

  it('rewords option, missing value and repeated flag errors', () => {
    expect(reworkParseError(oclifError('Expected --provider=gcp to be one of: local, ssh, aws\nSee more help with --help'), ctx)?.message)
      .toBe("--provider must be one of local, ssh, aws, got 'gcp'");
    expect(reworkParseError(oclifError('Flag --name expects a value'), ctx)?.message).toBe('--name needs a value after it (none was given)');
    expect(reworkParseError(oclifError('Flag --name can only be specified once'), ctx)?.message).toBe('--name was given more than once; give it once');
  });

  it('leaves other errors alone', () => {
    expect(reworkParseError(new Error('connect ECONNREFUSED'), ctx)).toBeUndefined();
  });
});

describe('closestName', () => {
  it('finds typos and Mesos spellings, and nothing for unrelated words', () => {
    expect(closestName('kil-after', ctx.flags)).toBe('kill-after');
    expect(closestName('kill_afte', [...ctx.flags, ...ctx.aliases])).toBe('kill-after');
    expect(closestName('work-dir', ['work_dir', 'port'])).toBe('work_dir');
    expect(closestName('banana', ctx.flags)).toBeUndefined();
  });
});
