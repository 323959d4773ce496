/**
 * The daemon bundle's command line: the master's and agent's flag tables (shared with
 * `mesoscloud master|agent`) parsed without oclif, with errors that name the flag and the value.
 */
import { parseFlags, usageText } from '../../daemon/argv';
import { UsageError } from '../../daemon/usage-error';
import { AGENT_FLAGS, AGENT_OPTIONS, resolveAgentOptions } from '../../cluster/agent/options';
import { MASTER_FLAGS, MASTER_OPTIONS } from '../../cluster/master/options';
import { DEFAULT_HTTP_LIMITS } from '../../cluster/http/limits';
import { optionsFromFlags, switchFlag, textFlag } from '../../cluster/flags/table';
import { main } from '../../daemon/main';
import { PROBE_FLAGS, probeTarget } from '../../daemon/probe';

const MASTER = 'mesoscloud-daemon master';
const AGENT = 'mesoscloud-daemon agent';

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parsing a daemon command line', () => {
  it('takes --name value and --name=value, and fills in the defaults', () => {
    const f = parseFlags(MASTER, MASTER_FLAGS, ['--ip', '0.0.0.0', '--port=5055', '--offer_timeout', '30secs', '--zk=zk://10.0.0.2:2181/mesos']);
    expect(f).toMatchObject({ ip: '0.0.0.0', port: 5055, offer_timeout: 30 /* seconds, as MasterOptions holds it */, zk: 'zk://10.0.0.2:2181/mesos' });
    expect(f.hostname).toBeUndefined();
    expect(parseFlags(MASTER, MASTER_FLAGS, [])).toMatchObject({ ip: '127.0.0.1', port: 5050 });
  });

  it('keeps a value that holds "=" or spaces whole', () => {
    const f = parseFlags(AGENT, AGENT_FLAGS, ['--master', 'm:5050', '--work_dir=/w', '--attributes=rack:a;note:x=y', '--hostname', 'a b']);
    expect(f.attributes).toBe('rack:a;note:x=y');
    expect(f.hostname).toBe('a b');
  });

  it('becomes the same daemon options as `mesoscloud master|agent` give', () => {
    // What the command line leaves out takes the table's default, in the options' units.
    expect(optionsFromFlags(MASTER_OPTIONS, parseFlags(MASTER, MASTER_FLAGS, ['--port', '0', '--agent_ping_timeout', '1secs', '--allocation_interval', '500ms', '--quorum', '2'])))
      .toEqual({
        ip: '127.0.0.1', port: 0, agentPingTimeoutSeconds: 1, maxAgentPingTimeouts: 5, allocationIntervalMs: 500, quorum: 2,
        zkSessionTimeoutSeconds: 10, agentReregisterTimeoutSeconds: 600,
        authenticateFrameworks: false, authenticateAgents: false, authenticateHttpReadwrite: false, authenticateHttpReadonly: false, ...DEFAULT_HTTP_LIMITS,
      });
    const agent = resolveAgentOptions(optionsFromFlags(AGENT_OPTIONS, parseFlags(AGENT, AGENT_FLAGS, ['--master', 'zk://z:2181/mesos', '--work_dir', '/w', '--isolation', 'cgroups/v2', '--recover', 'cleanup'])));
    expect(agent).toMatchObject({ master: 'zk://z:2181/mesos', workDir: '/w', cgroups: 'v2', recover: 'cleanup', cgroupsRoot: 'mesoscloud', port: 5051 });
  });

  it.each([
    [['--port', 'abc'], "--port must be a whole number from 0 to 65535, got 'abc'"],
    [['--port=99999'], "--port must be a whole number from 0 to 65535, got '99999'"],
    [['--offer_timeout', 'soon'], "--offer_timeout: invalid duration 'soon'"],
    [['--port'], '--port needs a value after it (none was given)'],
    [['--port', '--ip', 'x'], '--port needs a value after it (none was given)'],
    [['--port', '1', '--port', '2'], '--port was given more than once; give it once'],
    [['--bogus', '1'], `${MASTER} has no flag --bogus; its flags are --ip, --port, --hostname`],
    [['--bogus=1'], `${MASTER} has no flag --bogus;`],
    [['-p', '1'], `${MASTER} has no flag -p;`],
    [['--constructor', 'x'], `${MASTER} has no flag --constructor;`],
    [['5050'], `${MASTER} takes flags only, got the extra argument(s) '5050'`],
  ])('master %j is refused: %s', (argv, message) => {
    expect(usageError(() => parseFlags(MASTER, MASTER_FLAGS, argv))).toContain(message);
  });

  it.each([
    [['--work_dir', '/w'], `${AGENT} needs --master, and it was not given`],
    [[], `${AGENT} needs --work_dir and --master, and they were not given`],
    [['--master', 'm', '--work_dir', '/w', '--isolation', 'docker'], "--isolation must be one of auto, cgroups/v1, cgroups/v2, none, got 'docker'"],
    [['--master', 'm', '--work_dir', '/w', '--resources', 'cpus:x'], `--resources must be resources like "cpus:1;mem:128" (name:value pairs separated by ';'), got 'cpus:x'`],
  ])('agent %j is refused: %s', (argv, message) => {
    expect(usageError(() => parseFlags(AGENT, AGENT_FLAGS, argv))).toContain(message);
  });

  it('reads switches as --x, --no-x and Mesos\'s --x=true|false', () => {
    const table = { verbose: switchFlag({ description: 'talk', allowNo: true, default: false }), quiet: switchFlag({ description: 'hush' }), name: textFlag({ description: 'n' }) };
    expect(parseFlags('t', table, ['--verbose']).verbose).toBe(true);
    expect(parseFlags('t', table, ['--no-verbose']).verbose).toBe(false);
    expect(parseFlags('t', table, ['--verbose=false', '--quiet=yes'])).toMatchObject({ verbose: false, quiet: true });
    expect(parseFlags('t', table, []).verbose).toBe(false);
    expect(usageError(() => parseFlags('t', table, ['--quiet=maybe']))).toBe("--quiet is a switch: give --quiet (or =true / =false), got 'maybe'");
    expect(usageError(() => parseFlags('t', table, ['--verbose=maybe']))).toBe("--verbose is a switch: give --verbose or --no-verbose (or =true / =false), got 'maybe'");
    expect(usageError(() => parseFlags('t', table, ['--no-quiet']))).toContain('t has no flag --no-quiet');
    expect(usageError(() => parseFlags('t', table, ['--no-name']))).toContain('t has no flag --no-name');
  });

  it('lists every flag with its default in --help text', () => {
    const text = usageText(AGENT, 'Run an agent.', AGENT_FLAGS);
    expect(text).toContain('--isolation <auto|cgroups/v1|cgroups/v2|none>');
    expect(text).toMatch(/--master <value> .*\[required\]/);
    expect(text).toMatch(/--port <value> .*\[default: 5051\]/);
  });
});

