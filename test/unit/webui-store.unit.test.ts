/**
 * The web UI's model of the cluster, fed by operator events exactly as the master writes them
 * (RecordIO over a fetch body), and its reconnect-and-resubscribe loop against a stubbed fetch.
 */
import fc from 'fast-check';
import { encodeRecord } from '../../cluster/protocol/recordio';
import type { OperatorAgent, OperatorEvent, OperatorFramework } from '../../cluster/protocol/operator';
import type { Task, TaskState } from '../../cluster/protocol/types';
import { followCluster } from '../../cluster/webui/live';
import { readRecords } from '../../cluster/webui/recordio';
import { Store } from '../../cluster/webui/store';
import { clusterTotals } from '../../cluster/webui/stats';
import { parseHash, href } from '../../cluster/webui/router';

function agent(id: string, cpus = 2): OperatorAgent {
  return {
    agent_info: { id: { value: id }, hostname: 'host', port: 5051, resources: [] },
    active: true,
    total_resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } }],
  };
}

function framework(id: string): OperatorFramework {
  return { framework_info: { id: { value: id }, name: `fw-${id}`, user: 'root' }, active: true, connected: true };
}

function task(id: string, state: TaskState, at = 1): Task {
  return {
    name: id, task_id: { value: id }, framework_id: { value: 'f1' }, agent_id: { value: 'a1' }, state,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }],
    statuses: [{ task_id: { value: id }, state, timestamp: at }],
  };
}

function subscribed(tasks: Task[] = [], agents = [agent('a1')]): OperatorEvent {
  return {
    type: 'SUBSCRIBED',
    subscribed: {
      get_state: { get_agents: { agents }, get_frameworks: { frameworks: [framework('f1')] }, get_tasks: { tasks } },
      heartbeat_interval_seconds: 15,
    },
  };
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({ start(controller) { for (const c of chunks) controller.enqueue(c); controller.close() } });
}

describe('the web UI store', () => {
  it('starts from the SUBSCRIBED snapshot and follows a task from launch to its end', () => {
    const store = new Store();
    store.apply(subscribed());
    expect(store.loaded).toBe(true);
    expect([...store.agents.keys()]).toEqual(['a1']);
    store.apply({ type: 'TASK_ADDED', task_added: { task: task('t1', 'TASK_STAGING') } });
    store.apply({ type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'f1' }, state: 'TASK_RUNNING', status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', timestamp: 2 } } });
    expect(store.findTask('f1', 't1')?.state).toBe('TASK_RUNNING');
    expect(clusterTotals(store).allocated.cpus).toBe(0.5);
    store.apply({ type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'f1' }, state: 'TASK_FINISHED', status: { task_id: { value: 't1' }, state: 'TASK_FINISHED', timestamp: 3 } } });
    expect(store.tasks.size).toBe(0);
    expect(store.completedTasks.get('f1\u0000t1')?.statuses.map((s) => s.state)).toEqual(['TASK_STAGING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(clusterTotals(store).allocated.cpus).toBe(0);
  });

  it('adds and removes agents and moves a removed framework to the completed list', () => {
    const store = new Store();
    store.apply(subscribed());
    store.apply({ type: 'AGENT_ADDED', agent_added: { agent: agent('a2', 4) } });
    expect(clusterTotals(store).total.cpus).toBe(6);
    store.apply({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: 'a1' } } });
    expect([...store.agents.keys()]).toEqual(['a2']);
    store.apply({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: framework('f1').framework_info } });
    expect(store.frameworks.size).toBe(0);
    expect(store.completedFrameworks.get('f1')?.unregistered_time).toBeDefined();
  });

  it('a new SUBSCRIBED replaces everything it knew (a resubscription after a drop)', () => {
    const store = new Store();
    store.apply(subscribed([task('old', 'TASK_RUNNING')]));
    store.apply(subscribed([task('new', 'TASK_RUNNING')], [agent('a9')]));
    expect([...store.tasks.values()].map((t) => t.name)).toEqual(['new']);
    expect([...store.agents.keys()]).toEqual(['a9']);
  });

  it('ignores heartbeats, unknown events and updates for tasks it never saw', () => {
    const store = new Store();
    store.apply(subscribed());
    store.apply({ type: 'HEARTBEAT' });
    store.apply({ type: 'SOMETHING_NEWER' } as unknown as OperatorEvent);
    store.apply({ type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'f1' }, state: 'TASK_RUNNING', status: { task_id: { value: 'ghost' }, state: 'TASK_RUNNING' } } });
    expect(store.tasks.size).toBe(0);
  });

  it('keeps completed tasks newest last and bounded', () => {
    const store = new Store();
    store.apply(subscribed());
    for (let i = 0; i < 5100; i++) store.apply({ type: 'TASK_ADDED', task_added: { task: task(`t${i}`, 'TASK_FINISHED') } });
    expect(store.completedTasks.size).toBe(5000);
    expect([...store.completedTasks.values()].pop()?.name).toBe('t5099');
  });
});

describe('reading RecordIO from a fetch body', () => {
  it('yields what the master encoded, however the bytes are cut', async () => {
    const events = [subscribed([task('🚀', 'TASK_RUNNING')]), { type: 'HEARTBEAT' }];
    const bytes = new Uint8Array(Buffer.concat(events.map(encodeRecord)));
    await fc.assert(fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 })), async (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
      const chunks = points.slice(1).map((end, i) => bytes.slice(points[i], end));
      const got: unknown[] = [];
      for await (const record of readRecords(streamOf(chunks))) got.push(record);
      expect(got).toEqual(events);
    }), { numRuns: 50 });
  });

  it('rejects a garbled length header', async () => {
    const read = async () => { for await (const _ of readRecords(streamOf([new TextEncoder().encode('x1\n{}')]))) void _ };
    await expect(read()).rejects.toThrow("bad RecordIO length header 'x1'");
  });
});

describe('following the cluster', () => {
  const realFetch = global.fetch;
  afterEach(() => { global.fetch = realFetch });

  it('subscribes again when the stream drops and takes the new snapshot', async () => {
    const snapshots = [subscribed([task('before', 'TASK_RUNNING')]), subscribed([task('after', 'TASK_RUNNING')])];
    let subscriptions = 0;
    global.fetch = (async (_url: unknown, init?: { body?: string }) => {
      const type = JSON.parse(init?.body ?? '{}').type;
      if (type !== 'SUBSCRIBE') return new Response('{}', { status: 200 });
      const snapshot = snapshots[Math.min(subscriptions++, snapshots.length - 1)];
      // Each stream ends after its snapshot, as when a master restarts or a proxy cuts it.
      return new Response(streamOf([new Uint8Array(encodeRecord(snapshot))]), { status: 200 });
    }) as typeof fetch;
    const store = new Store();
    const stop = followCluster(store);
    try {
      await waitFor(() => store.findTask('f1', 'after') !== undefined);
      expect(subscriptions).toBeGreaterThanOrEqual(2);
      expect(store.findTask('f1', 'before')).toBeUndefined();
    } finally {
      stop();
    }
  });
});

describe('hash routes', () => {
  it('round-trips ids that hold slashes, spaces and query characters', () => {
    const link = href(['tasks', 'fw/1', 'task ?&#1'], { file: 'logs/out put' });
    const route = parseHash(link);
    expect(route.parts).toEqual(['tasks', 'fw/1', 'task ?&#1']);
    expect(route.query.get('file')).toBe('logs/out put');
  });

  it('reads the empty hash as the overview', () => {
    expect(parseHash('').parts).toEqual([]);
    expect(parseHash('#/').parts).toEqual([]);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
