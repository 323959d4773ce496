import { createDetector } from '../../cluster/election';
import {
  decodeMasterInfo, electionOrder, encodeMasterInfo, ipv4ToMesosIp, memberSequence, predecessorOf,
} from '../../cluster/election/election-znodes';
import { decodeShard, encodeShard, fnv1a32, packBySize, shardIndex, shardName, shardOf, validateCollectionName } from '../../cluster/election/registry-shards';
import { masterInfoFromAddress, StandaloneMasterContender } from '../../cluster/election/standalone';
import { leaderBaseUrl } from '../../cluster/election/types';
import { formatZooKeeperUrl, isZooKeeperUrl, parseZooKeeperUrl, redactZooKeeperUrl } from '../../cluster/election/zookeeper-url';

describe('parseZooKeeperUrl', () => {
  test('an ensemble with a path', () => {
    expect(parseZooKeeperUrl('zk://10.0.0.1:2181,10.0.0.2:2182,zk3.internal/mesos')).toEqual({
      connectString: '10.0.0.1:2181,10.0.0.2:2182,zk3.internal:2181',
      path: '/mesos',
      servers: [
        { host: '10.0.0.1', port: 2181 },
        { host: '10.0.0.2', port: 2182 },
        { host: 'zk3.internal', port: 2181 },
      ],
    });
  });

  test('scheme case, surrounding blanks, nested paths and a trailing slash', () => {
    const url = parseZooKeeperUrl('  ZK://localhost:2181/clusters/prod/  ');
    expect(url.path).toBe('/clusters/prod');
    expect(formatZooKeeperUrl(url)).toBe('zk://localhost:2181/clusters/prod');
  });

  test.each([
    ['http://h:2181/mesos', /must start with zk:\/\//],
    ['zk:///mesos', /names no server/],
    ['zk://h:2181', /has no path/],
    ['zk://h:2181/', /has no path/],
    ['zk://h:2181,/mesos', /empty server/],
    ['zk://h:0/mesos', /invalid port '0' for host 'h'/],
    ['zk://h:99999/mesos', /invalid port '99999'/],
    ['zk://h:abc/mesos', /invalid port 'abc'/],
    ['zk://h_1:2181/mesos', /invalid host 'h_1'/],
    ['zk://[::1]:2181/mesos', /IPv6/],
    ['zk://h:2181/a//b', /empty segment/],
    ['zk://h:2181/a/../b', /'\.' or '\.\.'/],
    ['zk://h:2181/zookeeper/x', /reserves/],
    ['zk://h:2181/mesos?x=1', /query or fragment/],
  ])('%s is rejected', (input, message) => {
    expect(() => parseZooKeeperUrl(input)).toThrow(message);
  });

  test('user:password@ is the masters\' digest credential, kept out of the canonical form', () => {
    const url = parseZooKeeperUrl('zk://alice:s3:cret@h1:2181,h2:2181/mesos');
    expect(url.digest).toEqual({ user: 'alice', password: 's3:cret' });
    expect(url.connectString).toBe('h1:2181,h2:2181');
    expect(formatZooKeeperUrl(url)).toBe('zk://h1:2181,h2:2181/mesos');
  });

  test('redactZooKeeperUrl hides the password and leaves URLs without one alone', () => {
    expect(redactZooKeeperUrl('zk://alice:s3cret@h1:2181,h2:2181/mesos')).toBe('zk://alice:***@h1:2181,h2:2181/mesos');
    expect(redactZooKeeperUrl('zk://h1:2181,h2:2181/mesos')).toBe('zk://h1:2181,h2:2181/mesos');
    expect(redactZooKeeperUrl('127.0.0.1:5050')).toBe('127.0.0.1:5050');
  });

  test.each([
    ['zk://alice@h1:2181/mesos', /user:password/],
    ['zk://:s3cret@h1:2181/mesos', /user:password/],
    ['zk://alice:s3cret@h1:99999/mesos', /invalid port/],
    ['zk://alice:s3cret@h1:2181', /no path/],
  ])('%s is rejected without echoing the password', (input, message) => {
    let error: Error | undefined;
    try {
      parseZooKeeperUrl(input);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(message);
    expect((error as { code?: string }).code).toBe('BAD_ZOOKEEPER_URL');
    expect(error?.message).not.toContain('s3cret');
  });

  test('isZooKeeperUrl tells zk:// apart from master addresses', () => {
    expect(isZooKeeperUrl('zk://h:2181/mesos')).toBe(true);
    expect(isZooKeeperUrl(' Zk://h/mesos')).toBe(true);
    expect(isZooKeeperUrl('127.0.0.1:5050')).toBe(false);
    expect(isZooKeeperUrl('http://zk.example:5050')).toBe(false);
  });
});

describe('election znodes', () => {
  test('only json.info_ members count, ordered by sequence', () => {
    const children = ['json.info_0000000012', 'log_replicas', 'info_0000000003', 'json.info_0000000004', 'json.info_x', 'registry'];
    expect(electionOrder(children)).toEqual(['json.info_0000000004', 'json.info_0000000012']);
    expect(memberSequence('json.info_0000000012')).toBe(12);
    expect(memberSequence('info_0000000003')).toBeUndefined();
  });

  test('each member watches the one just ahead of it', () => {
    const children = ['json.info_0000000007', 'json.info_0000000002', 'json.info_0000000005'];
    expect(predecessorOf(children, 'json.info_0000000002')).toBeUndefined();
    expect(predecessorOf(children, 'json.info_0000000005')).toBe('json.info_0000000002');
    expect(predecessorOf(children, 'json.info_0000000007')).toBe('json.info_0000000005');
    expect(predecessorOf(children, 'json.info_0000000009')).toBeUndefined();
  });

  test('MasterInfo round-trips as JSON and malformed data is named', () => {
    const info = { id: 'm1', ip: 16777343, port: 5050, hostname: 'h', version: '1.11.0', address: { hostname: 'h', ip: '127.0.0.1', port: 5050 } };
    expect(decodeMasterInfo(encodeMasterInfo(info))).toEqual(info);
    expect(() => decodeMasterInfo(Buffer.from([0x0a, 0x02]))).toThrow(/not JSON/);
    expect(() => decodeMasterInfo(Buffer.from('{"ip":1,"port":2}'))).toThrow(/MasterInfo.id/);
    expect(() => decodeMasterInfo(Buffer.from('{"id":"a","ip":1,"port":2,"address":{}}'))).toThrow(/address.port/);
  });

  test('IPv4 addresses become Mesos little-endian integers', () => {
    expect(ipv4ToMesosIp('127.0.0.1')).toBe(16777343);
    expect(ipv4ToMesosIp('10.0.0.5')).toBe(83886090);
    expect(ipv4ToMesosIp('localhost')).toBe(0);
  });
});

describe('standalone election', () => {
  test('a plain address is a fixed leader', async () => {
    const detector = createDetector('10.1.2.3:5055');
    expect(detector.leader).toEqual({
      id: '10.1.2.3:5055', ip: ipv4ToMesosIp('10.1.2.3'), port: 5055, hostname: '10.1.2.3',
      address: { hostname: '10.1.2.3', ip: '10.1.2.3', port: 5055 },
    });
    expect(leaderBaseUrl(await detector.awaitLeader(0))).toBe('http://10.1.2.3:5055');
    expect(leaderBaseUrl(masterInfoFromAddress('master.example'))).toBe('http://master.example:5050');
    expect(() => createDetector('ftp://x')).toThrow(/unsupported scheme/);
    await detector.close();
  });

  test('a standalone contender leads at once and refuses after close', async () => {
    const contender = new StandaloneMasterContender();
    await expect(contender.elect()).resolves.toBeUndefined();
    await contender.close();
    await expect(contender.elect()).rejects.toThrow(/closed/);
  });
});

describe('registry shards', () => {
  test('shard placement is stable and spreads ids', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    const counts = new Array(64).fill(0);
    for (let i = 0; i < 10_000; i++) counts[shardOf(`agent-${i}`, 64)]++;
    expect(Math.min(...counts)).toBeGreaterThan(100);
    expect(Math.max(...counts)).toBeLessThan(220);
    expect(shardName(7)).toBe('shard-0007');
    expect(shardIndex('shard-0007')).toBe(7);
    expect(shardIndex('meta')).toBeUndefined();
  });

  test('shards round-trip, including awkward ids', () => {
    const entries = new Map<string, unknown>([['__proto__', { a: 1 }], ['x/y', [1, 2]], ['ü', null]]);
    expect(decodeShard(encodeShard(entries), 'here')).toEqual(entries);
    expect(decodeShard(Buffer.alloc(0), 'here')).toEqual(new Map());
    expect(() => decodeShard(Buffer.from('[1]'), '/r/agents/shard-0001')).toThrow(/shard-0001 is not a JSON object/);
  });

  test('batches stay under the byte budget; an oversize item goes alone', () => {
    expect(packBySize([3, 3, 3, 10, 1], (n) => n, 6)).toEqual([[3, 3], [3], [10], [1]]);
    expect(packBySize([], (n: number) => n, 6)).toEqual([]);
  });

  test('collection names are znode-safe', () => {
    expect(() => validateCollectionName('agents')).not.toThrow();
    expect(() => validateCollectionName('a/b')).toThrow(/collection name 'a\/b'/);
    expect(() => validateCollectionName('..')).toThrow();
    expect(() => validateCollectionName('')).toThrow();
  });
});
