/**
 * The agent's options table: the one source of its defaults, checks, command line and /flags.
 * Expected texts are written out as the agent printed them before the table existed.
 */
import Agent from '../../cli/commands/agent';
import { AGENT_DEFAULTS, AGENT_FLAGS, AGENT_OPTIONS, agentFlags, resolveAgentOptions, type AgentOptions } from '../../cluster/agent/options';
import { DEFAULT_HTTP_LIMITS } from '../../cluster/http/limits';
import { HTTP_LIMIT_FLAGS } from '../../cluster/http/limit-options';
import { expectHelpDefaultsRoundTrip, expectWellFormedTable, HTTP_LIMIT_REFUSALS } from '../helpers/option-tables';

const base = { master: '10.0.0.5:5050', workDir: '/var/lib/a' };

describe('the agent options table', () => {
  it('describes every option, and the bundle, the CLI and the resolver read the same flags', () => {
    expectWellFormedTable(AGENT_OPTIONS, AGENT_FLAGS, Agent.flags);
    expect(Object.keys(AGENT_FLAGS)).toEqual([
      'ip', 'port', 'hostname', 'advertise_ip', 'work_dir', 'master', 'resources', 'attributes', 'isolation', 'recover', 'switch_user', 'allow_root_tasks', 'cgroups_root',
      'tls_cert_file', 'tls_key_file', 'tls_ca_file', 'tls_require_cert',
      'authenticate_http_readonly', 'authenticate_http_readwrite', 'http_credentials', 'credential',
      'fetcher_cache_size', 'fetcher_cache_dir', 'fetcher_stall_timeout', 'fetcher_ca_file', 'acls',
      'executor_registration_timeout', 'executor_reregistration_timeout', 'recovery_timeout', 'authenticate_http_executors', 'executor_secret_key', ...HTTP_LIMIT_FLAGS,
    ]);
    expect(Object.entries(AGENT_FLAGS).filter(([, f]) => f.required).map(([name]) => name)).toEqual(['work_dir', 'master']);
    expectHelpDefaultsRoundTrip(AGENT_OPTIONS, AGENT_FLAGS);
  });

  it('has the defaults the agent always had', () => {
    expect(AGENT_DEFAULTS).toEqual({
      ip: '127.0.0.1', port: 5051, cgroups: 'auto', cgroupsRoot: 'mesoscloud', killGracePeriodSeconds: 3, statusUpdateRetrySeconds: 2,
      masterPingTimeoutSeconds: 75, recover: 'reconnect', switchUser: true, allowRootTasks: false,
      authenticateHttpReadonly: false, authenticateHttpReadwrite: false, fetcherCacheSize: 2 * 2 ** 30, fetcherStallTimeoutSeconds: 60, ...DEFAULT_HTTP_LIMITS,
      // Mesos's defaults: 1mins, 2secs, 15mins.
      executorRegistrationTimeoutSeconds: 60, executorReregistrationTimeoutSeconds: 2, recoveryTimeoutSeconds: 900, authenticateHttpExecutors: false,
    });
  });
});

describe('/flags', () => {
  it('print the defaults as before, in the same order, with the hostname the agent reports', () => {
    expect(JSON.stringify(agentFlags(resolveAgentOptions(base), 'a1'))).toBe(JSON.stringify({
      ip: '127.0.0.1', port: '5051', master: '10.0.0.5:5050', work_dir: '/var/lib/a', hostname: 'a1', isolation: 'auto',
      cgroups_root: 'mesoscloud', executor_shutdown_grace_period: '3secs', status_update_retry_interval: '2secs',
      master_ping_timeout: '75secs', recover: 'reconnect', switch_user: 'true', allow_root_tasks: 'false',
      fetcher_cache_size: '2GB', fetcher_stall_timeout: '60secs',
      executor_registration_timeout: '60secs', executor_reregistration_timeout: '2secs', recovery_timeout: '900secs',
    }));
  });

  it('print advertise_ip, resources and attributes only when not empty', () => {
    const all = resolveAgentOptions({
      ...base, advertiseIp: '10.0.0.9', resources: 'cpus:2', attributes: 'rack:a', cgroups: 'v2', statusUpdateRetrySeconds: 0.2, recover: 'cleanup',
    });
    expect(JSON.stringify(agentFlags(all, 'a1'))).toBe(JSON.stringify({
      ip: '127.0.0.1', port: '5051', master: '10.0.0.5:5050', work_dir: '/var/lib/a', hostname: 'a1', isolation: 'v2',
      cgroups_root: 'mesoscloud', executor_shutdown_grace_period: '3secs', status_update_retry_interval: '0.2secs',
      master_ping_timeout: '75secs', recover: 'cleanup', switch_user: 'true', allow_root_tasks: 'false', advertise_ip: '10.0.0.9', resources: 'cpus:2', attributes: 'rack:a',
      fetcher_cache_size: '2GB', fetcher_stall_timeout: '60secs',
      executor_registration_timeout: '60secs', executor_reregistration_timeout: '2secs', recovery_timeout: '900secs',
    }));
    const empty = agentFlags(resolveAgentOptions({ ...base, advertiseIp: '', resources: '', attributes: '' }), 'a1');
    expect(empty).not.toHaveProperty('advertise_ip');
    expect(empty).not.toHaveProperty('resources');
    expect(empty).not.toHaveProperty('attributes');
  });
});

