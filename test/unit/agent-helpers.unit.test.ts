import { Backoff } from '../../cluster/agent/backoff';
import { cfsQuotaUs, cpuMax, cpuShares, cpuWeight, keyedValue, memoryLimitMessage } from '../../cluster/agent/cgroups';
import { MAX_READ_BYTES, modeString, parseReadWindow, readRange } from '../../cluster/agent/files-routes';
import { parseMasterUrl } from '../../cluster/agent/master-connection';
import { describeExit, limitsOf } from '../../cluster/agent/task-runner';

describe('reconnection backoff', () => {
  it('grows exponentially from the initial delay up to the cap, with jitter in [0.5, 1.5)', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 5000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(() => low.next())).toEqual([50, 100, 200, 400, 800, 1600, 2500, 2500]);
    const high = new Backoff({ initialMs: 100, maxMs: 5000, random: () => 0.999 });
    const delays = Array.from({ length: 12 }, () => high.next());
    expect(Math.max(...delays)).toBe(5000);
    high.reset();
    expect(high.next()).toBeLessThan(200);
  });
});

describe('parseMasterUrl', () => {
  it('accepts host:port and http(s) URLs', () => {
    expect(parseMasterUrl('127.0.0.1:5050').toString()).toBe('http://127.0.0.1:5050/');
    expect(parseMasterUrl('http://master.example:5050/').toString()).toBe('http://master.example:5050/');
    expect(parseMasterUrl(' https://m:443 ').protocol).toBe('https:');
  });

  it('names --master when it cannot be used', () => {
    expect(() => parseMasterUrl('')).toThrow(/--master/);
    expect(() => parseMasterUrl('zk://10.0.0.1:2181/mesos')).toThrow(/--master: ZooKeeper master detection is not supported yet/);
    expect(() => parseMasterUrl('http://')).toThrow(/--master/);
  });
});

describe('cgroup values', () => {
  it('computes cpu shares, weight and max as Mesos and the kernel expect', () => {
    expect(cpuShares(1)).toBe(1024);
    expect(cpuShares(0.5)).toBe(512);
    expect(cpuShares(0.001)).toBe(2);
    expect(cpuWeight(1)).toBe(39);
    expect(cpuMax(1.5)).toBe('150000 100000');
    // The same hard cap on v1 (cpu.cfs_quota_us per 100 ms period), never below the kernel's 1 ms.
    expect(cfsQuotaUs(0.1)).toBe(10000);
    expect(cfsQuotaUs(4)).toBe(400000);
    expect(cfsQuotaUs(0.001)).toBe(1000);
    expect(cpuMax(0.001)).toBe('1000 100000');
  });

  it('reads flat-keyed files', () => {
    expect(keyedValue('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n', 'oom_kill')).toBe(2);
    expect(keyedValue('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n', 'oom_kill')).toBe(1);
    expect(keyedValue('oom_kill_disable 0\nunder_oom 0\n', 'oom_kill')).toBeUndefined();
  });

  it('words the memory limitation as Mesos does', () => {
    expect(memoryLimitMessage({ requestedMb: 32, maxUsedMb: 32 })).toBe('Memory limit exceeded: Requested: 32MB Maximum Used: 32MB');
  });
});

describe('task runner helpers', () => {
  it('sums limits over roles', () => {
    expect(
      limitsOf([
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.25 }, role: 'web' },
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
      ]),
    ).toEqual({ cpus: 0.75, memMb: 64 });
    expect(limitsOf([])).toEqual({ cpus: undefined, memMb: undefined });
  });

  it('describes exits', () => {
    expect(describeExit({ code: 3, signal: null })).toBe('Command exited with status 3');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('Command terminated with signal SIGKILL');
    expect(describeExit({ code: 143, signal: null })).toBe('Command terminated with signal SIGTERM');
    expect(describeExit({ code: 255, signal: null })).toBe('Command exited with status 255');
  });
});

describe('/files/read paging', () => {
  it('defaults to reporting the length, as Mesos does with offset=-1', () => {
    expect(parseReadWindow(null, null)).toEqual({ offset: -1, length: undefined });
    expect(readRange(10, { offset: -1 })).toBeUndefined();
  });

  it('reads from offset up to length, the end of the file, or the 64 KiB cap', () => {
    expect(readRange(10, parseReadWindow('2', '3'))).toEqual({ start: 2, length: 3 });
    expect(readRange(10, parseReadWindow('4', '-1'))).toEqual({ start: 4, length: 6 });
    expect(readRange(10, parseReadWindow('4', '100'))).toEqual({ start: 4, length: 6 });
    expect(readRange(10, parseReadWindow('10', '5'))).toBeUndefined();
    expect(readRange(10 * MAX_READ_BYTES, parseReadWindow('0', null))).toEqual({ start: 0, length: MAX_READ_BYTES });
  });

  it('refuses bad numbers naming the parameter', () => {
    expect(() => parseReadWindow('abc', null)).toThrow(/offset/);
    expect(() => parseReadWindow('-2', null)).toThrow(/offset/);
    expect(() => parseReadWindow('0', '1.5')).toThrow(/length/);
    expect(() => parseReadWindow('0', '-7')).toThrow(/length/);
  });

  it('renders modes like ls', () => {
    expect(modeString(0o40755)).toBe('drwxr-xr-x');
    expect(modeString(0o100644)).toBe('-rw-r--r--');
    expect(modeString(0o10644)).toBe('prw-r--r--');
    expect(modeString(0o140755)).toBe('srwxr-xr-x');
  });
});
