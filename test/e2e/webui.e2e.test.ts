/**
 * The web UI in a real browser (Debian's Chromium driven by playwright-core) against a real local
 * cluster launched by the built CLI: the page follows the cluster live, without reloads, from a task's
 * launch to its end, and reads the task's stdout through the master.
 *
 * Set MESOSCLOUD_SCREENSHOTS=<dir> to keep a screenshot of each page (never commit them).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../../infra/machine/ports';
import { isAlive } from '../../infra/machine/processes';
import { RecordStream } from '../helpers/http';
import { ensureBuilt, ROOT, runCli, type CliResult } from '../helpers/run-cli';

const CHROMIUM = '/usr/bin/chromium';
const CLUSTER = 'webui-e2e';
const SCREENSHOTS = process.env.MESOSCLOUD_SCREENSHOTS;

let dataHome: string;
let url: string;
let browser: Browser;
let page: Page;
let recordedPids: number[] = [];
const consoleErrors: string[] = [];

function cli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return runCli(args, { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER }, timeoutMs });
}

async function screenshot(name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; the browser test needs Debian's Chromium: apt-get install chromium`);
  ensureBuilt();
  if (!fs.existsSync(path.join(ROOT, 'dist', 'webui', 'index.html'))) throw new Error('the web UI is not built: run `npm run build`');
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-webui-e2e-'));
  const masterPort = await freePort();
  const launched = await cli(['launch', '--agents', '2', '--master-port', String(masterPort), '--agent-resources', 'cpus:2;mem:1024;disk:1024;cpus(eng):0.5;mem(eng):64'], 90_000);
  if (launched.code !== 0) throw new Error(`launch failed:\n${launched.stdout}\n${launched.stderr}`);
  url = `http://127.0.0.1:${masterPort}`;
  const record = JSON.parse(fs.readFileSync(path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER, 'cluster.json'), 'utf8'));
  recordedPids = [record.master.pid, ...record.agents.map((a: { pid: number }) => a.pid)];

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()) });
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  // Nothing may load from anywhere but the master.
  page.on('request', (req) => { if (!req.url().startsWith(url) && !req.url().startsWith('data:')) consoleErrors.push(`request outside the master: ${req.url()}`) });
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (dataHome) {
    await cli(['destroy']).catch(() => undefined);
    for (const pid of recordedPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataHome, { recursive: true, force: true });
  }
}, 60_000);

describe('the web UI, in Chromium, against a local cluster', () => {
  it('opens on the overview, connected live, with the cluster and its two agents', async () => {
    await page.goto(url);
    await page.locator('[data-testid=connection]', { hasText: 'Live' }).waitFor();
    await page.locator('h1', { hasText: `Cluster ${CLUSTER}` }).waitFor();
    await page.locator('.nav a[data-page=agents] .count', { hasText: '2' }).waitFor();
    await expectText(page.locator('[data-testid=resources]'), 'CPUs');
    await screenshot('overview-idle');
  });

  it('shows a task launched by `mesoscloud exec` as TASK_RUNNING without a reload, then TASK_FINISHED', async () => {
    // A reload would lose this mark.
    await page.evaluate(() => { (globalThis as unknown as { mark: string }).mark = 'same page' });
    const exec = cli(['exec', '--name', 'ui-hello', '--command', 'echo hello-ui && sleep 3']);
    const running = page.locator('[data-testid=active-tasks] tr', { hasText: 'ui-hello' }).locator('[data-state=TASK_RUNNING]');
    await running.waitFor({ timeout: 30_000 });
    await screenshot('overview-running');
    const result = await exec;
    expect(result.code).toBe(0);
    const finished = page.locator('[data-testid=completed-tasks] tr', { hasText: 'ui-hello' }).locator('[data-state=TASK_FINISHED]');
    await finished.waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid=active-tasks] tr', { hasText: 'ui-hello' }).count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { mark?: string }).mark)).toBe('same page');
    await screenshot('overview-finished');
  });

  it("opens the finished task's sandbox through the master and finds the echoed text in stdout", async () => {
    await page.locator('[data-testid=completed-tasks] tr', { hasText: 'ui-hello' }).getByRole('link', { name: 'ui-hello' }).first().click();
    await page.locator('h1', { hasText: 'ui-hello' }).waitFor();
    const files = page.locator('[data-testid=sandbox-files]');
    await files.getByRole('link', { name: 'stderr', exact: true }).waitFor();
    await screenshot('task-sandbox');
    await files.getByRole('link', { name: 'stdout', exact: true }).click();
    await expectText(page.locator('[data-testid=file-output]'), 'hello-ui');
    await screenshot('task-stdout');

    const download = await page.locator('[data-testid=sandbox] a', { hasText: 'Download' }).getAttribute('href');
    expect(download).toMatch(/^\/files\/download\?path=/);
    const fetched = await page.evaluate(async (href) => {
      const res = await fetch(href);
      return { status: res.status, disposition: res.headers.get('content-disposition'), text: await res.text() };
    }, download!);
    expect(fetched.status).toBe(200);
    expect(fetched.disposition).toContain('attachment');
    expect(fetched.text).toContain('hello-ui');
  });

  it("shows a task's health as its health check reports it, without a reload", async () => {
    await page.goto(`${url}/#/`);
    const exec = cli(['exec', '--name', 'ui-health', '--command', 'sleep 30', '--health-check-cmd', 'true', '--health-check-delay', '0', '--health-check-interval', '1', '--kill-after', '8secs']);
    const row = page.locator('[data-testid=active-tasks] tr', { hasText: 'ui-health' });
    await row.locator('[data-health=healthy]').waitFor({ timeout: 30_000 });
    await row.getByRole('link', { name: 'ui-health' }).first().click();
    await page.locator('[data-health=healthy]').first().waitFor({ timeout: 10_000 });
    await screenshot('task-health');
    expect((await exec).code).toBe(1);
  });

  it("follows a running task's stdout as it grows, without a reload", async () => {
    await page.goto(`${url}/#/`);
    const exec = cli(['exec', '--name', 'ui-tail', '--command', 'for i in $(seq 1 40); do echo tick-$i; sleep 0.25; done']);
    const row = page.locator('[data-testid=active-tasks] tr', { hasText: 'ui-tail' });
    await row.locator('[data-state=TASK_RUNNING]').waitFor({ timeout: 30_000 });
    await row.getByRole('link', { name: 'ui-tail' }).first().click();
    await page.locator('[data-testid=sandbox-files]').getByRole('link', { name: 'stdout', exact: true }).click();
    const output = page.locator('[data-testid=file-output]');
    await expectText(output, 'tick-1');
    // Later lines arrive while the page stays as it is.
    await expectText(output, 'tick-30');
    await screenshot('task-tail');
    expect((await exec).code).toBe(0);
    await expectText(page.locator('h1'), 'TASK_FINISHED');
  });

  it('lists both agents and opens one with its resources', async () => {
    await page.locator('.nav a[data-page=agents]').click();
    const rows = page.locator('[data-testid=agents] tbody tr');
    await waitFor(async () => (await rows.count()) === 2, 'two agent rows');
    await expectText(rows.first(), 'ACTIVE');
    await screenshot('agents');
    await rows.first().locator('td').first().getByRole('link').click();
    await expectText(page.locator('.page'), 'Resources');
    await expectText(page.locator('.page'), 'Completed tasks');
    await screenshot('agent');
  });

  it('filters tasks by text and by state', async () => {
    await page.goto(`${url}/#/tasks`);
    const completed = page.locator('[data-testid=completed-tasks] tbody');
    await expectText(completed, 'ui-hello');
    await page.getByRole('searchbox', { name: 'Filter tasks' }).fill('no-such-task');
    await expectText(completed, 'No completed tasks match.');
    await page.getByRole('searchbox', { name: 'Filter tasks' }).fill('ui-hel');
    await page.getByRole('combobox', { name: 'Task state' }).selectOption('TASK_FAILED');
    await expectText(completed, 'No completed tasks match.');
    await page.getByRole('combobox', { name: 'Task state' }).selectOption('TASK_FINISHED');
    await expectText(completed, 'ui-hello');
    await screenshot('tasks');
  });

  it('shows frameworks, roles and offers', async () => {
    await page.locator('.nav a[data-page=frameworks]').click();
    await expectText(page.locator('[data-testid=completed-frameworks]'), 'COMPLETED');
    await screenshot('frameworks');
    await page.locator('.nav a[data-page=roles]').click();
    await page.locator('[data-testid=roles]').waitFor();
    // Each agent reserves cpus(eng):0.5;mem(eng):64 statically: role eng is listed with what it has reserved.
    await expectText(page.locator('[data-testid=roles] tr', { hasText: 'eng' }), 'cpus 1');
    await screenshot('roles');
    await page.locator('.nav a[data-page=agents]').click();
    await page.locator('[data-testid=agents] a').first().click();
    const reservations = page.locator('[data-testid=reservations] tr', { hasText: 'eng' });
    await expectText(reservations, 'STATIC');
    await expectText(reservations, 'cpus:0.5;mem:64');
    await page.locator('.nav a[data-page=offers]').click();
    await expectText(page.locator('.page-header'), 'outstanding');
    await screenshot('offers');
  });

  it("links a framework's webui_url only when it is http(s)", async () => {
    const subscribe = (name: string, webuiUrl: string) => new RecordStream(`${url}/api/v1/scheduler`, {
      type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'tester', name, webui_url: webuiUrl } },
    });
    const hostile = subscribe('hostile-ui', 'javascript:document.title="owned"');
    const friendly = subscribe('friendly-ui', 'http://127.0.0.1:1/ui');
    try {
      const id = async (stream: RecordStream) => ((await stream.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED')) as any).subscribed.framework_id.value as string;
      await page.goto(`${url}/#/frameworks/${encodeURIComponent(await id(hostile))}`);
      await expectText(page.locator('.kv'), 'javascript:document.title');
      expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
      await page.goto(`${url}/#/frameworks/${encodeURIComponent(await id(friendly))}`);
      await page.locator('.kv a[href="http://127.0.0.1:1/ui"]').waitFor();
    } finally {
      hostile.close();
      friendly.close();
    }
  });

  it('logged no errors in the browser console', () => {
    expect(consoleErrors).toEqual([]);
  });
});

/** Polls `check` until it holds; the page updates itself, so nothing here reloads it. */
async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the element's text contains `text`, and says what it held instead when it never does. */
async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  let last = '';
  await waitFor(async () => {
    last = (await locator.first().textContent({ timeout: 5_000 }).catch(() => '')) ?? '';
    return last.includes(text);
  }, `'${text}'`).catch(() => {
    throw new Error(`expected the page to show '${text}'; it showed:\n${last.slice(0, 2000)}`);
  });
}
