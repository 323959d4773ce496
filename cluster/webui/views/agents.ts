/** Agents: the list with allocation per agent, and one agent's resources, attributes and tasks. */
import { badge, DataTable, errorBox, keyValues, link, mono, pageHeader, section } from '../components';
import { h, replace } from '../dom';
import { ago, cpus, dateTime, megabytes, nanosToMs, NO_SCALARS, ports, scalars } from '../format';
import type { Agent } from '../model';
import { routes, type Route } from '../router';
import { agentHost, agentStatus, usageByAgent, type Usage } from '../stats';
import { newestFirst, taskTable } from '../task-table';
import type { AppContext, View } from '../view';
import { meter } from './overview';
import { reservationAmounts, summarizeReservations, volumeText, type ReservedResourceJson } from '../../protocol/reservation-summary';

const NO_USAGE: Usage = { allocated: NO_SCALARS, tasks: 0 };

export function agentsView(ctx: AppContext): View {
  const { store } = ctx;
  let usage = new Map<string, Usage>();
  const use = (a: Agent) => usage.get(a.agent_info.id!.value) ?? NO_USAGE;
  const filter = h('input', { type: 'search', placeholder: 'Filter by host, id or attribute', class: 'filter', 'aria-label': 'Filter agents' });
  const table = new DataTable<Agent>([
    { title: 'Host', cell: (a) => link(routes.agent(a.agent_info.id!.value), agentHost(a)), sort: (a) => agentHost(a) },
    { title: 'ID', cell: (a) => mono(a.agent_info.id!.value, routes.agent(a.agent_info.id!.value)), sort: (a) => a.agent_info.id!.value, className: 'col-id' },
    { title: 'Status', cell: (a) => { const s = agentStatus(a); return badge(s.text, s.tone) }, sort: (a) => agentStatus(a).text },
    { title: 'Tasks', cell: (a) => use(a).tasks, sort: (a) => use(a).tasks, className: 'num' },
    { title: 'CPUs', cell: (a) => usedOf(use(a).allocated.cpus, scalars(a.total_resources).cpus, cpus), sort: (a) => scalars(a.total_resources).cpus, className: 'num' },
    { title: 'Mem', cell: (a) => usedOf(use(a).allocated.mem, scalars(a.total_resources).mem, megabytes), sort: (a) => scalars(a.total_resources).mem, className: 'num' },
    { title: 'Disk', cell: (a) => usedOf(use(a).allocated.disk, scalars(a.total_resources).disk, megabytes), sort: (a) => scalars(a.total_resources).disk, className: 'num' },
    { title: 'Allocation', cell: (a) => meter(scalars(a.total_resources).cpus, use(a).allocated.cpus, scalars(a.offered_resources).cpus), className: 'meter-cell' },
    { title: 'Registered', cell: (a) => ago(nanosToMs(a.reregistered_time ?? a.registered_time)), sort: (a) => -(nanosToMs(a.reregistered_time ?? a.registered_time) ?? 0), className: 'time' },
  ], { empty: 'No agents registered.', testId: 'agents', sortBy: 0 });
  const count = h('span');
  const el = h('div', { class: 'page' }, pageHeader('Agents', count, filter), h('section', { class: 'card flush' }, table.el));
  const update = () => {
    usage = usageByAgent(store.tasks.values());
    const needle = filter.value.trim().toLowerCase();
    const agents = [...store.agents.values()].filter((a) => !needle || agentText(a).includes(needle));
    replace(count, `${store.agents.size} registered${needle ? ` · ${agents.length} shown` : ''}`);
    table.update(agents);
  };
  filter.addEventListener('input', update);
  update();
  return { el, update };
}

function usedOf(used: number, total: number, fmt: (n: number) => string): HTMLElement {
  return h('span', null, fmt(used), h('span', { class: 'dim' }, ` / ${fmt(total)}`));
}

function agentText(a: Agent): string {
  return [agentHost(a), a.agent_info.id?.value, ...(a.agent_info.attributes ?? []).map(attributeText)].join(' ').toLowerCase();
}

function attributeText(attr: NonNullable<Agent['agent_info']['attributes']>[number]): string {
  return `${attr.name}:${attributeValue(attr)}`;
}

export function attributeValue(attr: NonNullable<Agent['agent_info']['attributes']>[number]): string {
  if (attr.text) return attr.text.value;
  if (attr.scalar) return String(attr.scalar.value);
  if (attr.set) return `{${attr.set.item.join(',')}}`;
  if (attr.ranges) return `[${attr.ranges.range.map((r) => `${r.begin}-${r.end}`).join(',')}]`;
  return '';
}

