import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  connectString, findJava, findZooKeeper, findZooKeeperClasspath, localEnsembleSpec, myidFile, parseServerMode, validateEnsemble,
  zooConfig, ZooKeeperNotInstalledError, type ZkServerSpec,
} from '../../infra/zookeeper';

const three: ZkServerSpec[] = localEnsembleSpec(3, '127.0.0.1', [
  { client: 2181, peer: 2888, election: 3888 },
  { client: 2182, peer: 2889, election: 3889 },
  { client: 2183, peer: 2890, election: 3890 },
]);

function settings(cfg: string): Map<string, string> {
  return new Map(
    cfg.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

test('a quorum member lists every server and only its own client port', () => {
  const cfg = settings(zooConfig(three[1], three, '/var/lib/mesoscloud/zk-2/data', { tickTimeMs: 500 }));
  expect(cfg.get('tickTime')).toBe('500');
  expect(cfg.get('initLimit')).toBe('10');
  expect(cfg.get('syncLimit')).toBe('5');
  expect(cfg.get('dataDir')).toBe('/var/lib/mesoscloud/zk-2/data');
  expect(cfg.get('clientPort')).toBe('2182');
  expect(cfg.get('clientPortAddress')).toBe('127.0.0.1');
  expect(cfg.get('quorumListenOnAllIPs')).toBe('false');
  expect(cfg.get('server.1')).toBe('127.0.0.1:2888:3888');
  expect(cfg.get('server.2')).toBe('127.0.0.1:2889:3889');
  expect(cfg.get('server.3')).toBe('127.0.0.1:2890:3890');
  expect(cfg.get('4lw.commands.whitelist')).toBe('ruok,stat,srvr,mntr');
  expect(cfg.get('admin.enableServer')).toBe('false');
});

test('defaults follow ZooKeeper, and a single server runs standalone', () => {
  const [one] = localEnsembleSpec(1, '10.0.0.5', [{ client: 2181, peer: 2888, election: 3888 }]);
  const cfg = settings(zooConfig(one, [one], '/data'));
  expect(cfg.get('tickTime')).toBe('2000');
  expect([...cfg.keys()].some((k) => k.startsWith('server.'))).toBe(false);
  expect(cfg.get('clientPortAddress')).toBe('10.0.0.5');
  expect(cfg.get('quorumListenOnAllIPs')).toBe('false');
});

test('myid and connect string', () => {
  expect(myidFile(3)).toBe('3\n');
  expect(connectString(three)).toBe('127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183');
});

test.each<[string, ZkServerSpec[], RegExp]>([
  ['no servers', [], /at least 1 server, got 0/],
  ['a duplicate id', [three[0], { ...three[1], id: 1 }], /id 1 is used twice/],
  ['an id out of range', [{ ...three[0], id: 256 }], /id must be 1-255, got 256/],
  ['a port used twice', [three[0], { ...three[1], peerPort: 2181 }], /peerPort 127.0.0.1:2181 is already used/],
  ['a bad port', [{ ...three[0], electionPort: 70000 }], /electionPort must be 1-65535, got 70000/],
  ['a bad host', [{ ...three[0], host: 'a b' }], /invalid host 'a b'/],
])('an ensemble with %s is rejected', (_name, servers, message) => {
  expect(() => validateEnsemble(servers)).toThrow(message);
});

test('sizes and port lists must agree', () => {
  expect(() => localEnsembleSpec(0, '127.0.0.1', [])).toThrow(/size must be at least 1, got 0/);
  expect(() => localEnsembleSpec(2, '127.0.0.1', [{ client: 1, peer: 2, election: 3 }])).toThrow(/needs 2 port triples, got 1/);
  expect(() => zooConfig({ ...three[0], id: 9 }, three, '/d')).toThrow(/server 9 is not part/);
  expect(() => zooConfig(three[0], three, '/d', { tickTimeMs: 0 })).toThrow(/tickTime/);
});

test('srvr answers give the server mode', () => {
  expect(parseServerMode('Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nMode: leader\nNode count: 5\n')).toBe('leader');
  expect(parseServerMode('Mode: follower\n')).toBe('follower');
  expect(parseServerMode('Mode: standalone\n')).toBe('standalone');
  expect(parseServerMode('This ZooKeeper instance is not currently serving requests\n')).toBe('not serving');
  expect(parseServerMode('')).toBe('not serving');
});

describe('finding ZooKeeper and Java', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-zookeeper-'));
  afterAll(() => fs.rmSync(empty, { recursive: true, force: true }));

  it('says exactly what to install when ZooKeeper is missing', () => {
    expect(() => findZooKeeper({ PATH: '' }, empty)).toThrow(ZooKeeperNotInstalledError);
    expect(() => findZooKeeper({ PATH: '' }, empty)).toThrow(/ZooKeeper is not installed .*apt-get install zookeeper/);
  });

  it('says what to install when Java is missing', () => {
    expect(() => findJava({ PATH: '' }, empty)).toThrow(/Java is not installed.*apt-get install zookeeper.*default-jre-headless/);
  });

  it("finds Debian's package with an slf4j binding, and an upstream tarball through ZOOKEEPER_HOME", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-root-'));
    try {
      fs.mkdirSync(path.join(root, 'usr/share/java'), { recursive: true });
      fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
      for (const f of ['usr/share/java/zookeeper.jar', 'usr/share/java/slf4j-simple.jar', 'usr/bin/java']) fs.writeFileSync(path.join(root, f), '');
      expect(findZooKeeper({ PATH: '' }, root)).toEqual({
        java: path.join(root, 'usr/bin/java'),
        classpath: [path.join(root, 'usr/share/java/zookeeper.jar'), path.join(root, 'usr/share/java/slf4j-simple.jar')].join(':'),
        mainClass: 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      });
      const home = path.join(root, 'zk-3.8.4');
      fs.mkdirSync(path.join(home, 'lib'), { recursive: true });
      fs.writeFileSync(path.join(home, 'lib', 'zookeeper-3.8.4.jar'), '');
      fs.writeFileSync(path.join(home, 'lib', 'netty.jar'), '');
      expect(findZooKeeperClasspath({ ZOOKEEPER_HOME: home }, empty)).toBe([path.join(home, 'lib', 'netty.jar'), path.join(home, 'lib', 'zookeeper-3.8.4.jar')].join(':'));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
