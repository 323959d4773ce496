/**
 * An SSH cluster is secure without being asked: against two network-namespace hosts (ZooKeeper and
 * the master on one, an agent on the other; test/helpers/ssh-hosts.ts), the built CLI's `launch
 * --provider ssh` brings up a cluster whose masters and agents speak only TLS with certificates
 * from the cluster's own CA, answer 401 without the operator's credential, refuse an agent without
 * the agents' credential, keep ZooKeeper's znodes writable by the masters only, listen on the
 * host's cluster address only, and run the master and ZooKeeper as the `mesoscloud` user. The
 * secrets live 0600 in the catalog and on the hosts, and after the whole run no log, no output, no
 * non-secret file and no daemon's command line holds any of them. One cluster serves every check.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSshHosts, type SshTestFleet } from '../helpers/ssh-hosts';
import { request } from '../helpers/http';
import { ensureBuilt, runCli, type CliResult } from '../helpers/run-cli';
import { ZkSession } from '../../cluster/election';
import { AGENT_CHANNEL_PATH } from '../../cluster/protocol/agent-channel';
import { createClusterCa, issueClientCertificate } from '../../infra/tls/cluster-ca';

const CLUSTER = 'sshsec';
jest.setTimeout(240_000);

let fleet: SshTestFleet;
let dataHome: string;
let clusterDir: string;
let masterUrl: string;
let agentUrl: string;
/** The cluster CA, and the operator's client certificate (agents take only clients holding one). */
let ca: string;
let operatorCert: { cert: string; key: string };
let operator: { principal: string; secret: string };
/** Every secret the launch generated: credentials, the ZooKeeper password, a line of each private key. */
let secrets: string[] = [];
/** Everything the CLI printed, for the secrets grep. */
const outputs: string[] = [];

async function cli(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await runCli(args, { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER, SSH_AUTH_SOCK: '' }, timeoutMs: opts.timeoutMs ?? 180_000 });
  outputs.push(r.stdout, r.stderr);
  return r;
}

const master = () => fleet.hosts[0];
const agent = () => fleet.hosts[1];
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const secretsDir = () => path.join(clusterDir, 'secrets');

/** A line from the middle of a PEM private key: enough to find the key anywhere it leaked. */
function keyLine(file: string): string {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1, -1);
  return lines[Math.floor(lines.length / 2)];
}

