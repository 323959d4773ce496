import { buildStatus, renderStatus, RECENT_COMPLETED } from '../../cli/status-view';
import type { GetState } from '../../cluster/protocol/operator';
import { Resources } from '../../cluster/protocol/resources';
import type { Task, TaskState } from '../../cluster/protocol/types';

function task(id: string, state: TaskState, at: number): Task {
  return {
    name: id, task_id: { value: id }, framework_id: { value: 'f1' }, agent_id: { value: 'a1' }, state,
    resources: Resources.parse('cpus:1;mem:128').toV1(), statuses: [{ task_id: { value: id }, state, timestamp: at }],
  };
}

const state: GetState = {
  get_agents: {
    agents: [{
      agent_info: { id: { value: 'a1' }, hostname: '127.0.0.1', port: 5051, resources: [] },
      active: true, pid: 'slave(1)@127.0.0.1:5051',
      total_resources: Resources.parse('cpus:2;mem:2048;disk:1000;ports:[31000-32000]').toV1(),
      allocated_resources: Resources.parse('cpus:1;mem:128').toV1(),
    }],
  },
  get_frameworks: { frameworks: [{ framework_info: { id: { value: 'f1' }, name: 'mesoscloud-exec', user: 'root' }, active: true, connected: true }] },
  get_tasks: {
    tasks: [task('sleeper', 'TASK_RUNNING', 100), task('done-1', 'TASK_FINISHED', 50)],
    completed_tasks: Array.from({ length: 12 }, (_, i) => task(`old-${i}`, 'TASK_FAILED', i)),
  },
};

describe('status view', () => {
  const status = buildStatus({ cluster: 'local', masterUrl: 'http://127.0.0.1:5050', healthy: true, version: '0.1.0', state });

  it('lists agents with total and used resources', () => {
    expect(status.agents).toEqual([expect.objectContaining({
      id: 'a1', address: '127.0.0.1:5051', active: true,
      total: expect.objectContaining({ cpus: 2, mem: 2048 }), used: expect.objectContaining({ cpus: 1, mem: 128 }),
    })]);
  });

  it('splits running from completed tasks, newest completed first, and keeps only the recent ones', () => {
    expect(status.tasks.running.map((t) => t.id)).toEqual(['sleeper']);
    expect(status.tasks.completed).toHaveLength(RECENT_COMPLETED);
    expect(status.tasks.completed[0].id).toBe('done-1');
    expect(status.tasks.completed[1].id).toBe('old-11');
    expect(status.tasks.running[0]).toMatchObject({ state: 'TASK_RUNNING', resources: 'cpus:1;mem:128', updated: new Date(100_000).toISOString() });
  });

  it('renders readable tables', () => {
    const text = renderStatus(status).join('\n');
    expect(text).toContain("Cluster 'local': master http://127.0.0.1:5050 healthy (version 0.1.0)");
    expect(text).toMatch(/a1\s+127\.0\.0\.1:5051\s+yes\s+1\/2\s+128\/2048/);
    expect(text).toMatch(/Running tasks \(1\):\n\s+NAME\s+STATE.*\n\s+sleeper\s+TASK_RUNNING/);
  });

  it('copes with an empty cluster', () => {
    const empty = buildStatus({ cluster: 'x', masterUrl: 'http://m:1', healthy: false, state: {} });
    expect(empty).toMatchObject({ agents: [], frameworks: [], tasks: { running: [], completed: [] } });
    expect(renderStatus(empty).join('\n')).toContain('none registered');
  });
});
