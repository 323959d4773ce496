import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  bundleSha12Of, planCluster, planJson, remoteLayout, renderPlan, SpecError, specFromSources,
  type ClusterPlan, type ClusterSpec, type HostPlan, type PreviousRoles, type Role, type SpecFlags,
} from '../../infra/plan';

const SHA = createHash('sha256').update('bundle one').digest('hex');
const SHA2 = createHash('sha256').update('bundle two').digest('hex');
const BUNDLE = { version: '0.1.0', sha256: SHA };
const BUNDLE_PATH = `/opt/mesoscloud/prod/mesoscloud-daemon-${SHA.slice(0, 12)}.js`;

function spec(file: Record<string, unknown>, flags: SpecFlags = {}): ClusterSpec {
  return specFromSources({ name: 'prod', ...file }, flags);
}

function plan(s: ClusterSpec, previous?: PreviousRoles, bundle = BUNDLE): ClusterPlan {
  return planCluster(s, { bundle, previous });
}

const rolesOf = (p: ClusterPlan) => Object.fromEntries(p.hosts.map((h) => [h.host, h.roles]));
const service = (h: HostPlan, role: Role) => h.services.find((s) => s.role === role)!;
const hostOf = (p: ClusterPlan, host: string) => p.hosts.find((h) => h.host === host)!;
const previousOf = (p: ClusterPlan): PreviousRoles => rolesOf(p);