describe('probe flags', () => {
  it('take exactly one target, host:port checked', () => {
    expect(probeTarget(parseFlags('p', PROBE_FLAGS, ['--zk', '127.0.0.1:2181']))).toEqual({ kind: 'zk', address: { host: '127.0.0.1', port: 2181 } });
    expect(probeTarget(parseFlags('p', PROBE_FLAGS, ['--tcp', '[::1]:22']))).toEqual({ kind: 'tcp', address: { host: '::1', port: 22 } });
    expect(parseFlags('p', PROBE_FLAGS, ['--http', 'http://h:5050/health']).timeout).toBe(30_000);
    expect(usageError(() => probeTarget(parseFlags('p', PROBE_FLAGS, [])))).toBe('give exactly one of --http, --zk, --tcp; got none');
    expect(usageError(() => probeTarget(parseFlags('p', PROBE_FLAGS, ['--zk', 'a:1', '--tcp', 'a:2'])))).toBe('give exactly one of --http, --zk, --tcp; got --zk and --tcp');
    expect(usageError(() => parseFlags('p', PROBE_FLAGS, ['--zk', 'zk1']))).toBe("--zk must be host:port (e.g. 10.0.0.5:2181, port 1-65535), got 'zk1'");
    expect(usageError(() => parseFlags('p', PROBE_FLAGS, ['--tcp', 'h:0']))).toContain("got 'h:0'");
    expect(usageError(() => parseFlags('p', PROBE_FLAGS, ['--http', 'ftp://h/']))).toBe("--http must be an http:// or https:// URL (e.g. http://127.0.0.1:5050/health), got 'ftp://h/'");
  });
});

describe('subcommands', () => {
  it('an unknown one is named with the ones there are', async () => {
    await expect(main(['mastr'])).rejects.toThrow(new UsageError("'mastr' is not a mesoscloud-daemon subcommand; the subcommands are master, agent, zookeeper, service, supervise, probe, version"));
    await expect(main(['constructor'])).rejects.toThrow(UsageError);
  });

  it('service and supervise take one definition file', async () => {
    await expect(main(['service'])).rejects.toThrow(/service takes one argument, the service definition file .*got none/);
    await expect(main(['supervise', 'a.json', 'b.json'])).rejects.toThrow(/got 'a.json' 'b.json'/);
    await expect(main(['service', '/nonexistent/agent.json'])).rejects.toThrow("cannot read the service definition '/nonexistent/agent.json' (ENOENT)");
  });
});
