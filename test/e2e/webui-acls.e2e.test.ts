/**
 * The web UI in Chromium for principals that see different parts of the cluster (--acls): the page
 * logs in, goes live and shows what the views and the operator stream give each principal, the
 * viewer's filtered answers included, without errors on the page.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { basicAuthorization, type Credential } from '../../cluster/http/auth';
import { Resources } from '../../cluster/protocol/resources';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { ensureBuilt, ROOT } from '../helpers/run-cli';
import { commandTask, frameworkInfo, RawScheduler } from '../helpers/scheduler';

const CHROMIUM = '/usr/bin/chromium';
const OPS: Credential = { principal: 'ops', secret: 'ops-secret' };
const VIEWER: Credential = { principal: 'viewer', secret: 'viewer-secret' };
const FW_A: Credential = { principal: 'fw-a', secret: 'fw-a-secret' };
const FW_B: Credential = { principal: 'fw-b', secret: 'fw-b-secret' };

const view = (values: string[], users: unknown) => ({ principals: { values }, users });
const ACLS = {
  permissive: true,
  ...Object.fromEntries(['view_frameworks', 'view_tasks', 'view_executors', 'access_sandboxes'].map((action) => [action, [
    view(['ops', 'master'], { type: 'ANY' }),
    view(['viewer'], { values: ['alice'] }),
    view(['viewer'], { type: 'NONE' }),
  ]])),
};

let dir: string;
let cluster: TestCluster;
let browser: Browser;
const schedulers: RawScheduler[] = [];
const pageErrors: string[] = [];

async function runTask(as: Credential, user: string, taskId: string): Promise<void> {
  const s = (await RawScheduler.subscribe(cluster.url, frameworkInfo({ principal: as.principal, user, name: `${as.principal}-framework` }), {}, { Authorization: basicAuthorization(as) })).autoAcknowledge();
  schedulers.push(s);
  const [offer] = await s.nextOffers();
  await s.launch([offer], [{ ...commandTask(offer, taskId, 'sleep 60'), resources: Resources.parse('cpus:0.1;mem:16').toV1() }], { refuse_seconds: 3600 });
  await s.update(taskId, 'TASK_RUNNING');
}

async function loggedIn(as: Credential): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (err) => pageErrors.push(`${as.principal}: ${err.message}`));
  await page.goto(cluster.url);
  const form = page.locator('form.login');
  await form.waitFor();
  await form.getByLabel('Principal').fill(as.principal);
  await form.getByLabel('Secret').fill(as.secret);
  await form.getByRole('button', { name: 'Log in' }).click();
  await page.locator('[data-testid=connection]', { hasText: 'Live' }).waitFor({ timeout: 20_000 });
  return page;
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; the browser test needs Debian's Chromium: apt-get install chromium`);
  ensureBuilt();
  if (!fs.existsSync(path.join(ROOT, 'dist', 'webui', 'index.html'))) throw new Error('the web UI is not built: run `npm run build`');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-webui-acls-'));
  const credentials = path.join(dir, 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ credentials: [OPS, VIEWER, FW_A, FW_B] }), { mode: 0o600 });
  cluster = await startCluster({
    agents: 1,
    master: { authenticateFrameworks: true, authenticateHttpReadonly: true, authenticateHttpReadwrite: true, credentials, acls: JSON.stringify(ACLS) },
    agent: { authenticateHttpReadonly: true, httpCredentials: credentials, acls: JSON.stringify(ACLS) },
  });
  await runTask(FW_A, 'alice', 'alice-task');
  await runTask(FW_B, 'bob', 'bob-task');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  for (const s of schedulers) s.close();
  await cluster?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the web UI with --acls', () => {
  it('shows ops every running task and framework', async () => {
    const page = await loggedIn(OPS);
    const active = page.locator('[data-testid=active-tasks]');
    await active.locator('tr', { hasText: 'alice-task' }).locator('[data-state=TASK_RUNNING]').waitFor({ timeout: 20_000 });
    await active.locator('tr', { hasText: 'bob-task' }).locator('[data-state=TASK_RUNNING]').waitFor({ timeout: 20_000 });
    await page.locator('.nav a[data-page=frameworks]').click();
    await page.locator('.page', { hasText: 'fw-b-framework' }).waitFor();
    await page.close();
  });

  it('shows the viewer only what alice runs, and its sandbox', async () => {
    const page = await loggedIn(VIEWER);
    const active = page.locator('[data-testid=active-tasks]');
    await active.locator('tr', { hasText: 'alice-task' }).locator('[data-state=TASK_RUNNING]').waitFor({ timeout: 20_000 });
    expect(await active.locator('tr', { hasText: 'bob-task' }).count()).toBe(0);
    await page.locator('.nav a[data-page=frameworks]').click();
    await page.locator('.page', { hasText: 'fw-a-framework' }).waitFor();
    expect(await page.locator('.page', { hasText: 'fw-b-framework' }).count()).toBe(0);
    await page.goto(`${cluster.url}/#/`);
    await active.locator('tr', { hasText: 'alice-task' }).getByRole('link', { name: 'alice-task' }).first().click();
    await page.locator('[data-testid=sandbox-files]').getByRole('link', { name: 'stdout', exact: true }).waitFor({ timeout: 20_000 });
    await page.close();
  });

  it('raised no error on either page', () => {
    expect(pageErrors).toEqual([]);
  });
});
