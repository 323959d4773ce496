/**
 * Hostile bodies against the master's v1 APIs: values nested too deep, call types that name
 * properties of Object.prototype, huge values quoted back, POSTs without a JSON content type. Each is
 * a 4xx that names the problem, and the master's state stays whole.
 */
import * as http from 'node:http';
import { createMaster, type Master } from '../../cluster/master';
import { MAX_JSON_DEPTH } from '../../cluster/protocol/json-limits';
import { silentLogger } from '../../cluster/util/log';
import { getJson, request } from '../helpers/http';
import { RawAgent } from '../helpers/raw-agent';
import { commandTask, frameworkInfo, RawScheduler, SCHEDULER_PATH } from '../helpers/scheduler';

const DEEP = '<deep>';

/** `body` as JSON text, its DEEP placeholder replaced by a value nested `depth` levels deep (built as text: too deep to stringify). */
function withDeep(body: unknown, depth: number): string {
  const half = Math.floor(depth / 2);
  const deep = '[{"k":'.repeat(half) + '"bottom"' + '}]'.repeat(half);
  return JSON.stringify(body).replace(JSON.stringify(DEEP), deep);
}

describe('hostile input to the master', () => {
  let master: Master;
  let agent: RawAgent;
  const schedulers: RawScheduler[] = [];

  beforeAll(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, allocationIntervalMs: 50 });
    await master.listen();
    agent = await RawAgent.register(master.url, { resources: 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]' });
  });

  afterAll(async () => {
    for (const s of schedulers) s.close();
    agent.disconnect();
    await master.close();
  });

  test('a framework_info with a value nested 10,000 deep is refused, naming the limit, and nothing is stored', async () => {
    const body = { type: 'SUBSCRIBE', subscribe: { framework_info: { ...frameworkInfo({ name: 'deep' }), extra: DEEP } } };
    const res = await request(`${master.url}${SCHEDULER_PATH}`, { body: withDeep(body, 10_000) });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    const state = await request(`${master.url}/api/v1`, { body: { type: 'GET_STATE' } });
    expect(state.status).toBe(200);
    expect((await getJson(`${master.url}/state`)).frameworks).toEqual([]);
  });

  test('an ACCEPT with a deep TaskInfo is refused whole: no task is created and the offer can still be used', async () => {
    const scheduler = await RawScheduler.subscribe(master.url, frameworkInfo({ name: 'accepting' }));
    schedulers.push(scheduler);
    const [offer] = await scheduler.nextOffers();
    const accept = (task: unknown) => ({
      type: 'ACCEPT', framework_id: { value: scheduler.frameworkId },
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    const deep = { ...commandTask(offer, 'deep-task', 'true'), labels: { labels: [{ key: 'k', value: 'v', extra: DEEP }] } };
    const refused = await request(`${master.url}${SCHEDULER_PATH}`, { body: withDeep(accept(deep), 10_000), headers: { 'Mesos-Stream-Id': scheduler.streamId } });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('deeper than');
    expect((await getJson(`${master.url}/state`)).frameworks[0].tasks).toEqual([]);
    expect((await scheduler.call(accept(commandTask(offer, 'fine-task', 'true')))).status).toBe(202);
    const tasks = (await getJson(`${master.url}/state`)).frameworks[0].tasks;
    expect(tasks.map((t: any) => [t.id, t.state])).toEqual([['fine-task', 'TASK_STAGING']]);
  });

  test('a body nested just within the limit passes the parser (and is judged by the validators)', async () => {
    const res = await request(`${master.url}/api/v1`, { body: withDeep({ type: 'GET_HEALTH', extra: DEEP }, MAX_JSON_DEPTH - 2) });
    expect(res.status).toBe(200);
  });

  const PROTOTYPE_NAMES = ['__proto__', 'hasOwnProperty', 'valueOf', 'toString', 'constructor', 'isPrototypeOf', '__defineGetter__'];

  test.each(PROTOTYPE_NAMES)('operator call type %s is an unsupported call (400), as any unknown type', async (type) => {
    const res = await request(`${master.url}/api/v1`, { body: { type } });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Unsupported call type');
  });

  test.each(PROTOTYPE_NAMES)('scheduler call type %s is refused with a 400', async (type) => {
    const res = await request(`${master.url}${SCHEDULER_PATH}`, { body: { type, framework_id: { value: 'x' } } });
    expect(res.status).toBe(400);
    expect(res.text).toContain("'type'");
  });

  test('a 7 MB call type and id are quoted back as a short prefix', async () => {
    const type = 'A'.repeat(7 * 1024 * 1024);
    for (const path of ['/api/v1', SCHEDULER_PATH]) {
      const res = await request(`${master.url}${path}`, { body: { type, framework_id: { value: type } } });
      expect(res.status).toBe(400);
      expect(res.text.length).toBeLessThan(3000);
      expect(res.text).toContain(`${'A'.repeat(40)}`);
    }
    const missing = await request(`${master.url}/${'p'.repeat(10_000)}`);
    expect(missing.status).toBe(404);
    expect(missing.text.length).toBeLessThan(300);
  });

  test.each(['/api/v1', SCHEDULER_PATH, '/api/v1/agent'])('POST %s without a Content-Type, or with a form or text type, is 415', async (path) => {
    const body = '{"type":"GET_HEALTH"}';
    const missing = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${master.url}${path}`, { method: 'POST', agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString('utf8') });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(missing).toEqual({ status: 415, text: "Expecting 'Content-Type' to be present" });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect((await request(`${master.url}${path}`, { body, headers: { 'Content-Type': type } })).status).toBe(415);
    }
  });
});
