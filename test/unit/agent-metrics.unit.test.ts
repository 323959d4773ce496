import { Resources } from '../../cluster/protocol/resources';
import type { TaskState } from '../../cluster/protocol/types';
import { AgentCounters, agentMetricsSnapshot, usedResources, type AgentMetricsInput } from '../../cluster/agent/metrics';

type Entry = AgentMetricsInput['tasks'][number];

function entry(id: string, containerId: string, state: TaskState, resources = 'cpus:0.5;mem:64', frameworkId = 'fw'): Entry {
  return {
    containerId,
    frameworkId,
    task: { name: id, task_id: { value: id }, agent_id: { value: 'a' }, resources: Resources.parse(resources).toV1() },
    runner: { state } as Entry['runner'],
  };
}

const snapshot = (tasks: Entry[], counters = new AgentCounters()) =>
  agentMetricsSnapshot({ now: 110, startTime: 100, registered: true, total: Resources.parse('cpus:4;mem:1024;disk:100'), tasks, counters });

describe('agent metrics', () => {
  it('counts executors by the states of their tasks: all staging is registering, all killing is terminating', () => {
    const m = snapshot([
      entry('a', 'c1', 'TASK_STAGING'),
      entry('b', 'c2', 'TASK_KILLING'),
      entry('c', 'c3', 'TASK_RUNNING'),
      entry('d', 'c3', 'TASK_KILLING'),
      entry('e', 'c4', 'TASK_FINISHED'),
    ]);
    expect(m).toMatchObject({
      'slave/executors_registering': 1,
      'slave/executors_terminating': 1,
      'slave/executors_running': 1,
      'slave/tasks_staging': 1,
      'slave/tasks_killing': 2,
      'slave/tasks_running': 1,
      'slave/uptime_secs': 10,
      'slave/registered': 1,
      'slave/frameworks_active': 1,
    });
  });

  it('counts what live tasks hold as used; ended tasks hold nothing', () => {
    const tasks = [entry('a', 'c1', 'TASK_RUNNING', 'cpus:1;mem:256'), entry('b', 'c2', 'TASK_FAILED', 'cpus:2;mem:512')];
    expect(usedResources(tasks).toString()).toBe(Resources.parse('cpus:1;mem:256').toString());
    expect(snapshot(tasks)).toMatchObject({ 'slave/cpus_used': 1, 'slave/cpus_percent': 0.25, 'slave/mem_used': 256, 'slave/mem_percent': 0.25, 'slave/disk_percent': 0, 'slave/gpus_percent': 0 });
  });

  it('keeps terminal task counters from the updates, not from the table', () => {
    const counters = new AgentCounters();
    for (const state of ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED', 'TASK_RUNNING', 'TASK_LOST'] as TaskState[]) counters.statusUpdate(state);
    expect(snapshot([], counters)).toMatchObject({ 'slave/valid_status_updates': 5, 'slave/tasks_finished': 1, 'slave/tasks_lost': 1, 'slave/tasks_failed': 0, 'slave/tasks_running': 0 });
  });
});
