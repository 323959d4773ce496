/**
 * `?jsonp=CALLBACK` on the JSON GET endpoints of a real master and agent, read the way browser
 * clients written for Mesos read them: Chromium loads each endpoint as a <script src> from a page of
 * another origin and the test reads what the callback received. Injection attempts must get a 400
 * and run nothing; errors stay plain text as in Mesos; answers that are not JSON stay as they are.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { close, createServer, listen, Router } from '../../cluster/http/server';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { getJson, request } from '../helpers/http';
import { commandTask, RawScheduler } from '../helpers/scheduler';

const CHROMIUM = '/usr/bin/chromium';

let cluster: TestCluster;
let agentUrl: string;
let sandbox: string;
let browser: Browser;
let page: Page;
/** A page on an origin of its own, as a browser client's would be. */
let pageServer: http.Server;
let pageUrl: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; the JSONP browser test needs Debian's Chromium: apt-get install chromium`);
  cluster = await startCluster({ agents: 1 });
  agentUrl = cluster.agents[0].url;
  const scheduler = await RawScheduler.subscribe(cluster.url);
  scheduler.autoAcknowledge();
  const [offer] = await scheduler.nextOffers();
  await scheduler.launch([offer], [commandTask(offer, 'hello', 'echo hello from the sandbox')]);
  await scheduler.update('hello', 'TASK_FINISHED');
  scheduler.close();
  const state = await getJson<any>(`${agentUrl}/state`);
  sandbox = [...state.frameworks, ...state.completed_frameworks].flatMap((f: any) => [...f.executors, ...f.completed_executors]).find((e: any) => e.id === 'hello').directory;

  const router = new Router().on('GET', '/', () => ({ text: '<!doctype html><title>jsonp client</title>', contentType: 'text/html; charset=utf-8' }));
  pageServer = createServer(router);
  pageUrl = `http://127.0.0.1:${await listen(pageServer, 0, '127.0.0.1')}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  page = await browser.newPage();
  await page.goto(pageUrl);
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (pageServer) await close(pageServer);
  await cluster?.close();
});

interface ScriptOutcome {
  /** What the callback was called with, one entry per call. */
  received: unknown[];
  /** 'load' or 'error' (the browser refused or could not run the script). */
  event: string;
  /** Set if anything the attacker wrote ran. */
  hijacked: boolean;
}

/** Loads `src` as a script whose callback is `callbacks.<name>` (a dotted path, as jQuery-style clients use). */
function loadScript(src: string): Promise<ScriptOutcome> {
  return page.evaluate((url) => new Promise<ScriptOutcome>((resolve) => {
    // Runs in the page (the test's tsconfig has no DOM types).
    const w = globalThis as any;
    w.received = [];
    w.hijacked = false;
    w.callbacks = { got: (value: unknown) => w.received.push(value) };
    w.alert = () => { w.hijacked = true };
    const script = w.document.createElement('script');
    script.src = url;
    script.onload = () => resolve({ received: w.received, event: 'load', hijacked: w.hijacked });
    script.onerror = () => resolve({ received: w.received, event: 'error', hijacked: w.hijacked });
    w.document.body.appendChild(script);
  }), src);
}

const withCallback = (url: string, callback = 'callbacks.got') => `${url}${url.includes('?') ? '&' : '?'}jsonp=${encodeURIComponent(callback)}`;

describe('JSONP in Chromium', () => {
  const masterEndpoints = ['/state', '/master/state', '/state.json', '/state-summary', '/metrics/snapshot', '/frameworks', '/tasks', '/roles', '/slaves', '/flags', '/version', '/master/tasks?limit=1'];
  it.each(masterEndpoints)('master %s hands the callback the same document as the JSON endpoint', async (endpoint) => {
    const outcome = await loadScript(withCallback(`${cluster.url}${endpoint}`));
    expect(outcome).toMatchObject({ event: 'load', hijacked: false });
    expect(outcome.received).toHaveLength(1);
    const plain = await getJson<any>(`${cluster.url}${endpoint}`);
    if (endpoint === '/metrics/snapshot') expect(Object.keys(outcome.received[0] as object).sort()).toEqual(Object.keys(plain).sort());
    else expect(outcome.received[0]).toEqual(plain);
  });

  const agentEndpoints = () => ['/state', '/state.json', '/slave(1)/state', '/flags', '/metrics/snapshot', '/monitor/statistics', '/containers', '/version',
    `/files/browse?path=${encodeURIComponent(sandbox)}`, `/files/read?path=${encodeURIComponent(`${sandbox}/stdout`)}&offset=0`];
  it('agent endpoints hand the callback their JSON', async () => {
    for (const endpoint of agentEndpoints()) {
      const outcome = await loadScript(withCallback(`${agentUrl}${endpoint}`));
      expect({ endpoint, ...outcome, received: outcome.received.length }).toEqual({ endpoint, event: 'load', hijacked: false, received: 1 });
      const plain = await getJson<any>(`${agentUrl}${endpoint}`);
      if (endpoint === '/metrics/snapshot' || endpoint === '/state' || endpoint.includes('statistics')) {
        expect(typeof outcome.received[0]).toBe(typeof plain);
      } else {
        expect(outcome.received[0]).toEqual(plain);
      }
    }
    const read = await loadScript(withCallback(`${agentUrl}/files/read?path=${encodeURIComponent(`${sandbox}/stdout`)}&offset=0`));
    expect((read.received[0] as { data: string }).data).toContain('hello from the sandbox');
  });

  it.each(['alert(1)//', '</script><script>alert(1)</script>', 'a.b;alert(1)', '1abc', 'a..b', 'a.', 'x'.repeat(129), ''])(
    'refuses the callback %j with a 400 and runs nothing', async (callback) => {
      const outcome = await loadScript(withCallback(`${cluster.url}/state`, callback));
      expect(outcome).toEqual({ event: 'error', hijacked: false, received: [] });
      const res = await request(withCallback(`${cluster.url}/state`, callback));
      expect(res.status).toBe(400);
      expect(res.text).toContain("'jsonp'");
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
    },
  );
});

describe('JSONP on the wire', () => {
  it('is a hardened script: /**/ first, text/javascript, nosniff', async () => {
    for (const base of [cluster.url, agentUrl]) {
      const res = await request(withCallback(`${base}/flags`, 'jQuery123_456'));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.text.startsWith('/**/jQuery123_456({')).toBe(true);
      expect(res.text.endsWith('});')).toBe(true);
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    }
  });

  it('accepts the identifier paths browser libraries generate', async () => {
    for (const callback of ['$', '_', 'a.b.c', 'jQuery1124_1700000000000', '__ng_jsonp__.__req0.finished', 'x'.repeat(128)]) {
      const res = await request(withCallback(`${cluster.url}/version`, callback));
      expect({ callback, status: res.status }).toEqual({ callback, status: 200 });
      expect(res.text.startsWith(`/**/${callback}(`)).toBe(true);
    }
  });

  it('leaves errors unwrapped, as Mesos does, and answers that are not JSON as they are', async () => {
    const bad = await request(withCallback(`${cluster.url}/tasks?order=sideways`, 'cb'));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("'order'");
    expect(bad.headers['content-type']).toMatch(/^text\/plain/);
    const missing = await request(withCallback(`${agentUrl}/files/browse?path=${encodeURIComponent(`${sandbox}/nope`)}`, 'cb'));
    expect(missing.status).toBe(404);
    expect(missing.text.startsWith('/**/')).toBe(false);
    const health = await request(withCallback(`${cluster.url}/health`, 'cb'));
    expect({ status: health.status, text: health.text }).toEqual({ status: 200, text: '' });
    const prometheus = await request(withCallback(`${cluster.url}/metrics`, 'cb'));
    expect(prometheus.status).toBe(200);
    expect(prometheus.text.startsWith('/**/')).toBe(false);
  });

  it('ignores jsonp on POST calls', async () => {
    const res = await request(`${cluster.url}/api/v1?jsonp=cb`, { body: { type: 'GET_HEALTH' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
  });
});
