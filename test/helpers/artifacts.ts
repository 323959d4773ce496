/**
 * What the fetcher suites fetch: a loopback HTTP server over a directory that counts the requests
 * for each path (and can hold one path's answer back, for kills during a fetch), and archives of
 * each kind Mesos extracts, built with the system's `tar` and `zip`, plus hostile ones (entries
 * climbing out, links out) that no well-behaved tool writes.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface ArtifactServer {
  url: string;
  /** GETs received per path ("/a.tar.gz"). */
  hits(pathname: string): number;
  /** From now on, answers to `pathname` send their headers and then nothing, until released. */
  stall(pathname: string): void;
  close(): Promise<void>;
}

export async function startArtifactServer(dir: string): Promise<ArtifactServer> {
  const counts = new Map<string, number>();
  const stalled = new Set<string>();
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(pathname, (counts.get(pathname) ?? 0) + 1);
    if (stalled.has(pathname)) {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write('x');
      held.add(res);
      return;
    }
    if (pathname.startsWith('/redirect/')) {
      res.writeHead(302, { location: pathname.slice('/redirect'.length) }).end();
      return;
    }
    const file = path.join(dir, path.normalize(pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: (p) => counts.get(p) ?? 0,
    stall: (p) => void stalled.add(p),
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A directory tree to pack: relative path -> content (a string) or { link } for a symbolic link. */
export type Tree = Record<string, string | { link: string }>;

function writeTree(root: string, tree: Tree): void {
  for (const [rel, content] of Object.entries(tree)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof content === 'string') fs.writeFileSync(file, content);
    else fs.symlinkSync(content.link, file);
  }
}

function toolExists(name: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((dir) => fs.existsSync(path.join(dir, name)));
}

const TAR_FLAGS: Record<string, string> = { '.tar': '-cf', '.tar.gz': '-czf', '.tgz': '-czf', '.tar.bz2': '-cjf', '.tbz2': '-cjf', '.tar.xz': '-cJf', '.txz': '-cJf' };

/**
 * Packs `tree` into `dir/name`, the kind chosen by the name's suffix. `hostile` keeps names as given
 * (tar's -P), so entries like "../x" stay in the archive.
 */
export function buildArchive(dir: string, name: string, tree: Tree, opts: { hostile?: boolean } = {}): string {
  const src = fs.mkdtempSync(path.join(dir, '.src-'));
  const out = path.join(dir, name);
  writeTree(src, tree);
  const entries = Object.keys(tree).map((rel) => rel.split('/')[0]).filter((v, i, a) => a.indexOf(v) === i);
  if (name.endsWith('.zip')) {
    if (!toolExists('zip')) throw new Error("the fetcher suites build zip archives with 'zip': apt-get install zip");
    execFileSync('zip', ['-q', '-r', '--symlinks', out, ...entries], { cwd: src });
  } else {
    const suffix = Object.keys(TAR_FLAGS).find((s) => name.endsWith(s));
    if (!suffix) throw new Error(`no archive kind for ${name}`);
    execFileSync('tar', [...(opts.hostile ? ['-P'] : []), TAR_FLAGS[suffix], out, ...entries], { cwd: src });
  }
  fs.rmSync(src, { recursive: true, force: true });
  return out;
}

/** A tar whose one entry is named `entryName` as given ("../escaped", "/tmp/x"), however hostile. */
export function hostileTar(dir: string, name: string, entryName: string, content = 'escaped\n'): string {
  const src = fs.mkdtempSync(path.join(dir, '.src-'));
  fs.writeFileSync(path.join(src, 'payload'), content);
  const out = path.join(dir, name);
  execFileSync('tar', ['-cPf', out, `--transform=s,^payload,${entryName.replace(/,/g, '\\,')},`, 'payload'], { cwd: src });
  fs.rmSync(src, { recursive: true, force: true });
  return out;
}

/** A zip with one stored entry named `entryName` as given; `zip` itself refuses to write such names. */
export function hostileZip(dir: string, name: string, entryName: string, content = 'escaped\n'): string {
  const data = Buffer.from(content);
  const fileName = Buffer.from(entryName);
  const crc = zlib.crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(0x031e, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  const localPart = Buffer.concat([local, fileName, data]);
  const centralPart = Buffer.concat([central, fileName]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  const out = path.join(dir, name);
  fs.writeFileSync(out, Buffer.concat([localPart, centralPart, end]));
  return out;
}