/** Per role: each reservation with its type and principal, and the persistent volumes made on it. */
function reservationTable(agent: Agent): HTMLElement {
  const roles = summarizeReservations((agent.total_resources ?? []) as ReservedResourceJson[]);
  if (roles.length === 0) return h('p', { class: 'dim' }, 'Nothing reserved on this agent.');
  return h('table', { class: 'data', 'data-testid': 'reservations' },
    h('thead', null, h('tr', null, ['Role', 'Type', 'Principal', 'Reserved', 'Volumes'].map((t) => h('th', null, t)))),
    h('tbody', null, roles.flatMap((role) => role.reservations.map((r, i) => h('tr', null,
      h('td', null, h('b', null, role.role)),
      h('td', null, badge(r.type, r.type === 'STATIC' ? 'muted' : 'info')),
      h('td', null, r.principal ?? '—'),
      h('td', null, mono(reservationAmounts(r))),
      h('td', null, i === 0 ? role.volumes.map((v) => h('div', null, volumeText(v))) : ''))))));
}

export function agentView(ctx: AppContext, route: Route): View {
  const { store } = ctx;
  const id = route.parts[1];
  const header = h('div');
  const summary = h('div');
  const res = h('div');
  const attrs = h('div');
  const reservations = h('div');
  const active = taskTable(store, ['name', 'id', 'state', 'framework', 'cpus', 'mem', 'started'], { empty: 'No active tasks on this agent.', sortBy: 'started', descending: true });
  const completed = taskTable(store, ['name', 'id', 'state', 'framework', 'started', 'ended'], { empty: 'No completed tasks on this agent.', limit: 100 });
  const body = h('div', null,
    h('div', { class: 'grid-2' }, section('Agent', summary), section('Resources', res)),
    section('Attributes', attrs),
    section('Reservations', reservations),
    section('Active tasks', active.el),
    section('Completed tasks', completed.el));
  const el = h('div', { class: 'page' }, header, body);
  const update = () => {
    const agent = store.agents.get(id);
    if (!agent) {
      replace(header, pageHeader('Agent', mono(id)), store.loaded ? errorBox(`No agent with id ${id} is registered with the master.`) : '');
      body.hidden = true;
      return;
    }
    body.hidden = false;
    const status = agentStatus(agent);
    replace(header, pageHeader(h('span', null, agentHost(agent), badge(status.text, status.tone)), mono(id)));
    replace(summary, keyValues([
      ['ID', mono(id)],
      ['Host', agentHost(agent)],
      ['PID', agent.pid ? mono(agent.pid) : ''],
      ['Version', agent.version ?? ''],
      ['Registered', dateTime(nanosToMs(agent.registered_time))],
      ['Re-registered', dateTime(nanosToMs(agent.reregistered_time))],
    ]));
    const mine = [...store.tasks.values()].filter((t) => t.agent_id.value === id);
    const used = usageByAgent(mine).get(id)?.allocated ?? NO_SCALARS;
    const total = scalars(agent.total_resources);
    const offered = scalars(agent.offered_resources);
    replace(res, h('table', { class: 'data resources' },
      h('thead', null, h('tr', null, h('th'), ['Total', 'Allocated', 'Offered'].map((t) => h('th', { class: 'num' }, t)))),
      h('tbody', null,
        [['CPUs', 'cpus', cpus], ['Mem', 'mem', megabytes], ['Disk', 'disk', megabytes]].map(([label, key, fmt]) => {
          const k = key as 'cpus' | 'mem' | 'disk';
          const f = fmt as (n: number) => string;
          return h('tr', null, h('th', { scope: 'row' }, label as string), h('td', { class: 'num' }, f(total[k])), h('td', { class: 'num' }, f(used[k])), h('td', { class: 'num' }, f(offered[k])));
        }),
        h('tr', null, h('th', { scope: 'row' }, 'Ports'), h('td', { class: 'num', colspan: 3 }, ports(agent.total_resources) || '—')))));
    const attributes = agent.agent_info.attributes ?? [];
    replace(attrs, attributes.length ? keyValues(attributes.map((a) => [a.name, attributeValue(a)])) : h('p', { class: 'dim' }, 'No attributes.'));
    replace(reservations, reservationTable(agent));
    active.update(mine);
    completed.update(newestFirst([...store.completedTasks.values()].filter((t) => t.agent_id.value === id), 100));
  };
  update();
  return { el, update };
}