async function onHost(i: number, script: string): Promise<string> {
  const r = await fleet.hosts[i].exec(['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`on host ${i + 1}: ${script} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The daemon processes on host i with their user and command line, as /proc shows them. */
function daemons(i: number): { pid: number; uid: number; cmdline: string }[] {
  return fleet.hosts[i].daemonPids().flatMap((pid) => {
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      return [{ pid, uid, cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') }];
    } catch {
      return []; // Gone meanwhile.
    }
  });
}

beforeAll(async () => {
  ensureBuilt();
  dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-ssh-secure-'));
  fleet = await createSshHosts(2);
  const launched = await cli(['launch', '--provider', 'ssh', '--hosts', fleet.hosts.map((h) => h.ip).join(','), '--zk', '1', '--colocate',
    '--key', fleet.keyPath, '--agent-resources', 'cpus:1;mem:256', '--json']);
  if (launched.code !== 0) throw new Error(`launch failed:\n${launched.stdout}\n${launched.stderr}`);
  const summary = JSON.parse(launched.stdout);
  masterUrl = summary.master_url;
  agentUrl = `https://${agent().ip}:5051`;
  clusterDir = path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER);
  const record = readJson(path.join(clusterDir, 'cluster.json'));
  ca = fs.readFileSync(record.tls.caFile, 'utf8');
  operatorCert = { cert: fs.readFileSync(record.tls.certFile, 'utf8'), key: fs.readFileSync(record.tls.keyFile, 'utf8') };
  operator = readJson(record.operatorCredential);
  const tlsDir = path.join(secretsDir(), 'tls');
  secrets = [
    ...readJson(path.join(secretsDir(), 'credentials.json')).credentials.map((c: { secret: string }) => c.secret),
    readJson(path.join(secretsDir(), 'zookeeper.json')).secret,
    ...fs.readdirSync(tlsDir).filter((f) => f.endsWith('-key.pem')).map((f) => keyLine(path.join(tlsDir, f))),
  ];
}, 240_000);

afterAll(async () => {
  fleet?.remove();
  if (dataHome) fs.rmSync(dataHome, { recursive: true, force: true });
});

describe('launch --provider ssh, secure by default', () => {
  test('the catalog keeps the CA, certificates and credentials 0600 in a 0700 dir, and records the CLI\'s', () => {
    expect(masterUrl).toBe(`https://${master().ip}:5050`);
    expect(fs.statSync(secretsDir()).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(secretsDir(), 'tls')).mode & 0o777).toBe(0o700);
    const files = fs.readdirSync(secretsDir(), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    const secretFiles = files.filter((f) => f.endsWith('.json') || f.endsWith('-key.pem'));
    // credentials, operator, agents, zookeeper; the CA's key, one per host and the operator's.
    expect(secretFiles).toHaveLength(4 + 1 + 2 + 1);
    for (const file of secretFiles) expect({ file, mode: fs.statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    // The operator's and the agents' secrets, the ZooKeeper password, four private keys.
    expect(secrets).toHaveLength(2 + 1 + 4);
  });

  test('the hosts hold their secrets 0600, owned by the daemon\'s user, in 0700 dirs', async () => {
    const listing = (i: number, role: string) => onHost(i, `stat -c '%a %U %n' /etc/mesoscloud/${CLUSTER}/secrets/${role} /etc/mesoscloud/${CLUSTER}/secrets/${role}/*`);
    const masterFiles = (await listing(0, 'master')).trim().split('\n');
    expect(masterFiles[0]).toBe(`700 mesoscloud /etc/mesoscloud/${CLUSTER}/secrets/master`);
    expect(masterFiles.slice(1).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(Array(5).fill('600 mesoscloud'));
    const agentFiles = (await listing(1, 'agent')).trim().split('\n');
    expect(agentFiles[0]).toBe(`700 root /etc/mesoscloud/${CLUSTER}/secrets/agent`);
    expect(agentFiles.slice(1).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(Array(5).fill('600 root'));
  });

  test('the master and ZooKeeper run as mesoscloud, the agent as root, each listening on its host\'s address only', async () => {
    const uid = Number((await onHost(0, 'id -u mesoscloud')).trim());
    expect(uid).toBeGreaterThan(0);
    const onMaster = daemons(0);
    const masterProcess = onMaster.find((d) => / service \S+\/master\.json/.test(d.cmdline));
    const zkProcess = onMaster.find((d) => /QuorumPeerMain/.test(d.cmdline));
    expect(masterProcess?.uid).toBe(uid);
    expect(zkProcess?.uid).toBe(uid);
    expect(daemons(1).find((d) => / service \S+\/agent\.json/.test(d.cmdline))?.uid).toBe(0);
    // Java shows an IPv4 address it binds as IPv4-mapped IPv6.
    const listening = async (i: number) => (await onHost(i, 'ss -Htln')).split('\n').map((l) => l.trim().split(/\s+/)[3]).filter(Boolean)
      .map((a) => a.replace(/^\[::ffff:([0-9.]+)\]/, '$1'));
    expect(await listening(0)).toEqual(expect.arrayContaining([`${master().ip}:5050`, `${master().ip}:2181`]));
    expect(await listening(1)).toContain(`${agent().ip}:5051`);
    for (const address of [...(await listening(0)), ...(await listening(1))]) expect(address).not.toMatch(/^(0\.0\.0\.0|\*|\[::\]):(5050|5051|2181)$/);
  });

  test('without the operator\'s credential the master and agent answer 401 (a wrong secret too); /health stays open', async () => {
    const tls = { ca, ...operatorCert };
    const wrong = { Authorization: `Basic ${Buffer.from(`${operator.principal}:not-the-secret`).toString('base64')}` };
    for (const [what, res] of [
      ['master /state', await request(`${masterUrl}/state`, tls)],
      ['master GET_STATE', await request(`${masterUrl}/api/v1`, { ...tls, body: { type: 'GET_STATE' } })],
      ['master scheduler SUBSCRIBE', await request(`${masterUrl}/api/v1/scheduler`, { ...tls, body: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'nobody', name: 'x' } } } })],
      ['master /state, wrong secret', await request(`${masterUrl}/state`, { ...tls, headers: wrong })],
      ['agent /state', await request(`${agentUrl}/state`, tls)],
      ['agent /state, wrong secret', await request(`${agentUrl}/state`, { ...tls, headers: wrong })],
    ] as const) {
      expect({ what, status: res.status }).toEqual({ what, status: 401 });
    }
    const right = { Authorization: `Basic ${Buffer.from(`${operator.principal}:${operator.secret}`).toString('base64')}` };
    expect((await request(`${masterUrl}/state`, { ...tls, headers: right })).status).toBe(200);
    expect((await request(`${masterUrl}/health`, tls)).status).toBe(200);
  });

  test('a client without the cluster CA, or with a certificate from another CA, is refused', async () => {
    const refused = (p: Promise<unknown>) => p.then(() => 'answered', (err: Error) => err.message);
    // No CA: the master's certificate cannot be verified.
    expect(await refused(request(`${masterUrl}/health`))).toMatch(/certificate/i);
    const other = createClusterCa('another');
    const stranger = issueClientCertificate(other, 'stranger');
    // Trusting only another CA: the same.
    expect(await refused(request(`${masterUrl}/health`, { ca: other.cert }))).toMatch(/certificate/i);
    // The agent takes no client without a certificate from its own CA (it answers 403 rather than end the
    // handshake, since executors reach /api/v1/executor with their tokens and no certificate).
    const status = (p: Promise<{ status: number }>) => p.then((res) => res.status, (err: Error) => err.message);
    expect(await status(request(`${agentUrl}/health`, { ca, ...stranger }))).not.toBe(200);
    expect(await status(request(`${agentUrl}/health`, { ca }))).not.toBe(200);
    expect(await status(request(`${agentUrl}/api/v1/executor`, { ca, body: { type: 'SUBSCRIBE' } }))).toBe(401);
    expect((await request(`${agentUrl}/health`, { ca, ...operatorCert })).status).toBe(200);
  });

  test('an agent registering without the agents\' credential is refused', async () => {
    const body = {
      type: 'REGISTER',
      register: { agent_info: { hostname: '10.9.9.9', port: 5051, resources: [] }, tasks: [], frameworks: [], version: 'fake', pid: '10.9.9.9:5051' },
    };
    const anonymous = await request(`${masterUrl}${AGENT_CHANNEL_PATH}`, { ca, ...operatorCert, body });
    expect(anonymous.status).toBe(401);
    const guessed = await request(`${masterUrl}${AGENT_CHANNEL_PATH}`, {
      ca, ...operatorCert, body, headers: { Authorization: `Basic ${Buffer.from('agents:guessed').toString('base64')}` },
    });
    expect(guessed.status).toBe(401);
  });

  test('ZooKeeper: anyone finds the leader, only the masters write under /mesos', async () => {
    const session = await ZkSession.connect(`${master().ip}:2181`, { sessionTimeoutMs: 4000 });
    try {
      expect((await session.getChildren('/mesos')).some((c) => c.startsWith('json.info_'))).toBe(true);
      const refused = await session.create('/mesos/intruder').then(() => 'created', (err: { code?: string }) => err.code ?? String(err));
      expect(refused).toMatch(/NO_AUTH/);
    } finally {
      await session.close();
    }
  });

  test('exec (as nobody by default, --user still overrides), agents, logs, status and ui work unchanged', async () => {
    const exec = await cli(['exec', '--name', 'secure-ssh', '--command', 'echo "ran as $(id -un)"', '--resources', 'cpus:0.5;mem:32']);
    expect(exec.stdout).toContain('TASK_FINISHED');
    expect(exec.code).toBe(0);
    const logs = await cli(['logs', 'secure-ssh']);
    expect(logs.stdout).toContain('ran as nobody');
    const otherUser = await cli(['exec', '--name', 'secure-ssh-user', '--user', 'mesoscloud-nosuchuser', '--command', 'true', '--resources', 'cpus:0.5;mem:32']);
    // The agent host has no such user: the task fails, which shows --user reached the agent.
    expect(otherUser.stdout).toMatch(/TASK_FAILED|TASK_ERROR/);
    const agents = await cli(['agents', '--json']);
    expect(agents.code).toBe(0);
    expect(JSON.parse(agents.stdout).agents.map((a: { hostname: string }) => a.hostname)).toEqual([agent().ip]);
    const status = await cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(master().ip);
    const ui = await cli(['ui', '--no-open', '--json']);
    expect(JSON.parse(ui.stdout)).toMatchObject({ url: `${masterUrl}/`, opened: false });
  });

  test('no secret appears in a daemon log, the CLI output, the catalog\'s other files, host files or a daemon\'s command line', async () => {
    const haystacks: [string, string][] = [];
    for (const i of [0, 1]) {
      haystacks.push([`host ${i + 1} logs`, await onHost(i, `cat /var/log/mesoscloud/${CLUSTER}/*.log`)]);
      haystacks.push([`host ${i + 1} config and state`, await onHost(i, `find /etc/mesoscloud/${CLUSTER} /var/lib/mesoscloud/${CLUSTER}/state.json /etc/systemd/system -path '*/secrets' -prune -o -type f -print | xargs cat 2>/dev/null; true`)]);
      haystacks.push([`host ${i + 1} command lines`, daemons(i).map((d) => d.cmdline).join('\n')]);
    }
    haystacks.push(['CLI output', outputs.join('\n')]);
    const catalogFiles = fs.readdirSync(clusterDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
      .filter((f) => !f.startsWith(`${secretsDir()}${path.sep}`) || (f.endsWith('.pem') && !f.endsWith('-key.pem')));
    for (const f of catalogFiles) haystacks.push([f, fs.readFileSync(f, 'utf8')]);
    expect(haystacks.find(([what]) => what === 'host 1 logs')?.[1]).toMatch(/master/i);
    for (const [what, text] of haystacks) {
      for (const [n, secret] of secrets.entries()) expect({ what, secret: n, found: text.includes(secret) }).toEqual({ what, secret: n, found: false });
    }
  });

  test('destroy leaves no process, no file and no daemon user on either host', async () => {
    const r = await cli(['destroy']);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    for (const i of [0, 1]) {
      expect({ host: i, pids: fleet.hosts[i].daemonPids() }).toEqual({ host: i, pids: [] });
      expect({ host: i, files: fleet.leftovers(i) }).toEqual({ host: i, files: [] });
    }
    expect((await fleet.hosts[0].exec(['id', 'mesoscloud'])).code).not.toBe(0);
    expect(fs.existsSync(clusterDir)).toBe(false);
  });
});
