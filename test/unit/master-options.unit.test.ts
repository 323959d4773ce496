/**
 * The master's options table: the one source of its defaults, checks, command line and /flags.
 * Expected texts are written out as the master printed them before the table existed.
 */
import { aclActions } from '../../cluster/authz/acls';
import Master from '../../cli/commands/master';
import { MASTER_DEFAULTS, MASTER_FLAGS, MASTER_OPTIONS, masterFlags, resolveMasterOptions, type MasterOptions } from '../../cluster/master/options';
import { DEFAULT_HTTP_LIMITS } from '../../cluster/http/limits';
import { HTTP_LIMIT_FLAGS } from '../../cluster/http/limit-options';
import { expectHelpDefaultsRoundTrip, expectWellFormedTable, HTTP_LIMIT_REFUSALS } from '../helpers/option-tables';

describe('the master options table', () => {
  it('describes every option, and the bundle, the CLI and the resolver read the same flags', () => {
    expectWellFormedTable(MASTER_OPTIONS, MASTER_FLAGS, Master.flags);
    expect(Object.keys(MASTER_FLAGS)).toEqual([
      'ip', 'port', 'hostname', 'advertise_ip', 'work_dir', 'cluster', 'offer_timeout', 'agent_ping_timeout', 'max_agent_ping_timeouts',
      'allocation_interval', 'zk', 'quorum', 'zk_session_timeout', 'agent_reregister_timeout',
      'tls_cert_file', 'tls_key_file', 'tls_ca_file', 'tls_require_cert',
      'authenticate_frameworks', 'authenticate_agents', 'authenticate_http_readwrite', 'authenticate_http_readonly', 'credentials', 'acls', ...HTTP_LIMIT_FLAGS,
    ]);
    expectHelpDefaultsRoundTrip(MASTER_OPTIONS, MASTER_FLAGS);
  });

  it('has the defaults the master always had', () => {
    expect(MASTER_DEFAULTS).toEqual({
      ip: '127.0.0.1', port: 5050, agentPingTimeoutSeconds: 15, maxAgentPingTimeouts: 5, heartbeatIntervalSeconds: 15, allocationIntervalMs: 1000,
      maxCompletedTasksPerFramework: 1000, maxCompletedFrameworks: 50, zkSessionTimeoutSeconds: 10, agentReregisterTimeoutSeconds: 600,
      onLeadershipLost: 'standby',
      authenticateFrameworks: false, authenticateAgents: false, authenticateHttpReadwrite: false, authenticateHttpReadonly: false, ...DEFAULT_HTTP_LIMITS,
    });
    expect(resolveMasterOptions({})).toEqual(MASTER_DEFAULTS);
  });
});

describe('/flags and GET_FLAGS', () => {
  it('print the defaults as before, in the same order', () => {
    expect(JSON.stringify(masterFlags(MASTER_DEFAULTS, 5050))).toBe(JSON.stringify({
      ip: '127.0.0.1', port: '5050', agent_ping_timeout: '15secs', max_agent_ping_timeouts: '5', allocation_interval: '1secs',
      heartbeat_interval: '15secs', max_completed_tasks_per_framework: '1000', max_completed_frameworks: '50',
    }));
  });

  it('print what was set, the ZooKeeper timeouts only with --zk (the re-registration timeout also with a work dir), and the port listened on', () => {
    const all: MasterOptions = {
      ...MASTER_DEFAULTS, port: 0, hostname: 'm1', advertiseIp: '10.0.0.5', cluster: 'prod', workDir: '/var/lib/m', zk: 'zk://z:2181/mesos',
      quorum: 2, offerTimeoutSeconds: 30, zkSessionTimeoutSeconds: 7, allocationIntervalMs: 250,
    };
    expect(JSON.stringify(masterFlags(all, 5055))).toBe(JSON.stringify({
      ip: '127.0.0.1', port: '5055', agent_ping_timeout: '15secs', max_agent_ping_timeouts: '5', allocation_interval: '250ms',
      heartbeat_interval: '15secs', max_completed_tasks_per_framework: '1000', max_completed_frameworks: '50', hostname: 'm1',
      advertise_ip: '10.0.0.5', cluster: 'prod', work_dir: '/var/lib/m', zk: 'zk://z:2181/mesos', zk_session_timeout: '7secs',
      agent_reregister_timeout: '10mins', quorum: '2', offer_timeout: '30secs',
    }));
    expect(masterFlags({ ...all, maxConnectionsPerClient: 0 }, 5055)).toHaveProperty('max_connections_per_client', '0');
    expect(masterFlags({ ...all, zk: 'zk://masters:s3cret@z:2181/mesos' }, 5055).zk).toBe('zk://masters:***@z:2181/mesos');
    expect(masterFlags({ ...all, zk: undefined }, 5055)).not.toHaveProperty('zk_session_timeout');
    expect(masterFlags({ ...all, zk: undefined }, 5055)).toHaveProperty('agent_reregister_timeout', '10mins');
    expect(masterFlags({ ...all, zk: undefined, workDir: undefined }, 5055)).not.toHaveProperty('agent_reregister_timeout');
  });
});

