/**
 * The pure parts of the SSH launcher as an operator meets them: the bounded fan-out over hosts, the
 * progress display (plain lines in logs, one redrawn line per host on a terminal), what a host's
 * inspection says is missing, the step records a host keeps, the systemd unit, the tunnel command
 * printed when masters do not answer directly, and SSH clusters in the operator's catalog.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { forEachBounded, failures } from '../../infra/bootstrap/pool';
import { createProgress } from '../../infra/bootstrap/progress';
import { nodeProblem, packageRemoveCommand, parseFacts, zookeeperInstall, type HostFacts } from '../../infra/bootstrap/host-facts';
import { emptyState, parseHostState, record, STEP } from '../../infra/bootstrap/host-state';
import { systemdUnit, type ServiceRef } from '../../infra/bootstrap/service-commands';
import { tunnelCommand } from '../../cli/launch-ssh';
import { specFromSources } from '../../infra/plan/spec';
import { ClusterCatalog, CatalogError, type SshClusterRecord } from '../../infra/cluster-catalog';

/** A promise with its resolve and reject at hand. */
function deferred<T = void>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('forEachBounded', () => {
  it('never runs more than the limit at once, and runs everything', async () => {
    const gates = Array.from({ length: 7 }, () => deferred<number>());
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const done = forEachBounded(gates, 3, async (gate, i) => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      try {
        return await gate.promise;
      } finally {
        running--;
      }
    });
    await tick();
    expect(started).toEqual([0, 1, 2]);
    // Finishing one lets exactly one more start.
    gates[1].resolve(1);
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates.forEach((g, i) => g.resolve(i));
    const outcomes = await done;
    expect(most).toBe(3);
    expect(started.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(outcomes.map((o) => (o.ok ? o.value : 'failed'))).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('keeps every outcome in item order; a failure does not stop the others', async () => {
    const hosts = ['h1', 'h2', 'h3', 'h4'];
    const outcomes = await forEachBounded(hosts, 2, async (host) => {
      if (host === 'h2') throw new Error('h2: unreachable');
      if (host === 'h3') throw 'not an Error'; // eslint-disable-line no-throw-literal
      return `${host} ready`;
    });
    expect(outcomes.map((o) => o.item)).toEqual(hosts);
    expect(outcomes[0]).toEqual({ item: 'h1', ok: true, value: 'h1 ready' });
    expect(outcomes[3]).toEqual({ item: 'h4', ok: true, value: 'h4 ready' });
    const failed = failures(outcomes);
    expect(failed.map((f) => [f.item, f.error.message])).toEqual([['h2', 'h2: unreachable'], ['h3', 'not an Error']]);
    expect(failed.every((f) => f.error instanceof Error)).toBe(true);
  });

  it('works with a limit of 0 or above the item count, and with no items', async () => {
    expect((await forEachBounded([1, 2, 3], 0, async (n) => n * 2)).map((o) => o.ok && o.value)).toEqual([2, 4, 6]);
    expect((await forEachBounded([1, 2], 50, async (n) => n)).length).toBe(2);
    expect(await forEachBounded([], 4, async () => 1)).toEqual([]);
  });
});

/** A stream that keeps what is written, and a clock the test moves. */
function fakeOutput(tty: boolean) {
  const writes: string[] = [];
  const out = { isTTY: tty, write: (chunk: string) => (writes.push(String(chunk)), true) } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  let t = 1_000_000;
  return { out, writes, text: () => writes.join(''), now: () => t, advance: (ms: number) => (t += ms) };
}

describe('createProgress, not on a terminal', () => {
  it('writes one plain line per step with the host, and FAILED for a failure', () => {
    const f = fakeOutput(false);
    const p = createProgress(f.out, { now: f.now });
    p.step('10.0.0.11', 'connecting');
    f.advance(1500);
    p.step('10.0.0.12', 'uploading the daemon bundle (300 KiB)');
    p.fail('10.0.0.12', 'Node.js is not installed');
    f.advance(1000);
    p.done('10.0.0.11', 'master: started');
    p.note('Waiting for the leading master');
    p.close();
    const lines = f.text().split('\n').filter(Boolean);
    expect(lines).toEqual([
      '[  0.0s] 10.0.0.11: connecting',
      '[  1.5s] 10.0.0.12: uploading the daemon bundle (300 KiB)',
      '[  1.5s] 10.0.0.12: FAILED: Node.js is not installed',
      '[  2.5s] 10.0.0.11: master: started (2.5s)',
      'Waiting for the leading master',
    ]);
    // Plain output has no terminal control codes: it reads the same in a log file.
    expect(f.text()).not.toContain('\x1b');
  });

  it('follows the stream: isTTY false means plain lines; silent writes nothing', () => {
    const f = fakeOutput(false);
    createProgress(f.out, { now: f.now }).step('h1', 'inspecting');
    expect(f.text()).toBe('[  0.0s] h1: inspecting\n');
    const s = fakeOutput(true);
    const quiet = createProgress(s.out, { silent: true, now: s.now });
    quiet.step('h1', 'inspecting');
    quiet.note('note');
    quiet.close();
    expect(s.writes).toEqual([]);
  });
});

describe('createProgress on a terminal', () => {
  it('keeps one line per host, redrawn in place with its step and elapsed time', () => {
    const f = fakeOutput(true);
    const p = createProgress(f.out, { now: f.now });
    try {
      p.step('h1', 'connecting');
      p.step('h2', 'connecting');
      f.advance(2500);
      p.step('h1', 'uploading');
      const last = f.writes[f.writes.length - 1];
      // Up over the two lines drawn before, then each line cleared and written again.
      expect(last.startsWith('\x1b[2F')).toBe(true);
      const lines = last.slice('\x1b[2F'.length).split('\n').filter(Boolean);
      expect(lines).toHaveLength(2);
      expect(lines.every((l) => l.startsWith('\x1b[2K'))).toBe(true);
      expect(lines[0]).toMatch(/h1\s+uploading\s+2\.5s$/);
      expect(lines[1]).toMatch(/h2\s+connecting\s+2\.5s$/);

      p.done('h1', 'master: started');
      p.fail('h2', 'no route to host');
      const redrawn = f.writes[f.writes.length - 1];
      expect(redrawn.startsWith('\x1b[2F')).toBe(true);
      const final = redrawn.slice('\x1b[2F'.length).split('\n').filter(Boolean);
      expect(final).toHaveLength(2);
      expect(final[0]).toMatch(/^\x1b\[2Kok\s+h1\s+master: started \(2\.5s\)$/);
      expect(final[1]).toMatch(/^\x1b\[2KFAIL h2\s+no route to host$/);
      // No plain per-step lines on a terminal.
      expect(f.text()).not.toMatch(/\] h1:/);
    } finally {
      p.close();
    }
  });

  it('puts notes above the block of host lines and draws the block again below', () => {
    const f = fakeOutput(true);
    const p = createProgress(f.out, { now: f.now });
    try {
      p.step('h1', 'connecting');
      p.step('h2', 'connecting');
      p.note('Agents registered: 1/2');
      const written = f.writes.slice(-2).join('');
      expect(written.startsWith('\x1b[2F\x1b[JAgents registered: 1/2\n')).toBe(true);
      expect(written.split('\n').filter((l) => l.includes('\x1b[2K'))).toHaveLength(2);
    } finally {
      p.close();
    }
  });
});

const facts = (over: Partial<HostFacts>): HostFacts => ({
  uid: 0, kernel: 'Linux 6.1', systemd: false, java: false, zookeeper: false, running: new Set(), state: emptyState(), ...over,
});

describe('parseFacts and nodeProblem', () => {
  it('reads what the inspection script printed, with the state after its mark', () => {
    const state = JSON.stringify(record(emptyState(), STEP.bundle, { hash: 'abc' }, new Date('2024-05-01T00:00:00Z')));
    const f = parseFacts([
      'uid=0', 'kernel=Linux 6.1.0', 'node=/usr/bin/node', 'node_version=v20.11.1', 'systemd=1', 'java=1', 'pm=apt-get',
      'running=master', 'running=agent', '--- state ---', state, '',
    ].join('\n'));
    expect(f).toMatchObject({ uid: 0, kernel: 'Linux 6.1.0', nodePath: '/usr/bin/node', nodeVersion: 'v20.11.1', systemd: true, java: true, zookeeper: false, packageManager: 'apt-get' });
    expect([...f.running].sort()).toEqual(['agent', 'master']);
    expect(f.state.steps.bundle).toEqual({ at: '2024-05-01T00:00:00.000Z', hash: 'abc' });
    expect(nodeProblem(f)).toBeUndefined();
  });

  it('no node at all: says to install Node 20 or later', () => {
    const f = parseFacts('uid=0\nkernel=Linux\n--- state ---\n');
    expect(f.nodePath).toBeUndefined();
    expect(f.state).toEqual(emptyState());
    expect(nodeProblem(f)).toMatch(/Node\.js is not installed.*install Node 20 or later/);
  });

  it('an old node: names its version and path and the version needed', () => {
    const problem = nodeProblem(parseFacts('node=/usr/local/bin/node\nnode_version=v18.0.0\n'));
    expect(problem).toContain('v18.0.0');
    expect(problem).toContain('/usr/local/bin/node');
    expect(problem).toMatch(/too old.*Node 20 or later/);
  });

  it('a good node (v20 or later) is no problem', () => {
    expect(nodeProblem(facts({ nodePath: '/usr/bin/node', nodeVersion: 'v20.0.0' }))).toBeUndefined();
    expect(nodeProblem(facts({ nodePath: '/usr/bin/node', nodeVersion: 'v22.3.1' }))).toBeUndefined();
  });

  it('a node that does not say its version: says what it printed', () => {
    const problem = nodeProblem(facts({ nodePath: '/opt/node/bin/node', nodeVersion: 'Segmentation fault' }));
    expect(problem).toMatch(/\/opt\/node\/bin\/node did not say its version \(got 'Segmentation fault'\)/);
    expect(nodeProblem(facts({ nodePath: '/usr/bin/node' }))).toMatch(/did not say its version \(got ''\)/);
  });
});

describe('zookeeperInstall', () => {
  const missingBoth = { java: false, zookeeper: false };

  it('nothing to do when Java and ZooKeeper are there', () => {
    expect(zookeeperInstall(facts({ java: true, zookeeper: true, packageManager: 'apt-get' }))).toBeUndefined();
    expect(zookeeperInstall(facts({ java: true, zookeeper: true }))).toBeUndefined();
  });

  it('apt-get: the zookeeper package (which brings a JRE), or only a JRE', () => {
    const both = zookeeperInstall(facts({ ...missingBoth, packageManager: 'apt-get' }));
    expect(both).toEqual({ packages: ['zookeeper'], command: expect.stringMatching(/DEBIAN_FRONTEND=noninteractive.*apt-get update.*apt-get install -y .*zookeeper$/) });
    expect(zookeeperInstall(facts({ java: false, zookeeper: true, packageManager: 'apt-get' }))).toMatchObject({ packages: ['default-jre-headless'] });
  });

  it.each([
    ['dnf', 'dnf install -y -q java-17-openjdk-headless zookeeper'],
    ['yum', 'yum install -y -q java-17-openjdk-headless zookeeper'],
    ['zypper', 'zypper --non-interactive install java-17-openjdk-headless zookeeper'],
    ['apk', 'apk add --no-cache openjdk17-jre-headless zookeeper'],
  ] as const)('%s: installs what is missing', (pm, command) => {
    const install = zookeeperInstall(facts({ ...missingBoth, packageManager: pm }));
    expect(install).toMatchObject({ command });
    expect((install as { packages: string[] }).packages).toContain('zookeeper');
    // Only ZooKeeper when Java is there.
    expect(zookeeperInstall(facts({ java: true, zookeeper: false, packageManager: pm }))).toMatchObject({ packages: ['zookeeper'] });
  });

  it('no known package manager: names what is missing and says to install it by hand', () => {
    expect(zookeeperInstall(facts(missingBoth))).toEqual({ problem: expect.stringMatching(/^Java and ZooKeeper missing and no known package manager \(apt-get, dnf, yum, zypper, apk\).*by hand/) });
    const onlyZk = zookeeperInstall(facts({ java: true, zookeeper: false })) as { problem: string };
    expect(onlyZk.problem).toMatch(/^ZooKeeper missing/);
    expect(onlyZk.problem).not.toContain('Java');
    const onlyJava = zookeeperInstall(facts({ java: false, zookeeper: true })) as { problem: string };
    expect(onlyJava.problem).toMatch(/^Java missing/);
  });
});

describe('packageRemoveCommand', () => {
  it('removes exactly the packages we installed, with the host\'s manager', () => {
    expect(packageRemoveCommand('apt-get', ['zookeeper'])).toBe('DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq zookeeper && apt-get autoremove -y -qq');
    expect(packageRemoveCommand('dnf', ['java-17-openjdk-headless', 'zookeeper'])).toBe('dnf remove -y -q java-17-openjdk-headless zookeeper');
    expect(packageRemoveCommand('yum', ['zookeeper'])).toBe('yum remove -y -q zookeeper');
    expect(packageRemoveCommand('zypper', ['zookeeper'])).toBe('zypper --non-interactive remove zookeeper');
    expect(packageRemoveCommand('apk', ['openjdk17-jre-headless', 'zookeeper'])).toBe('apk del openjdk17-jre-headless zookeeper');
  });

  it('nothing installed, or no manager known: no command', () => {
    expect(packageRemoveCommand('apt-get', [])).toBeUndefined();
    expect(packageRemoveCommand(undefined, ['zookeeper'])).toBeUndefined();
  });

  it('quotes a package name that is not a plain word', () => {
    expect(packageRemoveCommand('apk', ["evil; rm -rf /"])).toBe("apk del 'evil; rm -rf /'");
  });
});

describe('host step records', () => {
  it('an empty, unreadable or foreign file counts as no records', () => {
    for (const text of ['', 'garbage', '{', 'null', '[]', '{"version":2,"steps":{}}', '{"version":1,"steps":null}', '{"version":1}']) {
      expect(parseHostState(text)).toEqual({ version: 1, steps: {} });
    }
  });

  it('a good file is kept as it is', () => {
    const good = { version: 1, steps: { bundle: { at: '2024-05-01T00:00:00.000Z', hash: 'f'.repeat(64), detail: { path: '/opt/mesoscloud/c/x.js' } } } };
    expect(parseHostState(JSON.stringify(good))).toEqual(good);
  });

  it('record adds or replaces one step with its time, and leaves the earlier state alone', () => {
    const first = record(emptyState(), STEP.bundle, { hash: 'aaa' }, new Date('2024-05-01T10:00:00Z'));
    const second = record(first, STEP.config('master'), { hash: 'bbb', detail: { files: ['a', 'b'] } }, new Date('2024-05-01T10:00:05Z'));
    const third = record(second, STEP.bundle, { hash: 'ccc' }, new Date('2024-05-01T10:00:09Z'));
    expect(first.steps).toEqual({ bundle: { at: '2024-05-01T10:00:00.000Z', hash: 'aaa' } });
    expect(third).toEqual({
      version: 1,
      steps: {
        bundle: { at: '2024-05-01T10:00:09.000Z', hash: 'ccc' },
        'config:master': { at: '2024-05-01T10:00:05.000Z', hash: 'bbb', detail: { files: ['a', 'b'] } },
      },
    });
    // Round trip through the file format.
    expect(parseHostState(JSON.stringify(third))).toEqual(third);
    expect(STEP.service('agent')).toBe('service:agent');
  });
});

describe('systemdUnit', () => {
  const ref = (role: ServiceRef['role']): ServiceRef => ({
    role,
    unit: `mesoscloud-prod-${role}`,
    definitionPath: `/etc/mesoscloud/prod/${role}.json`,
    bundle: '/opt/mesoscloud/prod/mesoscloud-daemon-0123456789ab.js',
    pidFile: `/var/lib/mesoscloud/prod/run/${role}.pid`,
    supervisorPidFile: `/var/lib/mesoscloud/prod/run/${role}.supervisor.pid`,
    log: `/var/log/mesoscloud/prod/${role}.log`,
  });
  const lines = (text: string) => text.split('\n');

  it('runs `node <bundle> service <definition>` and restarts it when it fails', () => {
    const unit = lines(systemdUnit(ref('master'), '/usr/bin/node'));
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/mesoscloud/prod/mesoscloud-daemon-0123456789ab.js service /etc/mesoscloud/prod/master.json');
    expect(unit).toContain('Restart=on-failure');
    expect(unit.slice(0, unit.indexOf('[Service]'))).toContain('StartLimitIntervalSec=0');
    expect(unit).toContain('StandardOutput=append:/var/log/mesoscloud/prod/master.log');
    expect(unit).toContain('StandardError=append:/var/log/mesoscloud/prod/master.log');
    expect(unit).toContain('WantedBy=multi-user.target');
    expect(unit.some((l) => l.startsWith('KillMode='))).toBe(false);
  });

  it("an agent's unit leaves its tasks running when the agent stops (KillMode=process)", () => {
    const unit = lines(systemdUnit(ref('agent'), '/usr/local/bin/node'));
    expect(unit).toContain('KillMode=process');
    expect(unit).toContain('ExecStart=/usr/local/bin/node /opt/mesoscloud/prod/mesoscloud-daemon-0123456789ab.js service /etc/mesoscloud/prod/agent.json');
    expect(unit).toContain('Restart=on-failure');
  });
});

describe('tunnelCommand', () => {
  // Reached by a public name, listening on its private cluster address.
  const master = { host: '10.0.0.12', sshPort: 22, user: 'ubuntu', address: '192.168.0.12' };

  it('forwards the master port to the address the master listens on, with the key', () => {
    const spec = specFromSources(undefined, { cluster: 'prod', hosts: '10.0.0.11,10.0.0.12', key: '~/.ssh/id_ed25519' });
    expect(tunnelCommand(spec, master, 5050)).toBe('ssh -N -L 5050:192.168.0.12:5050 -i ~/.ssh/id_ed25519 ubuntu@10.0.0.12');
  });

  it('names a custom SSH port and goes through the bastion with -J', () => {
    const spec = specFromSources(undefined, { cluster: 'prod', hosts: '10.0.0.11,10.0.0.12', key: '/keys/k', bastion: 'jump@bastion.example.com:2200' });
    expect(tunnelCommand(spec, { ...master, sshPort: 2222 }, 6060)).toBe('ssh -N -L 6060:192.168.0.12:6060 -i /keys/k -p 2222 -J jump@bastion.example.com:2200 ubuntu@10.0.0.12');
    const onPort22 = specFromSources(undefined, { cluster: 'prod', hosts: '10.0.0.11,10.0.0.12', bastion: 'jump@bastion.example.com' });
    expect(tunnelCommand(onPort22, master, 5050)).toBe('ssh -N -L 5050:192.168.0.12:5050 -J jump@bastion.example.com ubuntu@10.0.0.12');
  });
});

describe('SSH clusters in the catalog', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-ssh-')) });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sshRecord = (): SshClusterRecord => ({
    name: 'prod',
    provider: 'ssh',
    masterUrl: 'http://10.0.0.12:5050',
    zk: 'zk://10.0.0.11:2181/mesos',
    spec: specFromSources(undefined, { cluster: 'prod', hosts: '10.0.0.11,10.0.0.12,10.0.0.13', masters: 1, zk: 1 }) as unknown as Record<string, unknown>,
    hosts: [
      { host: '10.0.0.11', sshPort: 22, user: 'root', address: '10.0.0.11', roles: ['zookeeper'], zkId: 1 },
      { host: '10.0.0.12', sshPort: 22, user: 'root', address: '10.0.0.12', roles: ['master'] },
      { host: '10.0.0.13', sshPort: 2222, user: 'ubuntu', address: '192.168.1.13', roles: ['agent'] },
    ],
    knownHostsFile: path.join(dir, 'clusters', 'prod', 'known_hosts'),
    phase: 'up',
    bundle: { version: '0.1.0', sha256: 'a'.repeat(64) },
    createdAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-01T10:05:00.000Z',
  });

  it('round-trips through write and read, and is listed', () => {
    const catalog = new ClusterCatalog(dir);
    const rec = sshRecord();
    catalog.write(rec);
    expect(catalog.read('prod')).toEqual(rec);
    expect(catalog.list()).toEqual(['prod']);
  });

  it('a broken record is refused, naming the field', () => {
    const catalog = new ClusterCatalog(dir);
    const write = (value: unknown) => {
      fs.mkdirSync(path.dirname(catalog.recordPath('prod')), { recursive: true });
      fs.writeFileSync(catalog.recordPath('prod'), JSON.stringify(value));
    };
    const rec = sshRecord() as unknown as Record<string, unknown>;
    write({ ...rec, hosts: [{ ...sshRecord().hosts[0], sshPort: '22' }] });
    expect(() => catalog.read('prod')).toThrow(CatalogError);
    expect(() => catalog.read('prod')).toThrow(/cluster\.json: field 'hosts\[0\]\.sshPort' must be a number/);
    write({ ...rec, hosts: [sshRecord().hosts[0], { ...sshRecord().hosts[1], address: undefined }] });
    expect(() => catalog.read('prod')).toThrow(/field 'hosts\[1\]\.address' must be a string/);
    write({ ...rec, knownHostsFile: undefined });
    expect(() => catalog.read('prod')).toThrow(/field 'knownHostsFile' must be a string/);
    write({ ...rec, spec: 'oops' });
    expect(() => catalog.read('prod')).toThrow(/field 'spec' must be an object/);
    write({ ...rec, hosts: {} });
    expect(() => catalog.read('prod')).toThrow(/field 'hosts' must be an array/);
    write({ ...rec, provider: 'gcp' });
    expect(() => catalog.read('prod')).toThrow(/field 'provider' must be 'local', 'ssh' or 'aws', got "gcp"/);
  });

  it('readLocal on an SSH cluster says which provider it runs on', () => {
    const catalog = new ClusterCatalog(dir);
    catalog.write(sshRecord());
    expect(() => catalog.readLocal('prod')).toThrow(CatalogError);
    expect(() => catalog.readLocal('prod')).toThrow("cluster 'prod' runs on ssh hosts, not on this machine");
    expect(catalog.readLocal('nothing-here')).toBeUndefined();
  });
});

describe('bringUp with the ZooKeeper host unreachable', () => {
  it('fails at once naming that host, without waiting for agents that were never started', async () => {
    const { bringUp } = await import('../../infra/providers/ssh');
    const { planCluster } = await import('../../infra/plan/planner');
    const spec = specFromSources(undefined, { cluster: 'prod', hosts: '127.0.0.11,127.0.0.12,127.0.0.13', masters: 1, zk: 1 });
    const plan = planCluster(spec, { bundle: { version: '0.1.0', sha256: 'a'.repeat(64) } });
    const progress = createProgress(process.stderr, { silent: true });
    // No connection at all: the ZooKeeper host could not be reached, the others were never needed.
    const err = await bringUp(plan, new Map(), undefined, { progress, timeoutMs: 3000 }, {}, [{ host: '127.0.0.11', error: new Error('connection refused') }])
      .then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ code: 'HOSTS_FAILED' });
    expect(err?.message).toBe('1 of 3 host(s) failed:\n  127.0.0.11: connection refused');
  });
});
