/**
 * The fetcher's pure rules: names as Mesos's fetcher derives them, which files are archives, what an
 * output_file may be, cache keys and file names, and which archive entries may be extracted.
 */
import { archiveKind, cacheFileName, cacheKey, entryProblem, fetchAction, sandboxFileName, unsupportedScheme, uriBasename, uriToLocalPath } from '../../cluster/agent/fetcher/uri-rules';

describe('fetcher rules', () => {
  test('the basename is the last "/" part of the URI, query string included, as in Mesos', () => {
    expect(uriBasename('http://host/a/b/app.tar.gz')).toEqual({ ok: true, value: 'app.tar.gz' });
    expect(uriBasename('http://host/a/file?x=1')).toEqual({ ok: true, value: 'file?x=1' });
    expect(uriBasename('/opt/pkg/tool')).toEqual({ ok: true, value: 'tool' });
    expect(uriBasename('file:///opt/pkg/tool')).toEqual({ ok: true, value: 'tool' });
    expect(uriBasename('http://host')).toEqual({ ok: false, error: 'Malformed URI (missing path): http://host' });
    expect(uriBasename('http://host/')).toEqual({ ok: false, error: 'Malformed URI (missing path): http://host/' });
    expect(uriBasename("http://host/it's")).toEqual({ ok: false, error: 'Illegal characters in URI' });
  });

  test('file://, file://localhost and absolute paths are local; relative paths and other schemes are not fetched', () => {
    expect(uriToLocalPath('file:///srv/a')).toEqual({ ok: true, value: '/srv/a' });
    expect(uriToLocalPath('file://localhost/srv/a')).toEqual({ ok: true, value: '/srv/a' });
    expect(uriToLocalPath('/srv/a')).toEqual({ ok: true, value: '/srv/a' });
    expect(uriToLocalPath('file://srv/a')).toEqual({ ok: false, error: 'File URI only supports absolute paths' });
    expect(uriToLocalPath('srv/a')).toMatchObject({ ok: false, error: expect.stringContaining('relative path') });
    expect(uriToLocalPath('http://h/a')).toBeUndefined();
    expect(unsupportedScheme('hdfs://nn/a')).toMatch(/Unsupported URI scheme 'hdfs'/);
    expect(unsupportedScheme('https://h/a')).toBeUndefined();
  });

  test('output_file names the file in the sandbox and may not leave it', () => {
    expect(sandboxFileName({ value: 'http://h/a.tgz' })).toEqual({ ok: true, value: 'a.tgz' });
    expect(sandboxFileName({ value: 'http://h/a.tgz', output_file: 'lib/pkg.tgz' })).toEqual({ ok: true, value: 'lib/pkg.tgz' });
    expect(sandboxFileName({ value: 'http://h/a', output_file: './x/./y' })).toEqual({ ok: true, value: 'x/y' });
    expect(sandboxFileName({ value: 'http://h/a', output_file: '../x' })).toEqual({ ok: false, error: "output_file '../x' must stay inside the sandbox: '..' is not allowed" });
    expect(sandboxFileName({ value: 'http://h/a', output_file: 'a/../../x' })).toMatchObject({ ok: false });
    expect(sandboxFileName({ value: 'http://h/a', output_file: '/etc/cron.d/x' })).toEqual({ ok: false, error: "output_file '/etc/cron.d/x' must be a path relative to the sandbox, not an absolute one" });
    expect(sandboxFileName({ value: 'http://h/a', output_file: 'dir/' })).toMatchObject({ ok: false });
    expect(sandboxFileName({ value: '/srv/..' })).toMatchObject({ ok: false });
  });

  test('archives are recognised by name as Mesos does; a bare .gz is gunzipped', () => {
    const kinds = ['a.tar', 'a.tar.gz', 'a.tgz', 'a.tar.bz2', 'a.tbz2', 'a.tar.xz', 'a.txz', 'a.zip', 'a.gz', 'a.txt', 'a.tar.gz.sig'].map(archiveKind);
    expect(kinds).toEqual(['tar', 'tar.gz', 'tar.gz', 'tar.bz2', 'tar.bz2', 'tar.xz', 'tar.xz', 'zip', 'gz', undefined, undefined]);
  });

  test('executable wins over extract; extract defaults to true as in mesos.proto; extract false copies', () => {
    expect(fetchAction({ value: 'x', executable: true, extract: true }, 'a.tar.gz')).toBe('chmod');
    expect(fetchAction({ value: 'x' }, 'a.tar.gz')).toEqual({ extract: 'tar.gz' });
    expect(fetchAction({ value: 'x', extract: false }, 'a.tar.gz')).toBe('copy');
    expect(fetchAction({ value: 'x' }, 'a.txt')).toBe('copy');
  });

  test('cache keys set users apart; cache file names keep the extension', () => {
    expect(cacheKey('alice', 'http://h/a')).toBe('alice@http://h/a');
    expect(cacheKey(undefined, 'http://h/a')).toBe('http://h/a');
    expect(cacheFileName(7, 'http://h/app.tar.gz')).toBe('c7-app.tar.gz');
    expect(cacheFileName(8, 'http://h/a-very-long-archive-name-1.2.3.tar.gz')).toBe('c8-a-very-lon_2.3.tar.gz');
  });

  test('entries that would leave the extraction directory are refused', () => {
    expect(entryProblem({ path: 'bin/app', type: 'file' })).toBeUndefined();
    expect(entryProblem({ path: './bin/', type: 'directory' })).toBeUndefined();
    expect(entryProblem({ path: '../x', type: 'file' })).toMatch(/climbs out/);
    expect(entryProblem({ path: 'a/../../x', type: 'file' })).toMatch(/climbs out/);
    expect(entryProblem({ path: '/etc/passwd', type: 'file' })).toMatch(/absolute path/);
    expect(entryProblem({ path: 'dev', type: 'other' })).toMatch(/special file/);
    // Symbolic links: relative, climbing first and no higher than their own directory.
    expect(entryProblem({ path: 'lib/libx.so', type: 'symlink', linkpath: 'libx.so.1' })).toBeUndefined();
    expect(entryProblem({ path: 'bin/tool', type: 'symlink', linkpath: '../lib/tool' })).toBeUndefined();
    expect(entryProblem({ path: 'tool', type: 'symlink', linkpath: '../lib/tool' })).toMatch(/points outside/);
    expect(entryProblem({ path: 'etc', type: 'symlink', linkpath: '/etc' })).toMatch(/points outside/);
    expect(entryProblem({ path: 'up', type: 'symlink', linkpath: 's/..' })).toMatch(/points outside/);
    expect(entryProblem({ path: 'a/b/c', type: 'symlink', linkpath: '../../d' })).toBeUndefined();
    expect(entryProblem({ path: 'a/b/c', type: 'symlink', linkpath: '../../../d' })).toMatch(/points outside/);
    // Hard links name a path from the archive's root.
    expect(entryProblem({ path: 'b', type: 'hardlink', linkpath: 'dir/a' })).toBeUndefined();
    expect(entryProblem({ path: 'b', type: 'hardlink', linkpath: '/etc/shadow' })).toMatch(/hard link/);
    expect(entryProblem({ path: 'b', type: 'hardlink', linkpath: '../x' })).toMatch(/hard link/);
  });
});
