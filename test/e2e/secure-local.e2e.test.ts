/**
 * `mesoscloud launch --secure` on this machine, as a user runs it with the built CLI: the operator
 * commands work unchanged (exec, exec --stream, agents, logs, status, ui, destroy) while plain
 * requests without credentials get 401; the web UI logs in in Chromium (form, and a #token= from
 * `mesoscloud ui`); and no log or output of the whole run holds any secret the launch generated.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../../infra/machine/ports';
import { isAlive } from '../../infra/machine/processes';
import { request as plainRequest } from '../helpers/http';
import { ensureBuilt, runCli, type CliResult } from '../helpers/run-cli';

const CHROMIUM = '/usr/bin/chromium';
const CLUSTER = 'secure-e2e';

let dataHome: string;
let clusterDir: string;
let url: string;
/** The cluster CA: --secure turns on TLS as well as authentication. */
let ca: string;
/** The operator's client certificate: agents take only clients holding one from the cluster CA (mutual TLS). */
let operatorCert: { cert: string; key: string };
const request = (target: string, opts: Parameters<typeof plainRequest>[1] = {}) => plainRequest(target, { ca, ...operatorCert, ...opts });
let agentUrl: string;
let recordedPids: number[] = [];
let operator: { principal: string; secret: string };
let secrets: string[] = [];
/** Everything the CLI printed during the run, for the secret grep. */
const outputs: string[] = [];

async function cli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const result = await runCli(args, { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER, ...opts.env }, timeoutMs: opts.timeoutMs ?? 60_000 });
  outputs.push(result.stdout, result.stderr);
  return result;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

beforeAll(async () => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-secure-e2e-'));
  const masterPort = await freePort();
  const launched = await cli(['launch', '--secure', '--agents', '1', '--master-port', String(masterPort), '--agent-resources', 'cpus:2;mem:1024;disk:1024', '--json'], { timeoutMs: 90_000 });
  if (launched.code !== 0) throw new Error(`launch failed:\n${launched.stdout}\n${launched.stderr}`);
  const summary = JSON.parse(launched.stdout);
  url = `https://127.0.0.1:${masterPort}`;
  clusterDir = summary.cluster_dir;
  agentUrl = `https://${summary.agents[0].address}`;
  ca = fs.readFileSync(summary.ca_file, 'utf8');
  const tls = JSON.parse(fs.readFileSync(path.join(summary.cluster_dir, 'cluster.json'), 'utf8')).tls;
  operatorCert = { cert: fs.readFileSync(tls.certFile, 'utf8'), key: fs.readFileSync(tls.keyFile, 'utf8') };
  recordedPids = [summary.master_pid, ...summary.agents.map((a: { pid: number }) => a.pid)];
  operator = JSON.parse(fs.readFileSync(summary.operator_credential, 'utf8'));
  secrets = JSON.parse(fs.readFileSync(path.join(clusterDir, 'secrets', 'credentials.json'), 'utf8')).credentials.map((c: { secret: string }) => c.secret);
}, 120_000);

afterAll(async () => {
  if (dataHome) {
    await runCli(['destroy'], { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER }, timeoutMs: 60_000 }).catch(() => undefined);
    for (const pid of recordedPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataHome, { recursive: true, force: true });
  }
}, 60_000);

