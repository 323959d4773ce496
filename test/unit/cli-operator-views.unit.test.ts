import { buildAgentRows, renderAgents } from '../../cli/views/agents';
import { buildFrameworkRows, renderFrameworks } from '../../cli/views/frameworks';
import { buildOfferRows, renderOffers } from '../../cli/views/offers';
import { buildRoleRows, quotaRows, renderQuota, renderRoles, renderWeights, weightRows } from '../../cli/views/roles';
import { filterTasks, parseTaskStates, renderTasks } from '../../cli/views/tasks';
import type { GetAgents, GetFrameworks, GetTasks, OperatorAgent } from '../../cluster/protocol/operator';
import { Resources } from '../../cluster/protocol/resources';
import type { Task, TaskState } from '../../cluster/protocol/types';

const r = (text: string) => Resources.parse(text).toV1();

function task(id: string, state: TaskState, framework = 'f1', agentId = 'a1'): Task {
  return {
    name: `name-${id}`, task_id: { value: id }, framework_id: { value: framework }, agent_id: { value: agentId }, state,
    resources: r('cpus:1;mem:128'), statuses: [{ task_id: { value: id }, state, timestamp: 1000 }],
  };
}

function agent(id: string, extra: Partial<OperatorAgent> = {}): OperatorAgent {
  return {
    agent_info: { id: { value: id }, hostname: '127.0.0.1', port: 5051, resources: [] }, active: true, pid: `slave(1)@127.0.0.1:${id === 'a1' ? 5051 : 5052}`,
    total_resources: r('cpus:2;mem:1024;disk:1024'), allocated_resources: r('cpus:1;mem:128'), ...extra,
  };
}

const tasks: GetTasks = {
  tasks: [task('run-1', 'TASK_RUNNING'), task('stage-1', 'TASK_STAGING', 'f2', 'a2')],
  completed_tasks: [task('done-1', 'TASK_FINISHED'), task('fail-1', 'TASK_FAILED', 'f2')],
};

describe('agents', () => {
  const agents: GetAgents = {
    agents: [
      agent('a1'),
      agent('a2', { deactivated: true }),
      agent('a3', { deactivated: true, drain_info: { state: 'DRAINING' } }),
      agent('a4', { deactivated: true, drain_info: { state: 'DRAINED' } }),
      agent('a5', { active: false }),
    ],
  };
  const rows = buildAgentRows(agents, tasks);

  it('names the state an operator cares about and counts live tasks', () => {
    expect(rows.map((a) => [a.id, a.state, a.tasks])).toEqual([
      ['a1', 'active', 1], ['a2', 'deactivated', 1], ['a3', 'draining', 0], ['a4', 'drained', 0], ['a5', 'disconnected', 0],
    ]);
  });

  it('renders a table with used/total resources', () => {
    const text = renderAgents(rows).join('\n');
    expect(text).toMatch(/^ID\s+ADDRESS\s+STATE\s+TASKS\s+CPUS \(USED\/TOTAL\)/);
    expect(text).toMatch(/a1\s+127\.0\.0\.1:5051\s+active\s+1\s+1\/2\s+128\/1024\s+0\/1024/);
    expect(renderAgents([])).toEqual(['No agents registered.']);
  });
});

describe('tasks', () => {
  it('lists live tasks by default and all with --all', () => {
    expect(filterTasks(tasks, { all: false }).map((t) => t.id)).toEqual(['run-1', 'stage-1']);
    expect(filterTasks(tasks, { all: true }).map((t) => t.id)).toEqual(['run-1', 'stage-1', 'done-1', 'fail-1']);
  });

  it('filters by state (a terminal state looks at ended tasks) and by framework', () => {
    expect(filterTasks(tasks, { all: false, states: parseTaskStates('state', 'failed,TASK_RUNNING') }).map((t) => t.id)).toEqual(['run-1', 'fail-1']);
    expect(filterTasks(tasks, { all: true, frameworkId: 'f2' }).map((t) => t.id)).toEqual(['stage-1', 'fail-1']);
  });

  it('refuses an unknown state, listing the allowed ones', () => {
    expect(() => parseTaskStates('state', 'running,sleeping')).toThrow("--state: 'sleeping' is not a task state; allowed: TASK_STAGING");
    expect(() => parseTaskStates('state', ',')).toThrow('comma-separated');
  });

  it('renders a table, and says how to see ended tasks when none is live', () => {
    const text = renderTasks(filterTasks(tasks, { all: false }), { all: false }).join('\n');
    expect(text).toMatch(/^ID\s+NAME\s+STATE\s+HEALTH\s+FRAMEWORK\s+AGENT\s+RESOURCES\s+UPDATED/);
    expect(text).toMatch(/run-1\s+name-run-1\s+TASK_RUNNING\s+—\s+f1\s+a1\s+cpus:1;mem:128\s+1970-01-01T00:16:40\.000Z/);
    expect(renderTasks([], { all: false })).toEqual(['No live tasks. See ended ones with --all.']);
  });

  it("shows each task's health as its latest status tells it: healthy, unhealthy, or none", () => {
    const withHealth = (id: string, ...healthy: (boolean | undefined)[]): Task => ({
      ...task(id, 'TASK_RUNNING'),
      statuses: healthy.map((h, i) => ({ task_id: { value: id }, state: 'TASK_RUNNING' as const, timestamp: 1000 + i, ...(h === undefined ? {} : { healthy: h }) })),
    });
    const rows = filterTasks({ tasks: [withHealth('up', undefined, true), withHealth('down', true, false), withHealth('none', true, undefined)] }, { all: false });
    expect(rows.map((t) => [t.id, t.health])).toEqual([['up', 'healthy'], ['down', 'unhealthy'], ['none', undefined]]);
    const text = renderTasks(rows, { all: false }).join('\n');
    expect(text).toMatch(/up\s+name-up\s+TASK_RUNNING\s+healthy\s/);
    expect(text).toMatch(/down\s+name-down\s+TASK_RUNNING\s+unhealthy\s/);
    expect(text).toMatch(/none\s+name-none\s+TASK_RUNNING\s+—\s/);
  });
});

