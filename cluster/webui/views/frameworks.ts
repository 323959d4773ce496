/** Frameworks: active and completed lists, and one framework's details and tasks. */
import { badge, DataTable, errorBox, externalLink, keyValues, link, mono, pageHeader, section } from '../components';
import { h, replace } from '../dom';
import { ago, cpus, dateTime, megabytes, nanosToMs, NO_SCALARS } from '../format';
import type { OperatorFramework } from '../model';
import { routes, type Route } from '../router';
import { usageBy, type Usage } from '../stats';
import { newestFirst, taskTable } from '../task-table';
import type { AppContext, View } from '../view';

export function frameworkRoles(f: OperatorFramework): string {
  const roles = f.framework_info.roles?.length ? f.framework_info.roles : [f.framework_info.role ?? '*'];
  return roles.join(', ');
}

function frameworkStatus(f: OperatorFramework, completed: boolean): HTMLElement {
  if (completed) return badge('COMPLETED', 'muted');
  if (!f.connected) return badge('DISCONNECTED', 'warn');
  return f.active ? badge('ACTIVE', 'ok') : badge('INACTIVE', 'muted');
}

function frameworkTable(completed: boolean, usage: () => Map<string, Usage>, testId: string): DataTable<OperatorFramework> {
  const use = (f: OperatorFramework) => usage().get(f.framework_info.id!.value) ?? { allocated: NO_SCALARS, tasks: 0 };
  const id = (f: OperatorFramework) => f.framework_info.id!.value;
  return new DataTable<OperatorFramework>([
    { title: 'Name', cell: (f) => link(routes.framework(id(f)), f.framework_info.name), sort: (f) => f.framework_info.name },
    { title: 'ID', cell: (f) => mono(id(f), routes.framework(id(f))), sort: id, className: 'col-id' },
    { title: 'Status', cell: (f) => frameworkStatus(f, completed) },
    { title: 'Roles', cell: frameworkRoles, sort: frameworkRoles },
    { title: 'User', cell: (f) => f.framework_info.user, sort: (f) => f.framework_info.user },
    { title: 'Principal', cell: (f) => f.framework_info.principal ?? '', sort: (f) => f.framework_info.principal ?? '' },
    ...(completed ? [] : [
      { title: 'Tasks', cell: (f: OperatorFramework) => use(f).tasks, sort: (f: OperatorFramework) => use(f).tasks, className: 'num' },
      { title: 'CPUs', cell: (f: OperatorFramework) => cpus(use(f).allocated.cpus), sort: (f: OperatorFramework) => use(f).allocated.cpus, className: 'num' },
      { title: 'Mem', cell: (f: OperatorFramework) => megabytes(use(f).allocated.mem), sort: (f: OperatorFramework) => use(f).allocated.mem, className: 'num' },
    ]),
    { title: 'Registered', cell: (f) => ago(nanosToMs(f.registered_time)), sort: (f) => -(nanosToMs(f.registered_time) ?? 0), className: 'time' },
    ...(completed ? [{ title: 'Ended', cell: (f: OperatorFramework) => dateTime(nanosToMs(f.unregistered_time)), className: 'time' }] : []),
  ], { empty: completed ? 'No completed frameworks.' : 'No frameworks are subscribed.', testId });
}

export function frameworksView(ctx: AppContext): View {
  const { store } = ctx;
  let usage = new Map<string, Usage>();
  const active = frameworkTable(false, () => usage, 'frameworks');
  const completed = frameworkTable(true, () => usage, 'completed-frameworks');
  const count = h('span');
  const el = h('div', { class: 'page' }, pageHeader('Frameworks', count), section('Active frameworks', active.el), section('Completed frameworks', completed.el));
  const update = () => {
    usage = usageBy(store.tasks.values(), (t) => t.framework_id.value);
    replace(count, `${store.frameworks.size} active · ${store.completedFrameworks.size} completed`);
    active.update([...store.frameworks.values()]);
    completed.update(newestFirst(store.completedFrameworks.values()));
  };
  update();
  return { el, update };
}

export function frameworkView(ctx: AppContext, route: Route): View {
  const { store } = ctx;
  const id = route.parts[1];
  const header = h('div');
  const summary = h('div');
  const active = taskTable(store, ['name', 'id', 'state', 'agent', 'cpus', 'mem', 'started'], { empty: 'No active tasks.', sortBy: 'started', descending: true });
  const completed = taskTable(store, ['name', 'id', 'state', 'agent', 'started', 'ended'], { empty: 'No completed tasks.', limit: 100 });
  const body = h('div', null, section('Framework', summary), section('Active tasks', active.el), section('Completed tasks', completed.el));
  const el = h('div', { class: 'page' }, header, body);
  const update = () => {
    const framework = store.findFramework(id);
    if (!framework) {
      replace(header, pageHeader('Framework', mono(id)), store.loaded ? errorBox(`No framework with id ${id} is known to the master.`) : '');
      body.hidden = true;
      return;
    }
    body.hidden = false;
    const isCompleted = !store.frameworks.has(id);
    const info = framework.framework_info;
    replace(header, pageHeader(h('span', null, info.name, frameworkStatus(framework, isCompleted)), mono(id)));
    const mine = [...store.tasks.values()].filter((t) => t.framework_id.value === id);
    replace(summary, keyValues([
      ['ID', mono(id)],
      ['Roles', frameworkRoles(framework)],
      ['User', info.user],
      ['Principal', info.principal ?? ''],
      ['Host', info.hostname ?? ''],
      ['Web UI', externalLink(info.webui_url)],
      ['Checkpointing', info.checkpoint ? 'yes' : 'no'],
      ['Failover timeout', info.failover_timeout ? `${info.failover_timeout}s` : '0'],
      ['Capabilities', (info.capabilities ?? []).map((c) => c.type).join(', ')],
      ['Registered', dateTime(nanosToMs(framework.registered_time))],
      ['Re-registered', dateTime(nanosToMs(framework.reregistered_time))],
      ...(framework.unregistered_time ? [['Unregistered', dateTime(nanosToMs(framework.unregistered_time))] as [string, string]] : []),
      ['Outstanding offers', String(framework.offers?.length ?? 0)],
    ]));
    active.update(mine);
    completed.update(newestFirst([...store.completedTasks.values()].filter((t) => t.framework_id.value === id), 100));
  };
  update();
  return { el, update };
}
