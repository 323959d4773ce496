/**
 * The master serving the web UI: the page, its assets with the right types and cache headers, and
 * nothing outside the UI's folder. Served from a temporary folder laid out as the build writes it.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { close, createServer, listen, Router } from '../../cluster/http/server';
import { addWebUiRoutes, WebUiFiles, webUiDirCandidates } from '../../cluster/master/api/webui-routes';
import { createMaster, type Master } from '../../cluster/master';
import { silentLogger } from '../../cluster/util/log';
import { request } from '../helpers/http';

const ROOT = path.resolve(__dirname, '..', '..');

let dir: string;
let server: http.Server;
let url: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-webui-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script src="/static/app.js?v=abc"></script>');
  fs.writeFileSync(path.join(dir, 'app.js'), 'console.log("ui")');
  fs.writeFileSync(path.join(dir, 'styles.css'), 'body{}');
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  fs.writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.js`), 'TOP-SECRET-CONTENT');
  const router = new Router();
  addWebUiRoutes(router, new WebUiFiles([dir]));
  server = createServer(router);
  url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
});

afterAll(async () => {
  await close(server);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.js`), { force: true });
});

describe('the web UI on the master port', () => {
  it('GET / answers the page as HTML, always revalidated, loading nothing from elsewhere', async () => {
    const res = await request(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.text).toContain('/static/app.js');
  });

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['styles.css', 'text/css; charset=utf-8'],
    ['favicon.svg', 'image/svg+xml'],
  ])('serves /static/%s as %s', async (name, type) => {
    const res = await request(`${url}/static/${name}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('lets browsers keep an asset named by its content hash, and revalidates one named without', async () => {
    const hashed = await request(`${url}/static/app.js?v=abc`);
    expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const plain = await request(`${url}/static/app.js`);
    expect(plain.headers['cache-control']).toBe('no-cache');
    const again = await request(`${url}/static/app.js`, { headers: { 'If-None-Match': String(plain.headers.etag) } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('sees a rebuilt asset at once', async () => {
    const before = await request(`${url}/static/styles.css`);
    fs.writeFileSync(path.join(dir, 'styles.css'), 'body{color:red}');
    const after = await request(`${url}/static/styles.css`);
    expect(after.text).toBe('body{color:red}');
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it.each([
    `/static/..%2F${'x'}-secret.js`,
    '/static/../secret.js',
    '/static/missing.js',
    '/static/',
    '/static/index.txt',
  ])('answers 404 for %s', async (p) => {
    const res = await request(`${url}${p.replace('x-secret', `${path.basename(dir)}-secret`)}`);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('TOP-SECRET-CONTENT');
  });

  it('says how to build the UI when it is not built', async () => {
    const router = new Router();
    addWebUiRoutes(router, new WebUiFiles([path.join(dir, 'nowhere')]));
    const bare = createServer(router);
    const port = await listen(bare, 0, '127.0.0.1');
    try {
      const res = await request(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(503);
      expect(res.text).toContain('npm run build');
    } finally {
      await close(bare);
    }
  });

  it('finds dist/webui from the compiled master and from its sources', () => {
    expect(webUiDirCandidates(path.join(ROOT, 'dist', 'cluster', 'master', 'api'))[0]).toBe(path.join(ROOT, 'dist', 'webui'));
    expect(webUiDirCandidates(path.join(ROOT, 'cluster', 'master', 'api'))).toContain(path.join(ROOT, 'dist', 'webui'));
  });
});

describe('a real master', () => {
  let master: Master;
  beforeAll(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger });
    await master.listen();
  });
  afterAll(() => master.close());

  it('serves the UI at / next to its APIs', async () => {
    const page = await request(`${master.url}/`);
    // The built UI when dist/webui exists, otherwise the message saying how to build it.
    if (fs.existsSync(path.join(ROOT, 'dist', 'webui', 'index.html'))) {
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/\/static\/app\.js\?v=[0-9a-f]+/);
      const script = await request(`${master.url}${/\/static\/app\.js\?v=[0-9a-f]+/.exec(page.text)![0]}`);
      expect(script.status).toBe(200);
    } else {
      expect(page.status).toBe(503);
    }
    expect((await request(`${master.url}/health`)).status).toBe(200);
  });
});
