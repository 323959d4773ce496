/**
 * GET /state is served from bytes kept between builds (state-cache.ts). Whatever happens to the
 * cluster, the document must be exactly what rendering the records from scratch gives.
 */
import fc from 'fast-check';
import type { MasterCore } from '../../cluster/master/core';
import { StateJsonCache } from '../../cluster/master/views/state-cache';
import { buildState } from '../../cluster/master/views/state-json';
import { UsageCache } from '../../cluster/master/views/usage-cache';
import { Resources } from '../../cluster/protocol/resources';
import type { TaskState } from '../../cluster/protocol/types';
import { createMasterHarness, recordingStream, registerCall, type MasterHarness } from '../helpers/master-harness';

/** What the cluster can go through, each applied to the agent or task picked by `pick`. */
type Change = {
  kind: 'register' | 'reregister' | 'status' | 'health' | 'finish' | 'unreachable' | 'deactivate' | 'reactivate' | 'subscribe' | 'teardown' | 'group';
  pick: number;
};

function apply(master: MasterHarness, change: Change, next: { agent: number }): void {
  const { core } = master;
  const agents = [...core.records.agents.values()];
  const agent = agents.length > 0 ? agents[change.pick % agents.length] : undefined;
  const tasks = agent ? [...agent.tasks.values()] : [];
  const task = tasks.length > 0 ? tasks[change.pick % tasks.length] : undefined;
  const status = (state: TaskState, extra: object = {}) => ({ task_id: { value: task!.taskId }, state, timestamp: 2000 + change.pick, ...extra });
  switch (change.kind) {
    case 'register': master.register(registerCall(next.agent++, change.pick % 5)); break;
    case 'reregister':
      if (agent) master.register(registerCall(Number(agent.id.slice('agent-'.length)), agent.tasks.size, 8 + (change.pick % 3)));
      break;
    case 'status': if (agent && task) core.tasks.onAgentUpdate(agent, task.frameworkId, status('TASK_RUNNING')); break;
    case 'health': if (agent && task) core.tasks.onAgentUpdate(agent, task.frameworkId, status(task.state, { healthy: change.pick % 2 === 0 })); break;
    case 'finish': if (agent && task) core.tasks.onAgentUpdate(agent, task.frameworkId, status(change.pick % 2 ? 'TASK_FINISHED' : 'TASK_FAILED')); break;
    case 'unreachable': if (agent && agent.connection !== 'unreachable') core.agents.markUnreachable(agent); break;
    case 'deactivate': if (agent && agent.connection !== 'unreachable') core.maintenance.deactivate(agent); break;
    case 'reactivate': if (agent && agent.connection !== 'unreachable') core.maintenance.reactivate(agent); break;
    case 'subscribe': core.frameworks.subscribe({ user: 'u', name: `fw ${change.pick}`, roles: ['*'] }, [], recordingStream(), `fw-stream-${change.pick}`); break;
    case 'group': {
      // A task group: its executor holds resources of its own, listed under the framework's executors.
      const frameworks = [...core.records.frameworks.values()];
      const framework = frameworks[change.pick % Math.max(1, frameworks.length)];
      if (!agent || agent.connection === 'unreachable' || !framework) break;
      const taskId = `group-task-${change.pick}-${agent.tasks.size}`;
      const executorInfo = { executor_id: { value: `executor-${change.pick}` }, type: 'DEFAULT' as const, resources: [] };
      core.tasks.addExecutor(framework, agent, '*', executorInfo, Resources.parse('cpus:0.1;mem:32'), [taskId]);
      const task = { name: taskId, task_id: { value: taskId }, agent_id: { value: agent.id }, resources: [] };
      core.tasks.add({ framework, agent, role: '*', task, resources: Resources.parse('cpus:0.5;mem:64'), executorId: executorInfo.executor_id.value });
      break;
    }
    case 'teardown': {
      const frameworks = [...core.records.frameworks.values()];
      if (frameworks.length > 0) core.frameworks.remove(frameworks[change.pick % frameworks.length], 'test teardown');
      break;
    }
  }
}

function newCache(core: MasterCore, sliceMs?: number): StateJsonCache {
  return new StateJsonCache(core, new UsageCache(), sliceMs);
}

async function served(cache: StateJsonCache): Promise<string> {
  const { chunks, length } = await cache.body();
  const bytes = Buffer.concat(chunks);
  expect(bytes.length).toBe(length);
  return bytes.toString('utf8');
}

const changeArb = fc.record({
  kind: fc.constantFrom<Change['kind']>(
    'register', 'reregister', 'status', 'health', 'finish', 'unreachable', 'deactivate', 'reactivate', 'subscribe', 'teardown', 'group', 'group',
  ),
  pick: fc.nat(1000),
});

describe('GET /state from kept bytes', () => {
  test('after any sequence of changes, the document is the records rendered from scratch', async () => {
    await fc.assert(fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 25 }), async (changes) => {
      const master = createMasterHarness();
      const { core } = master;
      try {
        const cache = newCache(core);
        const next = { agent: 0 };
        for (let i = 0; i < 40; i++) master.register(registerCall(next.agent++, i % 7));
        expect(await served(cache)).toBe(JSON.stringify(buildState(core)));
        for (const change of changes) {
          apply(master, change, next);
          await master.turn();
          expect(await served(cache)).toBe(JSON.stringify(buildState(core)));
        }
      } finally {
        master.stop();
      }
    }), { numRuns: 15 });
  });

  test('changes while a build yields to the event loop still end in a document of one instant', async () => {
    const master = createMasterHarness();
    const { core } = master;
    try {
      // Slices of 0 ms: the build yields at every check, so the changes below land in the middle of it.
      const cache = newCache(core, 0);
      const next = { agent: 0 };
      for (let i = 0; i < 300; i++) master.register(registerCall(next.agent++, 10));
      for (let round = 0; round < 10; round++) {
        const pending = cache.body();
        for (let k = 0; k < 4; k++) setImmediate(() => apply(master, { kind: k % 2 ? 'status' : 'register', pick: round * 7 + k }, next));
        const { chunks } = await pending;
        expect(Buffer.concat(chunks).toString('utf8')).toBe(JSON.stringify(buildState(core)));
      }
    } finally {
      master.stop();
    }
  });

  test('requests during a build share it, and unchanged records is answered from the cache', async () => {
    const master = createMasterHarness();
    const { core } = master;
    try {
      const cache = newCache(core, 0);
      for (let i = 0; i < 50; i++) master.register(registerCall(i, 3));
      const [a, b] = await Promise.all([cache.body(), cache.body()]);
      expect(b).toBe(a);
      expect(await cache.body()).toBe(a);
      master.register(registerCall(50, 3));
      const c = await cache.body();
      expect(c).not.toBe(a);
      expect(JSON.parse(Buffer.concat(c.chunks).toString('utf8')).slaves).toHaveLength(51);
    } finally {
      master.stop();
    }
  });
});
