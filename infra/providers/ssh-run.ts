/**
 * `run` and `copy`: a command or files on an SSH cluster's hosts, all at once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterCatalog } from '../cluster-catalog';
import { DEFAULT_CONCURRENCY, forEachBounded } from '../bootstrap/pool';
import type { HostProgress } from '../bootstrap/progress';
import type { Role } from '../plan/planner';
import { ProviderError } from '../errors';
import { readSshRecord } from './ssh';
import { selectHosts, withConnections } from './ssh-cluster';

export interface RunResult { host: string; code: number | null; stdout: string; stderr: string; error?: string }
export interface CopyResult { host: string; files: number; bytes: number; error?: string }

/** Runs one shell command on each selected host in parallel; output is handed over per host as it ends. */
export async function runOnHosts(catalog: ClusterCatalog, name: string, command: string, opts: { role?: Role; hosts?: string[]; progress: HostProgress; concurrency?: number; onResult?: (r: RunResult) => void }): Promise<RunResult[]> {
  const record = readSshRecord(catalog, name, true);
  const hosts = selectHosts(record, opts);
  return withConnections(record, hosts, opts.progress, opts.concurrency, async (conns, failed) => {
    const results: RunResult[] = failed.map((f) => ({ host: f.host.host, code: null, stdout: '', stderr: '', error: f.error.message }));
    for (const r of results) opts.onResult?.(r);
    await forEachBounded(hosts.filter((h) => conns.has(h.host)), opts.concurrency ?? DEFAULT_CONCURRENCY, async (h) => {
      const r = await conns.get(h.host)!.exec(command).then(
        (x) => ({ host: h.host, code: x.code, stdout: x.stdout, stderr: x.stderr }),
        (err: Error) => ({ host: h.host, code: null, stdout: '', stderr: '', error: err.message }),
      );
      results.push(r);
      opts.onResult?.(r);
    });
    return results;
  });
}

/** Copies a local file or directory (recursively) to `dest` on each selected host. */
export async function copyToHosts(catalog: ClusterCatalog, name: string, source: string, dest: string, opts: { role?: Role; hosts?: string[]; progress: HostProgress; concurrency?: number }): Promise<CopyResult[]> {
  const record = readSshRecord(catalog, name, true);
  const hosts = selectHosts(record, opts);
  const files = listFiles(source);
  // rsync/scp semantics: into an existing directory (or one named with a trailing '/') the source keeps its name.
  const intoDir = dest.endsWith('/');
  const target = (rel: string) => (intoDir ? path.posix.join(dest, path.basename(source), rel) : rel === '' ? dest : path.posix.join(dest, rel));
  return withConnections(record, hosts, opts.progress, opts.concurrency, async (conns, failed) => {
    const out: CopyResult[] = failed.map((f) => ({ host: f.host.host, files: 0, bytes: 0, error: f.error.message }));
    await forEachBounded(hosts.filter((h) => conns.has(h.host)), opts.concurrency ?? DEFAULT_CONCURRENCY, async (h) => {
      const conn = conns.get(h.host)!;
      let bytes = 0;
      try {
        for (const f of files) {
          opts.progress.step(h.host, `copying ${f.rel || path.basename(source)}`);
          const content = fs.readFileSync(f.abs);
          await conn.upload(content, target(f.rel), { mode: f.mode });
          bytes += content.length;
        }
        opts.progress.done(h.host, `${files.length} file(s), ${bytes} bytes`);
        out.push({ host: h.host, files: files.length, bytes });
      } catch (err) {
        opts.progress.fail(h.host, (err as Error).message);
        out.push({ host: h.host, files: 0, bytes, error: (err as Error).message });
      }
    });
    return out;
  });
}

function listFiles(source: string): { abs: string; rel: string; mode: number }[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new ProviderError('NO_SUCH_FILE', `${source} does not exist`);
  }
  if (stat.isFile()) return [{ abs: source, rel: '', mode: stat.mode & 0o777 }];
  if (!stat.isDirectory()) throw new ProviderError('NOT_A_FILE', `${source} is neither a file nor a directory`);
  const out: { abs: string; rel: string; mode: number }[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(abs, r);
      else if (e.isFile()) out.push({ abs, rel: r, mode: fs.statSync(abs).mode & 0o777 });
    }
  };
  walk(source, '');
  return out;
}
