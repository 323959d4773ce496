/**
 * Serves the web UI's built files (dist/webui, written by scripts/build-webui.js) on the master's
 * port: GET / is the page, GET /static/<file> its assets. index.html is always revalidated; assets
 * requested with the content hash index.html puts in their query are cached for good. The daemon
 * bundle has no dist/webui beside it: it carries the files inside itself and serves them from there.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HandlerResult, Request, Router } from '../../http/server';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** The page loads only from this master; inline style attributes carry widths and colours. */
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
/** Asset names are flat and plain: nothing can climb out of the folder. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Where the built UI sits relative to this file: from dist/cluster/master/api (the built daemon) it is
 * dist/webui; from cluster/master/api (sources run by ts-jest) it is dist/webui under the repository.
 */
export function webUiDirCandidates(dir = __dirname): string[] {
  return [path.resolve(dir, '..', '..', '..', 'webui'), path.resolve(dir, '..', '..', '..', 'dist', 'webui')];
}

/** File name -> text; scripts/build-daemon.js defines it in the bundle. */
declare const MESOSCLOUD_EMBEDDED_WEBUI: Readonly<Record<string, string>> | undefined;
const EMBEDDED_WEBUI = typeof MESOSCLOUD_EMBEDDED_WEBUI === 'object' ? MESOSCLOUD_EMBEDDED_WEBUI : undefined;

/** Where embedded files say they are, for `root()`. */
const EMBEDDED_ROOT = '(embedded in the daemon bundle)';

interface CachedFile { mtimeMs: number; size: number; text: string; etag: string }

function cachedFile(text: string, mtimeMs: number, size: number): CachedFile {
  return { mtimeMs, size, text, etag: `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"` };
}

export class WebUiFiles {
  private dir?: string;
  private readonly cache = new Map<string, CachedFile>();
  private readonly embedded?: ReadonlyMap<string, CachedFile>;

  /** `embedded`: the files themselves (name -> text), served instead of any folder. */
  constructor(private readonly candidates = webUiDirCandidates(), embedded: Readonly<Record<string, string>> | undefined = EMBEDDED_WEBUI) {
    if (embedded) this.embedded = new Map(Object.entries(embedded).map(([name, text]) => [name, cachedFile(text, 0, text.length)]));
  }

  /** The first candidate holding index.html; looked up again until found, so a later build is picked up. */
  root(): string | undefined {
    if (this.embedded) return this.embedded.has('index.html') ? EMBEDDED_ROOT : undefined;
    this.dir ??= this.candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')));
    return this.dir;
  }

  read(name: string): CachedFile | undefined {
    if (this.embedded) return Object.hasOwn(CONTENT_TYPES, path.extname(name)) ? this.embedded.get(name) : undefined;
    const root = this.root();
    if (!root || !ASSET_NAME.test(name) || !(path.extname(name) in CONTENT_TYPES)) return undefined;
    const file = path.join(root, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    const cached = this.cache.get(name);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
    const fresh = cachedFile(fs.readFileSync(file, 'utf8'), stat.mtimeMs, stat.size);
    this.cache.set(name, fresh);
    return fresh;
  }
}

export function addWebUiRoutes(router: Router, files = new WebUiFiles()): void {
  const page: (req: Request) => HandlerResult = (req) => {
    if (!files.root()) {
      return { status: 503, text: 'The web UI is not built on this master: run `npm run build` (it writes dist/webui).' };
    }
    return serve(req, files, 'index.html', REVALIDATE);
  };
  // The page and its assets hold no data (that comes through the authenticated APIs): they stay open,
  // so a browser without credentials gets the login form.
  const open = { access: 'open' } as const;
  router.on('GET', '/', page, open);
  router.on('GET', '/index.html', page, open);
  router.on('GET', '/favicon.ico', (req) => serve(req, files, 'favicon.svg', 'public, max-age=86400'), open);
  router.onPrefix('GET', '/static/', (req) => {
    const name = req.path.slice('/static/'.length);
    return serve(req, files, name, req.query.has('v') ? IMMUTABLE : REVALIDATE);
  }, open);
}

function serve(req: Request, files: WebUiFiles, name: string, cacheControl: string): HandlerResult {
  const file = files.read(name);
  if (!file) return { status: 404, text: `no such file: ${req.path}` };
  const headers: Record<string, string> = { 'Cache-Control': cacheControl, ETag: file.etag, 'X-Content-Type-Options': 'nosniff' };
  if (name === 'index.html') headers['Content-Security-Policy'] = CSP;
  if (req.headers['if-none-match'] === file.etag) return { status: 304, headers };
  return { text: file.text, contentType: CONTENT_TYPES[path.extname(name)], headers };
}