describe('a local cluster launched with --secure', () => {
  it('keeps its secrets in files only the user can read, and records the operator credential', () => {
    expect(secrets.length).toBe(2);
    for (const file of filesUnder(path.join(clusterDir, 'secrets'))) expect({ file, mode: fs.statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    expect(fs.statSync(path.join(clusterDir, 'secrets')).mode & 0o777).toBe(0o700);
    // The masters' --acls: permissive and without rules (today's behaviour), there to be edited.
    expect(JSON.parse(fs.readFileSync(path.join(clusterDir, 'secrets', 'acls.json'), 'utf8'))).toEqual({ permissive: true });
    const record = JSON.parse(fs.readFileSync(path.join(clusterDir, 'cluster.json'), 'utf8'));
    expect(record.operatorCredential).toBe(path.join(clusterDir, 'secrets', 'operator.json'));
    expect(JSON.stringify(record)).not.toContain(operator.secret);
  });

  it('answers plain requests without credentials with 401, except /health', async () => {
    for (const [what, res] of [
      ['master /state', await request(`${url}/state`)],
      ['master /metrics/snapshot', await request(`${url}/metrics/snapshot`)],
      ['master GET_STATE', await request(`${url}/api/v1`, { body: { type: 'GET_STATE' } })],
      ['master KILL_TASK', await request(`${url}/api/v1`, { body: { type: 'KILL_TASK', kill_task: { task_id: { value: 'x' } } } })],
      ['master scheduler API', await request(`${url}/api/v1/scheduler`, { body: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'x', name: 'x' } } } })],
      ['agent /state', await request(`${agentUrl}/state`)],
      ['agent /files/browse', await request(`${agentUrl}/files/browse?path=/`)],
    ] as const) {
      expect({ what, status: res.status }).toEqual({ what, status: 401 });
    }
    expect((await request(`${url}/health`)).status).toBe(200);
    expect((await request(`${agentUrl}/health`)).status).toBe(200);
  });

  it('runs exec, exec --stream, agents, logs and status unchanged', async () => {
    const exec = await cli(['exec', '--name', 'secure-hello', '--command', 'echo hello-secure']);
    expect(exec.stdout).toContain('TASK_FINISHED');
    expect(exec.code).toBe(0);
    const streamed = await cli(['exec', '--name', 'secure-stream', '--stream', '--command', 'echo streamed-secure']);
    expect(streamed.stdout).toContain('streamed-secure');
    expect(streamed.code).toBe(0);
    const agents = await cli(['agents', '--json']);
    expect(agents.code).toBe(0);
    expect(JSON.parse(agents.stdout).agents).toHaveLength(1);
    const logs = await cli(['logs', 'secure-hello']);
    expect(logs.stdout).toContain('hello-secure');
    expect((await cli(['status'])).code).toBe(0);
  }, 120_000);

  it('authenticates a --master given by hand only with a credential given by hand', async () => {
    const bare = await cli(['agents', '--master', url]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/401|authentication required/i);
    const env = { MESOSCLOUD_PRINCIPAL: operator.principal, MESOSCLOUD_SECRET: operator.secret };
    expect((await cli(['agents', '--master', url], { env })).code).toBe(0);
    const secretFile = path.join(dataHome, 'secret');
    fs.writeFileSync(secretFile, `${operator.secret}\n`, { mode: 0o600 });
    const exec = await cli(['exec', '--master', url, '--principal', operator.principal, '--secret-file', secretFile, '--name', 'by-hand', '--command', 'true']);
    expect(exec.code).toBe(0);
  }, 60_000);

  it('prints the UI address without a token, and opens the browser with one in the fragment', async () => {
    const ui = await cli(['ui', '--no-open', '--json']);
    expect(JSON.parse(ui.stdout)).toMatchObject({ url: `${url}/`, opened: false });
    // A stand-in for xdg-open that writes down the address it was given.
    const bin = path.join(dataHome, 'bin');
    const opened = path.join(dataHome, 'opened-url');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
    const withBrowser = await cli(['ui', '--json'], { env: { PATH: `${bin}:${process.env.PATH}`, DISPLAY: ':99' } });
    expect(JSON.parse(withBrowser.stdout)).toMatchObject({ url: `${url}/`, opened: true });
    const address = await (async () => {
      for (let i = 0; i < 100 && !fs.existsSync(opened); i++) await new Promise((r) => setTimeout(r, 50));
      return fs.readFileSync(opened, 'utf8');
    })();
    const token = decodeURIComponent(/^https:\/\/[^#]+\/#token=(.+)$/.exec(address)?.[1] ?? '');
    expect(token).toMatch(/^mct1\./);
    expect(withBrowser.stdout + withBrowser.stderr).not.toContain(token);
    expect((await request(`${url}/state`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('logs in in the web UI (form and #token=), keeping no secret and no token in localStorage', async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; the browser test needs Debian's Chromium: apt-get install chromium`);
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      // The browser does not know the cluster CA (an operator imports it); this test is about the login.
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(url);
      const form = page.locator('form.login');
      await form.waitFor();
      await form.getByLabel('Principal').fill(operator.principal);
      await form.getByLabel('Secret').fill('wrong');
      await form.getByRole('button', { name: 'Log in' }).click();
      await page.locator('.login-error', { hasText: 'Wrong principal or secret' }).waitFor();
      await form.getByLabel('Secret').fill(operator.secret);
      await form.getByRole('button', { name: 'Log in' }).click();
      await page.locator('[data-testid=connection]', { hasText: 'Live' }).waitFor({ timeout: 20_000 });
      // Runs in the page, where the storages exist.
      const storage = await page.evaluate('({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) })') as { local: string; session: string };
      expect(storage.local).not.toContain(operator.secret);
      expect(storage.local).not.toContain('mct1.');
      expect(storage.session).not.toContain(operator.secret);

      // A token handed over in the fragment, as `mesoscloud ui` does, is taken and removed from the address.
      const issued = JSON.parse((await request(`${url}/auth/token`, { method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`${operator.principal}:${operator.secret}`).toString('base64')}` } })).text);
      const fresh = await context.newPage();
      await fresh.goto(`${url}/#token=${encodeURIComponent(issued.token)}`);
      await fresh.locator('[data-testid=connection]', { hasText: 'Live' }).waitFor({ timeout: 20_000 });
      expect(fresh.url()).not.toContain('token=');
      expect(await fresh.locator('form.login').count()).toBe(0);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('wrote no generated secret to any log, sandbox or CLI output', async () => {
    const files = [...filesUnder(path.join(clusterDir, 'logs')), ...filesUnder(path.join(clusterDir, 'agents')), ...filesUnder(path.join(clusterDir, 'master'))];
    expect(files.length).toBeGreaterThan(2);
    const leaks: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'latin1');
      for (const secret of secrets) if (text.includes(secret)) leaks.push(file);
    }
    for (const [i, text] of outputs.entries()) {
      for (const secret of secrets) if (text.includes(secret)) leaks.push(`CLI output #${i}`);
    }
    expect(leaks).toEqual([]);
  });

  it('is destroyed by destroy', async () => {
    const destroyed = await cli(['destroy']);
    expect(destroyed.code).toBe(0);
    for (const text of [destroyed.stdout, destroyed.stderr]) for (const secret of secrets) expect(text).not.toContain(secret);
    for (const pid of recordedPids) expect(isAlive(pid)).toBe(false);
  }, 60_000);
});
