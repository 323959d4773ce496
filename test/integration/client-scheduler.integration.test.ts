/**
 * The scheduler client against a real master and agent in this process, plus two tiny fake masters
 * for what a healthy master never does (redirect to a leader, go silent).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientHttpError } from '../../cluster/client/http';
import { SchedulerClient } from '../../cluster/client/scheduler';
import { encodeRecord } from '../../cluster/protocol/recordio';
import { Resources } from '../../cluster/protocol/resources';
import type { Offer, TaskInfo, TaskState, TaskStatus } from '../../cluster/protocol/types';
import { startCluster, type TestCluster } from '../helpers/cluster';

let cluster: TestCluster;
const clients: SchedulerClient[] = [];

beforeAll(async () => { cluster = await startCluster({ agents: 1 }) });
afterEach(async () => {
  for (const c of clients.splice(0)) {
    await c.teardown().catch(() => undefined);
    c.close();
  }
});
afterAll(async () => { await cluster.close() });

function client(master = cluster.url, name = 'client-test'): SchedulerClient {
  const c = new SchedulerClient({ master, frameworkInfo: { user: 'tester', name } });
  clients.push(c);
  return c;
}

function nextOffers(c: SchedulerClient): Promise<Offer[]> {
  return new Promise((resolve) => c.once('offers', resolve));
}

function updatesUntil(c: SchedulerClient, terminal: TaskState[]): Promise<TaskStatus[]> {
  const seen: TaskStatus[] = [];
  return new Promise((resolve) => {
    c.on('update', (status) => {
      seen.push(status);
      void c.acknowledge(status);
      if (terminal.includes(status.state)) resolve(seen);
    });
  });
}

function task(offer: Offer, id: string, command: string): TaskInfo {
  return {
    name: id, task_id: { value: id }, agent_id: offer.agent_id,
    resources: Resources.parse('cpus:0.5;mem:32').toV1(), command: { shell: true, value: command },
  };
}

describe('SchedulerClient', () => {
  it('GIVEN a master with an agent WHEN subscribing THEN it gets a framework id, a stream id and an offer of the agent', async () => {
    const c = client();
    const offers = nextOffers(c);
    const subscribed = await c.subscribe();
    expect(subscribed.frameworkId).toBe(c.frameworkId);
    expect(subscribed.heartbeatIntervalSeconds).toBeGreaterThan(0);
    expect(c.streamId).toBeTruthy();
    const [offer] = await offers;
    expect(Resources.fromV1(offer.resources).contains(Resources.parse('cpus:2;mem:1024'))).toBe(true);
  });

  it('launches a task and follows it to TASK_FINISHED, acknowledging each update, with timings', async () => {
    const c = client();
    const offers = nextOffers(c);
    const updates = updatesUntil(c, ['TASK_FINISHED', 'TASK_FAILED']);
    await c.subscribe();
    const [offer] = await offers;
    await c.launch([offer.id], [task(offer, 'ok', 'true')]);
    const seen = await updates;
    expect(seen.map((s) => s.state)).toEqual(expect.arrayContaining(['TASK_RUNNING', 'TASK_FINISHED']));
    expect(seen[seen.length - 1].state).toBe('TASK_FINISHED');
    const t = c.timings;
    expect(t.runningAt.get('ok')!).toBeGreaterThan(t.launchedAt.get('ok')!);
    expect(t.launchedAt.get('ok')!).toBeGreaterThan(t.subscribeStartedAt!);
  });

  it('kills a running task', async () => {
    const c = client();
    const offers = nextOffers(c);
    const running = new Promise<void>((resolve) => c.on('update', (s) => { if (s.state === 'TASK_RUNNING') resolve() }));
    const updates = updatesUntil(c, ['TASK_KILLED', 'TASK_FINISHED', 'TASK_FAILED']);
    await c.subscribe();
    const [offer] = await offers;
    await c.launch([offer.id], [task(offer, 'long', 'sleep 30')]);
    await running;
    await c.kill({ value: 'long' }, offer.agent_id);
    const seen = await updates;
    expect(seen[seen.length - 1].state).toBe('TASK_KILLED');
  });

  it('declines, suppresses, revives and reconciles without complaint from the master', async () => {
    const c = client();
    const offers = nextOffers(c);
    await c.subscribe();
    const [offer] = await offers;
    await c.decline([offer.id], { refuse_seconds: 0.1 });
    await c.suppress();
    const again = nextOffers(c);
    await c.revive();
    expect((await again).length).toBeGreaterThan(0);
    await c.reconcile();
  });

  it('surfaces the master\'s 400 text verbatim', async () => {
    const c = client();
    await c.subscribe();
    const raw = await fetch(`${cluster.url}/api/v1/scheduler`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': c.streamId! },
      body: JSON.stringify({ type: 'ACCEPT', framework_id: { value: c.frameworkId }, accept: { offer_ids: [{ value: 'no-such-offer' }], operations: [{ type: 'BOGUS' }] } }),
    });
    const body = (await raw.text()).trim();
    expect(raw.status).toBe(400);
    const err = await c.accept([{ value: 'no-such-offer' }], [{ type: 'BOGUS' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientHttpError);
    expect((err as ClientHttpError).status).toBe(400);
    expect((err as ClientHttpError).message).toBe(body);
  });

  it('rejects a refused SUBSCRIBE with the master\'s words', async () => {
    const c = new SchedulerClient({ master: cluster.url, frameworkInfo: { user: 'tester', name: 'x', role: 'bad role!' } });
    const err = await c.subscribe().catch((e: unknown) => e);
    c.close();
    expect(err).toBeInstanceOf(ClientHttpError);
    expect((err as ClientHttpError).message).toMatch(/role/i);
  });

  it('reports the end of the stream after TEARDOWN', async () => {
    const c = client();
    await c.subscribe();
    const gone = new Promise<Error>((resolve) => c.on('disconnected', resolve));
    await c.teardown();
    expect((await gone).message).toMatch(/closed|cut/);
    expect(c.connected).toBe(false);
  });
});

describe('SchedulerClient against odd masters', () => {
  const servers: http.Server[] = [];
  afterAll(() => { for (const s of servers) s.closeAllConnections(), s.close() });

  async function serve(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('follows a 307 to the leading master', async () => {
    const target = new URL(cluster.url);
    const follower = await serve((req, res) => {
      req.resume();
      res.writeHead(307, { Location: `//${target.host}/api/v1/scheduler` }).end();
    });
    const c = client(follower);
    const subscribed = await c.subscribe();
    expect(subscribed.frameworkId).toBeTruthy();
    expect(c.masterUrl).toBe(cluster.url);
  });

  it('declares the stream dead when no HEARTBEAT arrives in time', async () => {
    const silent = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 's-1' });
      res.write(encodeRecord({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'f-1' }, heartbeat_interval_seconds: 0.05 } }));
    });
    const c = new SchedulerClient({ master: silent, frameworkInfo: { user: 'tester', name: 'x' }, missedHeartbeats: 2 });
    const gone = new Promise<Error>((resolve) => c.on('disconnected', resolve));
    await c.subscribe();
    expect((await gone).message).toMatch(/no event or HEARTBEAT .* for 0\.1 s/);
    c.close();
  });
});
