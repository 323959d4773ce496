/**
 * Changes a master's records can go through, for tests that check views kept between builds (/state,
 * GET_STATE) against the records after any sequence of them.
 */
import fc from 'fast-check';
import { Resources } from '../../cluster/protocol/resources';
import type { TaskState } from '../../cluster/protocol/types';
import { recordingStream, registerCall, type MasterHarness } from './master-harness';

/** What the cluster can go through, each applied to the agent or task picked by `pick`. */
export type Change = {
  kind: 'register' | 'reregister' | 'status' | 'health' | 'finish' | 'unreachable' | 'deactivate' | 'reactivate' | 'subscribe' | 'teardown' | 'group';
  pick: number;
};

export function apply(master: MasterHarness, change: Change, next: { agent: number }): void {
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

export const changeArb = fc.record({
  kind: fc.constantFrom<Change['kind']>(
    'register', 'reregister', 'status', 'health', 'finish', 'unreachable', 'deactivate', 'reactivate', 'subscribe', 'teardown', 'group', 'group',
  ),
  pick: fc.nat(1000),
});
