import { Errors } from '@oclif/core';
import { errorJson, EXIT, FlagError, toCliError } from '../../cli/errors';
import { ClientConnectionError, ClientHttpError } from '../../cluster/client/http';
import { ExecError } from '../../cluster/client/exec-error';
import { ResourceParseError } from '../../cluster/protocol/resources';

describe('toCliError', () => {
  it('keeps the master\'s 400 text verbatim', () => {
    const err = toCliError(new ClientHttpError(400, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present\n", 'http://m/api/v1/scheduler'));
    expect(err.message).toBe("Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
    expect(err.code).toBe('MASTER_REJECTED');
    expect(err.oclif.exit).toBe(EXIT.failure);
  });

  it('turns an unreachable master into hints naming the cluster', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = toCliError(new ClientConnectionError('http://127.0.0.1:5050', cause), { cluster: 'dev' });
    expect(err.message).toBe('cannot reach http://127.0.0.1:5050: connection refused (is it running?)');
    expect(err.code).toBe('MASTER_UNREACHABLE');
    expect(err.suggestions?.join('\n')).toContain('mesoscloud launch --cluster dev');
  });

  it('carries codes and suggestions of library errors', () => {
    const err = toCliError(new ExecError('RESOURCES_UNSATISFIABLE', 'no agent can ever run this task', ['ask for less']));
    expect(err).toMatchObject({ code: 'RESOURCES_UNSATISFIABLE', suggestions: ['ask for less'], message: 'no agent can ever run this task' });
  });

  it('treats bad input as a usage error (exit 2)', () => {
    expect(toCliError(new ResourceParseError('bad token', 'x', 0)).oclif.exit).toBe(EXIT.usage);
    expect(toCliError(new FlagError('--agents must be at least 1, got 0')).oclif.exit).toBe(EXIT.usage);
    expect(toCliError(Object.assign(new Error('port busy'), { code: 'PORT_IN_USE' })).oclif.exit).toBe(EXIT.usage);
  });

  it('passes oclif errors through and labels unknown ones', () => {
    const own = new Errors.CLIError('x', { code: 'X' });
    expect(toCliError(own)).toBe(own);
    expect(toCliError(new TypeError('boom'))).toMatchObject({ code: 'UNEXPECTED', message: 'unexpected error: boom' });
  });

  it('hints by where the master address came from', () => {
    const refused = new ClientConnectionError('http://127.0.0.1:6050', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
    const fromCatalog = toCliError(refused, { cluster: 'dev', master: { source: 'catalog', logPath: '/d/logs/master.log' } });
    expect(fromCatalog.suggestions).toEqual([
      "cluster 'dev' is recorded on this machine but its master does not answer; start it again with: mesoscloud launch --cluster dev",
      'see why it stopped in /d/logs/master.log',
      'or forget it with: mesoscloud destroy --cluster dev',
    ]);
    const fromFlag = toCliError(refused, { cluster: 'dev', master: { source: 'flag' } });
    expect(fromFlag.suggestions?.[0]).toContain('--master');
    expect(fromFlag.suggestions?.join('\n')).not.toContain('launch');
  });

  it("rewords oclif's parse errors when it knows the command's flags", () => {
    const err = toCliError(new Error('Parsing --agents \n\tExpected an integer but received: x\nSee more help with --help'), {
      parse: { command: 'mesoscloud launch', flags: ['agents'] },
    });
    expect(err).toMatchObject({ code: 'BAD_FLAG', message: '--agents: Expected an integer but received: x' });
    expect(err.oclif.exit).toBe(EXIT.usage);
  });

  it('gives --json one object: code, message, suggestions and exit code', () => {
    expect(errorJson(toCliError(new ExecError('RESOURCES_UNSATISFIABLE', 'too big', ['ask for less'])))).toEqual({
      error: { code: 'RESOURCES_UNSATISFIABLE', message: 'too big', suggestions: ['ask for less'], exit_code: EXIT.failure },
    });
    expect(errorJson(new FlagError('--x is wrong'))).toEqual({ error: { code: 'BAD_FLAG', message: '--x is wrong', exit_code: EXIT.usage } });
  });

  it('exits 130 when the operator interrupted', () => {
    expect(toCliError(Object.assign(new Error('launch was interrupted'), { code: 'INTERRUPTED' })).oclif.exit).toBe(EXIT.interrupted);
  });

  it('treats a command that cannot be split as a usage error', () => {
    expect(toCliError(new ExecError('BAD_COMMAND', 'cannot run')).oclif.exit).toBe(EXIT.usage);
  });
});
