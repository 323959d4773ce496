/** The home page: the cluster at a glance, as Mesos's front page, plus allocation over time. */
import { utilisationChart } from '../chart';
import { pageHeader, section, stat, stateBadge } from '../components';
import { h, replace } from '../dom';
import { cpus, dateTime, duration, megabytes, percent, type Scalars } from '../format';
import { TASK_STATES } from '../model';
import { routes } from '../router';
import { clusterTotals } from '../stats';
import { newestFirst, taskTable } from '../task-table';
import type { AppContext, View } from '../view';

export const USAGE_SERIES = [
  { key: 'cpus', label: 'CPUs', colour: '#2563eb' },
  { key: 'mem', label: 'Mem', colour: '#9333ea' },
  { key: 'disk', label: 'Disk', colour: '#0d9488' },
];

export function overviewView(ctx: AppContext): View {
  const { store } = ctx;
  const header = h('div');
  const tiles = h('div', { class: 'tiles' });
  const resources = h('div');
  const chart = h('div');
  const states = h('div', { class: 'state-counts' });
  const active = taskTable(store, ['name', 'id', 'state', 'health', 'framework', 'agent', 'cpus', 'mem', 'started'], { empty: 'No active tasks.', testId: 'active-tasks', limit: 100, sortBy: 'started', descending: true });
  const completed = taskTable(store, ['name', 'id', 'state', 'framework', 'agent', 'started', 'ended'], { empty: 'No completed tasks yet.', testId: 'completed-tasks', limit: 50 });

  const el = h('div', { class: 'page' }, header, tiles,
    h('div', { class: 'grid-2' },
      section('Resources', resources),
      section(h('span', null, 'Allocation over time ', h('small', null, 'since this page opened')), chart)),
    section('Tasks by state', states),
    section(h('span', null, 'Active tasks ', h('a', { href: routes.tasks(), class: 'more' }, 'all tasks →')), active.el),
    section('Recently completed tasks', completed.el));

  const update = () => {
    const totals = clusterTotals(store);
    const m = store.master;
    const uptime = m.startTime ? duration(Date.now() - m.startTime * 1000) : '';
    replace(header, pageHeader(m.cluster ? `Cluster ${m.cluster}` : 'Cluster', h('span', null,
      m.leader ? ['Leader ', h('span', { class: 'mono' }, m.leader)] : '',
      m.version ? ` · version ${m.version}` : '',
      uptime ? ` · up ${uptime}` : '',
      m.startTime ? h('span', { class: 'dim' }, ` (since ${dateTime(m.startTime * 1000)})`) : '')));
    const a = totals.agents;
    const running = totals.tasksByState.get('TASK_RUNNING') ?? 0;
    replace(tiles,
      stat('Agents', a.active, agentDetail(a, totals.agents.unreachable), a.disconnected || totals.agents.unreachable ? 'warn' : undefined),
      stat('Frameworks', store.frameworks.size, `${store.completedFrameworks.size} completed`),
      stat('Running tasks', running, `${store.tasks.size} active · ${store.completedTasks.size} completed`),
      stat('CPUs allocated', percent(totals.allocated.cpus, totals.total.cpus), `${cpus(totals.allocated.cpus)} of ${cpus(totals.total.cpus)} CPUs`),
      stat('Memory allocated', percent(totals.allocated.mem, totals.total.mem), `${megabytes(totals.allocated.mem)} of ${megabytes(totals.total.mem)}`));
    replace(resources, resourceTable(totals.total, totals.allocated, totals.offered));
    replace(chart, utilisationChart(ctx.history, USAGE_SERIES));
    const counts = TASK_STATES.map((s) => [s, totals.tasksByState.get(s) ?? 0] as const).filter(([, n]) => n > 0);
    replace(states, counts.length === 0
      ? h('p', { class: 'dim' }, 'No tasks yet.')
      : counts.map(([s, n]) => h('a', { class: 'state-count', href: routes.tasks({ state: s }) }, stateBadge(s), h('b', null, String(n)))));
    active.update([...store.tasks.values()]);
    completed.update(newestFirst(store.completedTasks.values(), 50));
  };
  update();
  return { el, update };
}

function agentDetail(a: { active: number; disconnected: number; draining: number; deactivated: number }, unreachable: number | undefined): string {
  const parts = [['disconnected', a.disconnected], ['unreachable', unreachable ?? 0], ['draining', a.draining], ['deactivated', a.deactivated]]
    .filter(([, n]) => n)
    .map(([what, n]) => `${n} ${what}`);
  return parts.length ? parts.join(' · ') : 'all active';
}

function resourceTable(total: Scalars, allocated: Scalars, offered: Scalars): HTMLElement {
  const rows: [string, keyof Scalars, (n: number) => string][] = [['CPUs', 'cpus', cpus], ['Mem', 'mem', megabytes], ['Disk', 'disk', megabytes]];
  if (total.gpus > 0) rows.push(['GPUs', 'gpus', cpus]);
  return h('table', { class: 'data resources', 'data-testid': 'resources' },
    h('thead', null, h('tr', null, h('th'), ['Total', 'Allocated', 'Offered', 'Idle'].map((t) => h('th', { class: 'num' }, t)), h('th', null, 'Allocation'))),
    h('tbody', null, rows.map(([label, key, fmt]) => {
      const idle = Math.max(0, total[key] - allocated[key] - offered[key]);
      return h('tr', null, h('th', { scope: 'row' }, label),
        h('td', { class: 'num' }, fmt(total[key])), h('td', { class: 'num' }, fmt(allocated[key])),
        h('td', { class: 'num' }, fmt(offered[key])), h('td', { class: 'num' }, fmt(idle)),
        h('td', { class: 'meter-cell' }, meter(total[key], allocated[key], offered[key])));
    })));
}

/** A stacked bar: allocated, then offered, the rest idle. */
export function meter(total: number, allocated: number, offered: number): HTMLElement {
  const pct = (n: number) => (total > 0 ? Math.min(100, (n / total) * 100) : 0);
  return h('div', { class: 'meter', title: `${percent(allocated, total)} allocated, ${percent(offered, total)} offered` },
    h('span', { class: 'meter-allocated', style: `width:${pct(allocated).toFixed(1)}%` }),
    h('span', { class: 'meter-offered', style: `width:${pct(offered).toFixed(1)}%` }));
}