describe('frameworks and offers', () => {
  const frameworks: GetFrameworks = {
    frameworks: [{
      framework_info: { id: { value: 'f1' }, name: 'exec', user: 'root', roles: ['dev'] }, active: true, connected: true,
      registered_time: { nanoseconds: 2e12 }, allocated_resources: r('cpus:1;mem:128'),
      offers: [{ id: { value: 'o1' }, framework_id: { value: 'f1' }, agent_id: { value: 'a2' }, hostname: 'h2', resources: r('cpus:1;mem:896'), allocation_info: { role: 'dev' } }],
    }],
    completed_frameworks: [{ framework_info: { id: { value: 'f2' }, name: 'old', user: 'root' }, active: false, connected: false }],
  };

  it('lists frameworks with roles, state, live tasks and use; ended ones with --all', () => {
    const rows = buildFrameworkRows(frameworks, tasks, true);
    expect(rows.map((f) => [f.id, f.roles, f.state, f.tasks, f.offers])).toEqual([['f1', ['dev'], 'active', 1, 1], ['f2', ['*'], 'completed', 1, 0]]);
    expect(rows[0].registered).toBe(new Date(2000_000).toISOString());
    expect(buildFrameworkRows(frameworks, tasks, false)).toHaveLength(1);
    expect(renderFrameworks(rows, true).join('\n')).toMatch(/f1\s+exec\s+dev\s+active\s+1\s+1\s+128\s+1/);
  });

  it('lists offers with their resources', () => {
    const rows = buildOfferRows(frameworks);
    expect(rows).toEqual([{ id: 'o1', framework_id: 'f1', agent_id: 'a2', hostname: 'h2', role: 'dev', resources: 'cpus:1;mem:896' }]);
    expect(renderOffers(rows).join('\n')).toMatch(/o1\s+f1\s+a2\s+h2\s+dev\s+cpus:1;mem:896/);
    expect(renderOffers([])).toEqual(['No offers outstanding.']);
  });
});

describe('roles, weights and quota', () => {
  it('joins roles with their quota', () => {
    const rows = buildRoleRows(
      { roles: [
        { name: 'dev', weight: 2, frameworks: [{ value: 'f1' }], resources: [], allocated: r('cpus:1;mem:128'), offered: [] },
        { name: '*', weight: 1, frameworks: [], resources: [], allocated: [], offered: [] },
      ] },
      [{ role: 'dev', limits: { cpus: { value: 4 } } }],
    );
    expect(rows).toEqual([
      { name: '*', weight: 1, frameworks: 0, allocated: expect.objectContaining({ cpus: 0 }) },
      { name: 'dev', weight: 2, frameworks: 1, allocated: expect.objectContaining({ cpus: 1, mem: 128 }), quota: { role: 'dev', guarantees: {}, limits: { cpus: 4 } } },
    ]);
    expect(renderRoles(rows).join('\n')).toMatch(/dev\s+2\s+1\s+1\s+128\s+0\s+cpus:4\s+-/);
  });

  it('renders weights and quota, and says when there are none', () => {
    expect(renderWeights(weightRows([{ role: 'ops', weight: 0.5 }, { role: 'dev', weight: 2 }]))).toEqual(['ROLE  WEIGHT', 'dev   2', 'ops   0.5']);
    expect(renderWeights([])).toEqual(['No weights set; every role has weight 1.']);
    expect(renderQuota(quotaRows([{ role: 'dev', limits: { cpus: { value: 4 }, mem: { value: 1024 } } }]))).toEqual(['ROLE  LIMITS           GUARANTEES', 'dev   cpus:4;mem:1024  -']);
    expect(renderQuota([])).toEqual(['No quota set.']);
  });
});