describe('roles', () => {
  test('GIVEN 4 hosts, zk 1, masters 1 THEN the first takes ZooKeeper, the second the master, the rest are agents', () => {
    const p = plan(spec({ hosts: ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14'], zk: 1 }));
    expect(rolesOf(p)).toEqual({ '10.0.0.11': ['zookeeper'], '10.0.0.12': ['master'], '10.0.0.13': ['agent'], '10.0.0.14': ['agent'] });
    expect(p.zk).toBe('zk://10.0.0.11:2181/mesos');
    expect(p.masters).toEqual(['10.0.0.12:5050']);
    expect(p.quorum).toBe(1);
    expect(p.agentCount).toBe(2);
    expect(p.warnings).toEqual([]);
  });

  test('named control hosts win over host order', () => {
    const p = plan(spec({ hosts: ['a', 'b', 'c', 'd', 'e'], zk_hosts: ['e'], master_hosts: ['c'] }));
    expect(rolesOf(p)).toEqual({ a: ['agent'], b: ['agent'], c: ['master'], d: ['agent'], e: ['zookeeper'] });
  });

  test('with only master_hosts named, ZooKeeper takes the first other hosts', () => {
    const p = plan(spec({ hosts: ['a', 'b', 'c', 'd'], zk: 1, master_hosts: ['a'] }));
    expect(rolesOf(p)).toEqual({ a: ['master'], b: ['zookeeper'], c: ['agent'], d: ['agent'] });
  });

  test('colocate: one host runs ZooKeeper, the master and an agent', () => {
    const p = plan(spec({ hosts: ['solo'], zk: 1, colocate: true }));
    expect(rolesOf(p)).toEqual({ solo: ['zookeeper', 'master', 'agent'] });
    expect(service(p.hosts[0], 'agent').definition.args).toContain('zk://solo:2181/mesos');
  });

  test('colocate: masters go on the ZooKeeper hosts and agents on the other hosts first', () => {
    const p = plan(spec({ hosts: ['a', 'b', 'c', 'd', 'e'], zk: 3, masters: 3, colocate: true }));
    expect(rolesOf(p)).toEqual({ a: ['zookeeper', 'master'], b: ['zookeeper', 'master'], c: ['zookeeper', 'master'], d: ['agent'], e: ['agent'] });
    const more = plan(spec({ hosts: ['a', 'b', 'c', 'd', 'e'], zk: 3, masters: 3, colocate: true, agents: 3 }));
    expect(rolesOf(more)).toEqual({ a: ['zookeeper', 'master', 'agent'], b: ['zookeeper', 'master'], c: ['zookeeper', 'master'], d: ['agent'], e: ['agent'] });
  });

  test('colocate with no other host: every host is an agent too', () => {
    const p = plan(spec({ hosts: ['a', 'b', 'c'], zk: 3, masters: 3, colocate: true }));
    expect(p.hosts.map((h) => h.roles)).toEqual([['zookeeper', 'master', 'agent'], ['zookeeper', 'master', 'agent'], ['zookeeper', 'master', 'agent']]);
  });

  test('GIVEN more hosts than agents THEN the first eligible ones are used and the others are named in a warning', () => {
    const p = plan(spec({ hosts: ['a', 'b', 'c', 'd'], agents: 2 }));
    expect(rolesOf(p)).toEqual({ a: ['master'], b: ['agent'], c: ['agent'], d: [] });
    expect(hostOf(p, 'd').services).toEqual([]);
    expect(p.warnings).toEqual(['d gets no role (2 agents asked for, 3 hosts could run one); it is left alone']);
  });

  test('ZooKeeper ids run 1..n in host order', () => {
    const p = plan(spec({ hosts: ['a', 'b', 'c', 'd', 'e'], zk: 3, zk_hosts: ['c', 'a', 'e'] }));
    expect(p.hosts.map((h) => [h.host, h.zkId])).toEqual([['a', 1], ['b', undefined], ['c', 2], ['d', undefined], ['e', 3]]);
  });
});

describe('services', () => {
  const fiveHosts = ['10.0.0.11', '10.0.0.12', '10.0.0.13', { host: '10.0.0.14', address: '192.168.0.14' }, 'ubuntu@10.0.0.15:2222'];

  test('a standalone master: agents register with it directly', () => {
    const p = plan(spec({ hosts: ['10.0.0.1', '10.0.0.2'] }));
    expect(service(p.hosts[0], 'master').definition.args).toEqual([
      'master', '--ip', '10.0.0.1', '--advertise_ip', '10.0.0.1', '--port', '5050', '--hostname', '10.0.0.1',
      '--work_dir', '/var/lib/mesoscloud/prod/master', '--cluster', 'prod',
    ]);
    expect(service(p.hosts[1], 'agent').definition.args).toEqual([
      'agent', '--ip', '10.0.0.2', '--advertise_ip', '10.0.0.2', '--hostname', '10.0.0.2', '--port', '5051',
      '--master', '10.0.0.1:5050', '--work_dir', '/var/lib/mesoscloud/prod/agent', '--cgroups_root', 'mesoscloud-prod',
    ]);
    expect(p.zk).toBeUndefined();
  });

  test('GIVEN 3 ZooKeeper servers and 3 masters THEN masters get --zk and the quorum, agents follow zk://', () => {
    const p = plan(spec({ hosts: fiveHosts.concat(['10.0.0.16', '10.0.0.17']), zk: 3, masters: 3, master: { flags: { offer_timeout: '30secs', allocation_interval: '1secs' } } }));
    expect(p.zk).toBe('zk://10.0.0.11:2181,10.0.0.12:2181,10.0.0.13:2181/mesos');
    expect(p.quorum).toBe(2);
    expect(p.masters).toEqual(['192.168.0.14:5050', '10.0.0.15:5050', '10.0.0.16:5050']);
    const master = service(hostOf(p, '10.0.0.14'), 'master');
    expect(master.definition.args).toEqual([
      'master', '--ip', '192.168.0.14', '--advertise_ip', '192.168.0.14', '--port', '5050', '--hostname', '192.168.0.14',
      '--work_dir', '/var/lib/mesoscloud/prod/master', '--cluster', 'prod', '--zk', p.zk, '--quorum', '2',
      '--allocation_interval', '1secs', '--offer_timeout', '30secs',
    ]);
    expect(master.probe).toEqual(['--http', 'http://192.168.0.14:5050/health']);
    const agent = service(hostOf(p, '10.0.0.17'), 'agent');
    expect(agent.definition.args).toContain(p.zk);
    expect(agent.definition.args[agent.definition.args.indexOf('--master') + 1]).toBe(p.zk);
  });

  test('the SSH endpoint and the advertised address of a host are kept apart', () => {
    const p = plan(spec({ hosts: fiveHosts, zk: 1, ssh: { user: 'admin', port: 2200 } }));
    expect(p.hosts.map((h) => [h.host, h.user, h.sshPort, h.address])).toEqual([
      ['10.0.0.11', 'admin', 2200, '10.0.0.11'],
      ['10.0.0.12', 'admin', 2200, '10.0.0.12'],
      ['10.0.0.13', 'admin', 2200, '10.0.0.13'],
      ['10.0.0.14', 'admin', 2200, '192.168.0.14'],
      ['10.0.0.15', 'ubuntu', 2222, '10.0.0.15'],
    ]);
    expect(service(hostOf(p, '10.0.0.14'), 'agent').definition.args.slice(0, 7)).toEqual(
      ['agent', '--ip', '192.168.0.14', '--advertise_ip', '192.168.0.14', '--hostname', '192.168.0.14'],
    );
  });

  test('agent resources, attributes and extra flags reach the agent', () => {
    const p = plan(spec({ hosts: ['a', 'b'], agent: { port: 6051, resources: 'cpus:4;mem:8192', attributes: 'rack:a', flags: { recover: 'cleanup' } } }));
    const agent = service(hostOf(p, 'b'), 'agent');
    expect(agent.definition.args.slice(-8)).toEqual(['--cgroups_root', 'mesoscloud-prod', '--resources', 'cpus:4;mem:8192', '--attributes', 'rack:a', '--recover', 'cleanup']);
    expect(agent.port).toBe(6051);
    expect(agent.probe).toEqual(['--http', 'http://b:6051/health']);
  });

  test('the service definition, its files and directories follow the remote layout', () => {
    const p = plan(spec({ hosts: ['a', 'b'] }));
    const agent = service(hostOf(p, 'b'), 'agent');
    expect(agent.unit).toBe('mesoscloud-prod-agent');
    expect(agent.definition).toEqual({
      role: 'agent',
      cluster: 'prod',
      bundle: BUNDLE_PATH,
      args: agent.definition.args,
      pidFile: '/var/lib/mesoscloud/prod/run/agent.pid',
      log: '/var/log/mesoscloud/prod/agent.log',
      env: {},
    });
    expect(agent.files).toEqual([{ path: '/etc/mesoscloud/prod/agent.json', content: JSON.stringify(agent.definition, null, 2) + '\n', mode: 0o644 }]);
    expect(agent.dirs).toEqual(['/etc/mesoscloud/prod', '/var/lib/mesoscloud/prod/agent', '/var/lib/mesoscloud/prod/run', '/var/log/mesoscloud/prod']);
    expect(agent.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(p.bundle).toEqual({ version: '0.1.0', sha256: SHA, remotePath: BUNDLE_PATH });
  });

  test('ZooKeeper: zoo.cfg lists the ensemble by address, listens on the host\'s own address only, and myid holds the id', () => {
    const p = plan(spec({ hosts: ['a', { host: 'b', address: '10.9.0.2' }, 'c', 'd', 'e'], zk: 3, zookeeper: { tick_ms: 500, client_port: 2281 } }));
    const zk = service(hostOf(p, 'b'), 'zookeeper');
    expect(zk.definition.args).toEqual(['zookeeper', '--config', '/etc/mesoscloud/prod/zookeeper/zoo.cfg']);
    expect(zk.files.map((f) => f.path)).toEqual([
      '/etc/mesoscloud/prod/zookeeper.json', '/etc/mesoscloud/prod/zookeeper/zoo.cfg', '/var/lib/mesoscloud/prod/zookeeper/myid',
    ]);
    const cfg = zk.files[1].content;
    expect(cfg).toContain('tickTime=500\n');
    expect(cfg).toContain('dataDir=/var/lib/mesoscloud/prod/zookeeper\n');
    expect(cfg).toContain('clientPort=2281\n');
    expect(cfg).toContain('clientPortAddress=10.9.0.2\n');
    expect(cfg).toContain('quorumListenOnAllIPs=false\n');
    expect(cfg).not.toMatch(/0\.0\.0\.0|quorumListenOnAllIPs=true/);
    expect(cfg).toContain('4lw.commands.whitelist=ruok,stat,srvr,mntr\n');
    expect(cfg).toContain('admin.enableServer=false\n');
    expect(cfg).toContain('server.1=a:2888:3888\nserver.2=10.9.0.2:2888:3888\nserver.3=c:2888:3888\n');
    expect(zk.files[2].content).toBe('2\n');
    expect(zk.dirs).toEqual([
      '/etc/mesoscloud/prod', '/etc/mesoscloud/prod/zookeeper', '/var/lib/mesoscloud/prod/zookeeper', '/var/lib/mesoscloud/prod/run', '/var/log/mesoscloud/prod',
    ]);
    expect(zk.port).toBe(2281);
    expect(zk.probe).toEqual(['--zk', '10.9.0.2:2281']);
    expect(p.zk).toBe('zk://a:2281,10.9.0.2:2281,c:2281/mesos');
  });

  test('a single ZooKeeper server runs standalone', () => {
    const p = plan(spec({ hosts: ['a', 'b', 'c'], zk: 1 }));
    expect(service(p.hosts[0], 'zookeeper').files[1].content).not.toMatch(/^server\./m);
  });

  test('a config hash changes with what the service runs, and only then', () => {
    const s = spec({ hosts: ['a', 'b', 'c'] });
    const hashes = (p: ClusterPlan) => p.hosts.map((h) => h.services.map((x) => x.configHash));
    expect(hashes(plan(s))).toEqual(hashes(plan(s)));
    const upgraded = plan(s, undefined, { version: '0.2.0', sha256: SHA2 });
    expect(hashes(upgraded).flat().every((h, i) => h !== hashes(plan(s)).flat()[i])).toBe(true);
    // Flags in another order are the same flags.
    const a = plan(spec({ hosts: ['a', 'b'], agent: { flags: { x_one: '1', x_two: '2' } } }));
    const b = plan(spec({ hosts: ['a', 'b'], agent: { flags: { x_two: '2', x_one: '1' } } }));
    expect(service(a.hosts[1], 'agent').configHash).toBe(service(b.hosts[1], 'agent').configHash);
  });

  test('the bastion is resolved into the plan', () => {
    const p = plan(spec({ hosts: ['a', 'b'], ssh: { user: 'ops', bastion: 'jump.example.com:2022' } }));
    expect(p.bastion).toEqual({ host: 'jump.example.com', port: 2022, user: 'ops' });
  });
});

describe('a secure plan (what SSH clusters get)', () => {
  const secure = () => planCluster(spec({ hosts: ['10.0.0.1', '10.0.0.2'], zk: 1, colocate: true }), { bundle: BUNDLE, secure: true });

  test('the master gets TLS, every authentication switch and its ZooKeeper URL from a file, and runs as mesoscloud', () => {
    const m = service(hostOf(secure(), '10.0.0.1'), 'master');
    const dir = '/etc/mesoscloud/prod/secrets/master';
    const args = m.definition.args.join(' ');
    expect(args).toContain(`--zk file://${dir}/zk-url --quorum 1`);
    expect(args).toContain(`--tls_cert_file ${dir}/cert.pem --tls_key_file ${dir}/key.pem --tls_ca_file ${dir}/ca.pem`);
    expect(args).toContain(`--authenticate_frameworks --authenticate_agents --authenticate_http_readwrite --authenticate_http_readonly --credentials ${dir}/credentials.json`);
    expect(m.definition.user).toBe('mesoscloud');
    expect(m.secrets.map((f) => f.kind)).toEqual(['ca', 'cert', 'key', 'credentials', 'zk']);
    expect(m.secrets.every((f) => f.path.startsWith(`${dir}/`) && f.content === undefined)).toBe(true);
    expect(m.probe).toEqual(['--http', 'https://10.0.0.1:5050/health', '--tls_ca_file', `${dir}/ca.pem`, '--tls_cert_file', `${dir}/cert.pem`, '--tls_key_file', `${dir}/key.pem`]);
    expect(service(hostOf(secure(), '10.0.0.1'), 'zookeeper').definition.user).toBe('mesoscloud');
  });

  test('the agent requires client certificates, authenticates and stays root; it follows ZooKeeper without a password', () => {
    const a = service(hostOf(secure(), '10.0.0.2'), 'agent');
    const dir = '/etc/mesoscloud/prod/secrets/agent';
    const args = a.definition.args.join(' ');
    expect(args).toContain('--master zk://10.0.0.1:2181/mesos');
    expect(args).toContain(`--tls_ca_file ${dir}/ca.pem --tls_require_cert`);
    expect(args).toContain(`--http_credentials ${dir}/credentials.json --credential ${dir}/credential.json`);
    expect(a.definition.user).toBeUndefined();
    expect(a.secrets.map((f) => f.kind)).toEqual(['ca', 'cert', 'key', 'credentials', 'credential']);
  });

  test('the config hash follows the secrets\' contents, and the plan never carries them in its files or JSON', async () => {
    const { withSecretContents } = await import('../../infra/plan/services');
    const m = service(hostOf(secure(), '10.0.0.1'), 'master');
    const one = withSecretContents(m, (kind) => `${kind}-one`);
    const two = withSecretContents(m, (kind) => (kind === 'key' ? 'another key' : `${kind}-one`));
    expect(new Set([m.configHash, one.configHash, two.configHash]).size).toBe(3);
    expect(withSecretContents(m, (kind) => `${kind}-one`).configHash).toBe(one.configHash);
    expect(JSON.stringify(one.files)).not.toContain('key-one');
    const shown = { ...secure(), hosts: secure().hosts.map((h) => ({ ...h, services: h.services.map((s) => withSecretContents(s, (kind) => `${kind}-one`)) })) };
    expect(JSON.stringify(planJson(shown)) + renderPlan(shown)).not.toContain('key-one');
    expect(planJson(shown).hosts[0].services.find((x) => x.role === 'master')).toMatchObject({
      user: 'mesoscloud', secret_files: m.secrets.map((f) => f.path),
    });
  });
});

describe('warnings', () => {
  test('an even ensemble, a lone ZooKeeper under several masters, an even number of masters, and a version that is not the bundle', () => {
    const p = plan(spec({ hosts: ['a', 'b', 'c', 'd', 'e'], zk: 2, masters: 2, version: '0.9.0' }));
    expect(p.warnings).toEqual([
      'zk: 2 ZooKeeper servers survive no more failures than 1; an odd count (3 or 5) is usual',
      'masters: 2 masters need 2 for a quorum and survive no more failures than 1; an odd count (3 or 5) is usual',
      'version: 0.9.0 was asked for, but the daemon bundle built here is 0.1.0; that bundle is what gets installed',
    ]);
    expect(plan(spec({ hosts: ['a', 'b', 'c', 'd', 'e'], zk: 1, masters: 3 })).warnings).toEqual([
      "zk: 3 masters share 1 ZooKeeper server, which is then the cluster's single point of failure; --zk 3 removes it",
    ]);
  });
});

describe('a cluster that already runs (previous roles)', () => {
  const first = spec({ hosts: ['a', 'b', 'c', 'd'], zk: 1 });
  const before = plan(first);

  test('GIVEN new hosts listed first THEN they become agents and the control roles stay', () => {
    const grown = plan(spec({ hosts: ['n1', 'n2', 'a', 'b', 'c', 'd'], zk: 1 }), previousOf(before));
    expect(rolesOf(grown)).toEqual({ n1: ['agent'], n2: ['agent'], a: ['zookeeper'], b: ['master'], c: ['agent'], d: ['agent'] });
    expect(grown.zk).toBe(before.zk);
    expect(grown.hosts.find((h) => h.host === 'c')!.services).toEqual(before.hosts.find((h) => h.host === 'c')!.services);
  });

  test('a host of an agent that is gone from hosts is named in a warning', () => {
    const shrunk = plan(spec({ hosts: ['a', 'b', 'c'], zk: 1 }), previousOf(before));
    expect(rolesOf(shrunk)).toEqual({ a: ['zookeeper'], b: ['master'], c: ['agent'] });
    expect(shrunk.warnings).toEqual(['d ran an agent and is no longer among the hosts']);
  });

  test('fewer agents than before: the first agents stay and the others are left without a role', () => {
    const fewer = plan(spec({ hosts: ['a', 'b', 'c', 'd'], zk: 1, agents: 1 }), previousOf(before));
    expect(rolesOf(fewer)).toEqual({ a: ['zookeeper'], b: ['master'], c: ['agent'], d: [] });
    expect(fewer.warnings).toEqual(['d ran an agent and is left without a role (agents: 1)']);
  });

  test('a colocated single host grows by agents on the new hosts', () => {
    const solo = plan(spec({ hosts: ['a'], zk: 1, colocate: true }));
    const grown = plan(spec({ hosts: ['a', 'b', 'c'], zk: 1, colocate: true }), previousOf(solo));
    expect(rolesOf(grown)).toEqual({ a: ['zookeeper', 'master', 'agent'], b: ['agent'], c: ['agent'] });
  });

  test('fewer agents on a colocated cluster: the last agents in host order go, control hosts keep theirs', () => {
    const three = plan(spec({ hosts: ['a', 'b', 'c'], zk: 1, colocate: true, agents: 3 }));
    expect(rolesOf(three)).toEqual({ a: ['zookeeper', 'master', 'agent'], b: ['agent'], c: ['agent'] });
    const two = plan(spec({ hosts: ['a', 'b', 'c'], zk: 1, colocate: true, agents: 2 }), previousOf(three));
    expect(rolesOf(two)).toEqual({ a: ['zookeeper', 'master', 'agent'], b: ['agent'], c: [] });
  });

  test('host names that are also names of object properties are plain hosts', () => {
    const odd = plan(spec({ hosts: ['constructor', 'toString', 'valueOf'] }));
    const grown = plan(spec({ hosts: ['constructor', 'toString', 'valueOf', 'hasOwnProperty'] }), previousOf(odd));
    expect(rolesOf(grown)).toEqual({ constructor: ['master'], toString: ['agent'], valueOf: ['agent'], hasOwnProperty: ['agent'] });
  });

  const refused = (s: ClusterSpec) => {
    try {
      plan(s, previousOf(before));
    } catch (err) {
      expect(err).toBeInstanceOf(SpecError);
      return (err as SpecError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    throw new Error('the plan was accepted');
  };
  const fix = 'control roles do not move: destroy the cluster and launch it again to change them';

  test('control roles never move silently', () => {
    expect(refused(spec({ hosts: ['b', 'c', 'd'], zk: 1 }))).toEqual([`hosts: a runs ZooKeeper and is missing from hosts; keep it there (${fix})`]);
    expect(refused(spec({ hosts: ['a', 'b', 'c', 'd', 'e', 'f'], zk: 3 }))).toEqual([`zk: the cluster runs 1 ZooKeeper server (a), not 3; ${fix}`]);
    expect(refused(spec({ hosts: ['a', 'b', 'c', 'd'], zk: 1, master_hosts: ['c'] }))).toEqual([`master_hosts: the cluster runs them on b, not on c; ${fix}`]);
    expect(refused({ ...spec({ hosts: ['a', 'b', 'c'], zk: 1 }), hosts: [{ host: 'a' }, { host: 'b' }] })).toEqual([
      'hosts: no host is left for agents: 2 hosts run ZooKeeper and masters; add hosts, or set colocate: true (--colocate) to run agents on them too',
    ]);
    const solo = plan(spec({ hosts: ['a'], zk: 1, colocate: true }));
    expect(() => plan(spec({ hosts: ['a', 'b', 'c', 'd'], zk: 1 }), previousOf(solo))).toThrow(
      'colocate: a runs ZooKeeper, master, agent on one host; keep colocate: true for this cluster',
    );
  });
});

describe('the plan as text and JSON', () => {
  const p = plan(spec({ hosts: ['10.0.0.11', '10.0.0.12', 'ubuntu@10.0.0.13:2222', '10.0.0.14'], zk: 1, agents: 1 }));

  test('renderPlan: one row per host with its SSH endpoint, roles, ZooKeeper id and ports, then the warnings', () => {
    const text = renderPlan(p);
    expect(text).toContain("Plan for cluster 'prod': 4 hosts, 1 ZooKeeper server, 1 master, 1 agent\n");
    expect(text).toContain('  zk:      zk://10.0.0.11:2181/mesos\n');
    expect(text).toContain('  masters: 10.0.0.12:5050  (quorum 1)\n');
    expect(text).toContain(`installed as ${p.bundle.remotePath}`);
    const rows = text.split('\n').filter((l) => /^ {2}(HOST|10\.)/.test(l)).map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['HOST', 'ADDRESS', 'SSH', 'ROLES', 'ZK ID', 'PORTS'],
      ['10.0.0.11', '10.0.0.11', 'root@10.0.0.11:22', 'zookeeper', '1', 'zookeeper 2181'],
      ['10.0.0.12', '10.0.0.12', 'root@10.0.0.12:22', 'master', '-', 'master 5050'],
      ['10.0.0.13', '10.0.0.13', 'ubuntu@10.0.0.13:2222', 'agent', '-', 'agent 5051'],
      ['10.0.0.14', '10.0.0.14', 'root@10.0.0.14:22', '(none)', '-', '-'],
    ]);
    expect(text).toContain('Warnings:\n  - 10.0.0.14 gets no role');
  });

  test('renderPlan without ZooKeeper says the master runs standalone', () => {
    expect(renderPlan(plan(spec({ hosts: ['a', 'b'] })))).toContain('zk:      (none: the master runs standalone)');
  });

  test('planJson carries every host and service without file contents', () => {
    const json = planJson(p);
    expect(json.hosts[2]).toEqual({
      host: '10.0.0.13', ssh: 'ubuntu@10.0.0.13:2222', address: '10.0.0.13', roles: ['agent'], zk_id: null,
      services: [{
        role: 'agent', unit: 'mesoscloud-prod-agent', port: 5051, args: service(p.hosts[2], 'agent').definition.args,
        files: ['/etc/mesoscloud/prod/agent.json'], config_hash: service(p.hosts[2], 'agent').configHash, probe: ['--http', 'http://10.0.0.13:5051/health'],
        secret_files: [], user: 'root',
      }],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('remote layout', () => {
  test('every path of a cluster, in one place', () => {
    const l = remoteLayout('c1');
    expect([
      l.bundlePath('0123456789ab'), l.definitionPath('master'), l.zooCfgPath, l.myidPath, l.workDir('agent'), l.pidFile('agent'),
      l.supervisorPidFile('agent'), l.statePath, l.logPath('zookeeper'), l.unit('master'), l.unitPath('master'), l.cgroupsRoot,
    ]).toEqual([
      '/opt/mesoscloud/c1/mesoscloud-daemon-0123456789ab.js', '/etc/mesoscloud/c1/master.json', '/etc/mesoscloud/c1/zookeeper/zoo.cfg',
      '/var/lib/mesoscloud/c1/zookeeper/myid', '/var/lib/mesoscloud/c1/agent', '/var/lib/mesoscloud/c1/run/agent.pid',
      '/var/lib/mesoscloud/c1/run/agent.supervisor.pid', '/var/lib/mesoscloud/c1/state.json', '/var/log/mesoscloud/c1/zookeeper.log',
      'mesoscloud-c1-master', '/etc/systemd/system/mesoscloud-c1-master.service', 'mesoscloud-c1',
    ]);
    expect(l.clusterDirs).toEqual(['/opt/mesoscloud/c1', '/etc/mesoscloud/c1', '/var/lib/mesoscloud/c1', '/var/log/mesoscloud/c1']);
    expect(l.parentDirs).toEqual(['/opt/mesoscloud', '/etc/mesoscloud', '/var/lib/mesoscloud', '/var/log/mesoscloud']);
  });

  test('bundle files are recognised by name, other files are not', () => {
    expect(bundleSha12Of('mesoscloud-daemon-0123456789ab.js')).toBe('0123456789ab');
    expect(bundleSha12Of('mesoscloud-daemon-0123456789ab.js.tmp')).toBeUndefined();
    expect(() => remoteLayout('c').bundlePath('XYZ')).toThrow(/12 lowercase hex digits/);
  });
});

// ---- properties ----

interface Shape { hosts: number; zk: number; masters: number; colocate: boolean; agents?: number }

/** Role counts that fit the hosts, so every generated spec is valid. */
const shapeArb: fc.Arbitrary<Shape> = fc
  .record({ zk: fc.integer({ min: 0, max: 5 }), masters: fc.integer({ min: 1, max: 5 }), colocate: fc.boolean(), spare: fc.integer({ min: 0, max: 5 }), agentsGiven: fc.boolean(), agentsFrac: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ zk, masters, colocate, spare, agentsGiven, agentsFrac }) => {
    const zkCount = masters > 1 && zk === 0 ? 1 : zk;
    const control = colocate ? Math.max(zkCount, masters) : zkCount + masters;
    const hosts = control + (colocate ? spare : spare + 1);
    const maxAgents = colocate ? hosts : hosts - control;
    const agents = agentsGiven ? 1 + Math.floor(agentsFrac * (maxAgents - 1)) : undefined;
    return { hosts, zk: zkCount, masters, colocate, ...(agents !== undefined ? { agents } : {}) };
  });

const names = (n: number, prefix = 'h') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const specOf = (s: Shape, hosts = names(s.hosts)) => spec({ hosts, zk: s.zk, masters: s.masters, colocate: s.colocate, ...(s.agents !== undefined ? { agents: s.agents } : {}) });
const holding = (p: ClusterPlan, role: Role) => p.hosts.filter((h) => h.roles.includes(role));

describe('properties', () => {
  test('every role count is honoured', () => {
    fc.assert(fc.property(shapeArb, (s) => {
      const p = plan(specOf(s));
      const free = s.colocate ? s.hosts - Math.max(s.zk, s.masters) : s.hosts - s.zk - s.masters;
      const expectedAgents = s.agents ?? (free > 0 ? free : s.hosts);
      expect(holding(p, 'zookeeper')).toHaveLength(s.zk);
      expect(holding(p, 'master')).toHaveLength(s.masters);
      expect(holding(p, 'agent')).toHaveLength(expectedAgents);
      expect(p.agentCount).toBe(expectedAgents);
      expect(p.masters).toHaveLength(s.masters);
      expect(p.quorum).toBe(Math.floor(s.masters / 2) + 1);
      for (const h of p.hosts) expect(h.services.map((x) => x.role)).toEqual(h.roles);
    }));
  });

  test('without colocate no host holds two roles', () => {
    fc.assert(fc.property(shapeArb.filter((s) => !s.colocate), (s) => {
      for (const h of plan(specOf(s)).hosts) expect(h.roles.length).toBeLessThanOrEqual(1);
    }));
  });

  test('ZooKeeper ids are 1..n, unique, in host order', () => {
    fc.assert(fc.property(shapeArb, (s) => {
      const ids = plan(specOf(s)).hosts.filter((h) => h.roles.includes('zookeeper')).map((h) => h.zkId);
      expect(ids).toEqual(Array.from({ length: s.zk }, (_, i) => i + 1));
    }));
  });

  test('every agent follows the zk:// URL when there is ZooKeeper, else the one master', () => {
    fc.assert(fc.property(shapeArb, (s) => {
      const p = plan(specOf(s));
      for (const h of holding(p, 'agent')) {
        const args = service(h, 'agent').definition.args;
        expect(args[args.indexOf('--master') + 1]).toBe(s.zk > 0 ? p.zk : p.masters[0]);
      }
      for (const h of holding(p, 'master')) expect(service(h, 'master').definition.args.includes('--zk')).toBe(s.zk > 0);
    }));
  });

  test('plans are deterministic, also through the spec stored as JSON', () => {
    fc.assert(fc.property(shapeArb, (s) => {
      const one = plan(specOf(s));
      const again = plan(specFromSources(JSON.parse(JSON.stringify(specOf(s)))));
      expect(JSON.stringify(again)).toBe(JSON.stringify(one));
    }));
  });

  test('adding hosts anywhere in the list never moves an existing host\'s role', () => {
    const growth = fc.record({
      shape: shapeArb,
      added: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      moreAgents: fc.option(fc.nat(4), { nil: undefined }),
    });
    fc.assert(fc.property(growth, ({ shape, added, moreAgents }) => {
      const before = plan(specOf(shape));
      const hosts = names(shape.hosts);
      added.forEach((at, i) => hosts.splice(at % (hosts.length + 1), 0, `new${i + 1}`));
      const agents = shape.agents === undefined ? undefined : shape.agents + Math.min(moreAgents ?? 0, added.length);
      const after = plan(specOf({ ...shape, agents }, hosts), previousOf(before));
      for (const h of before.hosts) {
        if (h.roles.length > 0) expect(hostOf(after, h.host).roles).toEqual(h.roles);
      }
      for (const h of after.hosts.filter((x) => x.host.startsWith('new'))) expect(h.roles.filter((r) => r !== 'agent')).toEqual([]);
      expect(after.zk).toBe(before.zk);
      expect(after.masters).toEqual(before.masters);
    }));
  });
});
