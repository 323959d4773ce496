/**
 * GET /state is served from bytes kept between builds (state-cache.ts). Whatever happens to the
 * cluster, the document must be exactly what rendering the registry from scratch gives.
 */
import fc from 'fast-check';
import { createAllocator } from '../../cluster/allocator';
import type { RecordIOStream } from '../../cluster/http/server';
import { parseRegistration, type RegisterCall } from '../../cluster/master/state/agents';
import { MasterCore } from '../../cluster/master/core';
import { MASTER_DEFAULTS } from '../../cluster/master/options';
import type { AgentRecord } from '../../cluster/master/state/registry';
import { StateJsonCache } from '../../cluster/master/views/state-cache';
import { buildState } from '../../cluster/master/views/state-json';
import { UsageCache } from '../../cluster/master/views/usage-cache';
import { newMasterId } from '../../cluster/protocol/ids';
import { Resources } from '../../cluster/protocol/resources';
import type { TaskState } from '../../cluster/protocol/types';
import { silentLogger } from '../../cluster/util/log';

const FRAMEWORK = 'fw-adopted';

function fakeStream(): RecordIOStream {
  return { write: () => true, onClose: () => undefined, end: () => undefined, isClosed: false } as unknown as RecordIOStream;
}

function newCore(): MasterCore {
  const core = new MasterCore({ ...MASTER_DEFAULTS, ip: '127.0.0.1', port: 5050, logger: silentLogger }, createAllocator(), silentLogger, newMasterId());
  core.start({ id: core.id, ip: 16777343, port: 5050, hostname: 'master', address: { ip: '127.0.0.1', hostname: 'master', port: 5050 } });
  return core;
}

/** The REGISTER of agent `index`, reporting `tasks` running tasks of one framework, as after a master failover. */
function registerCall(index: number, tasks: number, cpus = 8): RegisterCall {
  const agentId = `agent-${index}`;
  return {
    agent_info: {
      id: { value: agentId },
      hostname: `host-${index}`,
      port: 5051,
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
      ],
    },
    version: 'test',
    pid: `127.0.0.1:${20000 + index}`,
    tasks: Array.from({ length: tasks }, (_, t) => ({
      name: `task ${index}/${t}`,
      task_id: { value: `task-${index}-${t}` },
      framework_id: { value: FRAMEWORK },
      agent_id: { value: agentId },
      state: 'TASK_RUNNING' as TaskState,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
      statuses: [{ task_id: { value: `task-${index}-${t}` }, state: 'TASK_RUNNING' as TaskState, timestamp: 1000 + t }],
    })),
    frameworks: [{ id: { value: FRAMEWORK }, user: 'u', name: 'adopted' }],
  } as unknown as RegisterCall;
}

function register(core: MasterCore, call: RegisterCall): AgentRecord {
  const parsed = parseRegistration(call);
  if (!parsed.ok) throw new Error(parsed.message);
  return core.agents.register(parsed.value, fakeStream(), `stream-${call.agent_info.id?.value}`);
}

/** What the cluster can go through, each applied to the agent or task picked by `pick`. */
type Change = {
  kind: 'register' | 'reregister' | 'status' | 'health' | 'finish' | 'unreachable' | 'deactivate' | 'reactivate' | 'subscribe' | 'teardown' | 'group';
  pick: number;
};

