/** Tasks, active and completed, narrowed by a text filter and a state. */
import { pageHeader, section } from '../components';
import { h, replace } from '../dom';
import { TASK_STATES, type Task } from '../model';
import type { Route } from '../router';
import { agentName } from '../stats';
import type { Store } from '../store';
import { newestFirst, taskTable } from '../task-table';
import type { AppContext, View } from '../view';

export function tasksView(ctx: AppContext, route: Route): View {
  const { store } = ctx;
  const filter = h('input', { type: 'search', placeholder: 'Filter by name, id, agent or framework', class: 'filter', 'aria-label': 'Filter tasks', value: route.query.get('q') ?? '' });
  const state = h('select', { class: 'state-filter', 'aria-label': 'Task state' },
    h('option', { value: '' }, 'Any state'), TASK_STATES.map((s) => h('option', { value: s }, s)));
  state.value = route.query.get('state') ?? '';
  const active = taskTable(store, ['name', 'id', 'state', 'health', 'framework', 'agent', 'cpus', 'mem', 'started'], { empty: 'No active tasks match.', testId: 'active-tasks', sortBy: 'started', descending: true });
  const completed = taskTable(store, ['name', 'id', 'state', 'framework', 'agent', 'started', 'ended'], { empty: 'No completed tasks match.', testId: 'completed-tasks' });
  const activeTitle = h('span');
  const completedTitle = h('span');
  const count = h('span');
  const el = h('div', { class: 'page' }, pageHeader('Tasks', count, filter, state), section(activeTitle, active.el), section(completedTitle, completed.el));

  const update = () => {
    const match = matcher(store, filter.value, state.value);
    const live = [...store.tasks.values()].filter(match);
    const done = newestFirst(store.completedTasks.values()).filter(match);
    replace(count, `${store.tasks.size} active · ${store.completedTasks.size} completed`);
    replace(activeTitle, `Active tasks (${live.length})`);
    replace(completedTitle, `Completed tasks (${done.length})`);
    active.update(live);
    completed.update(done);
  };
  // The filter lives in the address too, so a filtered list can be shared or reloaded.
  const remember = () => {
    const params = new URLSearchParams();
    if (filter.value) params.set('q', filter.value);
    if (state.value) params.set('state', state.value);
    const qs = params.toString();
    history.replaceState(null, '', `#/tasks${qs ? `?${qs}` : ''}`);
    update();
  };
  filter.addEventListener('input', remember);
  state.addEventListener('change', remember);
  update();
  return { el, update };
}

function matcher(store: Store, text: string, state: string): (task: Task) => boolean {
  const needle = text.trim().toLowerCase();
  return (task) => {
    if (state && task.state !== state) return false;
    if (!needle) return true;
    const framework = store.findFramework(task.framework_id.value)?.framework_info.name ?? '';
    return [task.name, task.task_id.value, task.agent_id.value, agentName(store, task.agent_id.value), framework, task.framework_id.value]
      .some((s) => s.toLowerCase().includes(needle));
  };
}
