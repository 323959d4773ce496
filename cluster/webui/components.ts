/** Building blocks shared by the views: badges, links, key/value lists, stat tiles and a sortable table. */
import { h, replace, type Child } from './dom';
import { isWebUrl } from './format';

/** Colour family of a task state: the CSS picks the colour, the text stays the Mesos name. */
export function stateTone(state: string): string {
  switch (state) {
    case 'TASK_RUNNING': return 'ok';
    case 'TASK_STAGING': case 'TASK_STARTING': return 'info';
    case 'TASK_KILLING': case 'TASK_UNREACHABLE': case 'TASK_UNKNOWN': return 'warn';
    case 'TASK_FINISHED': return 'done';
    case 'TASK_KILLED': return 'muted';
    default: return 'bad';
  }
}

export function stateBadge(state: string): HTMLElement {
  return h('span', { class: `badge tone-${stateTone(state)}`, 'data-state': state }, state);
}

export function badge(text: string, tone: 'ok' | 'info' | 'warn' | 'bad' | 'done' | 'muted'): HTMLElement {
  return h('span', { class: `badge tone-${tone}` }, text);
}

/** A task's health from its latest status (protocol/task-health.ts): healthy, unhealthy, or a dash. */
export function healthBadge(health: 'healthy' | 'unhealthy' | undefined): HTMLElement {
  return health ? h('span', { class: `badge tone-${health === 'healthy' ? 'ok' : 'bad'}`, 'data-health': health }, health) : h('span', { class: 'badge tone-muted', 'data-health': 'none' }, '—');
}

export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href }, ...children);
}

/** A URL a framework or agent reported: a link when it is http(s), else (javascript:, data:...) plain text. */
export function externalLink(url: string | undefined): Child {
  if (!url) return '';
  return isWebUrl(url) ? h('a', { href: url, rel: 'noopener noreferrer' }, url) : h('span', { class: 'mono', title: 'not an http(s) URL' }, url);
}

/** An id in monospace, cut short on screen but whole in its tooltip and when copied. */
export function mono(text: string, href?: string): HTMLElement {
  const inner = h('span', { class: 'mono', title: text }, text);
  return href ? h('a', { href, class: 'mono-link' }, inner) : inner;
}

export function keyValues(rows: [string, Child][]): HTMLElement {
  return h('dl', { class: 'kv' }, rows.flatMap(([key, value]) => [h('dt', null, key), h('dd', null, value ?? '')]));
}

export function section(title: Child, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

export function stat(label: string, value: Child, detail?: Child, tone?: string): HTMLElement {
  return h('div', { class: `stat${tone ? ` tone-${tone}` : ''}` }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), detail ? h('div', { class: 'stat-detail' }, detail) : null);
}

export function pageHeader(title: Child, subtitle?: Child, ...actions: Child[]): HTMLElement {
  return h('header', { class: 'page-header' }, h('div', null, h('h1', null, title), subtitle ? h('div', { class: 'subtitle' }, subtitle) : null), h('div', { class: 'actions' }, ...actions));
}

export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error-box', role: 'alert' }, message);
}

export interface Column<T> {
  title: string;
  cell: (row: T) => Child;
  /** Present when the column sorts; strings compare naturally, numbers numerically. */
  sort?: (row: T) => string | number;
  className?: string;
}

export interface TableOptions {
  empty: string;
  /** Rows drawn at most: a table of 100,000 tasks is searched, not scrolled. */
  limit?: number;
  sortBy?: number;
  descending?: boolean;
  testId?: string;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export class DataTable<T> {
  readonly el: HTMLElement;
  private readonly tbody = h('tbody');
  private readonly foot = h('div', { class: 'table-foot' });
  private readonly headers: HTMLElement[];
  private sortBy?: number;
  private descending: boolean;
  private rows: T[] = [];

  constructor(private readonly columns: Column<T>[], private readonly opts: TableOptions) {
    this.sortBy = opts.sortBy;
    this.descending = opts.descending ?? false;
    this.headers = columns.map((column, index) => {
      const th = h('th', { class: column.className, scope: 'col' }, column.title);
      if (column.sort) {
        th.classList.add('sortable');
        th.addEventListener('click', () => {
          this.descending = this.sortBy === index ? !this.descending : false;
          this.sortBy = index;
          this.draw();
        });
      }
      return th;
    });
    this.el = h('div', { class: 'table-wrap', 'data-testid': opts.testId },
      h('table', { class: 'data' }, h('thead', null, h('tr', null, this.headers)), this.tbody), this.foot);
  }

  update(rows: T[]): void {
    this.rows = rows;
    this.draw();
  }

  private draw(): void {
    const column = this.sortBy === undefined ? undefined : this.columns[this.sortBy];
    let rows = this.rows;
    if (column?.sort) {
      const key = column.sort;
      const sign = this.descending ? -1 : 1;
      rows = rows.map((row) => ({ row, k: key(row) }))
        .sort((a, b) => sign * (typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : collator.compare(String(a.k), String(b.k))))
        .map((x) => x.row);
    }
    this.headers.forEach((th, i) => {
      th.classList.toggle('sorted', i === this.sortBy);
      th.classList.toggle('desc', i === this.sortBy && this.descending);
    });
    const limit = this.opts.limit ?? 500;
    const shown = rows.slice(0, limit);
    if (shown.length === 0) {
      replace(this.tbody, h('tr', { class: 'empty' }, h('td', { colspan: this.columns.length }, this.opts.empty)));
    } else {
      replace(this.tbody, shown.map((row) => h('tr', null, this.columns.map((c) => h('td', { class: c.className }, c.cell(row))))));
    }
    replace(this.foot, rows.length > limit ? `Showing ${limit} of ${rows.length}; filter to narrow the list.` : '');
  }
}
