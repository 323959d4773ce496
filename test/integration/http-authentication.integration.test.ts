/**
 * Authentication on a real master and agent (--authenticate_* with --credentials on the master,
 * --authenticate_http_* with --http_credentials and --credential on the agent): every protected
 * endpoint answers 401 without credentials and with wrong ones and works with the right ones;
 * /health and the web UI's page stay open; a fake agent, an agent id takeover and a framework
 * takeover are refused; the master's sandbox proxy authenticates to the agent.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMaster } from '../../cluster/master';
import { ExecSession } from '../../cluster/client/exec-session';
import { OperatorClient } from '../../cluster/client/operator';
import { basicAuthorization, type Credential } from '../../cluster/http/auth';
import { AGENT_CHANNEL_PATH } from '../../cluster/protocol/agent-channel';
import { Resources } from '../../cluster/protocol/resources';
import { silentLogger } from '../../cluster/util/log';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { RecordStream, request } from '../helpers/http';

const OPERATOR: Credential = { principal: 'operator', secret: 'op-secret-1' };
const AGENT_A: Credential = { principal: 'agent-a', secret: 'agent-a-secret' };
const AGENT_B: Credential = { principal: 'agent-b', secret: 'agent-b-secret' };
const FW_A: Credential = { principal: 'fw-a', secret: 'fw-a-secret' };
const FW_B: Credential = { principal: 'fw-b', secret: 'fw-b-secret' };

const basic = (c: Credential) => ({ Authorization: basicAuthorization(c) });
const wrong = (c: Credential) => basic({ ...c, secret: `${c.secret}x` });

function writeCredentials(dir: string): { credentials: string; agentA: string } {
  const credentials = path.join(dir, 'credentials.json');
  fs.writeFileSync(credentials, JSON.stringify({ credentials: [OPERATOR, AGENT_A, AGENT_B, FW_A, FW_B] }), { mode: 0o600 });
  const agentA = path.join(dir, 'agent-a');
  fs.writeFileSync(agentA, `${AGENT_A.principal} ${AGENT_A.secret}\n`, { mode: 0o600 });
  return { credentials, agentA };
}

function registerBody(agentId?: string) {
  return {
    type: 'REGISTER',
    register: {
      agent_info: {
        hostname: '127.0.0.1', port: 5051, resources: Resources.parse('cpus:1;mem:128').toV1(),
        ...(agentId ? { id: { value: agentId } } : {}),
      },
      tasks: [], frameworks: [], version: 'fake', pid: '127.0.0.1:5051',
    },
  };
}

const subscribeBody = (principal?: string, id?: string) => ({
  type: 'SUBSCRIBE',
  subscribe: { framework_info: { user: 'root', name: 'auth-test', ...(principal ? { principal } : {}), ...(id ? { id: { value: id } } : {}) } },
});

describe('authentication on master and agent', () => {
  let dir: string;
  let files: { credentials: string; agentA: string };
  let cluster: TestCluster;
  let agentUrl: string;
  let agentId: string;
  let frameworkId: string;
  let taskSandbox: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-authn-'));
    files = writeCredentials(dir);
    cluster = await startCluster({
      agents: 1,
      master: {
        authenticateFrameworks: true, authenticateAgents: true, authenticateHttpReadwrite: true, authenticateHttpReadonly: true, credentials: files.credentials,
      },
      agent: { authenticateHttpReadonly: true, authenticateHttpReadwrite: true, httpCredentials: files.credentials, credential: files.agentA },
    });
    agentUrl = cluster.agents[0].url;
    agentId = cluster.agents[0].agentId!;
    // A task, so that sandbox endpoints have something to serve.
    const session = new ExecSession({
      master: cluster.url, name: 'authn-task', command: 'echo hello-authenticated', shell: true, resources: 'cpus:0.1;mem:32', role: '*',
      checkpoint: false, user: os.userInfo().username, credential: FW_A, print: () => undefined, note: () => undefined,
    });
    const result = await session.run();
    expect(result.state).toBe('TASK_FINISHED');
    frameworkId = result.frameworkId!;
    taskSandbox = `/frameworks/${encodeURIComponent(frameworkId)}/tasks/authn-task`;
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Every protected endpoint: how to call it, and whose credential it takes. */
  const masterEndpoints = (): { name: string; path: string; body?: unknown; as: Credential; ok: number[] }[] => [
    ...['/state', '/state.json', '/master/state', '/state-summary', '/slaves', '/frameworks', '/tasks', '/roles', '/flags', '/master/flags',
      '/metrics', '/metrics/snapshot', '/version', '/redirect']
      .map((p) => ({ name: `GET ${p}`, path: p, as: OPERATOR, ok: p === '/redirect' ? [307] : [200] })),
    { name: 'GET /files/download', path: `/files/download?path=${encodeURIComponent(`${taskSandbox}/stdout`)}`, as: OPERATOR, ok: [200] },
    { name: 'operator GET_STATE (read-only)', path: '/api/v1', body: { type: 'GET_STATE' }, as: OPERATOR, ok: [200] },
    { name: 'operator READ_FILE (read-only)', path: '/api/v1', body: { type: 'READ_FILE', read_file: { path: `${taskSandbox}/stdout`, offset: 0 } }, as: OPERATOR, ok: [200] },
    { name: 'operator UPDATE_WEIGHTS (read-write)', path: '/api/v1', body: { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'x', weight: 2 }] } }, as: OPERATOR, ok: [200] },
    { name: 'scheduler API', path: '/api/v1/scheduler', body: { type: 'TEARDOWN', framework_id: { value: 'nope' } }, as: FW_A, ok: [400] },
    { name: 'agent channel', path: AGENT_CHANNEL_PATH, body: { type: 'PONG', agent_id: { value: 'nope' } }, as: AGENT_B, ok: [400] },
    { name: 'POST /auth/token', path: '/auth/token', body: '', as: OPERATOR, ok: [200] },
  ];
  const agentEndpoints = (): { name: string; path: string }[] => [
    ...['/state', '/state.json', '/slave(1)/state', '/flags', '/slave(1)/flags'].map((p) => ({ name: `agent GET ${p}`, path: p })),
    { name: 'agent GET /files/browse', path: '/files/browse?path=' },
    { name: 'agent GET /files/read', path: '/files/read?path=&offset=0' },
    { name: 'agent GET /files/download', path: '/files/download?path=' },
  ];

  it('answers 401 with the basic challenge on every protected master endpoint without credentials or with wrong ones, and serves the right principal', async () => {
    for (const e of masterEndpoints()) {
      const call = (headers: Record<string, string>) => request(`${cluster.url}${e.path}`, { method: e.body === undefined ? 'GET' : 'POST', body: e.body, headers });
      const none = await call({});
      expect({ endpoint: e.name, status: none.status, challenge: none.headers['www-authenticate'] }).toEqual({ endpoint: e.name, status: 401, challenge: 'Basic realm="mesos"' });
      expect({ endpoint: e.name, status: (await call(wrong(e.as))).status }).toEqual({ endpoint: e.name, status: 401 });
      const right = await call(basic(e.as));
      expect({ endpoint: e.name, ok: e.ok.includes(right.status), status: right.status }).toEqual({ endpoint: e.name, ok: true, status: right.status });
    }
  });

  it('answers 401 on every agent endpoint but /health, and serves the right principal', async () => {
    for (const e of agentEndpoints()) {
      expect({ endpoint: e.name, status: (await request(`${agentUrl}${e.path}`)).status }).toEqual({ endpoint: e.name, status: 401 });
      expect({ endpoint: e.name, status: (await request(`${agentUrl}${e.path}`, { headers: wrong(OPERATOR) })).status }).toEqual({ endpoint: e.name, status: 401 });
      expect({ endpoint: e.name, unauthorized: (await request(`${agentUrl}${e.path}`, { headers: basic(OPERATOR) })).status === 401 }).toEqual({ endpoint: e.name, unauthorized: false });
    }
    expect((await request(`${agentUrl}/state`, { headers: basic(OPERATOR) })).status).toBe(200);
  });

  it('keeps /health and the web UI page open', async () => {
    expect((await request(`${cluster.url}/health`)).status).toBe(200);
    expect((await request(`${cluster.url}/master/health`)).status).toBe(200);
    expect((await request(`${agentUrl}/health`)).status).toBe(200);
    expect((await request(`${cluster.url}/`)).status).not.toBe(401);
  });

  it('issues bearer tokens that the master and its agents accept, and refuses forged ones without a basic challenge', async () => {
    const issued = await request(`${cluster.url}/auth/token`, { method: 'POST', headers: basic(OPERATOR) });
    const { token, principal } = JSON.parse(issued.text) as { token: string; principal: string };
    expect(principal).toBe('operator');
    const bearer = { Authorization: `Bearer ${token}` };
    expect((await request(`${cluster.url}/state`, { headers: bearer })).status).toBe(200);
    expect((await request(`${agentUrl}/state`, { headers: bearer })).status).toBe(200);
    const forged = await request(`${cluster.url}/state`, { headers: { Authorization: `Bearer ${token.slice(0, -2)}xx` } });
    expect(forged.status).toBe(401);
    expect(forged.headers['www-authenticate']).toBe('Bearer realm="mesos", error="invalid_token"');
  });

  it('reads sandboxes through the master, which authenticates to the agent', async () => {
    const operator = new OperatorClient(cluster.url, { credential: OPERATOR });
    try {
      const read = await operator.call('READ_FILE', { read_file: { path: `${taskSandbox}/stdout`, offset: 0 } });
      expect(Buffer.from(read.read_file!.data!, 'base64').toString('utf8')).toContain('hello-authenticated');
    } finally {
      operator.close();
    }
    const download = await request(`${cluster.url}/files/download?path=${encodeURIComponent(`${taskSandbox}/stdout`)}`, { headers: basic(OPERATOR) });
    expect(download.text).toContain('hello-authenticated');
  });

  it('refuses a fake agent (wrong credential) and an agent taking over another agent\'s id', async () => {
    const fake = await new RecordStream(`${cluster.url}${AGENT_CHANNEL_PATH}`, registerBody(), wrong(AGENT_A)).response();
    expect(fake.status).toBe(401);
    fake.close();
    const anonymous = await new RecordStream(`${cluster.url}${AGENT_CHANNEL_PATH}`, registerBody(agentId)).response();
    expect(anonymous.status).toBe(401);
    anonymous.close();
    const takeover = await new RecordStream(`${cluster.url}${AGENT_CHANNEL_PATH}`, registerBody(agentId), basic(AGENT_B)).response();
    expect(takeover.status).toBe(403);
    expect(takeover.errorText).toContain(`agent '${agentId}' registered as another principal`);
    takeover.close();
    // The real agent is still the one registered under its id.
    const agents = JSON.parse((await request(`${cluster.url}/api/v1`, { body: { type: 'GET_AGENTS' }, headers: basic(OPERATOR) })).text);
    expect(agents.get_agents.agents.map((a: any) => a.agent_info.id.value)).toEqual([agentId]);
    expect(agents.get_agents.agents[0].active).toBe(true);
  });

  it('refuses a framework takeover by another principal (403) and the owner keeps its stream', async () => {
    const owner = await new RecordStream(`${cluster.url}/api/v1/scheduler`, subscribeBody('fw-a'), basic(FW_A)).response();
    const subscribed = await owner.waitFor((e: any) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    const id = (subscribed as any).subscribed.framework_id.value as string;
    try {
      const thief = await new RecordStream(`${cluster.url}/api/v1/scheduler`, subscribeBody('fw-b', id), basic(FW_B)).response();
      expect(thief.status).toBe(403);
      thief.close();
      const liar = await new RecordStream(`${cluster.url}/api/v1/scheduler`, subscribeBody('fw-a', id), basic(FW_B)).response();
      expect(liar.status).toBe(403);
      expect(liar.errorText).toContain("does not match principal 'fw-a'");
      liar.close();
      const unnamed = await new RecordStream(`${cluster.url}/api/v1/scheduler`, subscribeBody(undefined), basic(FW_B)).response();
      expect(unnamed.status).toBe(403);
      unnamed.close();
      // Calls on the owner's stream by another principal are refused too.
      const call = await request(`${cluster.url}/api/v1/scheduler`, {
        body: { type: 'REVIVE', framework_id: { value: id } }, headers: { ...basic(FW_B), 'Mesos-Stream-Id': String(owner.headers['mesos-stream-id']) },
      });
      expect(call.status).toBe(403);
      await new Promise((r) => setTimeout(r, 200));
      expect(owner.ended).toBe(false);
      expect(owner.records.some((e: any) => e.type === 'ERROR')).toBe(false);
      const frameworks = JSON.parse((await request(`${cluster.url}/api/v1`, { body: { type: 'GET_FRAMEWORKS' }, headers: basic(OPERATOR) })).text);
      const record = frameworks.get_frameworks.frameworks.find((f: any) => f.framework_info.id.value === id);
      expect(record).toMatchObject({ connected: true, framework_info: { principal: 'fw-a' } });
      // The owner itself may fail over.
      const again = await new RecordStream(`${cluster.url}/api/v1/scheduler`, subscribeBody('fw-a', id), basic(FW_A)).response();
      expect(again.status).toBe(200);
      await again.waitFor((e: any) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
      again.close();
    } finally {
      owner.close();
    }
  });
});

describe('authentication of read-write endpoints only', () => {
  it('leaves read-only calls open and requires a principal for calls that change the cluster', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-authn-rw-'));
    const { credentials } = writeCredentials(dir);
    const master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, authenticateHttpReadwrite: true, credentials });
    await master.listen();
    try {
      const call = (body: unknown, headers: Record<string, string> = {}) => request(`${master.url}/api/v1`, { body, headers });
      expect((await call({ type: 'GET_STATE' })).status).toBe(200);
      expect((await request(`${master.url}/state`)).status).toBe(200);
      const weights = { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'x', weight: 2 }] } };
      const refused = await call(weights);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Basic realm="mesos"');
      expect((await call(weights, wrong(OPERATOR))).status).toBe(401);
      expect((await call(weights, basic(OPERATOR))).status).toBe(200);
    } finally {
      await master.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('will not start with an authentication switch but no credentials file', () => {
    expect(() => createMaster({ logger: silentLogger, authenticateAgents: true })).toThrow('--authenticate_agents needs --credentials');
  });
});
