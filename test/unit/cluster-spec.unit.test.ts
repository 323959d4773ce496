import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSpecFile, parseSpecText, SpecError, SpecFileError, specFromSources, type SpecFlags } from '../../infra/plan';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'cluster.yaml');

/** The problems a spec is refused with, one line each. */
function problems(file: unknown, flags: SpecFlags = {}): string[] {
  try {
    specFromSources(file, flags);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return err.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  }
  throw new Error('the spec was accepted');
}

const four = ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14'];

describe('a valid spec', () => {
  test('GIVEN only a name and hosts THEN every default is filled in', () => {
    const spec = specFromSources(undefined, { cluster: 'prod', hosts: 'a,b' });
    expect(spec).toEqual({
      name: 'prod',
      provider: 'ssh',
      hosts: [{ host: 'a' }, { host: 'b' }],
      masters: 1,
      zk: 0,
      colocate: false,
      ssh: { user: 'root', port: 22 },
      master: { port: 5050, flags: {} },
      agent: { port: 5051, flags: {} },
      zookeeper: { client_port: 2181, peer_port: 2888, election_port: 3888, tick_ms: 2000 },
    });
  });

  test('host entries: names, ports, users, IPv6 in brackets, and mappings with an advertised address', () => {
    const spec = specFromSources({
      name: 'c',
      hosts: [
        'node-1.example.com', '10.0.0.2:2222', 'ubuntu@10.0.0.3:2200', 'admin@10.0.0.4',
        { host: '[2001:db8::5]', port: 22, user: 'ec2-user', address: '10.1.0.5' },
        { host: '2001:db8::6', address: 'node-6' },
      ],
    });
    expect(spec.hosts).toEqual([
      { host: 'node-1.example.com' },
      { host: '10.0.0.2', port: 2222 },
      { host: '10.0.0.3', port: 2200, user: 'ubuntu' },
      { host: '10.0.0.4', user: 'admin' },
      { host: '2001:db8::5', port: 22, user: 'ec2-user', address: '10.1.0.5' },
      { host: '2001:db8::6', address: 'node-6' },
    ]);
  });

  test('masters and zk default to the number of hosts named for them', () => {
    const spec = specFromSources({ name: 'c', hosts: four, zk_hosts: ['10.0.0.12'], master_hosts: ['10.0.0.13', '10.0.0.14'] });
    expect(spec.zk).toBe(1);
    expect(spec.masters).toBe(2);
  });

  test('the bastion takes the SSH user and port 22 unless it names its own', () => {
    expect(specFromSources({ name: 'c', hosts: ['a'], colocate: true, ssh: { user: 'ops', bastion: 'jump.example.com' } }).ssh.bastion)
      .toEqual({ host: 'jump.example.com', port: 22, user: 'ops' });
    expect(specFromSources({ name: 'c', hosts: ['a'], colocate: true, ssh: { bastion: { host: 'j', port: 2022, user: 'x' } } }).ssh.bastion)
      .toEqual({ host: 'j', port: 2022, user: 'x' });
  });

  test('extra daemon flags become text, whatever YAML made of them', () => {
    const spec = specFromSources({ name: 'c', hosts: ['a', 'b'], master: { flags: { offer_timeout: '30secs', max_agent_ping_timeouts: 5 } }, agent: { flags: { recover: 'cleanup' } } });
    expect(spec.master.flags).toEqual({ max_agent_ping_timeouts: '5', offer_timeout: '30secs' });
    expect(spec.agent.flags).toEqual({ recover: 'cleanup' });
  });

  test('a validated spec is itself a valid cluster file (the catalog stores it as JSON)', () => {
    const spec = specFromSources(loadSpecFile(FIXTURE), { bastion: 'jump@[2001:db8::9]:2022' });
    expect(specFromSources(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });
});

describe('flags override the file', () => {
  const file = {
    name: 'from-file',
    hosts: ['f1', 'f2', 'f3'],
    masters: 1,
    ssh: { user: 'ubuntu', port: 2222, key: '~/.ssh/file_key' },
    agent: { resources: 'cpus:2', port: 6051 },
  };

  test('GIVEN a file and flags THEN each flag replaces its field and the file fills the rest', () => {
    const spec = specFromSources(file, { cluster: 'from-flags', hosts: 'x1, x2,x3,x4', user: 'root', 'agent-resources': 'cpus:8;mem:4096', agents: 2 });
    expect(spec.name).toBe('from-flags');
    expect(spec.hosts.map((h) => h.host)).toEqual(['x1', 'x2', 'x3', 'x4']);
    expect(spec.ssh).toEqual({ user: 'root', port: 2222, key: '~/.ssh/file_key' });
    expect(spec.agent).toEqual({ port: 6051, resources: 'cpus:8;mem:4096', flags: {} });
    expect(spec.agents).toBe(2);
  });

  test('every flag reaches its field', () => {
    const spec = specFromSources(undefined, {
      cluster: 'c', provider: 'ssh', hosts: ['a', 'b', 'c', 'd', 'e'], masters: 1, zk: 1, agents: 3, 'master-hosts': 'b', 'zk-hosts': ['a'],
      colocate: false, user: 'u', 'ssh-port': 2200, key: '/k', bastion: 'j', 'master-port': 6050, 'agent-port': 6051,
      'agent-resources': 'cpus:1', 'agent-attributes': 'rack:r1', version: '0.2.0',
    });
    expect(spec).toMatchObject({
      name: 'c', provider: 'ssh', masters: 1, zk: 1, agents: 3, master_hosts: ['b'], zk_hosts: ['a'], colocate: false,
      ssh: { user: 'u', port: 2200, key: '/k', bastion: { host: 'j', port: 22, user: 'u' } },
      master: { port: 6050 }, agent: { port: 6051, resources: 'cpus:1', attributes: 'rack:r1' }, version: '0.2.0',
    });
  });

  test('a problem in a value a flag gave names the flag too', () => {
    expect(problems(file, { hosts: 'a,b c' })).toEqual(["hosts[1] (--hosts): 'b c' is not a host name or address"]);
    expect(problems(file, { 'ssh-port': 0 })).toEqual(['ssh.port (--ssh-port): must be a whole number from 1 to 65535, got 0']);
  });
});

describe('every problem is named with its field', () => {
  test.each<[string, unknown, SpecFlags, string[]]>([
    ['a host that is not one', { name: 'c', hosts: ['a', 'b', 'a b', 'c'] }, {}, ["hosts[2]: 'a b' is not a host name or address"]],
    ['a bad SSH port in a host', { name: 'c', hosts: ['a', 'b:99999'] }, {}, ["hosts[1]: 'b:99999' has an invalid port '99999' (1-65535)"]],
    ['a bad user in a host', { name: 'c', hosts: ['a', 'b c@d'] }, {}, ["hosts[1]: 'b c@d' has an invalid user name 'b c' (letters, digits, '_', '.', '-', starting with a letter or '_')"]],
    ['an unclosed IPv6 bracket', { name: 'c', hosts: ['a', '[::1'] }, {}, ["hosts[1]: '[::1' has an unclosed '[' (IPv6 addresses are written [2001:db8::1]:22)"]],
    ['a host that is a number', { name: 'c', hosts: ['a', 42] }, {}, ['hosts[1]: must be a host like "10.0.0.5", "ubuntu@10.0.0.5:2222" or "[2001:db8::5]:22" or a mapping with host, port, user, address, got 42']],
    ['a host mapping without host', { name: 'c', hosts: ['a', { address: '10.0.0.1' }] }, {}, ['hosts[1].host: is required']],
    ['a host mapping with a bad address', { name: 'c', hosts: ['a', { host: 'b', address: 'x_y' }] }, {}, ["hosts[1].address: 'x_y' is not a host name or address"]],
    ['a host listed twice', { name: 'c', hosts: ['a', 'b', 'c', 'b'] }, {}, ["hosts[3]: 'b' is listed twice (also hosts[1])"]],
    ['two hosts advertising one address', { name: 'c', hosts: ['a', { host: 'b', address: 'a' }] }, {}, ["hosts[1].address: 'a' is also the address of hosts[0]; each host needs its own"]],
    ['an IPv6 host without an address to advertise', { name: 'c', hosts: ['[2001:db8::1]:22', 'b'] }, {},
      ["hosts[0]: '2001:db8::1' is an IPv6 address, which daemons cannot advertise yet (zk:// URLs and agent addresses take none); give the host an IPv4 address or a name as address"]],
    ['no hosts', { name: 'c' }, {}, ['hosts: the ssh provider needs hosts: --hosts 10.0.0.11,10.0.0.12 or a hosts: list in the cluster file']],
    ['several masters without ZooKeeper', { name: 'c', hosts: four, masters: 2 }, {}, ['masters: 2 masters need zk >= 1 to elect their leader (--zk 3 is the usual ensemble)']],
    ['a master host that is not a host', { name: 'c', hosts: four, master_hosts: ['10.0.0.9'] }, {}, ["master_hosts[0]: '10.0.0.9' is not one of hosts"]],
    ['a ZooKeeper host named twice', { name: 'c', hosts: four, zk: 2, zk_hosts: ['10.0.0.11', '10.0.0.11'] }, {}, ["zk_hosts[1]: '10.0.0.11' is named twice"]],
    ['master_hosts disagreeing with masters', { name: 'c', hosts: [...four, 'e', 'f'], zk: 1, masters: 3, master_hosts: ['10.0.0.12', '10.0.0.13'] }, {},
      ['master_hosts: names 2 hosts but masters is 3; name one host per master (or leave masters out)']],
    ['zk_hosts disagreeing with zk', { name: 'c', hosts: four, zk: 1, zk_hosts: ['10.0.0.11', '10.0.0.12'] }, {},
      ['zk_hosts: names 2 hosts but zk is 1; name one host per ZooKeeper server (or leave zk out)']],
    ['an empty master_hosts', { name: 'c', hosts: four, master_hosts: [] }, {}, ['master_hosts: names no host; leave it out to put the masters on the first hosts']],
    ['one host in both control lists without colocate', { name: 'c', hosts: four, zk_hosts: ['10.0.0.11'], master_hosts: ['10.0.0.11'] }, {},
      ["master_hosts[0]: '10.0.0.11' is also in zk_hosts; a host holds one role unless colocate is true (--colocate)"]],
    ['too few hosts without colocate', { name: 'c', hosts: ['a', 'b'], zk: 1 }, {},
      ['hosts: 1 ZooKeeper server, 1 master and 1 agent need 3 hosts when each host holds one role, got 2; add hosts, or set colocate: true (--colocate) to let roles share hosts']],
    ['too few hosts for the agents asked for', { name: 'c', hosts: four, zk: 1, agents: 3 }, {},
      ['hosts: 1 ZooKeeper server, 1 master and 3 agents need 5 hosts when each host holds one role, got 4; add hosts, or set colocate: true (--colocate) to let roles share hosts']],
    ['more agents than hosts with colocate', { name: 'c', hosts: ['a', 'b'], colocate: true, agents: 3 }, {}, ['agents: 3 agents need 3 hosts (one agent per host), got 2']],
    ['more ZooKeeper servers than hosts with colocate', { name: 'c', hosts: ['a', 'b'], colocate: true, zk: 3 }, {}, ['hosts: 3 ZooKeeper servers need 3 hosts (one of each role per host), got 2']],
    ['a bad cluster name', { name: 'Prod_1', hosts: ['a', 'b'] }, {}, ["name: cluster name must be 1-63 lowercase letters, digits or '-', not starting or ending with '-'; got 'Prod_1'"]],
    ['no cluster name', { hosts: ['a', 'b'] }, {}, ['name: is required']],
    ['an unknown provider', { name: 'c', hosts: ['a', 'b'], provider: 'gcp' }, {}, ["provider: must be one of 'ssh', 'aws', got 'gcp'"]],
    ['too many masters', { name: 'c', hosts: four, masters: 6, zk: 1 }, {}, ['masters: must be a whole number from 1 to 5, got 6']],
    ['too many ZooKeeper servers', { name: 'c', hosts: four, zk: 8 }, {}, ['zk: must be a whole number from 0 to 7, got 8']],
    ['a count given as text', { name: 'c', hosts: four, agents: 'two' }, {}, ["agents: must be a whole number from 1 to 10000, got 'two'"]],
    ['no agents', { name: 'c', hosts: four, agents: 0 }, {}, ['agents: must be a whole number from 1 to 10000, got 0']],
    ['colocate as text', { name: 'c', hosts: four, colocate: 'yes' }, {}, ["colocate: must be true or false, got 'yes'"]],
    ['a bad SSH user', { name: 'c', hosts: ['a', 'b'], ssh: { user: 'r oot' } }, {}, ["ssh.user: 'r oot' is not a user name (letters, digits, '_', '.', '-', starting with a letter or '_')"]],
    ['a bad bastion', { name: 'c', hosts: ['a', 'b'], ssh: { bastion: 'jump:0' } }, {}, ["ssh.bastion: 'jump:0' has an invalid port '0' (1-65535)"]],
    ['an empty key path', { name: 'c', hosts: ['a', 'b'], ssh: { key: '' } }, {}, ['ssh.key: must name a private key file']],
    ['a flag the launcher sets', { name: 'c', hosts: ['a', 'b'], master: { flags: { port: 6000, zk: 'zk://x/mesos' } } }, {},
      ['master.flags.port: is set by the launcher; set master.port instead', 'master.flags.zk: is set by the launcher; set zk instead']],
    ['an agent flag the launcher sets', { name: 'c', hosts: ['a', 'b'], agent: { flags: { work_dir: '/x' } } }, {}, ['agent.flags.work_dir: is set by the launcher']],
    ['a flag written with dashes', { name: 'c', hosts: ['a', 'b'], master: { flags: { '--offer_timeout': '1secs' } } }, {},
      ["master.flags.--offer_timeout: '--offer_timeout' is not a flag name: give it as the daemon names it, without '--' (e.g. offer_timeout)"]],
    ['a flag without a value', { name: 'c', hosts: ['a', 'b'], agent: { flags: { recover: null } } }, {}, ['agent.flags.recover: must be text, a number or true/false, got an empty value']],
    ['bad agent resources', { name: 'c', hosts: ['a', 'b'], agent: { resources: 'cpus' } }, {}, [expect.stringMatching(/^agent\.resources: 'cpus' is not resources like "cpus:4;mem:8192": /)]],
    ['bad agent attributes', { name: 'c', hosts: ['a', 'b'], agent: { attributes: 'rack' } }, {}, [expect.stringMatching(/^agent\.attributes: 'rack' is not attributes like "rack:a;zone:2": .*expected name:value/)]],
    ['ZooKeeper ports that collide', { name: 'c', hosts: four, zk: 1, zookeeper: { peer_port: 2181 } }, {},
      ['zookeeper.peer_port: 2181 is also zookeeper.client_port; ports of services that share a host must differ']],
    ['colocated roles whose ports collide', { name: 'c', hosts: ['a'], colocate: true, master: { port: 5051 } }, {},
      ['agent.port: 5051 is also master.port; ports of services that share a host must differ']],
    ['a tick too short', { name: 'c', hosts: four, zookeeper: { tick_ms: 5 } }, {}, ['zookeeper.tick_ms: must be a whole number from 10 to 60000, got 5']],
    ['a version with spaces', { name: 'c', hosts: ['a', 'b'], version: 'one two' }, {}, ["version: must be a version like 0.1.0, got 'one two'"]],
    ['a section that is not a mapping', { name: 'c', hosts: ['a', 'b'], ssh: 'root' }, {}, ["ssh: must be a mapping, got 'root'"]],
    ['hosts that are not a list', { name: 'c', hosts: 'a,b' }, {}, ["hosts: must be a list, got 'a,b'"]],
  ])('%s', (_what, file, flags, expected) => {
    expect(problems(file, flags)).toEqual(expected);
  });

  test('unknown keys name the nearest known key, at every level', () => {
    expect(problems({
      name: 'c', hosts: ['a', { host: 'b', adress: '10.0.0.2' }], mastres: 1,
      ssh: { usr: 'root' }, agent: { resource: 'cpus:1' }, zookeeper: { clientport: 2181, xyzzy: 1 }, master: { flagz: {} },
    }).sort()).toEqual([
      "agent.resource: unknown key; did you mean 'resources'?",
      "hosts[1].adress: unknown key; did you mean 'address'?",
      "master.flagz: unknown key; did you mean 'flags'?",
      "mastres: unknown key; did you mean 'masters'?",
      "ssh.usr: unknown key; did you mean 'user'?",
      "zookeeper.clientport: unknown key; did you mean 'client_port'?",
      'zookeeper.xyzzy: unknown key; known keys: client_port, peer_port, election_port, tick_ms',
    ]);
  });

  test('every problem is reported at once, and the message lists them all', () => {
    let error: SpecError | undefined;
    try {
      specFromSources({ name: 'c', hosts: ['a', 'b b'], masters: 9, ssh: { port: -1 } });
    } catch (err) {
      error = err as SpecError;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect(error!.code).toBe('BAD_CLUSTER_SPEC');
    expect(error!.issues.map((i) => i.path).sort()).toEqual(['hosts[1]', 'masters', 'ssh.port']);
    expect(error!.message).toMatch(/^invalid cluster spec \(3 problems\):\n {2}- /);
  });

  test('a file that is not a mapping is refused as a whole', () => {
    expect(problems(['a', 'b'])).toEqual(['a cluster file is a mapping of settings (name:, hosts:, masters:, ...), got a list']);
  });

  test('the message names the file it came from', () => {
    expect(() => specFromSources({ hosts: ['a', 'b'] }, {}, 'cluster.yaml')).toThrow('invalid cluster spec in cluster.yaml: name: is required');
  });
});

describe('cluster files', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-spec-')) });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test('the example file in test/fixtures is valid as it stands', () => {
    const spec = specFromSources(loadSpecFile(FIXTURE));
    expect(spec.name).toBe('example');
    expect(spec.hosts).toHaveLength(5);
    expect(spec.hosts[3]).toEqual({ host: '10.0.0.14', user: 'ubuntu', port: 22, address: '192.168.1.14' });
    expect(spec.master.flags).toEqual({ offer_timeout: '30secs' });
    expect(spec.ssh.key).toBe('~/.ssh/id_ed25519');
  });

  test('a missing file says so', () => {
    const file = path.join(dir, 'nope.yaml');
    expect(() => loadSpecFile(file)).toThrow(new SpecFileError(`cluster file ${file} does not exist`, file));
  });

  test('a directory is not a file', () => {
    expect(() => loadSpecFile(dir)).toThrow(`cluster file ${dir} is a directory, not a file`);
  });

  test('a syntax error names the file, the line and the column, and shows the place', () => {
    const file = write('broken.yaml', 'name: c\nhosts: [a, b\nmasters: 1\n');
    let error: SpecFileError | undefined;
    try {
      loadSpecFile(file);
    } catch (err) {
      error = err as SpecFileError;
    }
    expect(error).toBeInstanceOf(SpecFileError);
    expect(error!.code).toBe('BAD_CLUSTER_FILE');
    expect(error!.line).toBe(3);
    expect(error!.column).toBe(1);
    expect(error!.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1: invalid YAML: `));
    expect(error!.message).toContain('masters: 1');
  });

  test('a key given twice is a syntax error at its second place', () => {
    expect(() => parseSpecText('name: a\nzk: 1\nname: b\n', 'c.yaml')).toThrow(/^c\.yaml:3:1: invalid YAML: Map keys must be unique/);
  });

  test('tabs for indentation are reported with their line', () => {
    expect(() => parseSpecText('ssh:\n\tuser: root\n', 'c.yaml')).toThrow(/^c\.yaml:2:\d+: invalid YAML: /);
  });

  test('an empty file is an empty spec, which then needs its fields', () => {
    expect(loadSpecFile(write('empty.yaml', ''))).toEqual({});
    expect(problems(loadSpecFile(write('comments.yaml', '# nothing yet\n')), { hosts: 'a,b' })).toEqual(['name: is required']);
  });
});
