/**
 * TLS between the daemons and their clients, in one process: a master and an agent with certificates
 * from one cluster CA register and run a task over HTTPS; a daemon or client holding another CA's
 * certificate, or trusting another CA, is refused.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExecSession } from '../../cluster/client/exec-session';
import { OperatorClient } from '../../cluster/client/operator';
import { readClientTls, type ClientTls } from '../../cluster/client/tls';
import { loadTlsMaterial } from '../../cluster/http/tls';
import { createAgent, type Agent } from '../../cluster/agent';
import { AGENT_DEFAULTS } from '../../cluster/agent/options';
import { AGENT_CHANNEL_PATH } from '../../cluster/protocol/agent-channel';
import { silentLogger } from '../../cluster/util/log';
import { clusterTlsMaterial, writeTlsFiles, type TlsFiles } from '../../infra/tls/cluster-ca';
import { virtualPathText } from '../../cluster/master/api/sandbox-proxy';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { parseFlags } from '../../daemon/argv';
import { probe, PROBE_FLAGS, probeTarget } from '../../daemon/probe';

const LOCAL = [{ name: 'master', addresses: ['127.0.0.1'] }, { name: 'agent', addresses: ['127.0.0.1'] }];

function daemonTls(files: TlsFiles, caFile = files.caFile) {
  return { tlsCertFile: files.certFile, tlsKeyFile: files.keyFile, tlsCaFile: caFile };
}

/** One GET with node:https, `options` as given (no client certificate unless one is). */
function httpsGet(url: string, options: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, ...options }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString() });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('TLS', () => {
  let dir: string;
  let files: ReturnType<typeof writeTlsFiles>;
  let rogue: ReturnType<typeof writeTlsFiles>;
  let operatorTls: ClientTls;
  let cluster: TestCluster;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-tls-'));
    files = writeTlsFiles(path.join(dir, 'cluster'), clusterTlsMaterial('it', LOCAL));
    rogue = writeTlsFiles(path.join(dir, 'rogue'), clusterTlsMaterial('rogue', LOCAL));
    operatorTls = readClientTls(files.operator);
    cluster = await startCluster({
      master: daemonTls(files.hosts.master),
      agent: { ...daemonTls(files.hosts.agent), tlsRequireCert: true },
    });
  });

  afterAll(async () => {
    await cluster?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers the agent over HTTPS and runs a task through the scheduler client', async () => {
    expect(cluster.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.agents[0].url).toMatch(/^https:/);
    const session = new ExecSession({
      master: cluster.url, tls: operatorTls, name: 'over-tls', command: 'echo secret-hello', shell: true, resources: 'cpus:1;mem:64', role: '*',
      checkpoint: false, user: 'tester', print: () => undefined, note: () => undefined,
    });
    expect(await session.run()).toMatchObject({ state: 'TASK_FINISHED', exitCode: 0 });
    // The master reads the sandbox from the agent over mutual TLS (the agent requires a client certificate).
    const operator = new OperatorClient(cluster.url, { tls: operatorTls });
    try {
      const state = await operator.getState();
      const frameworkId = state.get_tasks?.completed_tasks?.find((t) => t.task_id.value === 'over-tls')?.framework_id.value;
      expect(frameworkId).toBeDefined();
      const file = await operator.readFile(`${virtualPathText(frameworkId!, 'over-tls')}/stdout`, 0, 4096);
      expect(file.data.toString()).toContain('secret-hello');
    } finally {
      operator.close();
    }
  });

  it('a bare host:port means https once the client has the CA', async () => {
    const operator = new OperatorClient(cluster.url.replace('https://', ''), { tls: operatorTls });
    try {
      expect(operator.baseUrl).toBe(cluster.url);
      expect(await operator.getHealth()).toBe(true);
    } finally {
      operator.close();
    }
  });

  it('serves HTTPS only: plain HTTP gets no answer', async () => {
    const plain = new Promise<number>((resolve, reject) => {
      const req = http.get(`${cluster.url.replace('https:', 'http:')}/health`, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
    });
    await expect(plain).rejects.toThrow();
  });

  it('a client that trusts another CA refuses the master', async () => {
    const operator = new OperatorClient(cluster.url, { tls: readClientTls({ caFile: rogue.ca }), timeoutMs: 5000 });
    try {
      await expect(operator.getHealth()).rejects.toThrow(/certificate/);
    } finally {
      operator.close();
    }
  });

  it('the agent channel needs a client certificate from the cluster CA', async () => {
    const url = `${cluster.url}${AGENT_CHANNEL_PATH}`;
    const ca = fs.readFileSync(files.ca);
    const none = await httpsGet(url, { ca });
    expect(none).toMatchObject({ status: 403, body: expect.stringMatching(/client certificate/) });
    const foreign = await httpsGet(url, { ca, cert: fs.readFileSync(rogue.hosts.agent.certFile), key: fs.readFileSync(rogue.hosts.agent.keyFile) });
    expect(foreign).toMatchObject({ status: 403, body: expect.stringMatching(/refused/) });
    // Other paths serve clients that only trust the CA, but never one showing a foreign certificate.
    expect((await httpsGet(`${cluster.url}/api/v1`, { ca })).status).toBe(400);
    const foreignOperator = await httpsGet(`${cluster.url}/api/v1`, { ca, cert: fs.readFileSync(rogue.operator.certFile), key: fs.readFileSync(rogue.operator.keyFile) });
    expect(foreignOperator.status).toBe(403);
  });

  it('an agent with a certificate from another CA is refused, and so is a master an agent cannot verify', async () => {
    const workDirs = [0, 1].map((i) => fs.mkdtempSync(path.join(dir, `agent-${i}-`)));
    const agentWith = (tls: ReturnType<typeof daemonTls>): Agent => createAgent({
      ...AGENT_DEFAULTS, ip: '127.0.0.1', port: 0, master: cluster.url, workDir: workDirs.pop()!, resources: 'cpus:1;mem:64', cgroups: 'none', logger: silentLogger, ...tls,
    });
    // Trusts the cluster CA but presents a certificate of another; trusts another CA.
    const agents = [agentWith(daemonTls(rogue.hosts.agent, files.ca)), agentWith(daemonTls(files.hosts.agent, rogue.ca))];
    try {
      await Promise.all(agents.map((a) => a.start()));
      await new Promise((r) => setTimeout(r, 2000));
      expect(agents.map((a) => a.agentId)).toEqual([undefined, undefined]);
      const operator = new OperatorClient(cluster.url, { tls: operatorTls });
      try {
        expect((await operator.getAgents()).agents).toHaveLength(1);
      } finally {
        operator.close();
      }
    } finally {
      await Promise.all(agents.map((a) => a.close()));
    }
  });

  it("the bundle's probe verifies an https:// service against the CA, with a client certificate when asked", async () => {
    const target = (args: string[]) => probeTarget(parseFlags('probe', PROBE_FLAGS, args));
    const agentHealth = `${cluster.agents[0].url}/health`;
    const { certFile, keyFile } = files.operator;
    expect(await probe(target(['--http', `${cluster.url}/health`, '--tls_ca_file', files.ca]), 2000)).toBeUndefined();
    expect(await probe(target(['--http', agentHealth, '--tls_ca_file', files.ca, '--tls_cert_file', certFile, '--tls_key_file', keyFile]), 2000)).toBeUndefined();
    expect(await probe(target(['--http', `${cluster.url}/health`, '--tls_ca_file', rogue.ca]), 300, 100)).toMatch(/certificate/);
  });

  it('names the flags when the TLS files are incomplete or unreadable', () => {
    expect(loadTlsMaterial({})).toBeUndefined();
    expect(() => loadTlsMaterial({ tlsCertFile: files.hosts.master.certFile })).toThrow(/missing --tls_key_file, --tls_ca_file/);
    expect(() => loadTlsMaterial({ tlsRequireCert: true })).toThrow(/--tls_require_cert needs/);
    expect(() => loadTlsMaterial({ ...daemonTls(files.hosts.master), tlsCaFile: path.join(dir, 'nope.pem') })).toThrow(/--tls_ca_file: cannot read/);
  });
});