function apply(core: MasterCore, change: Change, next: { agent: number }): void {
  const agents = [...core.registry.agents.values()];
  const agent = agents.length > 0 ? agents[change.pick % agents.length] : undefined;
  const tasks = agent ? [...agent.tasks.values()] : [];
  const task = tasks.length > 0 ? tasks[change.pick % tasks.length] : undefined;
  const status = (state: TaskState, extra: object = {}) => ({ task_id: { value: task!.taskId }, state, timestamp: 2000 + change.pick, ...extra });
  switch (change.kind) {
    case 'register': register(core, registerCall(next.agent++, change.pick % 5)); break;
    case 'reregister':
      if (agent) register(core, registerCall(Number(agent.id.slice('agent-'.length)), agent.tasks.size, 8 + (change.pick % 3)));
      break;
    case 'status': if (agent && task) core.tasks.onAgentUpdate(agent, task.frameworkId, status('TASK_RUNNING')); break;
    case 'health': if (agent && task) core.tasks.onAgentUpdate(agent, task.frameworkId, status(task.state, { healthy: change.pick % 2 === 0 })); break;
    case 'finish': if (agent && task) core.tasks.onAgentUpdate(agent, task.frameworkId, status(change.pick % 2 ? 'TASK_FINISHED' : 'TASK_FAILED')); break;
    case 'unreachable': if (agent && agent.connection !== 'unreachable') core.agents.markUnreachable(agent); break;
    case 'deactivate': if (agent && agent.connection !== 'unreachable') core.maintenance.deactivate(agent); break;
    case 'reactivate': if (agent && agent.connection !== 'unreachable') core.maintenance.reactivate(agent); break;
    case 'subscribe': core.frameworks.subscribe({ user: 'u', name: `fw ${change.pick}`, roles: ['*'] }, [], fakeStream(), `fw-stream-${change.pick}`); break;
    case 'group': {
      // A task group: its executor holds resources of its own, listed under the framework's executors.
      const frameworks = [...core.registry.frameworks.values()];
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
      const frameworks = [...core.registry.frameworks.values()];
      if (frameworks.length > 0) core.frameworks.remove(frameworks[change.pick % frameworks.length], 'test teardown');
      break;
    }
  }
}

async function served(cache: StateJsonCache): Promise<string> {
  const { chunks, length } = await cache.body();
  const bytes = Buffer.concat(chunks);
  expect(bytes.length).toBe(length);
  return bytes.toString('utf8');
}

/** Lets pending allocations run, so offers come and go between changes. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

const changeArb = fc.record({
  kind: fc.constantFrom<Change['kind']>(
    'register', 'reregister', 'status', 'health', 'finish', 'unreachable', 'deactivate', 'reactivate', 'subscribe', 'teardown', 'group', 'group',
  ),
  pick: fc.nat(1000),
});

describe('GET /state from kept bytes', () => {
  test('after any sequence of changes, the document is the registry rendered from scratch', async () => {
    await fc.assert(fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 25 }), async (changes) => {
      const core = newCore();
      try {
        const cache = new StateJsonCache(core, new UsageCache());
        const next = { agent: 0 };
        for (let i = 0; i < 40; i++) register(core, registerCall(next.agent++, i % 7));
        expect(await served(cache)).toBe(JSON.stringify(buildState(core)));
        for (const change of changes) {
          apply(core, change, next);
          await turn();
          expect(await served(cache)).toBe(JSON.stringify(buildState(core)));
        }
      } finally {
        core.stop();
      }
    }), { numRuns: 15 });
  });

  test('changes while a build yields to the event loop still end in a document of one instant', async () => {
    const core = newCore();
    try {
      // Slices of 0 ms: the build yields at every check, so the changes below land in the middle of it.
      const cache = new StateJsonCache(core, new UsageCache(), 0);
      const next = { agent: 0 };
      for (let i = 0; i < 300; i++) register(core, registerCall(next.agent++, 10));
      for (let round = 0; round < 10; round++) {
        const pending = cache.body();
        for (let k = 0; k < 4; k++) setImmediate(() => apply(core, { kind: k % 2 ? 'status' : 'register', pick: round * 7 + k }, next));
        const { chunks } = await pending;
        expect(Buffer.concat(chunks).toString('utf8')).toBe(JSON.stringify(buildState(core)));
      }
    } finally {
      core.stop();
    }
  });

  test('requests during a build share it, and an unchanged registry is answered from the cache', async () => {
    const core = newCore();
    try {
      const cache = new StateJsonCache(core, new UsageCache(), 0);
      for (let i = 0; i < 50; i++) register(core, registerCall(i, 3));
      const [a, b] = await Promise.all([cache.body(), cache.body()]);
      expect(b).toBe(a);
      expect(await cache.body()).toBe(a);
      register(core, registerCall(50, 3));
      const c = await cache.body();
      expect(c).not.toBe(a);
      expect(JSON.parse(Buffer.concat(c.chunks).toString('utf8')).slaves).toHaveLength(51);
    } finally {
      core.stop();
    }
  });
});
