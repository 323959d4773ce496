/** The tasks table shared by the overview, the tasks page and the agent and framework pages. */
import { DataTable, healthBadge, link, mono, stateBadge, type Column } from './components';
import { latestHealth } from '../protocol/task-health';
import { cpus, dateTime, megabytes, scalars, taskTimes } from './format';
import type { Task } from './model';
import { routes } from './router';
import { agentName } from './stats';
import type { Store } from './store';

export type TaskColumn = 'name' | 'id' | 'state' | 'health' | 'framework' | 'agent' | 'cpus' | 'mem' | 'started' | 'ended';

export function taskTable(store: Store, which: TaskColumn[], opts: { empty: string; testId?: string; limit?: number; sortBy?: TaskColumn; descending?: boolean }): DataTable<Task> {
  const all: Record<TaskColumn, Column<Task>> = {
    name: { title: 'Name', cell: (t) => link(routes.task(t.framework_id.value, t.task_id.value), t.name || t.task_id.value), sort: (t) => t.name },
    id: { title: 'ID', cell: (t) => mono(t.task_id.value, routes.task(t.framework_id.value, t.task_id.value)), sort: (t) => t.task_id.value, className: 'col-id' },
    state: { title: 'State', cell: (t) => stateBadge(t.state), sort: (t) => t.state },
    health: { title: 'Health', cell: (t) => healthBadge(latestHealth(t.statuses)), sort: (t) => latestHealth(t.statuses) ?? '' },
    framework: {
      title: 'Framework',
      cell: (t) => link(routes.framework(t.framework_id.value), store.findFramework(t.framework_id.value)?.framework_info.name ?? t.framework_id.value),
      sort: (t) => store.findFramework(t.framework_id.value)?.framework_info.name ?? t.framework_id.value,
    },
    agent: { title: 'Agent', cell: (t) => link(routes.agent(t.agent_id.value), agentName(store, t.agent_id.value)), sort: (t) => agentName(store, t.agent_id.value) },
    cpus: { title: 'CPUs', cell: (t) => cpus(scalars(t.resources).cpus), sort: (t) => scalars(t.resources).cpus, className: 'num' },
    mem: { title: 'Mem', cell: (t) => megabytes(scalars(t.resources).mem), sort: (t) => scalars(t.resources).mem, className: 'num' },
    started: { title: 'Started', cell: (t) => dateTime(taskTimes(t).started), sort: (t) => taskTimes(t).started ?? 0, className: 'time' },
    ended: { title: 'Ended', cell: (t) => dateTime(taskTimes(t).ended), sort: (t) => taskTimes(t).ended ?? 0, className: 'time' },
  };
  const sortBy = opts.sortBy === undefined ? undefined : which.indexOf(opts.sortBy);
  return new DataTable(which.map((c) => all[c]), { empty: opts.empty, testId: opts.testId, limit: opts.limit, sortBy: sortBy !== undefined && sortBy >= 0 ? sortBy : undefined, descending: opts.descending });
}

/** Newest first, as the store keeps completed tasks oldest first. */
export function newestFirst<T>(values: Iterable<T>, limit = Infinity): T[] {
  const all = [...values];
  const out: T[] = [];
  for (let i = all.length - 1; i >= 0 && out.length < limit; i--) out.push(all[i]);
  return out;
}