describe('resolveMasterOptions', () => {
  it('fills in defaults for what was not given (undefined too) and freezes the result', () => {
    const opts = resolveMasterOptions({ port: 0, hostname: undefined, zk: 'zk://z:2181/mesos' });
    expect(opts).toMatchObject({ port: 0, zk: 'zk://z:2181/mesos', agentPingTimeoutSeconds: 15 });
    expect(opts).not.toHaveProperty('hostname');
    expect(Object.isFrozen(opts)).toBe(true);
    expect(() => { (opts as MasterOptions).port = 1 }).toThrow(TypeError);
    expect(Object.isFrozen(MASTER_DEFAULTS)).toBe(true);
  });

  const bad: [keyof MasterOptions, unknown, string][] = [
    ['port', -1, '--port must be an integer of at least 0, got -1'],
    ['port', 70000, '--port must be at most 65535, got 70000'],
    ['port', 1.5, '--port must be an integer of at least 0, got 1.5'],
    ['offerTimeoutSeconds', 0, '--offer_timeout must be a positive duration, got 0'],
    ['agentPingTimeoutSeconds', 0, '--agent_ping_timeout must be a positive duration, got 0'],
    ['agentPingTimeoutSeconds', '15', '--agent_ping_timeout must be a positive duration, got 15'],
    ['maxAgentPingTimeouts', 0, '--max_agent_ping_timeouts must be an integer of at least 1, got 0'],
    ['allocationIntervalMs', -5, '--allocation_interval must be a positive duration, got -5'],
    ['zk', 'zk://alice:s3cret@z:2181', "--zk: ZooKeeper URL 'zk://alice:***@z:2181' has no path; add one, e.g. zk://host:2181/mesos"],
    ['quorum', 0, '--quorum must be a positive integer, got 0'],
    ['quorum', 1.5, '--quorum must be a positive integer, got 1.5'],
    ['zkSessionTimeoutSeconds', 0, '--zk_session_timeout must be a positive duration, got 0'],
    ['agentReregisterTimeoutSeconds', NaN, '--agent_reregister_timeout must be a positive duration, got NaN'],
    ['heartbeatIntervalSeconds', 0, '--heartbeat_interval must be a positive duration, got 0'],
    ['maxCompletedTasksPerFramework', -1, '--max_completed_tasks_per_framework must be an integer of at least 0, got -1'],
    ['maxCompletedFrameworks', 2.5, '--max_completed_frameworks must be an integer of at least 0, got 2.5'],
    ['acls', '{"run_task": []}', "--acls: acls: unknown ACL action 'run_task' (known: permissive, " + aclActions().join(', ') + ')'],
    ...HTTP_LIMIT_REFUSALS,
  ];

  it.each(bad)('refuses %s = %p, naming the flag', (key, value, message) => {
    expect(() => resolveMasterOptions({ [key]: value })).toThrow(new Error(message));
  });

  it('has a refusal above for every option with a check', () => {
    const checked = Object.entries(MASTER_OPTIONS).filter(([, spec]) => 'check' in spec).map(([key]) => key);
    expect(new Set(bad.map(([key]) => key))).toEqual(new Set(checked));
  });
});

describe('the TLS flags', () => {
  it('are shown in /flags once set, --tls_require_cert only with TLS on', () => {
    const tls = { tlsCertFile: '/t/cert.pem', tlsKeyFile: '/t/key.pem', tlsCaFile: '/t/ca.pem', tlsRequireCert: false };
    expect(masterFlags({ ...MASTER_DEFAULTS, ...tls }, 5050)).toMatchObject({
      tls_cert_file: '/t/cert.pem', tls_key_file: '/t/key.pem', tls_ca_file: '/t/ca.pem', tls_require_cert: 'false',
    });
    expect(masterFlags({ ...MASTER_DEFAULTS, tlsRequireCert: false }, 5050)).not.toHaveProperty('tls_require_cert');
  });
});