describe('fetcher flags', () => {
  it('take sizes as Mesos writes them and print them back the same way', () => {
    const parse = AGENT_FLAGS.fetcher_cache_size.parse;
    expect([parse('2GB', 'fetcher_cache_size'), parse('512MB', 'fetcher_cache_size'), parse('100B', 'fetcher_cache_size'), parse('4096', 'fetcher_cache_size')]).toEqual([2 ** 31, 2 ** 29, 100, 4096]);
    expect(() => parse('lots', 'fetcher_cache_size')).toThrow("--fetcher_cache_size must be a size like 2GB, 512MB or 100B, got 'lots'");
    expect(agentFlags(resolveAgentOptions({ ...base, fetcherCacheSize: 3 * 2 ** 20, fetcherCacheDir: '/var/cache/f' }), 'a1')).toMatchObject({ fetcher_cache_size: '3MB', fetcher_cache_dir: '/var/cache/f' });
    expect(AGENT_FLAGS.fetcher_stall_timeout.parse('2mins', 'fetcher_stall_timeout')).toBe(120);
  });
});

describe('resolveAgentOptions', () => {
  it('fills in defaults and freezes the result', () => {
    const opts = resolveAgentOptions({ ...base, recover: undefined, port: 0 });
    expect(opts).toEqual({ ...AGENT_DEFAULTS, ...base, port: 0 });
    expect(Object.isFrozen(opts)).toBe(true);
    expect(() => { (opts as AgentOptions).recover = 'cleanup' }).toThrow(TypeError);
  });

  const bad: [keyof AgentOptions, unknown, string | RegExp][] = [
    ['workDir', '', '--work_dir is required'],
    ['workDir', undefined, '--work_dir is required'],
    ['master', undefined, '--master is required'],
    ['master', 'zk://127.0.0.1:2181', /^--master: ZooKeeper URL 'zk:\/\/127.0.0.1:2181' has no path/],
    ['master', 'ftp://127.0.0.1:5050', /^--master: /],
    ['port', -1, '--port must be a non-negative number, got -1'],
    ['resources', 'cpus:lots', /^--resources: /],
    ['attributes', 'rack', /^--attributes: /],
    ['cgroups', 'v3', "--isolation must be auto, cgroups/v1, cgroups/v2 or none, got 'v3'"],
    ['recover', 'later', "--recover must be reconnect or cleanup, got 'later'"],
    ['killGracePeriodSeconds', -1, '--executor_shutdown_grace_period must be a non-negative number, got -1'],
    ['statusUpdateRetrySeconds', 0, '--status_update_retry_interval must be a positive number, got 0'],
    ['masterPingTimeoutSeconds', Infinity, '--master_ping_timeout must be a positive number, got Infinity'],
    ['fetcherCacheSize', 1.5, '--fetcher_cache_size must be an integer of at least 0, got 1.5'],
    ['fetcherStallTimeoutSeconds', -1, '--fetcher_stall_timeout must be a non-negative number, got -1'],
    ['acls', '{"view_flags": [{"principals": {"type": "ANY"}, "flags": {"values": ["x"]}}]}', /^--acls: acls: view_flags\[0\]\.flags: the object of view_flags is implied/],
    ['executorRegistrationTimeoutSeconds', 0, '--executor_registration_timeout must be a positive number, got 0'],
    ['executorReregistrationTimeoutSeconds', -1, '--executor_reregistration_timeout must be a positive number, got -1'],
    ['recoveryTimeoutSeconds', 0, '--recovery_timeout must be a positive number, got 0'],
    ...HTTP_LIMIT_REFUSALS,
  ];

  it.each(bad)('refuses %s = %p, naming the flag', (key, value, message) => {
    const run = () => resolveAgentOptions({ ...base, [key]: value });
    if (typeof message === 'string') expect(run).toThrow(new Error(message));
    else expect(run).toThrow(message);
  });

  it('has a refusal above for every option with a check or that is required', () => {
    const checked = Object.entries(AGENT_OPTIONS).filter(([, spec]) => 'check' in spec || spec.required).map(([key]) => key);
    expect(new Set(bad.map(([key]) => key))).toEqual(new Set(checked));
  });
});
