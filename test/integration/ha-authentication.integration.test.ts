/**
 * Authentication across a failover: the principal an agent registered with is kept in the replicated
 * registry, so after the leader changes no other principal can take over the agent's id.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMaster, type Master } from '../../cluster/master';
import { basicAuthorization, type Credential } from '../../cluster/http/auth';
import { AGENT_CHANNEL_PATH } from '../../cluster/protocol/agent-channel';
import { Resources } from '../../cluster/protocol/resources';
import { silentLogger } from '../../cluster/util/log';
import { RecordStream } from '../helpers/http';
import { startZooKeeper, type TestZooKeeper } from '../helpers/zookeeper';

const AGENT_A: Credential = { principal: 'agent-a', secret: 'agent-a-secret' };
const AGENT_B: Credential = { principal: 'agent-b', secret: 'agent-b-secret' };

let zk: TestZooKeeper;
let dir: string;

beforeAll(async () => {
  zk = await startZooKeeper({ size: 1 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-ha-authn-'));
  fs.writeFileSync(path.join(dir, 'credentials'), `${AGENT_A.principal} ${AGENT_A.secret}\n${AGENT_B.principal} ${AGENT_B.secret}\n`, { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await zk?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function register(master: Master, as: Credential, agentId?: string): Promise<RecordStream> {
  const body = {
    type: 'REGISTER',
    register: {
      agent_info: { hostname: '127.0.0.1', port: 5051, resources: Resources.parse('cpus:1;mem:128').toV1(), ...(agentId ? { id: { value: agentId } } : {}) },
      tasks: [], frameworks: [], version: 'test', pid: '127.0.0.1:5051',
    },
  };
  return new RecordStream(`${master.url}${AGENT_CHANNEL_PATH}`, body, { Authorization: basicAuthorization(as) }).response();
}

it("keeps an agent's principal across a failover", async () => {
  const zkUrl = zk.url(`/mesos-authn-${process.pid}`);
  const options = { ip: '127.0.0.1', port: 0, zk: zkUrl, quorum: 1, logger: silentLogger, authenticateAgents: true, credentials: path.join(dir, 'credentials') };
  const first = createMaster(options);
  await first.listen();
  await first.whenLeading();
  const stream = await register(first, AGENT_A);
  const registered: any = await stream.waitFor((e: any) => e.type === 'REGISTERED', 'REGISTERED');
  const agentId = registered.registered.agent_id.value as string;
  // The registry is written just behind the change.
  await new Promise((r) => setTimeout(r, 1000));
  stream.close();
  await first.close();

  const second = createMaster(options);
  await second.listen();
  try {
    await second.whenLeading();
    const takeover = await register(second, AGENT_B, agentId);
    expect(takeover.status).toBe(403);
    takeover.close();
    const back = await register(second, AGENT_A, agentId);
    expect(back.status).toBe(200);
    back.close();
  } finally {
    await second.close();
  }
}, 60_000);
