/**
 * The fetcher against a real loopback HTTP server and real archives (built with the system's tar and
 * zip): every archive kind, plain files, executable, output_file, local files, failures worded as
 * Mesos words them, archives that try to write outside the sandbox, an abort, and the agent-wide
 * cache (one download for many fetches, eviction by size).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as https from 'node:https';
import * as net from 'node:net';
import { trustedCas } from '../../cluster/agent/fetcher/download';
import { FetcherCache } from '../../cluster/agent/fetcher/fetcher-cache';
import { fetchUris, UriFetchError, type FetchOptions } from '../../cluster/agent/fetcher/fetcher';
import type { CommandInfo_URI } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';
import { createClusterCa, issueHostCertificate } from '../../infra/tls/cluster-ca';
import { buildArchive, hostileTar, hostileZip, startArtifactServer, type ArtifactServer } from '../helpers/artifacts';

describe('agent fetcher', () => {
  let scratch: string;
  let files: string;
  let sandbox: string;
  let server: ArtifactServer;

  beforeEach(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-fetcher-'));
    files = path.join(scratch, 'served');
    sandbox = path.join(scratch, 'sandbox');
    fs.mkdirSync(files);
    fs.mkdirSync(sandbox);
    server = await startArtifactServer(files);
  });

  afterEach(async () => {
    await server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const fetch = (uris: CommandInfo_URI[], options: FetchOptions = {}, into = sandbox) => fetchUris(uris, into, undefined, { stallTimeoutMs: 10_000, ...options }, silentLogger);
  const inSandbox = (rel: string) => path.join(sandbox, rel);
  const read = (rel: string) => fs.readFileSync(inSandbox(rel), 'utf8');
  const stderr = () => read('stderr');
  const TREE = { 'app/bin/run.sh': '#!/bin/sh\necho run\n', 'app/data/hello.txt': 'hello\n', 'app/lib/current': { link: '../data' } };

  test.each(['app.tar', 'app.tar.gz', 'app.tgz', 'app.tar.bz2', 'app.tbz2', 'app.tar.xz', 'app.txz', 'app.zip'])('%s is extracted into the sandbox', async (name) => {
    buildArchive(files, name, TREE);
    await fetch([{ value: `${server.url}/${name}` }]);
    expect(read('app/data/hello.txt')).toBe('hello\n');
    expect(read('app/bin/run.sh')).toContain('echo run');
    expect(fs.readlinkSync(inSandbox('app/lib/current'))).toBe('../data');
    // Fetched directly, the archive stays next to what it held, as with Mesos.
    expect(fs.existsSync(inSandbox(name))).toBe(true);
    expect(stderr()).toContain(`Fetching URI '${server.url}/${name}'`);
    expect(stderr()).toContain(`Fetched '${server.url}/${name}' to '${inSandbox(name)}'`);
    expect(stderr()).toContain(`Successfully fetched all URIs into '${sandbox}'`);
  });

  test('modes are kept but setuid, setgid and sticky bits are dropped; what was there before is appended to, not truncated', async () => {
    fs.writeFileSync(inSandbox('stderr'), 'before\n');
    const src = path.join(scratch, 'modes');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'suid'), '#!/bin/sh\n');
    fs.chmodSync(path.join(src, 'suid'), 0o4755);
    fs.writeFileSync(path.join(src, 'plain'), 'x');
    fs.chmodSync(path.join(src, 'plain'), 0o640);
    require('node:child_process').execFileSync('tar', ['-cf', path.join(files, 'modes.tar'), 'modes'], { cwd: scratch });
    await fetch([{ value: `${server.url}/modes.tar` }]);
    expect(fs.statSync(inSandbox('modes/suid')).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(inSandbox('modes/plain')).mode & 0o777).toBe(0o640);
    expect(stderr().startsWith('before\n')).toBe(true);
  });

  test('a plain file keeps its name; output_file renames it, into a subdirectory too; redirects are followed', async () => {
    fs.writeFileSync(path.join(files, 'notes.txt'), 'notes\n');
    await fetch([
      { value: `${server.url}/notes.txt` },
      { value: `${server.url}/notes.txt`, output_file: 'conf/app.conf' },
      { value: `${server.url}/redirect/notes.txt`, output_file: 'redirected.txt' },
    ]);
    expect(read('notes.txt')).toBe('notes\n');
    expect(read('conf/app.conf')).toBe('notes\n');
    expect(read('redirected.txt')).toBe('notes\n');
  });

  test('executable: the file is made executable and not extracted, even when it looks like an archive', async () => {
    fs.writeFileSync(path.join(files, 'tool'), '#!/bin/sh\necho tool\n');
    buildArchive(files, 'pkg.tar.gz', { 'inner.txt': 'inner' });
    await fetch([{ value: `${server.url}/tool`, executable: true }, { value: `${server.url}/pkg.tar.gz`, executable: true }]);
    expect(fs.statSync(inSandbox('tool')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(inSandbox('pkg.tar.gz')).mode & 0o777).toBe(0o755);
    expect(fs.existsSync(inSandbox('inner.txt'))).toBe(false);
  });

  test('extract: false copies an archive as it is; a bare .gz is gunzipped', async () => {
    buildArchive(files, 'pkg.tar.gz', { 'inner.txt': 'inner' });
    fs.writeFileSync(path.join(files, 'data.csv.gz'), require('node:zlib').gzipSync('a,b\n'));
    await fetch([{ value: `${server.url}/pkg.tar.gz`, extract: false }, { value: `${server.url}/data.csv.gz` }]);
    expect(fs.existsSync(inSandbox('pkg.tar.gz'))).toBe(true);
    expect(fs.existsSync(inSandbox('inner.txt'))).toBe(false);
    expect(read('data.csv')).toBe('a,b\n');
  });

  test('file:// URIs and absolute paths are copied', async () => {
    const local = path.join(scratch, 'local.txt');
    fs.writeFileSync(local, 'local\n');
    await fetch([{ value: `file://${local}`, output_file: 'a.txt' }, { value: local, output_file: 'b.txt' }]);
    expect(read('a.txt')).toBe('local\n');
    expect(read('b.txt')).toBe('local\n');
  });

  const failure = async (uris: CommandInfo_URI[], options: FetchOptions = {}): Promise<UriFetchError> => {
    const err = await fetch(uris, options).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UriFetchError);
    return err as UriFetchError;
  };

  test('a 404 fails the fetch with the URI and the HTTP status, in the message and in stderr', async () => {
    const uri = `${server.url}/missing.tar.gz`;
    const err = await failure([{ value: uri }]);
    expect(err.message).toBe(`Failed to fetch '${uri}': Error downloading resource, received HTTP return code 404`);
    expect(stderr()).toContain(`Failed to fetch '${uri}': Error downloading resource, received HTTP return code 404`);
  });

  test('a refused connection, a missing local file and an unsupported scheme fail with their cause', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    expect((await failure([{ value: `http://127.0.0.1:${port}/a.txt` }])).message).toMatch(new RegExp(`^Failed to fetch 'http://127.0.0.1:${port}/a.txt': Error downloading resource: .*ECONNREFUSED`));
    expect((await failure([{ value: '/no/such/file.txt' }])).message).toBe("Failed to fetch '/no/such/file.txt': Failed to read '/no/such/file.txt': no such file");
    expect((await failure([{ value: 'hdfs://nn/a.txt' }])).message).toMatch(/Unsupported URI scheme 'hdfs'/);
  });

  test('a corrupt archive fails the fetch naming the archive', async () => {
    fs.writeFileSync(path.join(files, 'broken.tar.gz'), 'this is not gzip at all');
    fs.writeFileSync(path.join(files, 'broken.zip'), 'PK this is not a zip');
    expect((await failure([{ value: `${server.url}/broken.tar.gz` }])).message).toMatch(/^Failed to fetch '.*broken.tar.gz': Failed to extract archive '.*broken.tar.gz'/);
    expect((await failure([{ value: `${server.url}/broken.zip` }])).message).toMatch(/^Failed to fetch '.*broken.zip': Failed to extract archive '.*broken.zip'/);
  });

  test('output_file may not leave the sandbox', async () => {
    fs.writeFileSync(path.join(files, 'x'), 'x');
    expect((await failure([{ value: `${server.url}/x`, output_file: '../x' }])).message).toContain("output_file '../x' must stay inside the sandbox");
    expect((await failure([{ value: `${server.url}/x`, output_file: '/tmp/x' }])).message).toContain("output_file '/tmp/x' must be a path relative to the sandbox");
    expect(fs.existsSync(path.join(scratch, 'x'))).toBe(false);
  });

  describe('archives that reach outside the sandbox are refused, and nothing of them is written', () => {
    const outside = () => fs.readdirSync(scratch).filter((f) => !['served', 'sandbox'].includes(f));
    const extracted = () => fs.readdirSync(sandbox).filter((f) => f !== 'stderr' && !f.startsWith('evil'));

    test.each([
      ['evil.tar', () => hostileTar(files, 'evil.tar', '../escaped'), /climbs out/],
      ['evil-abs.tar', () => hostileTar(files, 'evil-abs.tar', `${scratch}/escaped`), /absolute path|climbs out/],
      ['evil-link.tar', () => buildArchive(files, 'evil-link.tar', { 'ok.txt': 'ok', etc: { link: '/etc' } }), /symbolic link 'etc' points outside/],
      ['evil-uplink.tgz', () => buildArchive(files, 'evil-uplink.tgz', { 'ok.txt': 'ok', up: { link: '..' } }), /symbolic link 'up' points outside/],
      ['evil.zip', () => hostileZip(files, 'evil.zip', '../escaped'), /invalid relative path|climbs out/],
      ['evil-abs.zip', () => hostileZip(files, 'evil-abs.zip', '/tmp/escaped'), /absolute path/],
      ['evil-link.zip', () => buildArchive(files, 'evil-link.zip', { 'ok.txt': 'ok', etc: { link: '/etc' } }), /symbolic link 'etc' points outside/],
    ])('%s', async (name, build, problem) => {
      build();
      const err = await failure([{ value: `${server.url}/${name}` }]);
      expect(err.message).toMatch(problem);
      expect(outside()).toEqual([]);
      expect(extracted()).toEqual([]);
    });
  });

  test('https:// is verified: a certificate of an unknown CA is refused, and accepted once its CA is trusted (--fetcher_ca_file)', async () => {
    const ca = createClusterCa('fetcher-test');
    const cert = issueHostCertificate(ca, { name: 'artifacts', addresses: ['127.0.0.1'] });
    const secure = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.end('secret artifact\n'));
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    try {
      const uri = `https://127.0.0.1:${(secure.address() as net.AddressInfo).port}/artifact.txt`;
      expect((await failure([{ value: uri }])).message).toMatch(new RegExp(`^Failed to fetch '${uri}': Error downloading resource: .*(self-signed|unable to (get|verify))`));
      const caFile = path.join(scratch, 'ca.pem');
      fs.writeFileSync(caFile, ca.cert);
      await fetch([{ value: uri }], { ca: trustedCas(caFile) });
      expect(read('artifact.txt')).toBe('secret artifact\n');
    } finally {
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    }
  });

  test('a kill during a download aborts it', async () => {
    server.stall('/slow.tar.gz');
    const abort = new AbortController();
    const fetching = fetch([{ value: `${server.url}/slow.tar.gz` }], { signal: abort.signal });
    // Aborted once the download is under way (the server has the request), not before it starts.
    for (let i = 0; i < 200 && server.hits('/slow.tar.gz') === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(server.hits('/slow.tar.gz')).toBe(1);
    abort.abort();
    await expect(fetching).rejects.toThrow('Fetch aborted: the task was killed');
  });

  test('a download that stalls longer than the stall timeout fails', async () => {
    server.stall('/stuck.txt');
    const err = await failure([{ value: `${server.url}/stuck.txt` }], { stallTimeoutMs: 300 });
    expect(err.message).toMatch(/no data received for 0.3s/);
  });

  describe('the cache', () => {
    let cacheDir: string;
    beforeEach(() => {
      cacheDir = path.join(scratch, 'cache');
    });
    const cacheOf = (bytes: number) => {
      const cache = new FetcherCache(cacheDir, bytes, silentLogger);
      cache.prepare();
      return cache;
    };
    const sandboxFor = (name: string) => {
      const dir = path.join(scratch, name);
      fs.mkdirSync(dir);
      return dir;
    };

    test('a cached URI is downloaded once, for sequential and for concurrent fetches; users do not share entries', async () => {
      buildArchive(files, 'app.tar.gz', TREE);
      const cache = cacheOf(10 * 2 ** 20);
      const uri = { value: `${server.url}/app.tar.gz`, cache: true };
      await fetch([uri], { cache }, sandboxFor('s1'));
      await fetch([uri], { cache }, sandboxFor('s2'));
      await Promise.all(['s3', 's4', 's5'].map((s) => fetch([uri], { cache }, sandboxFor(s))));
      expect(server.hits('/app.tar.gz')).toBe(1);
      for (const s of ['s1', 's2', 's3', 's4', 's5']) expect(fs.readFileSync(path.join(scratch, s, 'app/data/hello.txt'), 'utf8')).toBe('hello\n');
      // From the cache the archive is extracted, not copied (Mesos's fetchFromCache).
      expect(fs.existsSync(path.join(scratch, 's2', 'app.tar.gz'))).toBe(false);
      expect(fs.readFileSync(path.join(scratch, 's2', 'stderr'), 'utf8')).toContain('Fetching from cache');
      expect(cache.entries).toBe(1);
      // Another user's fetch of the same URI is its own entry (Mesos's key is user + URI).
      await fetchUris([uri], sandboxFor('other'), { name: 'someone-else', uid: process.getuid!(), gid: process.getgid!(), groups: [] }, { cache }, silentLogger);
      expect(cache.entries).toBe(2);
    });

    test('the cache holds at most its size: the least recently used entry is evicted and downloaded again later', async () => {
      for (const name of ['a', 'b', 'c']) fs.writeFileSync(path.join(files, `${name}.bin`), Buffer.alloc(400, name));
      const cache = cacheOf(1000);
      const get = (name: string, s: string) => fetch([{ value: `${server.url}/${name}.bin`, cache: true }], { cache }, sandboxFor(s));
      await get('a', 's1');
      await get('b', 's2');
      await get('a', 's3'); // a is now the most recently used
      await get('c', 's4'); // 1200 bytes > 1000: b goes
      expect(cache.usedBytes).toBe(800);
      expect(fs.readdirSync(cacheDir).sort()).toEqual(['c1-a.bin', 'c3-c.bin']);
      await get('a', 's5');
      await get('b', 's6');
      expect([server.hits('/a.bin'), server.hits('/b.bin'), server.hits('/c.bin')]).toEqual([1, 2, 1]);
      expect(cache.usedBytes).toBeLessThanOrEqual(1000);
    });

    test('a fetch killed while it waits for another fetch\'s download stops waiting; the download goes on for the others', async () => {
      server.stall('/shared.bin');
      const cache = cacheOf(10_000);
      const uri = { value: `${server.url}/shared.bin`, cache: true };
      let firstSettled = false;
      const first = fetch([uri], { cache }, sandboxFor('s1')).finally(() => (firstSettled = true));
      for (let i = 0; i < 200 && server.hits('/shared.bin') === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      const abort = new AbortController();
      const second = fetch([uri], { cache, signal: abort.signal }, sandboxFor('s2'));
      abort.abort();
      await expect(second).rejects.toThrow('Fetch aborted: the task was killed');
      expect(server.hits('/shared.bin')).toBe(1);
      expect(firstSettled).toBe(false);
      cache.close(); // the agent stops: the shared download ends too
      await expect(first).rejects.toThrow(/Failed to fetch/);
      expect(cache.entries).toBe(0);
    });

    test('a file larger than the whole cache is still fetched, directly, and not kept', async () => {
      fs.writeFileSync(path.join(files, 'big.bin'), Buffer.alloc(2000, 1));
      const cache = cacheOf(1000);
      await fetch([{ value: `${server.url}/big.bin`, cache: true }], { cache });
      expect(fs.statSync(inSandbox('big.bin')).size).toBe(2000);
      expect(cache.entries).toBe(0);
      expect(fs.readdirSync(cacheDir)).toEqual([]);
    });

    test('a failed download is not cached: the next fetch tries again', async () => {
      const cache = cacheOf(1000);
      await expect(fetch([{ value: `${server.url}/late.txt`, cache: true }], { cache }, sandboxFor('s1'))).rejects.toThrow(/HTTP return code 404/);
      fs.writeFileSync(path.join(files, 'late.txt'), 'late');
      await fetch([{ value: `${server.url}/late.txt`, cache: true }], { cache }, sandboxFor('s2'));
      expect(fs.readFileSync(path.join(scratch, 's2', 'late.txt'), 'utf8')).toBe('late');
      expect(server.hits('/late.txt')).toBe(2);
    });
  });
});
