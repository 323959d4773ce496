/**
 * A scheduler that subscribes and never reads its stream, while its own RECONCILE calls make the
 * master write UPDATE events to it: the stream is cut once its unread backlog passes the cap, the
 * framework is disconnected (not removed) as when a scheduler goes away, the master's memory stays
 * bounded and it answers as before.
 */
import * as http from 'node:http';
import { createMaster, type Master } from '../../cluster/master';
import { DEFAULT_HTTP_LIMITS } from '../../cluster/http/limits';
import { silentLogger } from '../../cluster/util/log';
import { eventually, getJson, request } from '../helpers/http';
import { frameworkInfo, RawScheduler, SCHEDULER_PATH } from '../helpers/scheduler';

const MiB = 1024 * 1024;
/** Task ids per RECONCILE: each one the master does not know is answered with its own UPDATE. */
const TASKS_PER_CALL = 2000;

/** SUBSCRIBE whose response is never read: the socket stays open and its data piles up. */
function subscribeWithoutReading(url: string): Promise<{ frameworkId: string; streamId: string; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo({ name: 'never-reads', failover_timeout: 3600 }) } });
    const req = http.request(`${url}${SCHEDULER_PATH}`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let first = '';
      const onData = (chunk: Buffer) => {
        first += chunk.toString('utf8');
        const match = /"framework_id":\{"value":"([^"]+)"\}/.exec(first);
        if (!match) return;
        // Stop reading for good: from here on the master's writes pile up.
        res.off('data', onData);
        res.pause();
        resolve({ frameworkId: match[1], streamId: String(res.headers['mesos-stream-id']), req });
      };
      res.on('data', onData);
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.on('error', reject);
    req.end(body);
  });
}

describe('a scheduler that never reads its stream', () => {
  let master: Master;

  beforeAll(async () => {
    master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, heartbeatIntervalSeconds: 60 });
    await master.listen();
  });

  afterAll(async () => {
    await master.close();
  });

  test('is cut off at the backlog cap; the framework is disconnected, memory stays bounded and the master answers', async () => {
    const before = process.memoryUsage().rss;
    const { frameworkId, streamId, req } = await subscribeWithoutReading(master.url);
    const reconcile = {
      type: 'RECONCILE', framework_id: { value: frameworkId },
      reconcile: { tasks: Array.from({ length: TASKS_PER_CALL }, (_, i) => ({ task_id: { value: `no-such-task-${i}` } })) },
    };
    let accepted = 0;
    let peak = before;
    // Far more than the cap: without it the master would hold every byte of these answers.
    for (let i = 0; i < 400; i++) {
      const res = await request(`${master.url}${SCHEDULER_PATH}`, { body: reconcile, headers: { 'Mesos-Stream-Id': streamId } });
      peak = Math.max(peak, process.memoryUsage().rss);
      if (res.status !== 202) {
        expect(res.status).toBe(403);
        break;
      }
      accepted++;
    }
    const bytesPerCall = 150 * TASKS_PER_CALL;
    expect(accepted).toBeGreaterThan(DEFAULT_HTTP_LIMITS.maxStreamBacklogBytes / bytesPerCall / 4);
    expect(accepted).toBeLessThan(400);
    const growthMb = (peak - before) / MiB;
    // Written for the closing note: what the never-reading stream cost the master.
    process.stdout.write(`never-reading scheduler: ${accepted} RECONCILE calls accepted before the cut; peak RSS growth ${growthMb.toFixed(0)} MB\n`);
    expect(growthMb).toBeLessThan(300);

    const framework = await eventually(async () => {
      const state = await getJson(`${master.url}/state`);
      const f = state.frameworks.find((x: any) => x.id === frameworkId);
      return f && !f.active ? f : undefined;
    }, 'the framework to be disconnected');
    expect(framework.connected).toBe(false);
    req.destroy();

    expect((await request(`${master.url}/api/v1`, { body: { type: 'GET_STATE' } })).status).toBe(200);
    // Disconnected, not removed: it may subscribe again under its id.
    const again = await RawScheduler.subscribe(master.url, frameworkInfo({ name: 'never-reads', id: { value: frameworkId }, failover_timeout: 3600 }));
    expect(again.frameworkId).toBe(frameworkId);
    again.close();
  });
});
