/**
 * `launch --secure` through the built CLI: a local cluster with a generated cluster CA, HTTPS-only
 * daemons and the CA in the catalog, which `exec`, `agents` and `logs` verify the cluster with.
 * Plain HTTP to the master gets no answer. Needs `npm run build` (done here when dist/ is missing).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../infra/machine/ports';
import { isAlive } from '../../infra/machine/processes';
import { ensureBuilt, hasStackTrace, runCli, type CliResult } from '../helpers/run-cli';

const CLUSTER = 'e2e-tls';

let dataHome: string;
let masterPort: number;
const pids: number[] = [];

function cli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return runCli(args, { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER }, timeoutMs });
}

function clusterDir(): string {
  return path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER);
}

/** The status of GET `url`, or the error's code when there is no HTTP answer. */
function get(url: string, options: https.RequestOptions = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { ...options, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

beforeAll(async () => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-e2e-tls-'));
  masterPort = await freePort();
}, 180_000);

afterAll(async () => {
  if (dataHome && fs.existsSync(clusterDir())) await cli(['destroy']).catch(() => undefined);
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  if (dataHome) fs.rmSync(dataHome, { recursive: true, force: true });
}, 60_000);

describe('a local cluster with TLS, through the built CLI', () => {
  it('launch --secure makes a CA, starts HTTPS-only daemons and records the CA', async () => {
    const launched = await cli(['launch', '--secure', '--agents', '1', '--master-port', String(masterPort)], 90_000);
    expect({ code: launched.code, stderr: launched.stderr }).toMatchObject({ code: 0 });
    expect(launched.stdout).toContain(`master:  https://127.0.0.1:${masterPort}`);
    expect(launched.stdout).toMatch(/tls: +HTTPS only; CA .*ca\.pem/);
    const record = JSON.parse(fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8'));
    pids.push(record.master.pid, ...record.agents.map((a: { pid: number }) => a.pid));
    expect(record.masterUrl).toBe(`https://127.0.0.1:${masterPort}`);
    expect(record.tls).toEqual({ caFile: path.join(clusterDir(), 'tls', 'ca.pem'), certFile: expect.any(String), keyFile: expect.any(String) });
    const tlsDir = path.join(clusterDir(), 'tls');
    for (const key of fs.readdirSync(tlsDir).filter((f) => f.endsWith('-key.pem'))) {
      expect({ key, mode: fs.statSync(path.join(tlsDir, key)).mode & 0o777 }).toEqual({ key, mode: 0o600 });
    }
    expect(launched.stdout + launched.stderr).not.toMatch(/PRIVATE KEY/);
  }, 120_000);

  it('exec runs a task over HTTPS, and agents and logs verify the cluster CA', async () => {
    const exec = await cli(['exec', '--name', 'tls-task', '--command', 'echo hello over tls']);
    expect({ code: exec.code, stderr: exec.stderr }).toMatchObject({ code: 0 });
    expect(exec.stdout).toContain("Received status update TASK_FINISHED for task 'tls-task'");
    const agents = await cli(['agents']);
    expect(agents.code).toBe(0);
    expect(agents.stdout).toMatch(/127\.0\.0\.1:\d+ +active/);
    // Read through the master, which reads the agent over mutual TLS.
    const logs = await cli(['logs', 'tls-task']);
    expect({ code: logs.code, stdout: logs.stdout }).toMatchObject({ code: 0, stdout: expect.stringContaining('hello over tls') });
    expect(hasStackTrace(exec.stderr + agents.stderr + logs.stderr)).toBe(false);
  }, 120_000);

  it('plain HTTP to the master fails, and a client without the CA is refused', async () => {
    expect(await get(`http://127.0.0.1:${masterPort}/health`)).toEqual(expect.any(String));
    expect(await get(`https://127.0.0.1:${masterPort}/health`)).toMatch(/CERT|SELF_SIGNED|UNABLE/);
    const ca = fs.readFileSync(path.join(clusterDir(), 'tls', 'ca.pem'));
    expect(await get(`https://127.0.0.1:${masterPort}/health`, { ca })).toBe(200);
    // Agents serve only clients with a certificate from the cluster CA: others are answered 403 (custom
    // executors reach /api/v1/executor with their own tokens and no certificate, so the handshake lets them in).
    const agentPort = JSON.parse(fs.readFileSync(path.join(clusterDir(), 'cluster.json'), 'utf8')).agents[0].port;
    expect(await get(`https://127.0.0.1:${agentPort}/health`, { ca })).toBe(403);
  }, 60_000);

  it('destroy stops it all', async () => {
    const destroyed = await cli(['destroy']);
    expect(destroyed.code).toBe(0);
    expect(fs.existsSync(clusterDir())).toBe(false);
    for (const pid of pids) expect({ pid, alive: isAlive(pid) }).toEqual({ pid, alive: false });
  }, 60_000);
});
